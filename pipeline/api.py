"""The library API: ``load()`` builds the pipeline once; the Extractor turns articles into results.

    import pipeline
    ex = pipeline.load()
    result = ex.extract(open("samples/000_55cba44dae8bb6cf.txt", "rb").read())
    frames = result.to_frames()          # the four tables for this article
    tables = ex.process(["samples"])     # files and folders -> the four tables

The CLI is a thin layer over these calls.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clean import clean
from .errors import FinnewsError, InputError
from .records import DUPLICATE, ERROR, Article, Result
from .settings import Settings
from .tables import frames

if TYPE_CHECKING:
    import pandas as pd
    from spacy.language import Language

    from .nlp import Analyzer

Tables = dict[str, "pd.DataFrame"]


class Extractor:
    """Holds the analysis stages (built on first use); ``extract`` one article, ``process`` many."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self._analyzer: Analyzer | None = None
        self._nlp: Language | None = None

    @property
    def analyzer(self) -> Analyzer:
        """The stages chained without spaCy: what ``extract`` runs (see :mod:`pipeline.nlp`)."""
        if self._analyzer is None:
            from .nlp import Analyzer

            self._analyzer = Analyzer(self.settings.models_dir)
        return self._analyzer

    @property
    def nlp(self) -> Language:
        """The same stages as a spaCy pipeline (tokenizer + finnews_institutions, finnews_projects,
        finnews_relations), for ``doc.ents``, ``doc._.relations`` and displaCy; built on first use."""
        if self._nlp is None:
            from .nlp import build_nlp

            self._nlp = build_nlp(self.settings.models_dir)
        return self._nlp

    # one article ----------------------------------------------------------------------------
    def extract(self, raw: bytes | str, *, article_id: str | None = None,
                metadata: Mapping[str, Any] | None = None, input: str = "",
                seen: Callable[[str, str], str] | None = None) -> Result:
        """Extract one article given as bytes, HTML or text. Bad input gives a Result with status error.

        ``seen(fingerprint, article_id)`` may name an earlier article with the same text; the
        article is then a duplicate and is not analysed.
        """
        from .batch import fingerprint

        aid = article_id or "article"
        try:
            if len(raw) > self.settings.max_bytes:
                raise InputError("E104", source=input or aid, size=len(raw), limit=self.settings.max_bytes)
            article = clean(raw, article_id=aid, input=input, metadata=metadata,
                            models_dir=self.settings.models_dir)
            fp = fingerprint(article.text)
            first = seen(fp, aid) if seen is not None else ""
            if first:
                return Result(replace(article, status=DUPLICATE), duplicate_of=first, fingerprint=fp)
            return replace(self.analyse(article), fingerprint=fp)
        except FinnewsError as err:
            return error_result(aid, input, str(err))
        except Exception as err:  # the error boundary: one article never stops a batch
            return error_result(aid, input, str(FinnewsError("E109", source=input or aid,
                                                             detail=f"{type(err).__name__}: {err}")))

    def analyse(self, article: Article) -> Result:
        """Find the mentions and relations of a clean article."""
        mentions, relations = self.analyzer(article.text)
        return Result(article, tuple(mentions), tuple(relations))

    def from_record(self, record: Any, seen: Callable[[str, str], str] | None = None) -> Result:
        """The Result of one record from :func:`pipeline.read.iter_records`."""
        if record.error:
            return error_result(record.article_id, record.input, record.error)
        return self.extract(record.data, article_id=record.article_id, metadata=record.metadata,
                            input=record.input, seen=seen)

    # many articles --------------------------------------------------------------------------
    def iter_results(self, inputs: Iterable[str | Path], *, workers: int = 1) -> Iterator[Result]:
        """One Result per input article, in input order, without holding the dump in memory.

        Duplicates (same normalized text as an earlier article) come back with status duplicate.
        """
        from .batch import Deduplicator, run_local
        from .read import iter_records

        dedup = Deduplicator()
        settings = replace(self.settings, workers=workers)
        records = iter_records([str(p) for p in inputs], settings=settings)
        yield from run_local(records, settings, self, dedup)

    def process(self, inputs: Iterable[str | Path], *, workers: int = 1) -> Tables:
        """The four tables (articles, mentions, relations, projects) for files and folders."""
        return frames(self.iter_results(inputs, workers=workers))

    def extract_to(self, inputs: Iterable[str | Path], out_dir: str | Path, *, resume: bool = False,
                   engine: str = "local", scheduler: str | None = None) -> Any:
        """Write the four tables for ``inputs`` into ``out_dir`` (see :mod:`pipeline.batch`)."""
        from .batch import extract_to

        return extract_to([str(p) for p in inputs], out_dir, self.settings, resume=resume, engine=engine,
                          scheduler=scheduler, extractor=self)


def error_result(article_id: str, input: str, message: str) -> Result:
    return Result(Article(article_id=article_id, input=input, status=ERROR, error=message))


def load(models_dir: str | Path | None = None, settings: Settings | None = None) -> Extractor:
    """Build the pipeline once. ``models_dir`` overrides the packaged rule data."""
    base = settings or Settings()
    if models_dir is not None:
        base = base.with_overrides(models_dir=models_dir)
    extractor = Extractor(base)
    extractor.analyzer  # noqa: B018  (build now, so that errors in the rule data surface here)
    return extractor
