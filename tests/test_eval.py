"""``finnews eval``: the same figures as the independent scorer, and known counts on a small case."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.evaluate import KINDS, Counts, EvalReport, RelationKey, format_report, prf, score

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SCORER = SHARED / "tools" / "score.py"
GOLD = SHARED / "gold" / "dev"
CORPUS = SHARED / "corpus" / "dev"
FIELDS = ("tp", "fp", "fn", "precision", "recall", "f1")


@pytest.fixture(scope="module")
def shared() -> Path:
    if not (SCORER.is_file() and GOLD.is_dir() and CORPUS.is_dir()):
        pytest.skip(f"shared/ (scorer, gold, dev corpus) not found beside the project at {SHARED}")
    return SHARED


def extract_to(out: Path, *extra: str) -> Path:
    assert main(["extract", str(SAMPLES), str(CORPUS), "-o", str(out), "--quiet", *extra]) == 0
    return out


@pytest.fixture(scope="module")
def dev_csv(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``finnews extract samples shared/corpus/dev -o OUT``, once for the module."""
    return extract_to(tmp_path_factory.mktemp("dev_csv"))


@pytest.fixture(scope="module")
def dev_parquet(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract_to(tmp_path_factory.mktemp("dev_parquet"), "--format", "parquet")


def shared_score(gold: Path, out: Path, *extra: str) -> dict[str, Any]:
    """The independent scorer's JSON (with its --verbose details)."""
    proc = subprocess.run([sys.executable, str(SCORER), str(gold), str(out), "--json", "--verbose", *extra],
                          capture_output=True, text=True, encoding="utf-8", check=True)
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def assert_same_figures(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    for kind in KINDS:
        for field in FIELDS:
            assert ours[kind][field] == theirs[kind][field], (kind, field, ours[kind], theirs[kind])
    assert ours["articles"] == theirs["articles"]
    assert ours["details"] == theirs["details"]


# --- agreement with the shared scorer on the development set -----------------------------------------


def test_when_the_dev_set_is_scored_then_every_figure_equals_the_shared_scorer(dev_csv: Path) -> None:
    ours = score(GOLD, dev_csv)
    assert len(ours.articles) == len(list(GOLD.glob("*.json")))
    assert_same_figures(ours.to_dict(), shared_score(GOLD, dev_csv))


@pytest.mark.parametrize("only", ["000_55cba44dae8bb6cf", "dev07", "dev05,dev11,dev14"])
def test_when_only_some_articles_are_scored_then_the_figures_equal_the_shared_scorer(
        dev_csv: Path, only: str) -> None:
    ours = score(GOLD, dev_csv, only=only.split(","))
    assert [a.article_id for a in ours.articles] == sorted(only.split(","))
    assert_same_figures(ours.to_dict(), shared_score(GOLD, dev_csv, "--only", only))


def test_when_the_tables_are_parquet_then_the_figures_equal_the_shared_scorer_on_csv(
        dev_csv: Path, dev_parquet: Path) -> None:
    assert not (dev_parquet / "mentions.csv").exists()
    assert_same_figures(score(GOLD, dev_parquet).to_dict(), shared_score(GOLD, dev_csv))


def test_when_eval_json_is_run_then_it_prints_the_shared_scorer_figures(
        dev_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(GOLD), str(dev_csv), "--json"]) == 0
    assert_same_figures(json.loads(capsys.readouterr().out), shared_score(GOLD, dev_csv))


def test_when_eval_is_run_then_it_prints_overall_and_per_article_lines(
        dev_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(GOLD), str(dev_csv), "--only", "dev01,dev02"]) == 0
    out = capsys.readouterr().out
    for word in ("precision", "recall", "F1", *KINDS):
        assert word in out
    assert any(line.startswith("dev01 ") for line in out.splitlines())
    assert any(line.startswith("dev02 ") for line in out.splitlines())


# --- a small case with known counts -------------------------------------------------------------------

SYNTHETIC_GOLD = {
    "article": "syn",
    "institutions": [
        {"name": "中国银河证券", "aliases": ["银河证券"], "type": "securities"},
        {"name": "信达证券", "aliases": [], "type": "securities"},
        {"name": "东兴证券", "aliases": [], "type": "securities"},
    ],
    "projects": [
        {"name": "数据共享平台项目", "lead": ["中国银河证券"], "co_applicants": ["信达证券"]},
        {"name": "智能风控系统", "lead": ["东兴证券"], "co_applicants": []},
    ],
    "leads_without_project": [],
    "optional_org_mentions": ["财联社"],
    "not_projects": ["梅开二度"],
}
SYNTHETIC_MENTIONS = [  # label, text, canonical
    ("INSTITUTION", "银河证券", "中国银河证券"),  # an alias: right
    ("INSTITUTION", "信达证券", "信达证券"),  # right; 东兴证券 is missed
    ("INSTITUTION", "财联社", "财联社"),  # optional: neutral
    ("INSTITUTION", "证券时报", "证券时报"),  # spurious
    ("PROJECT", "“数据共享平台”", "数据共享平台"),  # quotes and the gold's trailing 项目 are ignored
    ("PROJECT", "智能风控系统", "智能风控系统"),
    ("PROJECT", "梅开二度", "梅开二度"),  # spurious
]
SYNTHETIC_RELATIONS = [  # project, institution, canonical, role
    ("数据共享平台", "银河证券", "中国银河证券", "lead"),
    ("数据共享平台项目", "信达证券", "信达证券", "co_applicant"),
    ("", "中国银河证券", "中国银河证券", "lead"),  # same lead, project unnamed: neutral
    ("", "证券时报", "证券时报", "lead"),  # a lead without project the gold does not have: spurious
]  # (智能风控系统, 东兴证券, lead) is missed


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def synthetic(tmp_path: Path) -> tuple[Path, Path]:
    gold, out = tmp_path / "gold", tmp_path / "out"
    gold.mkdir()
    out.mkdir()
    (gold / "syn.json").write_text(json.dumps(SYNTHETIC_GOLD, ensure_ascii=False), encoding="utf-8")
    write_csv(out / "mentions.csv", ("article_id", "label", "text", "canonical", "type", "start", "end", "rule"),
              [("syn", label, text, canonical, "", "0", "1", "TEST") for label, text, canonical in SYNTHETIC_MENTIONS])
    write_csv(out / "relations.csv", ("article_id", "project", "institution", "canonical", "role", "type", "sentence",
                                      "start", "end", "rule"),
              [("syn", p, i, c, role, "", "", "0", "1", "TEST") for p, i, c, role in SYNTHETIC_RELATIONS])
    return gold, out


