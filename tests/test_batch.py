"""Batch runs: worker counts, duplicates, resume after SIGKILL, the Dask engine, progress output."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
FINNEWS = Path(sys.executable).parent / "finnews"
TABLES = ("articles", "mentions", "relations", "projects")
BODY = ("<p>由招商银行牵头，联合浙江大学、恒生电子股份有限公司申报的“基于隐私计算的跨境支付风控平台{i}号”入选。</p>"
        "<p>华泰证券、易方达基金分别申报了“智能投顾合规系统{i}号”、“养老目标基金定投服务{i}号”。</p>")


def write_dump(folder: Path, n: int, duplicates: int = 0) -> list[str]:
    """A JSON Lines dump of ``n`` distinct articles, plus copies of the first ``duplicates``."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    with (folder / "dump.jsonl").open("w", encoding="utf-8") as f:
        for i in list(range(n)) + list(range(duplicates)):
            aid = f"a{len(ids):05d}"
            ids.append(aid)
            f.write(json.dumps({"id": aid, "html": BODY.format(i=i)}, ensure_ascii=False) + "\n")
    return ids


def read_tables(out: Path) -> dict[str, bytes]:
    return {t: (out / f"{t}.csv").read_bytes() for t in TABLES}


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("dump")
    write_dump(d, 120, duplicates=5)
    return d


@pytest.fixture(scope="module")
def clean_run(dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    assert main(["extract", str(dump), "-o", str(out), "--workers", "1", "--quiet"]) == 0
    return out


def test_when_two_workers_then_tables_are_byte_identical(dump: Path, clean_run: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "settings.yaml"
    cfg.write_text("chunk_size: 7\n", encoding="utf-8")  # several chunks, and more records than one window
    out = tmp_path / "out"
    assert main(["extract", str(dump), "-o", str(out), "--workers", "2", "--quiet", "--config", str(cfg)]) == 0
    assert read_tables(out) == read_tables(clean_run)


def test_when_text_repeats_then_later_copy_is_a_duplicate_of_the_first(clean_run: Path) -> None:
    articles = pd.read_csv(clean_run / "articles.csv", keep_default_na=False)
    dup = articles[articles.status == "duplicate"]
    assert list(dup.article_id) == [f"a{i:05d}" for i in range(120, 125)]
    assert list(dup.duplicate_of) == [f"a{i:05d}" for i in range(5)]
    relations = pd.read_csv(clean_run / "relations.csv", keep_default_na=False)
    assert not set(dup.article_id) & set(relations.article_id)  # processed once
    assert (articles.status == "ok").sum() == 120


def test_when_run_is_killed_then_resume_gives_the_same_tables(dump: Path, clean_run: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "settings.yaml"
    cfg.write_text("chunk_size: 10\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [str(FINNEWS), "extract", str(dump), "-o", str(out), "--workers", "1", "--quiet", "--config", str(cfg)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_dir = out / ".finnews-run"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(run_dir.glob("*.done"))) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "articles.csv").exists()  # nothing that looks whole
    done_before = len(list(run_dir.glob("*.done")))
    assert 2 <= done_before < 13
    resumed = subprocess.run([*args, "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert read_tables(out) == read_tables(clean_run)
    assert not run_dir.exists() and not list(out.glob(".*.part"))


def test_when_resume_has_other_inputs_then_usage_error(dump: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".finnews-run").mkdir(parents=True)
    (out / ".finnews-run" / "manifest.json").write_text('{"inputs": ["elsewhere"], "settings": {}}')
    assert main(["extract", str(dump), "-o", str(out), "--resume", "--quiet"]) == 2


def test_when_engine_is_dask_then_rows_equal_the_local_engine(dump: Path, clean_run: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    out = tmp_path / "dask"
    # in a process of its own: a Dask client leaves threads behind, and later tests fork
    run = subprocess.run([str(FINNEWS), "extract", str(dump), "-o", str(out), "--engine", "dask", "--workers", "2",
                          "--quiet"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    for table in TABLES:
        got = pd.read_parquet(out / table).astype(str).reset_index(drop=True)
        want = pd.read_csv(clean_run / f"{table}.csv", keep_default_na=False, dtype=str)
        assert len(got) == len(want) > 0
        assert got.equals(want[got.columns])


def test_when_stderr_is_not_a_terminal_then_plain_progress_lines_and_summary(dump: Path, tmp_path: Path) -> None:
    run = subprocess.run([str(FINNEWS), "extract", str(dump), "-o", str(tmp_path / "o"), "--workers", "1"],
                         capture_output=True, text=True)
    assert run.returncode == 0
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith("finnews: 125 articles: 120 ok, 0 error, 5 duplicate;")
    assert all(line.startswith("finnews: ") for line in lines)
    assert "\r" not in run.stderr  # no progress bar off a terminal


def test_when_quiet_then_nothing_on_stderr(dump: Path, tmp_path: Path) -> None:
    run = subprocess.run([str(FINNEWS), "extract", str(dump), "-o", str(tmp_path / "o"), "--quiet"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and run.stderr == ""


def test_when_some_articles_fail_then_exit_code_is_one(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text("由招商银行牵头，联合浙江大学申报的“智慧风控平台”入选。", encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    assert main(["extract", str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--quiet"]) == 1
    assert main(["extract", str(tmp_path / "in" / "good.txt"), "-o", str(tmp_path / "o2"), "--quiet"]) == 0


def test_when_text_is_normalized_for_duplicates_then_it_equals_plain_nfkc() -> None:
    # batch.nfkc replaces common full-width punctuation before (maybe) normalizing: same result
    import random
    import unicodedata

    from pipeline.batch import nfkc

    rng = random.Random(7)
    alphabet = ("，：；（）！？％　…。、“”《》中国银行证券ＡＢＣ１２３ａ①㈠ﬁé\u0301e\u0301\u3099か\u309a"
                "Å\u212b ,.;:()!?%abc012\u00a0\u2002\ufe50\uff61")
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _k in range(rng.randint(0, 40)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)
    assert nfkc("中国，银行（深圳）…") == "中国,银行(深圳)..."
