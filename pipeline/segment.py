"""Segmentation: jieba tokens as ``(start, end)`` character spans.

A :class:`Segmenter` is its own jieba (or jieba-rs) instance, built with the user dictionary and
every gazetteer name before any text is cut; nothing touches the global ``jieba`` module. Two
backends give the same tokens: ``jieba`` (the reference) and ``rjieba`` (jieba-rs, the same
algorithm and dictionary, about 25x faster). Traditional-script text is segmented through a
same-length Simplified copy, so tokens keep the characters as written. The spaCy tokenizer
wrapping a Segmenter is :class:`pipeline.components.JiebaTokenizer`.
"""
from __future__ import annotations

import bisect
import importlib.machinery
import importlib.util
import logging
import re
import sys
from collections.abc import Iterable, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

BACKENDS = ("rjieba", "jieba")
# jieba-rs and jieba differ only on runs of these ASCII characters (2024-10-15, utf-8, ---):
# jieba cuts them at letter/digit runs and keeps what lies between whole (its HMM fallback rule)
_ASCII_BLOCK = re.compile(r"[a-zA-Z0-9+#&._%\-]+")
_ALNUM_RUN = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?")


def _jieba_ascii(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """jieba's tokens for the ASCII run ``text[start:end]``."""
    out = []
    pos = start
    for m in _ALNUM_RUN.finditer(text, start, end):
        if m.start() > pos:
            out.append((pos, m.start()))
        out.append(m.span())
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


def _rjieba_class() -> Any:
    """jieba-rs's ``Jieba`` class, loaded without running ``rjieba/__init__.py``: that file builds a
    default instance we never use, which costs about 80 ms, a quarter of the start-up time. Falls
    back to the plain import when rjieba is already imported or its layout is not the expected one."""
    name = "rjieba.rjieba"
    module = sys.modules.get(name)
    if module is None and "rjieba" not in sys.modules:
        spec = importlib.util.find_spec("rjieba")  # finds the package without importing it
        folders = list(spec.submodule_search_locations or []) if spec else []
        suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
        for path in sorted(p for folder in folders for p in Path(folder).glob("rjieba*") if p.name.endswith(suffixes)):
            ext = importlib.util.spec_from_file_location(name, path)
            if ext is None or ext.loader is None:
                continue
            module = importlib.util.module_from_spec(ext)
            ext.loader.exec_module(module)
            sys.modules[name] = module  # a later ``import rjieba`` reuses it
            break
    if module is None or not hasattr(module, "Jieba"):
        import rjieba

        return rjieba.Jieba
    return module.Jieba


class Tokens(list[tuple[int, int]]):
    """The ``(start, end)`` spans of a text's tokens, in order and covering the text, with the
    lookups the finders share: ``starts``, ``ends``, ``at`` (position -> the token starting there)
    and ``end_set`` (the positions where a token ends)."""

    def __init__(self, starts: list[int], ends: list[int]):
        super().__init__(zip(starts, ends, strict=True))
        self.starts = starts
        self.ends = ends
        self._at: dict[int, int] | None = None
        self._end_set: set[int] | None = None

    @classmethod
    def of(cls, spans: Iterable[tuple[int, int]]) -> Tokens:
        spans = list(spans)
        return cls([s for s, _ in spans], [e for _, e in spans])

    @property
    def at(self) -> dict[int, int]:
        if self._at is None:
            self._at = dict(zip(self.starts, range(len(self.starts)), strict=True))
        return self._at

    @property
    def end_set(self) -> set[int]:
        if self._end_set is None:
            self._end_set = set(self.ends)
        return self._end_set


class Segmenter:
    """A private jieba (or jieba-rs) instance with our lexicon: ``cut(text) -> Tokens``."""

    def __init__(self, lexicon: Iterable[tuple[str, int | None, str | None]], backend: str = "rjieba"):
        if backend not in BACKENDS:
            raise ValueError(f"unknown segmenter backend {backend!r} (use one of {', '.join(BACKENDS)})")
        self.backend = backend
        if backend == "rjieba":
            self._impl: Any = _rjieba_class()()
        else:
            import jieba

            logging.getLogger("jieba").setLevel(logging.WARNING)
            self._impl = jieba.Tokenizer()
            self._impl.initialize()
        for word, freq, tag in lexicon:
            self._impl.add_word(word, freq, tag)

    def cut(self, text: str) -> Tokens:
        if self.backend == "jieba":
            return Tokens.of((s, e) for _, s, e in self._impl.tokenize(text))
        words = self._impl.cut(text)  # offsets from lengths: cheaper than jieba-rs's tokenize()
        ends = list(accumulate(map(len, words)))
        starts = [0, *ends[:-1]] if ends else []
        runs = [m.span() for m in _ASCII_BLOCK.finditer(text) if m.end() - m.start() > 1]
        if not runs:
            return Tokens(starts, ends)
        out: list[tuple[int, int]] = []
        i = 0
        for run_start, run_end in runs:  # only the tokens inside ASCII runs can differ from jieba's
            j = max(i, bisect.bisect_left(starts, run_start))
            if j < len(words) and ends[j] == run_end and words[j].isalnum():
                continue  # one plain token (2024, GW): the same in both
            out.extend(zip(starts[i:j], ends[i:j], strict=True))
            k = j
            while k < len(words) and starts[k] < run_end:
                k += 1
            out.extend(self._as_jieba(text, list(zip(words[j:k], starts[j:k], ends[j:k], strict=True))))
            i = k
        out.extend(zip(starts[i:], ends[i:], strict=True))
        return Tokens.of(out)

    def _as_jieba(self, text: str, tokens: Sequence[tuple[str, int, int]]) -> list[tuple[int, int]]:
        """jieba-rs tokens of an ASCII run, cut as jieba cuts them."""
        out: list[tuple[int, int]] = []
        run_start = run_end = -1
        for word, s, e in tokens:
            if _ASCII_BLOCK.fullmatch(word) and not self._impl.has_word(word):
                if run_start < 0:
                    run_start = s
                run_end = e
                continue
            if run_start >= 0:
                out.extend(_jieba_ascii(text, run_start, run_end))
                run_start = -1
            out.append((s, e))
        if run_start >= 0:
            out.extend(_jieba_ascii(text, run_start, run_end))
        return out

    def words(self, text: str) -> list[str]:
        return [text[s:e] for s, e in self.cut(text)]
