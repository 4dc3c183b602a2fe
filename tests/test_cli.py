"""The command line: ``finnews extract`` writes the four tables, deterministically, with error rows."""
from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.api import Extractor
from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SAMPLE_ID = "000_55cba44dae8bb6cf"
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score.py"
GOLD = SHARED / "gold" / "dev"
TABLES = ("articles", "mentions", "relations", "projects")
LEADING_COLUMNS = {
    "articles": ["article_id", "source", "title", "published", "author", "n_chars", "status", "error"],
    "mentions": ["article_id", "label", "text", "canonical", "type", "start", "end", "rule"],
    "relations": ["article_id", "project", "institution", "canonical", "role", "type", "sentence", "start",
                  "end", "rule"],
    "projects": ["article_id", "project", "lead", "co_applicants", "n_relations"],
}


def extract(*argv: str | Path) -> int:
    return main(["extract", *map(str, argv), "--quiet"])


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``finnews extract samples -o OUT``, run once for the module."""
    target = tmp_path_factory.mktemp("csv")
    assert extract(SAMPLES, "-o", target) == 0
    return target


@pytest.fixture(scope="module")
def clean_text(extractor: Extractor) -> str:
    result = extractor.extract((SAMPLES / f"{SAMPLE_ID}.txt").read_bytes(), article_id=SAMPLE_ID)
    assert result.article.status == "ok"
    return result.article.text


# --- the tables ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_when_samples_are_extracted_then_each_table_is_a_bom_csv_with_the_issue_columns(
        out: Path, name: str) -> None:
    raw = (out / f"{name}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\n", 1)[0].decode("utf-8").split(",")
    assert header[:len(LEADING_COLUMNS[name])] == LEADING_COLUMNS[name]


def test_when_samples_are_extracted_then_the_sample_is_ok_and_has_rows(out: Path) -> None:
    articles = read_rows(out / "articles.csv")
    assert [(a["article_id"], a["status"], a["error"]) for a in articles] == [(SAMPLE_ID, "ok", "")]
    for name in ("mentions", "relations", "projects"):
        rows = read_rows(out / f"{name}.csv")
        assert rows and {r["article_id"] for r in rows} == {SAMPLE_ID}


@pytest.mark.skipif(not (SCORER.is_file() and GOLD.is_dir()), reason="shared scorer and gold not found")
def test_when_the_sample_is_scored_then_every_f1_is_one(out: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCORER), str(GOLD), str(out), "--only", SAMPLE_ID, "--json"],
                          capture_output=True, text=True, check=True)
    scores = json.loads(proc.stdout)
    assert scores["articles"] == 1
    for name in ("institutions", "projects", "relations"):
        assert scores[name]["f1"] == 1.0, (name, scores["details"])


def test_when_a_mention_is_written_then_its_text_is_the_slice_of_the_clean_text(
        out: Path, clean_text: str) -> None:
    mentions = read_rows(out / "mentions.csv")
    assert mentions
    for m in mentions:
        assert clean_text[int(m["start"]):int(m["end"])] == m["text"], m


def test_when_a_relation_is_written_then_its_sentence_is_the_slice_of_the_clean_text(
        out: Path, clean_text: str) -> None:
    relations = read_rows(out / "relations.csv")
    assert relations
    for r in relations:
        assert r["sentence"] and clean_text[int(r["start"]):int(r["end"])].strip() == r["sentence"], r


# --- determinism and formats -------------------------------------------------------------------


def test_when_run_twice_then_the_files_are_byte_identical(out: Path, tmp_path: Path) -> None:
    """The second run goes through the installed console script (or ``python -m pipeline``)."""
    script = Path(sys.executable).with_name("finnews")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "pipeline"]
    again = tmp_path / "again"
    subprocess.run([*command, "extract", str(SAMPLES), "-o", str(again), "--quiet"], cwd=ROOT, check=True,
                   capture_output=True)
    for name in TABLES:
        assert (again / f"{name}.csv").read_bytes() == (out / f"{name}.csv").read_bytes(), name


def _as_strings(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(object).where(df.notna(), "").astype(str).reset_index(drop=True)


def test_when_the_format_is_parquet_then_pandas_reads_the_same_rows(out: Path, tmp_path: Path) -> None:
    target = tmp_path / "pq"
    assert extract(SAMPLES, "-o", target, "--format", "parquet") == 0
    for name in TABLES:
        assert not (target / f"{name}.csv").exists()
        table = pd.read_parquet(target / f"{name}.parquet")
        from_csv = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert list(table.columns) == list(from_csv.columns)
        assert len(table) == len(from_csv) > 0
        pd.testing.assert_frame_equal(_as_strings(table), _as_strings(from_csv), check_dtype=False)


# --- bad input ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, dict[str, str]]]:
    """A folder holding the sample, an empty file, binary noise and a JSON Lines file whose middle
    line is broken; returns the exit code and the articles table by article_id."""
    folder = tmp_path_factory.mktemp("bad") / "in"
    folder.mkdir()
    (folder / f"{SAMPLE_ID}.txt").write_bytes((SAMPLES / f"{SAMPLE_ID}.txt").read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    noise = bytearray(random.Random(7).randbytes(4096))
    noise[::97] = b"\x00" * len(noise[::97])
    (folder / "noise.bin").write_bytes(bytes(noise))
    lines = [
        json.dumps({"id": "good1", "text": "招商银行申报的“跨境贸易融资区块链平台”顺利通过评审。"}, ensure_ascii=False),
        '{"id": "broken", "text": "浦发银行申请的',
        json.dumps({"id": "good3", "text": "浦发银行申请的“供应链票据智能风控系统”已进入测试阶段。"},
                   ensure_ascii=False),
    ]
    (folder / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = folder.parent / "out"
    code = extract(folder, "-o", target)
    articles = read_rows(target / "articles.csv")
    by_id = {a["article_id"]: a for a in articles}
    assert len(by_id) == len(articles), "one row per article"
    return code, by_id


def test_when_some_inputs_are_bad_then_the_exit_code_is_one(bad_run: tuple[int, dict[str, dict[str, str]]]
                                                            ) -> None:
    assert bad_run[0] == 1


@pytest.mark.parametrize(("article_id", "input_name"), [
    ("batch:2", "batch.jsonl"),
    ("empty", "empty.txt"),
    ("noise", "noise.bin"),
])
def test_when_an_input_is_bad_then_it_gets_one_coded_error_row_naming_it(
        bad_run: tuple[int, dict[str, dict[str, str]]], article_id: str, input_name: str) -> None:
    row = bad_run[1][article_id]
    assert row["status"] == "error"
    assert row["error"].startswith("[E1")
    assert input_name in row["error"]


def test_when_some_inputs_are_bad_then_the_good_articles_are_ok(
        bad_run: tuple[int, dict[str, dict[str, str]]]) -> None:
    statuses = {aid: row["status"] for aid, row in bad_run[1].items()}
    assert statuses == {SAMPLE_ID: "ok", "good1": "ok", "good3": "ok",
                        "batch:2": "error", "empty": "error", "noise": "error"}
