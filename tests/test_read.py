"""pipeline.read: files, folders and JSON Lines -> RawRecord, streaming, with coded errors."""
from __future__ import annotations

import bz2
import gzip
import inspect
import io
import json
import lzma
import os
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import pytest
from builders import warc

from pipeline.read import MAX_DEPTH, RawRecord, iter_records
from pipeline.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "corpus" / "dev"


def records(*paths: str | Path, settings: Settings | None = None) -> list[RawRecord]:
    return list(iter_records(paths, settings=settings or Settings()))


def line(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


BATCH = "\n".join([
    line(id="a1", html="<p>第一篇</p>", title="标题一", url="https://x.cn/1", published="2024-01-01"),
    '{"id": "a2", "html": "<p>broken',
    line(id="a3", text="第三篇", html=""),
    "",
    line(text="第五篇，没有编号"),
    line(id="a6", title="只有标题"),
    "[1, 2, 3]",
    line(id=7, html="<p>第七篇</p>", text="不用的文字", author="张三", source="证券时报"),
]) + "\n"


@pytest.fixture
def batch(tmp_path: Path) -> list[RawRecord]:
    return records(write(tmp_path / "dump.jsonl", BATCH))


@pytest.mark.parametrize(
    ("index", "article_id", "input_suffix", "data", "error"),
    [
        (0, "a1", "dump.jsonl:1", "<p>第一篇</p>", ""),
        (1, "dump:2", "dump.jsonl:2", b"", "[E105]"),
        (2, "a3", "dump.jsonl:3", "第三篇", ""),
        (3, "dump:5", "dump.jsonl:5", "第五篇，没有编号", ""),
        (4, "dump:6", "dump.jsonl:6", b"", "[E105]"),
        (5, "dump:7", "dump.jsonl:7", b"", "[E105]"),
        (6, "7", "dump.jsonl:8", "<p>第七篇</p>", ""),
    ],
)
def test_when_a_json_lines_file_is_read_then_each_line_is_a_record(
    batch: list[RawRecord], index: int, article_id: str, input_suffix: str, data: object, error: str
) -> None:
    assert len(batch) == 7  # the blank line 4 is no record
    record = batch[index]
    assert record.article_id == article_id
    assert record.input.endswith(input_suffix)
    assert record.data == data
    assert record.error.startswith(error) if error else record.error == ""


@pytest.mark.parametrize(
    ("index", "message"),
    [(1, "dump.jsonl: bad JSON on line 2"), (4, "dump.jsonl: bad JSON on line 6"), (5, "line 7")],
)
def test_when_a_json_line_is_bad_then_the_error_names_file_and_line(
    batch: list[RawRecord], index: int, message: str
) -> None:
    assert message in batch[index].error
    assert "\n" not in batch[index].error


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, {"title": "标题一", "url": "https://x.cn/1", "published": "2024-01-01"}),
        (2, {}),
        (6, {"author": "张三", "source": "证券时报"}),
    ],
)
def test_when_json_lines_carry_metadata_then_it_is_passed_on(
    batch: list[RawRecord], index: int, expected: dict[str, str]
) -> None:
    assert dict(batch[index].metadata) == expected


def test_when_field_names_are_configured_then_they_are_used(tmp_path: Path) -> None:
    settings = Settings(id_field="doc", html_field="body", text_field="plain", title_field="headline",
                        url_field="link", published_field="time")
    content = line(doc="d1", body="<p>正文</p>", headline="标", link="u", time="t") + "\n"
    path = write(tmp_path / "x.txt", content)
    (record,) = records(path, settings=settings)
    assert (record.article_id, record.data) == ("d1", "<p>正文</p>")
    assert dict(record.metadata) == {"title": "标", "url": "u", "published": "t"}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("a.txt", line(id="j1", text="正文") + "\n", ["j1"], id="json-lines-in-a-txt"),
        pytest.param("b.jsonl", "这不是 JSON\n{}\n", ["b"], id="jsonl-name-but-text"),
        pytest.param("c.json", '{\n  "id": "x"\n}\n', ["c"], id="pretty-json-is-one-file"),
        pytest.param("d.jsonl", "\ufeff\n\n" + line(id="j2", text="正文") + "\n", ["j2"],
                     id="bom-and-blank-lines"),
        pytest.param("e.html", "<html><body><p>{正文}</p></body></html>", ["e"], id="html"),
    ],
)
def test_when_a_file_is_read_then_json_lines_are_told_by_content(
    tmp_path: Path, name: str, content: str, expected: list[str]
) -> None:
    assert [r.article_id for r in records(write(tmp_path / name, content))] == expected


