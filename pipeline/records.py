"""Immutable, typed results: one article, its mentions and its relations.

These are the only shapes that travel between stages; :mod:`pipeline.tables` is the one
place where they become pandas DataFrames.
"""
from __future__ import annotations

from dataclasses import dataclass

OK = "ok"
ERROR = "error"
DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class Article:
    """One article after reading and cleaning.

    ``text`` is the clean text as written (Traditional script stays Traditional); every
    offset in :class:`Mention` and :class:`Relation` points into it.
    """

    article_id: str
    input: str = ""  # where it came from: a path, path:line, archive/member, WARC record
    source: str = ""  # the publishing outlet, when the article says so
    title: str = ""
    published: str = ""
    author: str = ""
    categories: tuple[str, ...] = ()
    url: str = ""
    text: str = ""
    encoding: str = ""
    traditional: bool = False
    status: str = OK
    error: str = ""

    @property
    def n_chars(self) -> int:
        return len(self.text)


@dataclass(frozen=True, slots=True)
class Mention:
    """An institution or project named in the clean text, ``text == article.text[start:end]``."""

    label: str  # INSTITUTION | PROJECT
    text: str
    canonical: str
    type: str
    start: int
    end: int
    rule: str


@dataclass(frozen=True, slots=True)
class Relation:
    """``institution`` plays ``role`` (lead | co_applicant) in ``project`` ('' when unnamed).

    ``sentence`` is the evidence, ``start``/``end`` its offsets in the clean text.
    """

    project: str
    institution: str
    canonical: str
    role: str
    type: str
    sentence: str
    start: int
    end: int
    rule: str


@dataclass(frozen=True, slots=True)
class Result:
    """Everything extracted from one article."""

    article: Article
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = ()
    duplicate_of: str = ""  # for a duplicate: the article_id of the first article with this text
    fingerprint: str = ""  # hash of the normalized clean text (duplicate detection)

    def to_frames(self) -> dict[str, pandas.DataFrame]:  # type: ignore[name-defined]  # noqa: F821
        """The four tables for this article, with the CLI's columns and dtypes."""
        from .tables import frames

        return frames([self])
