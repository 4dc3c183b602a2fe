"""The one place where results become pandas DataFrames, and where tables are written.

Columns and dtypes are fixed here; rows are sorted before they are written, so the same input
gives byte-identical tables.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported when a DataFrame is built, not on the CSV hot path
    import pandas as pd

from .records import Result

COLUMNS: dict[str, dict[str, str]] = {
    "articles": {"article_id": "string", "source": "string", "title": "string", "published": "string",
                 "author": "string", "n_chars": "int64", "status": "string", "error": "string",
                 "input": "string", "duplicate_of": "string"},
    "mentions": {"article_id": "string", "label": "string", "text": "string", "canonical": "string",
                 "type": "string", "start": "int64", "end": "int64", "rule": "string"},
    "relations": {"article_id": "string", "project": "string", "institution": "string", "canonical": "string",
                  "role": "string", "type": "string", "sentence": "string", "start": "int64", "end": "int64",
                  "rule": "string"},
    "projects": {"article_id": "string", "project": "string", "lead": "string", "co_applicants": "string",
                 "n_relations": "int64"},
}
TABLES = tuple(COLUMNS)


Row = tuple[object, ...]


def rows(result: Result) -> dict[str, list[Row]]:
    """The rows one article contributes to each table, as tuples in :data:`COLUMNS` order."""
    a = result.article
    aid = a.article_id
    mentions = sorted(result.mentions, key=lambda m: (m.start, m.end, m.label))
    out: dict[str, list[Row]] = {
        "articles": [(aid, a.source, a.title, a.published, a.author, a.n_chars, a.status, a.error, a.input,
                      result.duplicate_of)],
        "mentions": [(aid, m.label, m.text, m.canonical, m.type, m.start, m.end, m.rule) for m in mentions],
        "relations": [(aid, r.project, r.institution, r.canonical, r.role, r.type, r.sentence, r.start, r.end,
                       r.rule) for r in result.relations],
    }
    order: dict[str, None] = {}  # projects in text order (a dict keeps insertion order)
    leads: dict[str, list[str]] = {}
    cos: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for m in mentions:
        if m.label == "PROJECT":
            order.setdefault(m.canonical)
    for r in result.relations:
        if not r.project:
            continue
        order.setdefault(r.project)
        names = (leads if r.role == "lead" else cos).setdefault(r.project, [])
        if r.canonical not in names:
            names.append(r.canonical)
        counts[r.project] = counts.get(r.project, 0) + 1
    out["projects"] = [(aid, p, "、".join(leads.get(p, [])), "、".join(cos.get(p, [])), counts.get(p, 0))
                       for p in order]
    return out


def write_csv_rows(f: IO[str], table_rows: Iterable[Row]) -> None:
    """CSV lines for rows, quoted as pandas' ``to_csv`` quotes them (minimal quoting, ``\n``)."""
    csv.writer(f, lineterminator="\n").writerows(table_rows)


def csv_text(table_rows: Iterable[Row]) -> str:
    """The CSV lines of rows as one string (what :func:`write_csv_rows` writes)."""
    buf = io.StringIO()
    write_csv_rows(buf, table_rows)
    return buf.getvalue()


def frames(results: Iterable[Result]) -> dict[str, pd.DataFrame]:
    """The four tables for ``results``, with fixed columns and dtypes."""
    collected: dict[str, list[Row]] = {name: [] for name in TABLES}
    for result in results:
        for name, rs in rows(result).items():
            collected[name].extend(rs)
    return frames_of(collected)


def frames_of(collected: Mapping[str, list[Row]]) -> dict[str, pd.DataFrame]:
    """The four tables from their rows."""
    return {name: to_frame(name, collected[name]) for name in TABLES}


def to_frame(name: str, records: list[Row]) -> pd.DataFrame:
    import pandas as pd

    cols = COLUMNS[name]
    df = pd.DataFrame.from_records(records, columns=list(cols))
    return df.astype(cols)
