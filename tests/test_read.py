"""pipeline.read: files, folders and JSON Lines -> RawRecord, streaming, with coded errors."""
from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

import pytest

from pipeline.read import RawRecord, iter_records
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
