"""``finnews extract`` over a messy dump: every container, encoding and kind of damage at once.

Every input article must come out exactly once in ``articles.csv``, with the right status and
error code; the tables must be whole.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import random
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import pytest
from builders import warc

from pipeline.cli import main
from pipeline.tables import COLUMNS

Row = tuple[str, str, str]  # (article_id, status, error code)
RNG = random.Random(20240301)


def sentence(n: int) -> str:
    """A distinct news sentence (no two articles may be duplicates by accident)."""
    return f"第{n}号公告：中信证券股份有限公司担任本次发行的保荐机构，项目编号{RNG.getrandbits(64):x}。"


def page(text: str, charset: str = "utf-8") -> bytes:
    return (f'<html><head><meta charset="{charset}"><title>公告</title></head>'
            f"<body><article><p>{text}</p></article></body></html>").encode(charset)


def jsonl(*objects: Mapping[str, object]) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8")


def crawl(*items: tuple[str, str, str, bytes], gz: bool) -> bytes:
    """A WARC of (WARC-Type, record uuid, HTTP Content-Type, payload) records."""
    return warc(*((t, u, f"https://news.example.cn/{n}.html", ct, body) for n, (t, u, ct, body) in enumerate(items)),
                gz=gz)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def build_dump(root: Path) -> tuple[list[Row], dict[str, str], bytes]:
    """Writes the dump; returns the expected rows in input order, the expected duplicates
    (id -> first id) and what standard input holds."""
    ok: list[str] = []
    errors: list[tuple[str, str]] = []
    duplicates: dict[str, str] = {}

    # single articles in four encodings
    write(root / "01_utf8.html", page(sentence(1)))
    write(root / "02_gbk.html", page(sentence(2), "gbk"))
    big5 = "第3號公告：元大證券股份有限公司擔任本次發行的主辦承銷商，募集資金用於擴建項目。"
    write(root / "03_big5.txt", (big5 * 3).encode("big5"))
    write(root / "04_utf16.txt", sentence(4).encode("utf-16"))  # with a BOM
    ok += ["01_utf8", "02_gbk", "03_big5", "04_utf16"]

    # broken single files
    write(root / "05_empty.txt", b"")
    write(root / "06_binary.bin", bytes(range(256)) * 16)
    write(root / "07_huge.txt", "中".encode() * (7 << 20))  # 21 MB
    errors += [("05_empty", "[E102]"), ("06_binary", "[E103]"), ("07_huge", "[E104]")]

    # JSON Lines with a broken line and a line without text
    write(root / "08_batch.jsonl", b"\n".join([
        json.dumps({"id": "b1", "text": sentence(8)}, ensure_ascii=False).encode(),
        b'{"id": "b2", "text": "broken',
        json.dumps({"text": sentence(9)}, ensure_ascii=False).encode(),
        json.dumps({"id": "b4", "title": "only a title"}).encode(),
    ]) + b"\n")
    ok += ["b1", "08_batch:3"]
    errors += [("08_batch:2", "[E105]"), ("08_batch:4", "[E105]")]

    # a truncated .jsonl.gz: the whole lines before the cut, then one E107
    lines = jsonl(*({"text": sentence(100 + n) + RNG.randbytes(300).hex()} for n in range(40)))
    packed = gzip.compress(lines)
    cut = packed[:len(packed) // 2]
    write(root / "09_cut.jsonl.gz", cut)
    whole = zlib.decompressobj(wbits=31).decompress(cut).count(b"\n")
    assert 0 < whole < 40
    ok += [f"09_cut:{n}" for n in range(1, whole + 1)]
    errors += [("09_cut", "[E107]")]

    # a good .jsonl.gz with custom ids
    write(root / "10_dump.jsonl.gz", gzip.compress(jsonl({"id": "g1", "html": f"<p>{sentence(10)}</p>"},
                                                         {"text": sentence(11)})))
    ok += ["g1", "10_dump:2"]

    # a zip with nested folders (and the junk archivers add)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("news/", b"")
        zf.writestr("news/2024/a.html", page(sentence(12)))
        zf.writestr("news/2024/03/b.txt", sentence(13).encode("gbk"))
        zf.writestr("news/c.jsonl", jsonl({"id": "z1", "text": sentence(14)}, {"text": sentence(15)}))
        zf.writestr("news/empty.txt", b"")
        zf.writestr("__MACOSX/news/._a.html", b"\x00\x05\x16\x07")
        zf.writestr("news/.DS_Store", b"\x00\x00\x00\x01Bud1")
    write(root / "11_arc.zip", buf.getvalue())
    ok += ["11_arc/news/2024/a", "11_arc/news/2024/03/b", "z1", "11_arc/news/c:2"]
    errors += [("11_arc/news/empty", "[E102]")]

    # a tar.gz with a folder and a gzipped member
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in [("x/a.md", f"# 标题\n\n{sentence(16)}\n".encode()),
                           ("x/y/b.html.gz", gzip.compress(page(sentence(17))))]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    write(root / "12_bundle.tar.gz", buf.getvalue())
    ok += ["12_bundle/x/a", "12_bundle/x/y/b"]

    # WARC crawls: requests, metadata and images are no articles
    write(root / "13_crawl.warc.gz", crawl(
        ("request", "q-1", "", b""),
        ("response", "c-1", "text/html; charset=GBK", page(sentence(18), "gbk")),
        ("response", "c-2", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(32)),
        ("metadata", "m-1", "", b"via: x\r\n"),
        ("response", "c-3", "text/html", page(sentence(19))),
        gz=True))
    write(root / "14_crawl.warc", crawl(("response", "c-4", "text/html; charset=utf-8", page(sentence(20))), gz=False))
    ok += ["c-1", "c-3", "c-4"]

    # the same article twice under different names
    twice = page(sentence(21))
    write(root / "15_dup.html", twice)
    write(root / "zz" / "15_copy.html", twice)
    ok += ["15_dup"]
    duplicates["15_copy"] = "15_dup"

    # hidden files are no input
    write(root / ".hidden.txt", page(sentence(22)))

    stdin = gzip.compress(jsonl({"id": "s1", "text": sentence(23)}, {"text": sentence(24)}))
    ok += ["s1", "stdin:2"]

    rows = [(i, "ok", "") for i in ok] + [(i, "error", code) for i, code in errors]
    rows += [(i, "duplicate", "") for i in duplicates]
    return rows, duplicates, stdin


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Row], dict[str, str]]:
    root = tmp_path_factory.mktemp("messy")
    dump, out = root / "dump", root / "out"
    expected, duplicates, stdin = build_dump(dump)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))  # forked workers close it
        code = main(["extract", str(dump), "-", "-o", str(out), "--quiet"])
    assert code == 1  # there are error rows
    return out, expected, duplicates


def articles(out: Path) -> list[dict[str, str]]:
    return read_csv(out / "articles.csv")[1]


def test_when_a_messy_dump_is_extracted_then_every_article_is_one_row(
    extracted: tuple[Path, list[Row], dict[str, str]],
) -> None:
    out, expected, _ = extracted
    ids = [a["article_id"] for a in articles(out)]
    assert len(ids) == len(set(ids)), "an article appears twice"
    assert sorted(ids) == sorted(i for i, _, _ in expected)


def test_when_a_messy_dump_is_extracted_then_each_row_has_its_status_and_code(
    extracted: tuple[Path, list[Row], dict[str, str]],
) -> None:
    out, expected, _ = extracted
    got = sorted((a["article_id"], a["status"], a["error"][:6]) for a in articles(out))
    assert got == sorted(expected)


def test_when_an_article_comes_twice_then_the_second_is_a_duplicate_of_the_first(
    extracted: tuple[Path, list[Row], dict[str, str]],
) -> None:
    out, _, duplicates = extracted
    rows = {a["article_id"]: a for a in articles(out)}
    assert {i: (rows[i]["status"], rows[i]["duplicate_of"]) for i in duplicates} == {
        i: ("duplicate", first) for i, first in duplicates.items()}
    assert {(rows[first]["status"], rows[first]["duplicate_of"]) for first in duplicates.values()} == {("ok", "")}


def test_when_a_messy_dump_is_extracted_then_every_table_is_whole(
    extracted: tuple[Path, list[Row], dict[str, str]],
) -> None:
    out, expected, _ = extracted
    assert [p.name for p in out.rglob("*") if ".part" in p.name] == []
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.csv" for name in COLUMNS)
    ok = {i for i, status, _ in expected if status == "ok"}
    for name, columns in COLUMNS.items():
        header, rows = read_csv(out / f"{name}.csv")
        assert header == list(columns), name
        assert all(None not in row and None not in row.values() for row in rows), name  # no short or long rows
        if name != "articles":
            assert {row["article_id"] for row in rows} <= ok, name
