"""The library API: ``load()`` builds the pipeline once; the Extractor turns articles into results.

    import pipeline
    ex = pipeline.load()
    result = ex.extract(open("samples/000_55cba44dae8bb6cf.txt", "rb").read())
    frames = result.to_frames()          # the four tables for this article
    tables = ex.process(["samples"])     # files and folders -> the four tables

The CLI is a thin layer over these calls.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .clean import clean
from .errors import FinnewsError, InputError
from .records import ERROR, Article, Result
from .settings import Settings
from .tables import TableWriter, frames

Tables = dict[str, pd.DataFrame]


class Extractor:
    """Holds one spaCy pipeline; ``extract`` one article, ``process``/``iter_results`` many."""

    def __init__(self, settings: Settings | None = None):
        from .nlp import build_nlp

        self.settings = settings or Settings()
        self.nlp = build_nlp(self.settings.models_dir)

    # one article ----------------------------------------------------------------------------
    def extract(self, raw: bytes | str, *, article_id: str | None = None,
                metadata: Mapping[str, Any] | None = None, input: str = "") -> Result:
        """Extract one article given as bytes, HTML or text. Bad input gives a Result with status error."""
        aid = article_id or "article"
        try:
            if isinstance(raw, bytes) and len(raw) > self.settings.max_bytes:
                raise InputError("E104", source=input or aid, size=len(raw), limit=self.settings.max_bytes)
            article = clean(raw, article_id=aid, input=input, metadata=metadata, models_dir=self.settings.models_dir)
            return self.analyse(article)
        except FinnewsError as err:
            return error_result(aid, input, str(err))
        except Exception as err:  # the error boundary: one article never stops a batch
            return error_result(aid, input, str(FinnewsError("E109", source=input or aid,
                                                             detail=f"{type(err).__name__}: {err}")))

    def analyse(self, article: Article) -> Result:
        """Run the spaCy pipeline over a clean article."""
        doc = self.nlp(article.text)
        mentions = tuple(doc._.finnews_mentions or ())
        relations = tuple(doc._.relations or ())
        return Result(article, mentions, relations)

    # many articles --------------------------------------------------------------------------
    def iter_results(self, inputs: Iterable[str | Path], *, workers: int = 1) -> Iterator[Result]:
        """One Result per input article, in input order, without holding the dump in memory."""
        from .read import iter_records

        records = iter_records(inputs, settings=self.settings)
        if workers <= 1:
            for rec in records:
                yield self._record(rec)
            return
        ctx = mp.get_context("fork")
        with ctx.Pool(workers, initializer=_worker_init, initargs=(self.settings,)) as pool:
            yield from pool.imap(_worker_run, records, chunksize=8)

    def process(self, inputs: Iterable[str | Path], *, workers: int = 1) -> Tables:
        """The four tables (articles, mentions, relations, projects) for files and folders."""
        return frames(self.iter_results(inputs, workers=workers))

    def extract_to(self, inputs: Iterable[str | Path], out_dir: str | Path, *, workers: int = 1,
                   progress: Any = None) -> Summary:
        """Stream the tables for ``inputs`` into ``out_dir``; each file appears when complete."""
        writer = TableWriter(out_dir, self.settings.format)
        summary = Summary()
        t0 = time.perf_counter()
        batch: list[Result] = []
        for result in self.iter_results(inputs, workers=workers):
            summary.add(result)
            batch.append(result)
            if progress is not None:
                progress(summary)
            if len(batch) >= 200:
                writer.write(batch)
                batch = []
        writer.write(batch)
        writer.close()
        summary.seconds = time.perf_counter() - t0
        return summary

    def _record(self, rec: Any) -> Result:
        if rec.error:
            return error_result(rec.article_id, rec.input, rec.error)
        return self.extract(rec.data, article_id=rec.article_id, metadata=rec.metadata, input=rec.input)


@dataclass
class Summary:
    ok: int = 0
    error: int = 0
    duplicate: int = 0
    relations: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def add(self, result: Result) -> None:
        status = result.article.status
        if status == ERROR:
            self.error += 1
            self.errors.append(result.article.error)
        elif status == "duplicate":
            self.duplicate += 1
        else:
            self.ok += 1
        self.relations += len(result.relations)

    @property
    def total(self) -> int:
        return self.ok + self.error + self.duplicate

    def line(self) -> str:
        return (f"{self.total} articles: {self.ok} ok, {self.error} error, {self.duplicate} duplicate; "
                f"{self.relations} relations in {self.seconds:.1f} s")


def error_result(article_id: str, input: str, message: str) -> Result:
    return Result(Article(article_id=article_id, input=input, status=ERROR, error=message))


_WORKER: Extractor | None = None


def _worker_init(settings: Settings) -> None:
    global _WORKER
    _WORKER = Extractor(settings)


def _worker_run(rec: Any) -> Result:
    assert _WORKER is not None
    return _WORKER._record(rec)


def load(models_dir: str | Path | None = None, settings: Settings | None = None) -> Extractor:
    """Build the pipeline once. ``models_dir`` overrides the packaged rule data."""
    base = settings or Settings()
    if models_dir is not None:
        base = base.with_overrides(models_dir=models_dir)
    return Extractor(base)
