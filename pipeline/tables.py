"""The one place where results become pandas DataFrames, and where tables are written.

Columns and dtypes are fixed here; rows are sorted before they are written, so the same input
gives byte-identical tables.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

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


def rows(result: Result) -> dict[str, list[dict[str, object]]]:
    """The rows one article contributes to each table."""
    a = result.article
    aid = a.article_id
    out: dict[str, list[dict[str, object]]] = {
        "articles": [{"article_id": aid, "source": a.source, "title": a.title, "published": a.published,
                      "author": a.author, "n_chars": a.n_chars, "status": a.status, "error": a.error,
                      "input": a.input, "duplicate_of": result.duplicate_of}],
        "mentions": [{"article_id": aid, "label": m.label, "text": m.text, "canonical": m.canonical,
                      "type": m.type, "start": m.start, "end": m.end, "rule": m.rule}
                     for m in sorted(result.mentions, key=lambda m: (m.start, m.end, m.label))],
        "relations": [{"article_id": aid, "project": r.project, "institution": r.institution,
                       "canonical": r.canonical, "role": r.role, "type": r.type, "sentence": r.sentence,
                       "start": r.start, "end": r.end, "rule": r.rule} for r in result.relations],
        "projects": [],
    }
    order: list[str] = []
    leads: dict[str, list[str]] = {}
    cos: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for m in sorted(result.mentions, key=lambda m: m.start):
        if m.label == "PROJECT" and m.canonical not in order:
            order.append(m.canonical)
    for r in result.relations:
        if not r.project:
            continue
        if r.project not in order:
            order.append(r.project)
        target = leads if r.role == "lead" else cos
        names = target.setdefault(r.project, [])
        if r.canonical not in names:
            names.append(r.canonical)
        counts[r.project] = counts.get(r.project, 0) + 1
    out["projects"] = [{"article_id": aid, "project": p, "lead": "、".join(leads.get(p, [])),
                        "co_applicants": "、".join(cos.get(p, [])), "n_relations": counts.get(p, 0)}
                       for p in order]
    return out


def frames(results: Iterable[Result]) -> dict[str, pd.DataFrame]:
    """The four tables for ``results``, with fixed columns and dtypes."""
    collected: dict[str, list[dict[str, object]]] = {name: [] for name in TABLES}
    for result in results:
        for name, rs in rows(result).items():
            collected[name].extend(rs)
    return {name: to_frame(name, collected[name]) for name in TABLES}


def to_frame(name: str, records: list[dict[str, object]]) -> pd.DataFrame:
    cols = COLUMNS[name]
    df = pd.DataFrame.from_records(records, columns=list(cols))
    return df.astype(cols)


class TableWriter:
    """Writes the four tables incrementally; each file appears atomically when ``close()`` is called."""

    def __init__(self, out_dir: str | Path, fmt: str = "csv"):
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"unknown format {fmt!r}")
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.fmt = fmt
        self._tmp = {name: self.out_dir / f".{name}.{fmt}.part" for name in TABLES}
        self._started = {name: False for name in TABLES}
        self._parquet: dict[str, object] = {}
        for path in self._tmp.values():
            if path.exists():
                path.unlink()

    def write(self, results: Iterable[Result]) -> None:
        for name, df in frames(results).items():
            self._append(name, df)

    def _append(self, name: str, df: pd.DataFrame) -> None:
        path = self._tmp[name]
        if self.fmt == "csv":
            with path.open("a", encoding="utf-8-sig" if not self._started[name] else "utf-8", newline="") as f:
                df.to_csv(f, index=False, header=not self._started[name], lineterminator="\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            writer = self._parquet.get(name)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
                self._parquet[name] = writer
            writer.write_table(table)  # type: ignore[attr-defined]
        self._started[name] = True

    def close(self) -> dict[str, Path]:
        """Finish every table (an empty table still gets its header) and move it into place."""
        done = {}
        for name in TABLES:
            if not self._started[name]:
                self._append(name, to_frame(name, []))
            writer = self._parquet.pop(name, None)
            if writer is not None:
                writer.close()  # type: ignore[attr-defined]
            final = self.out_dir / f"{name}.{self.fmt}"
            os.replace(self._tmp[name], final)
            done[name] = final
        return done
