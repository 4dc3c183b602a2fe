"""pipeline.rules: the packaged rule data loads, and each kind of broken file fails with its code."""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import rules
from pipeline.errors import RuleError

MODELS = rules.default_models_dir()
USERDICT_LINES = [
    line for line in (MODELS / "userdict.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.strip().startswith("#")
]


# --- the packaged data ---------------------------------------------------------------------------


@pytest.mark.parametrize("line", USERDICT_LINES)
def test_when_a_userdict_line_is_read_then_the_loader_keeps_its_word(tmp_path: Path, line: str) -> None:
    path = tmp_path / "userdict.txt"
    path.write_text(line + "\n", encoding="utf-8")
    ((word, freq, tag),) = rules.load_userdict(path)
    fields = line.split()
    assert word == fields[0]
    assert freq == (int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None)
    assert tag == (fields[-1] if len(fields) > 1 and not fields[-1].isdigit() else None)


def test_when_the_userdict_is_loaded_then_every_line_becomes_an_entry() -> None:
    assert len(rules.load_userdict(MODELS / "userdict.txt")) == len(USERDICT_LINES) > 0


def test_when_the_gazetteer_is_loaded_then_it_is_large_and_typed() -> None:
    entries = rules.load_gazetteer(MODELS / "institutions.csv")
    assert len(entries) >= 500
    assert {e.type for e in entries} <= set(rules.INSTITUTION_TYPES)
    assert len({e.canonical for e in entries}) == len(entries)


def test_when_the_packaged_rules_load_then_every_part_is_filled() -> None:
    loaded = rules.load_rules()
    assert loaded.relations and loaded.org_heads and loaded.places
    assert len({p.id for p in loaded.relations}) == len(loaded.relations)


# --- broken files ----------------------------------------------------------------------------------


def _line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line number of the nth line holding ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth]


def _replace_line(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


def _pattern_item(text: str, nth: int) -> tuple[int, str]:
    """Line number and id of the nth ``- id:`` item of relations.yaml."""
    line = _line_of(text, "  - id: ", nth)
    item_id = re.search(r"- id: (\S+)", text.splitlines()[line - 1])
    assert item_id
    return line, item_id.group(1)


def unknown_key(text: str) -> tuple[str, int]:
    line, _ = _pattern_item(text, 0)
    lines = text.splitlines()
    lines.insert(line, "    colour: red")
    return "\n".join(lines) + "\n", line


def bad_regex(text: str) -> tuple[str, int]:
    line, item_id = _pattern_item(text, 1)
    item = f"  - id: {item_id}\n    pattern: (?P<lead>{{I}}申报的(?P<project>{{P}}"
    following = text.splitlines()[line]  # the original pattern line goes
    assert following.lstrip().startswith("pattern:")
    lines = text.splitlines()
    lines[line - 1:line + 1] = item.splitlines()
    return "\n".join(lines) + "\n", line


def bad_attach(text: str) -> tuple[str, int]:
    attach = _line_of(text, "attach: topic")
    item = max(n for n in range(1, attach) if "  - id: " in text.splitlines()[n - 1])
    return _replace_line(text, attach, "    attach: sideways"), item


def duplicate_id(text: str) -> tuple[str, int]:
    _, first_id = _pattern_item(text, 0)
    line, second_id = _pattern_item(text, 1)
    old = text.splitlines()[line - 1]
    return _replace_line(text, line, old.replace(second_id, first_id, 1)), line


def unknown_type(text: str) -> tuple[str, int]:
    return _replace_line(text, 3, "测试用云帆银行,云帆银行,bank_of_nowhere"), 3


def bad_header(text: str) -> tuple[str, int]:
    return _replace_line(text, 1, "name,aliases,type"), 1


def tab_tag(text: str) -> tuple[str, int]:
    lines = text.rstrip("\n").splitlines()
    lines.append("云帆数据\t2000\tNT")
    return "\n".join(lines) + "\n", len(lines)


Breaker = Callable[[str], tuple[str, int]]
BROKEN: list[tuple[str, Breaker, str]] = [
    ("relations.yaml", unknown_key, "E203"),
    ("relations.yaml", bad_regex, "E205"),
    ("relations.yaml", bad_attach, "E204"),
    ("relations.yaml", duplicate_id, "E206"),
    ("institutions.csv", unknown_type, "E204"),
    ("institutions.csv", bad_header, "E201"),
    ("userdict.txt", tab_tag, "E201"),
]


@pytest.fixture
def models_copy(tmp_path: Path) -> Path:
    target = tmp_path / "m"
    shutil.copytree(MODELS, target, ignore=shutil.ignore_patterns("__pycache__"))
    rules._load.cache_clear()
    return target


@pytest.mark.parametrize(("name", "breaker", "code"), BROKEN, ids=[b.__name__ for _, b, _ in BROKEN])
def test_when_a_rule_file_is_broken_then_loading_fails_with_its_code_file_and_line(
        models_copy: Path, name: str, breaker: Breaker, code: str) -> None:
    path = models_copy / name
    text, line = breaker(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        rules.load_rules(models_copy)
    message = str(exc.value)
    assert message.startswith(f"[{code}] ")
    assert exc.value.code == code
    assert f"{name}:{line}:" in message


def test_when_a_rule_file_is_missing_then_loading_fails_with_e202(models_copy: Path) -> None:
    (models_copy / "places.txt").unlink()
    with pytest.raises(RuleError) as exc:
        rules.load_rules(models_copy)
    assert str(exc.value).startswith("[E202] ")
    assert "places.txt" in str(exc.value)


def test_when_the_copy_is_intact_then_it_loads_like_the_original(models_copy: Path) -> None:
    copied = rules.load_rules(models_copy)
    assert copied.directory == models_copy.resolve()
    assert [p.id for p in copied.relations] == [p.id for p in rules.load_rules().relations]
