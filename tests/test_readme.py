"""Every ```python block of README.md runs, from the project root, in a fresh namespace."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def python_blocks(markdown: str) -> list[tuple[int, str]]:
    """``(line of the block's first code line, code)`` for each ```python block."""
    return [(markdown.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(markdown)]


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_when_the_readme_is_read_then_it_has_python_examples() -> None:
    assert BLOCKS, "README.md has no ```python block"


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_when_a_readme_example_runs_then_it_does_not_raise(line: int, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    # padded so that a traceback points at the README's own line numbers
    exec(compile("\n" * (line - 1) + code, str(README), "exec"), {"__name__": "__readme__"})
