"""Quality floors on three sets of articles written later, each at first unseen by the rules.

tests/data/probes/{a,b,c} hold eight articles each (plain text, web pages with tables and bullet
lists, Markdown with front matter, JSON Lines, Traditional script), with gold annotations in the
project's gold format. Each set was scored first as it came (the honest figure for unseen text,
given in the README), then the constructions it showed missing were added as rules; these floors
keep those constructions from regressing.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.evaluate import score

DATA = Path(__file__).resolve().parent / "data" / "probes"
FLOORS = {"institutions": 0.9, "projects": 0.9, "relations": 0.8}


@pytest.mark.parametrize("name", ["a", "b", "c"])
def test_when_a_probe_set_is_extracted_then_every_f1_keeps_its_floor(tmp_path: Path, name: str) -> None:
    folder = DATA / name
    inputs = sorted(str(p) for p in folder.iterdir() if p.is_file())
    assert main(["extract", *inputs, "-o", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    report = score(folder / "gold", tmp_path)
    for part, floor in FLOORS.items():
        counts = report.total(part)
        assert counts.f1 >= floor, (name, part, counts)
