"""A quality floor on articles written for the tests, never used to develop the rules.

tests/data/heldout holds four articles (plain text, a full web page, Traditional script, Markdown
with front matter) with gold annotations in the project's gold format, including the names and
relations the pipeline is known to miss (an unknown short bank name in Traditional script).
"""
from __future__ import annotations

from pathlib import Path

from pipeline.cli import main
from pipeline.evaluate import score

DATA = Path(__file__).resolve().parent / "data" / "heldout"


def test_when_articles_are_new_then_every_f1_is_at_least_0_9(tmp_path: Path) -> None:
    inputs = sorted(str(p) for p in DATA.iterdir() if p.is_file())
    assert main(["extract", *inputs, "-o", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    report = score(DATA / "gold", tmp_path)
    for part in ("institutions", "projects", "relations"):
        counts = report.total(part)
        assert counts.f1 >= 0.9, (part, counts)