@pytest.fixture
def synthetic_report(synthetic: tuple[Path, Path]) -> EvalReport:
    return score(*synthetic)


@pytest.mark.parametrize(("kind", "expected"), [
    ("institutions", Counts(tp=2, fp=1, fn=1)),
    ("projects", Counts(tp=2, fp=1, fn=0)),
    ("relations", Counts(tp=2, fp=1, fn=1)),
])
def test_when_a_small_case_is_scored_then_the_counts_are_known(synthetic_report: EvalReport, kind: str,
                                                                 expected: Counts) -> None:
    assert synthetic_report.total(kind) == expected
    assert synthetic_report.total(kind).f1 == pytest.approx(2 / 3 if kind != "projects" else 0.8)


def test_when_a_small_case_is_scored_then_missed_and_spurious_are_named(synthetic_report: EvalReport) -> None:
    (article,) = synthetic_report.articles
    assert article.institutions.missed == ("东兴证券",)
    assert article.institutions.spurious == ("证券时报",)
    assert article.projects.missed == ()
    assert article.projects.spurious == ("梅开二度",)
    assert article.relations.missed == (RelationKey("智能风控系统", "东兴证券", "lead"),)
    assert article.relations.spurious == (RelationKey("", "证券时报", "lead"),)


def test_when_a_small_case_is_reported_then_the_text_names_the_differences(synthetic_report: EvalReport) -> None:
    text = format_report(synthetic_report)
    assert "missed:   东兴证券" in text
    assert "spurious: 证券时报" in text
    assert "智能风控系统 / 东兴证券 / lead" in text


def test_when_a_small_case_is_scored_then_the_shared_scorer_agrees(shared: Path, synthetic: tuple[Path, Path]) -> None:
    assert_same_figures(score(*synthetic).to_dict(), shared_score(*synthetic))


def test_when_the_report_is_built_then_it_is_immutable(synthetic_report: EvalReport) -> None:
    with pytest.raises(AttributeError):
        synthetic_report.articles = ()  # type: ignore[misc]


@pytest.mark.parametrize(("counts", "expected"), [
    ((0, 0, 0), (1.0, 1.0, 1.0)),  # nothing to find, nothing predicted
    ((0, 0, 3), (0.0, 0.0, 0.0)),  # nothing predicted, something to find
    ((0, 2, 0), (0.0, 1.0, 0.0)),  # only spurious predictions
    ((3, 1, 0), (0.75, 1.0, 6 / 7)),
])
def test_when_counts_are_given_then_prf_follows_the_shared_conventions(
        counts: tuple[int, int, int], expected: tuple[float, float, float]) -> None:
    assert prf(*counts) == pytest.approx(expected)


# --- usage errors -------------------------------------------------------------------------------------


def test_when_the_output_folder_is_missing_then_eval_exits_2_with_e301(
        synthetic: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(synthetic[0]), str(tmp_path / "nowhere")]) == 2
    assert "[E301]" in capsys.readouterr().err


def test_when_the_gold_folder_is_missing_then_eval_exits_2_with_e301(
        synthetic: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tmp_path / "nowhere"), str(synthetic[1])]) == 2
    assert "[E301]" in capsys.readouterr().err


def test_when_the_output_folder_has_no_tables_then_eval_exits_2_with_e301(
        synthetic: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["eval", str(synthetic[0]), str(empty)]) == 2
    assert "[E301]" in capsys.readouterr().err


def test_when_only_names_an_unknown_article_then_eval_exits_2_with_e301(
        synthetic: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", *map(str, synthetic), "--only", "syn,nosuch"]) == 2
    assert "nosuch" in capsys.readouterr().err


def test_when_a_gold_file_is_malformed_then_eval_exits_2_naming_it(
        synthetic: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    (synthetic[0] / "broken.json").write_text('{"article": "b"}', encoding="utf-8")
    assert main(["eval", *map(str, synthetic)]) == 2
    err = capsys.readouterr().err
    assert "[E301]" in err
    assert "broken.json" in err
