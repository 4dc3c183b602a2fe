"""Traditional vs Simplified script, character by character.

The conversion is one-to-one (same length), so offsets computed on the converted text are
valid in the original: later stages may match on ``to_simplified(article.text)`` and report
spans into ``article.text`` as written.
"""
from __future__ import annotations

import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path

# Corner brackets become the quotes a Simplified text would use.
_EXTRA = {"「": "“", "」": "”", "『": "‘", "』": "’"}

# CJK ideographs: Extension A, the basic block, compatibility ideographs, supplementary planes.
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

_CJK_RUN = re.compile(_CJK.pattern + "+")

# Shares that make a text Traditional: simplified news text changes ~0-1 % of its ideographs
# under the table (variant characters), Traditional text 15-35 %.
MIN_SHARE = 0.03
MIN_CHANGED = 5


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    """``str.translate`` table from zhconv's zh-cn single-character entries (built once).

    Read straight from zhconv's data file, as ``zhconv.getdict("zh-cn")`` composes it (``zh2Hans``
    updated with ``zh2CN``): importing zhconv itself goes through pkg_resources, which costs more
    start-up time than the whole table.
    """
    spec = importlib.util.find_spec("zhconv")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("zhconv is not installed")
    data = json.loads((Path(spec.submodule_search_locations[0]) / "zhcdict.json").read_bytes())
    entries = {**data["zh2Hans"], **data["zh2CN"]}
    table = {ord(src): dst for src, dst in entries.items() if len(src) == 1 and len(dst) == 1 and src != dst}
    table.update({ord(src): dst for src, dst in _EXTRA.items()})
    return table


@lru_cache(maxsize=1)
def _traditional_ideographs() -> frozenset[str]:
    """The ideographs the table changes (punctuation such as 「 does not make a text Traditional)."""
    return frozenset(chr(cp) for cp in _table() if _CJK.match(chr(cp)))


@lru_cache(maxsize=1)
def _convertible() -> re.Pattern[str]:
    """Finds a character the table changes (or any astral character, which is rare): a text
    without one is already Simplified, and a regex scan costs a tenth of ``str.translate``."""
    ranges: list[list[int]] = []
    for cp in sorted(cp for cp in _table() if cp <= 0xFFFF):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    chars = "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)
    return re.compile(f"[{chars}\U00010000-\U0010ffff]")


def to_simplified(text: str) -> str:
    """``text`` in Simplified script, same length, character for character."""
    if _convertible().search(text) is None:
        return text
    return text.translate(_table())


@lru_cache(maxsize=1)
def _candidates() -> re.Pattern[str]:
    """A character that may make a text Traditional: one of the BMP ideographs that do, or any
    character beyond the BMP (over-counting those costs only the exact count below; listing them
    would turn the class from a bitmap into a list tested item by item, 60x slower)."""
    bmp = sorted(ch for ch in _traditional_ideographs() if ch <= "\uffff")
    return re.compile("[" + "".join(bmp) + "\U00010000-\U0010ffff]")


def is_traditional(text: str) -> bool:
    """True when at least 3 % (and at least 5) of the ideographs are Traditional-only forms."""
    if len(_candidates().findall(text)) < MIN_CHANGED:
        return False  # Simplified text has next to no candidates: no need to count exactly
    n_cjk = len(text) - len(_CJK_RUN.sub("", text))
    if n_cjk < MIN_CHANGED:
        return False
    changed = sum(map(_traditional_ideographs().__contains__, text))
    return changed >= MIN_CHANGED and changed >= MIN_SHARE * n_cjk