def test_when_a_plain_file_is_read_then_it_is_one_record_of_raw_bytes(tmp_path: Path) -> None:
    raw = "<p>正文</p>".encode("gbk")
    (record,) = records(write(tmp_path / "dev03.html", raw))
    assert record == RawRecord(article_id="dev03", input=str(tmp_path / "dev03.html"), data=raw, metadata={})


def test_when_a_folder_is_read_then_it_is_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    for rel in ["b.txt", "a.html", "sub/c.md", "sub/a2.txt", "z/deep/d.txt", ".hidden.txt", ".git/x.txt",
                "sub/.secret/y.txt"]:
        write(tmp_path / rel, "正文")
    assert [Path(r.input).relative_to(tmp_path).as_posix() for r in records(tmp_path)] == [
        "a.html", "b.txt", "sub/a2.txt", "sub/c.md", "z/deep/d.txt"]


def test_when_a_path_does_not_exist_then_one_e108_record_is_yielded_and_the_rest_goes_on(
    tmp_path: Path,
) -> None:
    good = write(tmp_path / "ok.txt", "正文")
    missing = tmp_path / "nope" / "gone.html"
    out = records(missing, good)
    assert [r.article_id for r in out] == ["gone", "ok"]
    assert out[0].error == f"[E108] {missing}: no such file or folder"
    assert out[1].error == ""


@pytest.mark.parametrize(
    ("content", "limit", "error"),
    [
        pytest.param("正" * 100, 50, "[E104] {path}: over the size limit (300 bytes > 50)", id="over"),
        pytest.param("正" * 10, 30, "", id="exactly-at-limit"),
        pytest.param("正" * 10, 29, "[E104]", id="one-over"),
    ],
)
def test_when_a_file_is_over_max_bytes_then_e104(
    tmp_path: Path, content: str, limit: int, error: str
) -> None:
    path = write(tmp_path / "big.txt", content)
    (record,) = records(path, settings=Settings(max_bytes=limit))
    assert record.error.startswith(error.format(path=path)) if error else record.error == ""
    assert record.data == (b"" if error else content.encode("utf-8"))


def test_when_a_json_line_is_over_max_bytes_then_only_that_line_fails(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", "\n".join([
        line(id="a", text="短"), line(id="b", text="长" * 500), line(id="c", text="短")]) + "\n")
    out = records(path, settings=Settings(max_bytes=200))
    assert [(r.article_id, r.error[:6]) for r in out] == [("a", ""), ("d:2", "[E104]"), ("c", "")]


def test_when_a_line_is_not_utf8_then_e105(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", line(id="a", text="好").encode() + b"\n" +
                 '{"id": "b", "text": "坏"}'.encode("gbk") + b"\n")
    out = records(path)
    assert [r.error[:6] for r in out] == ["", "[E105]"]


def test_when_a_folder_is_unreadable_then_e106_and_the_rest_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a" / "x.txt", "正文")
    write(tmp_path / "b.txt", "正文")
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if Path(str(path)).name == "a":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    out = records(tmp_path)
    assert [(r.article_id, r.error) for r in out] == [
        ("a", f"[E106] {tmp_path / 'a'}: unreadable file (Permission denied)"), ("b", "")]


def test_when_records_are_read_then_it_is_a_lazy_generator(tmp_path: Path) -> None:
    assert inspect.isgenerator(iter_records([tmp_path / "missing"], settings=Settings()))
    it = iter_records([tmp_path / "missing"], settings=Settings())
    assert next(it).error.startswith("[E108]")


