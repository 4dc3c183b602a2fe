"""``finnews show``: the page a browser renders highlights every gold institution and project."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from pipeline.api import Extractor
from pipeline.cli import main
from pipeline.records import Article, Mention, Relation, Result
from pipeline.show import COLORS, render

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ID = "000_55cba44dae8bb6cf"
SAMPLE = ROOT / "samples" / f"{SAMPLE_ID}.txt"
GOLD_FILE = Path(__file__).resolve().parents[2] / "shared" / "gold" / "dev" / f"{SAMPLE_ID}.json"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")

Marks = dict[str, list[str]]  # label -> texts of the highlighted entities


def chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None)
    if found is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium chromium-driver)")
    return found


def marks_of(html: str) -> Marks:
    """The entity ``<mark>`` elements of a page: their text without the label, by label."""
    out: Marks = {}
    for mark in lxml.html.fromstring(html).iter("mark"):
        labels = mark.findall("span")
        assert labels, "an entity mark without its label"
        out.setdefault(labels[0].text_content().strip(), []).append((mark.text or "").strip())
    return out


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``finnews show samples/000_….txt -o page.html``."""
    target = tmp_path_factory.mktemp("show") / "page.html"
    assert main(["show", str(SAMPLE), "-o", str(target)]) == 0
    return target


@pytest.fixture(scope="module")
def dom(page: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The DOM headless Chromium builds from the page."""
    binary = chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<mark" in proc.stdout, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def gold() -> dict[str, Any]:
    if not GOLD_FILE.is_file():
        pytest.skip(f"gold annotation not found at {GOLD_FILE}")
    data: dict[str, Any] = json.loads(GOLD_FILE.read_text(encoding="utf-8"))
    return data


def test_when_the_page_is_rendered_by_chromium_then_every_gold_institution_is_highlighted(
        dom: str, gold: dict[str, Any]) -> None:
    highlighted = marks_of(dom).get("INSTITUTION", [])
    missing = []
    for inst in gold["institutions"]:
        forms = [inst["name"], *inst.get("aliases", [])]
        if not any(form in text for form in forms for text in highlighted):
            missing.append(forms)
    assert not missing, f"institutions not inside an INSTITUTION <mark>: {missing}"


def test_when_the_page_is_rendered_by_chromium_then_every_gold_project_is_highlighted(
        dom: str, gold: dict[str, Any]) -> None:
    highlighted = marks_of(dom).get("PROJECT", [])
    missing = []
    for project in gold["projects"]:
        name = project["name"]
        forms = {name, name.removesuffix("项目")}  # a trailing 项目 is not part of the compared name
        if not any(form in text for form in forms for text in highlighted):
            missing.append(name)
    assert not missing, f"projects not inside a PROJECT <mark>: {missing}"


def test_when_the_page_is_rendered_by_chromium_then_the_labels_have_distinct_colours(dom: str) -> None:
    styles: dict[str, set[str]] = {}
    for mark in lxml.html.fromstring(dom).iter("mark"):
        label = mark.findall("span")[0].text_content().strip()
        styles.setdefault(label, set()).add(mark.get("style", "").split(";")[0])
    assert set(styles) == {"INSTITUTION", "PROJECT"}
    assert styles["INSTITUTION"] == {f"background: {COLORS['INSTITUTION']}"}
    assert styles["PROJECT"] == {f"background: {COLORS['PROJECT']}"}


def test_when_the_page_is_rendered_by_chromium_then_it_lists_every_relation_with_its_sentence(
        dom: str, extractor: Extractor) -> None:
    result = extractor.extract(SAMPLE.read_bytes(), article_id=SAMPLE_ID)
    rows = lxml.html.fromstring(dom).xpath("//table[@class='relations']/tbody/tr")
    assert len(rows) == len(result.relations) > 0
    sentences = {row.xpath("string(td[@class='sentence'])") for row in rows}
    assert sentences == {r.sentence for r in result.relations}


def test_when_show_has_no_output_file_then_the_page_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>")
    assert out.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in out


def test_when_the_file_is_missing_then_show_exits_2_with_e301(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(tmp_path / "nothing.txt")]) == 2
    assert "[E301]" in capsys.readouterr().err


# --- render() on its own ------------------------------------------------------------------------------

TEXT = "甲银行<b>与乙证券申报的“丙平台”获批。"


def small_result() -> Result:
    mentions = (
        Mention("INSTITUTION", "甲银行", "甲银行股份有限公司", "bank", 0, 3, "GAZ"),
        Mention("INSTITUTION", "乙证券", "乙证券", "securities", 7, 10, "ORG_HEAD"),
        Mention("PROJECT", "丙平台", "丙平台", "", 14, 17, "PROJ_QUOTED"),
        Mention("INSTITUTION", "丙", "丙", "other", 14, 15, "GAZ"),  # overlaps the project: dropped
    )
    relations = (Relation("丙平台", "甲银行", "甲银行股份有限公司", "lead", "bank", TEXT, 0, len(TEXT), "REL_TEST"),)
    return Result(Article("t", text=TEXT, title="<标题>"), mentions, relations)


def test_when_mentions_overlap_then_the_longest_is_highlighted_and_the_text_is_kept() -> None:
    html = render(small_result())
    assert marks_of(html) == {"INSTITUTION": ["甲银行", "乙证券"], "PROJECT": ["丙平台"]}
    figure = lxml.html.fromstring(html).xpath("//div[@class='entities']")[0]
    assert "".join(t.strip() for t in figure.itertext() if t.strip() not in COLORS).startswith("甲银行<b>与乙证券")


def test_when_text_holds_markup_then_it_is_escaped() -> None:
    html = render(small_result())
    assert "<b>" not in html
    assert "&lt;b&gt;" in html
    assert "<标题>" not in html


def test_when_a_mention_is_hovered_then_its_title_names_canonical_type_and_rule() -> None:
    tree = lxml.html.fromstring(render(small_result()))
    assert tree.xpath("//mark")[0].get("title") == "甲银行股份有限公司 · bank · GAZ"