def test_when_the_dev_corpus_is_read_then_files_and_json_lines_are_records() -> None:
    if not DEV.exists():
        pytest.skip(f"shared corpus not found at {DEV}")
    out = records(DEV)
    assert [r.article_id for r in out] == [
        "dev13", "dev14", "dev15", "dev16", "dev01", "dev02", "dev03", "dev04", "dev05", "dev06", "dev07",
        "dev08", "dev09", "dev10", "dev11", "dev12"]
    assert all(r.error == "" for r in out)
    assert isinstance(out[0].data, str) and isinstance(out[4].data, bytes)


# --- containers ------------------------------------------------------------------------------------

Expected = list[tuple[str, str, str]]  # (article_id, end of input, start of error)


def page(text: str, encoding: str = "utf-8") -> bytes:
    return f"<html><body><p>{text}</p></body></html>".encode(encoding)


def jsonl(*objects: Mapping[str, object]) -> bytes:
    return "".join(line(**o) + "\n" for o in objects).encode("utf-8")




CRAWL_ITEMS = [
    ("request", "r-1", "https://x.cn/1", "", b""),
    ("response", "w-1", "https://x.cn/1", "text/html; charset=GBK", page("第一篇", "gbk")),
    ("response", "w-2", "https://x.cn/logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    ("metadata", "m-1", "https://x.cn/1", "", b"via: https://x.cn/\r\n"),
    ("response", "w-3", "https://x.cn/3", 'application/xhtml+xml; charset="utf-8"', page("第三篇")),
]
CRAWL = warc(*CRAWL_ITEMS)


def crawl_expected(where: str) -> Expected:
    return [("w-1", f"{where}#w-1", ""), ("w-3", f"{where}#w-3", "")]


def zipped(members: dict[str, bytes], folders: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for folder in folders:
            zf.writestr(zipfile.ZipInfo(folder), b"")  # an explicit folder entry, as archivers write
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def tarred(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        folder = tarfile.TarInfo("sub")
        folder.type = tarfile.DIRTYPE
        tf.addfile(folder)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


MEMBERS = {
    "a.html": page("甲"),
    "sub/deep/b.txt": "乙文".encode("gbk"),
    "sub/dump.jsonl": jsonl({"id": "j1", "text": "丙"}, {"text": "丁"}),
    "sub/c.html.gz": gzip.compress(page("戊")),
    "sub/crawl.warc": CRAWL,
    "__MACOSX/sub/._b.txt": b"\x00\x05\x16\x07",
    ".DS_Store": b"\x00\x00\x00\x01Bud1",
    "sub/.hidden/x.txt": "隐藏".encode(),
}


def members_expected(stem: str, where: str) -> Expected:
    return [
        (f"{stem}/a", f"{where}/a.html", ""),
        (f"{stem}/sub/deep/b", f"{where}/sub/deep/b.txt", ""),
        ("j1", f"{where}/sub/dump.jsonl:1", ""),
        (f"{stem}/sub/dump:2", f"{where}/sub/dump.jsonl:2", ""),
        (f"{stem}/sub/c", f"{where}/sub/c.html.gz", ""),
        *crawl_expected(f"{where}/sub/crawl.warc"),
    ]


DUMP = jsonl({"id": "g1", "html": "<p>一</p>"}, {"text": "二"})
DUMP_EXPECTED = [("g1", "{name}:1", ""), ("dump:2", "{name}:2", "")]


def summary(out: list[RawRecord], base: Path) -> Expected:
    """(id, input relative to ``base``, error code) per record."""
    prefix = f"{base}{os.sep}"
    return [(r.article_id, r.input.removeprefix(prefix), r.error[:6]) for r in out]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("dump.jsonl.gz", gzip.compress(DUMP),
                     [(i, w.format(name="dump.jsonl.gz"), e) for i, w, e in DUMP_EXPECTED], id="gzip-json-lines"),
        pytest.param("dump.jsonl.bz2", bz2.compress(DUMP),
                     [(i, w.format(name="dump.jsonl.bz2"), e) for i, w, e in DUMP_EXPECTED], id="bzip2-json-lines"),
        pytest.param("dump.jsonl.xz", lzma.compress(DUMP),
                     [(i, w.format(name="dump.jsonl.xz"), e) for i, w, e in DUMP_EXPECTED], id="xz-json-lines"),
        pytest.param("a.html.gz", gzip.compress(page("正文")), [("a", "a.html.gz", "")], id="gzip-article"),
        pytest.param("blob.dat", gzip.compress(page("正文")), [("blob", "blob.dat", "")], id="gzip-told-by-content"),
        pytest.param("x.gz", gzip.compress(gzip.compress(page("正文"))), [("x", "x.gz", "")], id="gzip-in-gzip"),
        pytest.param("crawl.warc", CRAWL, crawl_expected("crawl.warc"), id="warc"),
        pytest.param("crawl.warc.gz", warc(*CRAWL_ITEMS, gz=True), crawl_expected("crawl.warc.gz"), id="warc-gz"),
        pytest.param("crawl.dat", gzip.compress(CRAWL), crawl_expected("crawl.dat"), id="warc-in-one-gzip-member"),
        pytest.param("arc.zip", zipped(MEMBERS, folders=("sub/", "sub/deep/")), members_expected("arc", "arc.zip"),
                     id="zip-with-folders"),
        pytest.param("bundle.tar", tarred(MEMBERS), members_expected("bundle", "bundle.tar"), id="tar"),
        pytest.param("bundle.tar.gz", tarred(MEMBERS, "w:gz"), members_expected("bundle", "bundle.tar.gz"),
                     id="tar-gz"),
        pytest.param("bundle.tgz", tarred(MEMBERS, "w:gz"), members_expected("bundle", "bundle.tgz"), id="tgz"),
        pytest.param("bundle.tar.xz", tarred(MEMBERS, "w:xz"), members_expected("bundle", "bundle.tar.xz"),
                     id="tar-xz"),
        pytest.param("outer.tar", tarred({"in/arc.zip": zipped(MEMBERS)}),
                     members_expected("outer/in/arc", "outer.tar/in/arc.zip"), id="zip-in-tar"),
        pytest.param("empty.zip", zipped({}), [], id="empty-zip"),
    ],
)
def test_when_a_container_is_read_then_each_article_is_one_record(
    tmp_path: Path, name: str, content: bytes, expected: Expected
) -> None:
    path = write(tmp_path / name, content)
    assert summary(records(path), tmp_path) == expected


def test_when_a_container_is_in_a_folder_then_it_is_read_by_content_like_any_file(tmp_path: Path) -> None:
    write(tmp_path / "dump" / "a.txt", "正文")
    write(tmp_path / "dump" / "b.zip", zipped({"x.txt": "正文".encode()}))
    write(tmp_path / "dump" / "c.jsonl.gz", gzip.compress(jsonl({"text": "正文"})))
    assert [r.article_id for r in records(tmp_path / "dump")] == ["a", "b/x", "c:1"]


def test_when_a_warc_response_is_html_then_its_payload_and_headers_are_passed_on(tmp_path: Path) -> None:
    first, third = records(write(tmp_path / "crawl.warc.gz", warc(*CRAWL_ITEMS, gz=True)))
    assert (first.data, dict(first.metadata)) == (page("第一篇", "gbk"), {
        "url": "https://x.cn/1", "published": "2024-03-01T08:00:00Z", "http_charset": "GBK"})
    assert third.metadata["http_charset"] == "utf-8"


def test_when_a_warc_record_id_is_not_a_uuid_then_only_the_brackets_go(tmp_path: Path) -> None:
    data = warc(("response", "x", "https://x.cn/", "text/html", page("正文"))).replace(
        b"<urn:uuid:x>", b"<urn:sha1:ab>")
    assert [r.article_id for r in records(write(tmp_path / "c.warc", data))] == ["urn:sha1:ab"]


def complete_lines(truncated_gzip: bytes) -> int:
    """How many whole lines a truncated gzip still holds."""
    return zlib.decompressobj(wbits=31).decompress(truncated_gzip).count(b"\n")


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".bin"])
def test_when_a_gzip_is_truncated_then_the_lines_read_so_far_and_one_e107(tmp_path: Path, suffix: str) -> None:
    lines = [{"text": f"第{i}篇 " + os.urandom(200).hex()} for i in range(200)]  # incompressible
    packed = gzip.compress(jsonl(*lines))
    cut = packed[:len(packed) // 2]
    path = write(tmp_path / f"dump{suffix}", cut)
    out = records(path)
    whole = complete_lines(cut)
    assert 0 < whole < len(lines)
    assert [r.article_id for r in out] == [f"dump:{n}" for n in range(1, whole + 1)] + ["dump"]
    assert all(not r.error for r in out[:-1])
    assert out[-1].error.startswith(f"[E107] {path}: truncated or corrupt archive (EOFError")


def test_when_a_gzip_fails_its_checksum_then_every_line_and_one_e107(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(DUMP))
    packed[-8] ^= 0xFF  # the CRC32 in the trailer
    out = records(write(tmp_path / "dump.jsonl.gz", bytes(packed)))
    assert [(r.article_id, r.error[:6]) for r in out] == [("g1", ""), ("dump:2", ""), ("dump", "[E107]")]


def test_when_a_gzipped_article_is_truncated_then_it_is_one_e107(tmp_path: Path) -> None:
    packed = gzip.compress(page("正文" * 1000))
    (record,) = records(write(tmp_path / "a.html.gz", packed[:-20]))
    assert (record.article_id, record.error[:6]) == ("a", "[E107]")


@pytest.mark.parametrize("gz", [False, True])
def test_when_a_warc_is_truncated_then_the_records_so_far_and_one_e107(tmp_path: Path, gz: bool) -> None:
    items = [("response", f"w-{i}", f"https://x.cn/{i}", "text/html", page(f"第{i}篇" + os.urandom(500).hex()))
             for i in range(5)]
    data = warc(*items, gz=gz)
    path = write(tmp_path / "crawl.warc", data[:-300])  # into the last record
    out = records(path)
    assert [(r.article_id, r.error[:6]) for r in out] == [
        ("w-0", ""), ("w-1", ""), ("w-2", ""), ("w-3", ""), ("crawl", "[E107]")]
    assert str(path) in out[-1].error


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("bundle.tar.gz", tarred(MEMBERS, "w:gz")[:-200], "bundle", id="tar-gz"),
        pytest.param("bundle.tar", tarred(MEMBERS)[:1500], "bundle", id="tar"),
        pytest.param("arc.zip", b"PK\x03\x04" + bytes(100), "arc", id="zip-without-directory"),
        pytest.param("arc.zip", zipped(MEMBERS)[:-30], "arc", id="zip-cut"),
    ],
)
def test_when_an_archive_is_damaged_then_it_ends_with_one_e107(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    out = records(write(tmp_path / name, content))
    assert [r.article_id for r in out if r.error] == [expected]
    assert out[-1].error.startswith(f"[E107] {tmp_path / name}: truncated or corrupt archive")


def test_when_a_zip_member_fails_its_checksum_then_only_that_member_is_e107(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.txt", "甲文".encode())
        zf.writestr("b.txt", "乙文".encode())
    data = buf.getvalue().replace("乙文".encode(), "丙文".encode())
    out = records(write(tmp_path / "arc.zip", data))
    assert [(r.article_id, r.error[:6]) for r in out] == [("arc/a", ""), ("arc/b", "[E107]")]


def test_when_a_zip_member_is_encrypted_then_only_that_member_is_e106(tmp_path: Path) -> None:
    data = bytearray(zipped({"a.txt": "甲文".encode(), "b.txt": "乙文".encode()}))
    central = data.index(b"PK\x01\x02")  # the first member's central directory entry
    data[central + 8] |= 0x01  # its "encrypted" flag
    out = records(write(tmp_path / "arc.zip", bytes(data)))
    assert [(r.article_id, r.error[:6]) for r in out] == [("arc/a", "[E106]"), ("arc/b", "")]
    assert "encrypted" in out[0].error


class GbkName(zipfile.ZipInfo):
    """A member named in GBK without the UTF-8 flag, as Chinese Windows archivers write them."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("gbk"), self.flag_bits


def test_when_a_zip_member_name_is_gbk_then_it_is_decoded(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(GbkName("新闻/第一篇.txt"), "正文".encode())
    out = records(write(tmp_path / "arc.zip", buf.getvalue()))
    assert [(r.article_id, r.error) for r in out] == [("arc/新闻/第一篇", "")]


def test_when_containers_nest_too_deep_then_e107(tmp_path: Path) -> None:
    data = page("正文")
    for _ in range(MAX_DEPTH + 1):
        data = gzip.compress(data)
    (record,) = records(write(tmp_path / "deep.gz", data))
    assert record.error.startswith("[E107]") and "nested" in record.error



LONG_LINE = len(line(text="x" * 500)) + 1


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("a.html.gz", gzip.compress(b"x" * 500), [("a", 500)], id="gzip-stream"),
        pytest.param("arc.zip", zipped({"a.txt": b"x" * 500, "b.txt": b"y" * 50}), [("arc/a", 500), ("arc/b", 0)],
                     id="zip-member"),
        pytest.param("t.tar.gz", tarred({"a.txt": b"x" * 500, "b.txt": b"y" * 50}, "w:gz"),
                     [("t/a", 500), ("t/b", 0)], id="tar-member"),
        pytest.param("c.warc.gz", warc(("response", "big", "https://x.cn/1", "text/html", b"x" * 500),
                                       ("response", "small", "https://x.cn/2", "text/html", b"y" * 50), gz=True),
                     [("big", 500), ("small", 0)], id="warc-record"),
        pytest.param("d.jsonl.gz", gzip.compress(jsonl({"text": "x" * 500}, {"text": "y"})),
                     [("d:1", LONG_LINE), ("d:2", 0)], id="json-line-in-gzip"),
    ],
)
def test_when_an_article_in_a_container_is_over_max_bytes_then_e104_with_its_size(
    tmp_path: Path, name: str, content: bytes, expected: list[tuple[str, int]]
) -> None:
    out = records(write(tmp_path / name, content), settings=Settings(max_bytes=100))
    assert [(r.article_id, r.error) for r in out] == [
        (i, f"[E104] {r.input}: over the size limit ({size} bytes > 100)" if size else "")
        for r, (i, size) in zip(out, expected, strict=True)]


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(DUMP, [("g1", "<stdin>:1"), ("stdin:2", "<stdin>:2")], id="json-lines"),
        pytest.param(page("正文"), [("stdin", "<stdin>")], id="article"),
        pytest.param(gzip.compress(DUMP), [("g1", "<stdin>:1"), ("stdin:2", "<stdin>:2")], id="gzip"),
        pytest.param(CRAWL, [("w-1", "<stdin>#w-1"), ("w-3", "<stdin>#w-3")], id="warc"),
        pytest.param(zipped({"a.txt": b"x"}), [("stdin/a", "<stdin>/a.txt")], id="zip"),
        pytest.param(b"", [("stdin", "<stdin>")], id="empty"),
    ],
)
def test_when_the_input_is_a_dash_then_standard_input_is_read(
    monkeypatch: pytest.MonkeyPatch, data: bytes, expected: list[tuple[str, str]]
) -> None:
    stdin(monkeypatch, data)
    assert [(r.article_id, r.input) for r in records("-")] == expected


def test_when_stdin_comes_between_files_then_the_order_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, page("正文"))
    a, b = write(tmp_path / "a.txt", "正文"), write(tmp_path / "b.txt", "正文")
    assert [r.article_id for r in records(a, "-", b)] == ["a", "stdin", "b"]


def test_when_a_file_cannot_be_opened_then_e106_and_the_rest_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad, good = write(tmp_path / "bad.jsonl.gz", b""), write(tmp_path / "good.txt", "正文")
    real_open = Path.open

    def fake_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "bad.jsonl.gz":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", fake_open)
    out = records(tmp_path)
    assert [(r.article_id, r.error) for r in out] == [
        ("bad.jsonl", f"[E106] {bad}: unreadable file (Permission denied)"), ("good", "")]
    assert good.exists()
