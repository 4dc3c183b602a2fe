"""Batch runs over dumps: ordered parallel workers, duplicates, resumable chunked output, progress.

A run writes its results in *chunks* under ``OUT/.finnews-run/`` (each chunk file appears
atomically), then joins them into the four tables, each renamed into place when complete. After a
crash (even ``kill -9``), ``--resume`` counts the articles already in the chunks, skips that many
input records, and carries on; the final tables equal those of an uninterrupted run.

Workers are processes that each hold the analysis stages, built once (forked from the parent when
that is safe); records go to them in batches through a bounded window (memory stays flat whatever
the dump's size), they send back each article's rows already encoded (:class:`Outcome`), and
results are consumed in input order, so the tables are byte-identical for any number of workers.
"""
from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import sys
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from .errors import FinnewsError
from .records import DUPLICATE, ERROR, OK, Result
from .settings import Settings
from .tables import COLUMNS, TABLES, Row, csv_text, frames_of, rows, to_frame

RUN_DIR = ".finnews-run"
BATCH = 64  # records per worker task (fewer for small inputs, so that every worker gets some)
WINDOW = 2  # batches per worker handed out ahead of the results consumed
_STATUS = list(COLUMNS["articles"]).index("status")
_ERROR = list(COLUMNS["articles"]).index("error")
_DUPLICATE_OF = list(COLUMNS["articles"]).index("duplicate_of")


class Outcome(NamedTuple):
    """One article as the output needs it, cheap to send between processes: its ``articles`` row
    and its rows of the other three tables, already encoded (CSV text, or row lists for Parquet).

    Worker processes send these rather than :class:`Result` objects: pickling a Result's records
    costs more than analysing the article.
    """

    article: Row
    fingerprint: str
    relations: int  # how many relations the article has
    tables: tuple[Any, ...]  # mentions, relations, projects: CSV text (csv) or lists of rows (parquet)

    @property
    def article_id(self) -> str:
        return str(self.article[0])

    @property
    def status(self) -> str:
        return str(self.article[_STATUS])

    @property
    def error(self) -> str:
        return str(self.article[_ERROR])


def encode(result: Result, fmt: str) -> Outcome:
    """The :class:`Outcome` of a result, for output in format ``fmt`` (csv or parquet)."""
    table_rows = rows(result)
    tables = tuple(csv_text(table_rows[t]) if fmt == "csv" else table_rows[t] for t in TABLES[1:])
    return Outcome(table_rows["articles"][0], result.fingerprint, len(result.relations), tables)


# ---------------------------------------------------------------------------------------------
# duplicates

# the characters of Chinese news text that NFKC changes, nearly always the only ones: each maps on
# its own to ASCII that composes with nothing, so replacing them first leaves NFKC's result as it is
_NFKC_COMMON = [(ch, unicodedata.normalize("NFKC", ch)) for ch in "，：；（）！？％　…"]


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, about 15x faster on Chinese news text: the common
    full-width punctuation is replaced with ``str.replace``, and the full normalization runs only
    if something else is left to normalize."""
    for wide, narrow in _NFKC_COMMON:
        if wide in text:
            text = text.replace(wide, narrow)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def fingerprint(text: str) -> str:
    """Normalized-text fingerprint: NFKC, no whitespace."""
    norm = "".join(nfkc(text).split())
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=16).hexdigest()


class Deduplicator:
    """Remembers the first article of every text; later copies become ``duplicate`` rows."""

    def __init__(self) -> None:
        self.first: dict[str, str] = {}

    def seen(self, fp: str, article_id: str) -> str:
        """The id of the first article with this fingerprint; '' (and remembered) if this is the first.

        Called once per article, in input order (ids may repeat across folders, so order decides).
        """
        first = self.first.get(fp)
        if first is None:
            self.first[fp] = article_id
            return ""
        return first

    def check(self, result: Result) -> Result:
        """Mark ``result`` as a duplicate if an earlier article had the same text."""
        a = result.article
        if a.status != OK or not result.fingerprint:
            return result
        first = self.seen(result.fingerprint, a.article_id)
        if not first:
            return result
        return Result(replace(a, status=DUPLICATE), duplicate_of=first, fingerprint=result.fingerprint)

    def check_outcome(self, outcome: Outcome) -> Outcome:
        """:meth:`check` for an :class:`Outcome`: a duplicate keeps its article row, and no other rows."""
        if outcome.status != OK or not outcome.fingerprint:
            return outcome
        first = self.seen(outcome.fingerprint, outcome.article_id)
        if not first:
            return outcome
        row = list(outcome.article)
        row[_STATUS], row[_DUPLICATE_OF] = DUPLICATE, first
        empty = tuple("" if isinstance(t, str) else [] for t in outcome.tables)
        return Outcome(tuple(row), outcome.fingerprint, 0, empty)


# ---------------------------------------------------------------------------------------------
# progress

@dataclass
class Progress:
    """Counts, and a progress bar on stderr (tqdm on a terminal, plain lines otherwise)."""

    quiet: bool = False
    total: int | None = None
    ok: int = 0
    error: int = 0
    duplicate: int = 0
    relations: int = 0
    started: float = field(default_factory=time.perf_counter)
    errors: list[str] = field(default_factory=list)
    _bar: Any = None
    _last_line: float = 0.0

    def __post_init__(self) -> None:
        self._last_line = self.started  # the first plain line after 10 s, like the others
        if not self.quiet and sys.stderr.isatty():
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
            self._bar = tqdm(total=self.total, unit="art", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)

    @property
    def done(self) -> int:
        return self.ok + self.error + self.duplicate

    def add(self, outcome: Outcome) -> None:
        status = outcome.status
        if status == ERROR:
            self.error += 1
            if len(self.errors) < 10_000:
                self.errors.append(outcome.error)
        elif status == DUPLICATE:
            self.duplicate += 1
        else:
            self.ok += 1
        self.relations += outcome.relations
        if self._bar is not None:
            self._bar.update(1)
            if self.done % 50 == 0:
                self._bar.set_postfix(errors=self.error, refresh=False)
        elif not self.quiet:
            now = time.perf_counter()
            if now - self._last_line >= 10:
                self._last_line = now
                rate = self.done / max(now - self.started, 1e-9)
                of = f"/{self.total}" if self.total else ""
                print(f"finnews: {self.done}{of} articles, {rate:.0f}/s, {self.error} errors", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.set_postfix(errors=self.error)
            self._bar.close()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def line(self) -> str:
        return (f"{self.done} articles: {self.ok} ok, {self.error} error, {self.duplicate} duplicate; "
                f"{self.relations} relations in {self.seconds:.1f} s")


# ---------------------------------------------------------------------------------------------
# chunked, resumable output

class ChunkStore:
    """Chunk files of the four tables under ``OUT/.finnews-run``, then the final tables."""

    def __init__(self, out_dir: Path, fmt: str, manifest: dict[str, Any], resume: bool):
        self.out = out_dir
        self.fmt = fmt
        self.dir = out_dir / RUN_DIR
        self.out.mkdir(parents=True, exist_ok=True)
        manifest_path = self.dir / "manifest.json"
        if resume and manifest_path.exists():
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
            if old != manifest:
                raise FinnewsError("E301", detail=f"{out_dir}: --resume with other inputs or settings than the "
                                                  "interrupted run (start again without --resume)")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            _atomic_write(manifest_path, json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode())
        self.chunks = sorted(p.stem for p in self.dir.glob("*.done"))

    def completed(self) -> tuple[list[tuple[str, str, str]], int]:
        """(fingerprint, article_id, status) of the articles already written, and their relations."""
        done: list[tuple[str, str, str]] = []
        relations = 0
        for name in self.chunks:
            for line in (self.dir / f"{name}.fp").read_text(encoding="utf-8").splitlines():
                fp, aid, status, n = line.split("\t")
                done.append((fp, aid, status))
                relations += int(n)
        return done, relations

    def write(self, outcomes: Sequence[Outcome]) -> None:
        name = f"{len(self.chunks):08d}"
        articles = [o.article for o in outcomes]
        if self.fmt == "csv":  # the workers encoded the rows: no DataFrame on the hot path
            texts = {"articles": csv_text(articles)}
            for k, table in enumerate(TABLES[1:]):
                texts[table] = "".join(o.tables[k] for o in outcomes)
            for table, text in texts.items():
                _atomic_write(self.dir / f"{name}.{table}.csv", text.encode("utf-8"))
        else:
            collected = {"articles": articles}
            for k, table in enumerate(TABLES[1:]):
                collected[table] = [row for o in outcomes for row in o.tables[k]]
            for table, df in frames_of(collected).items():
                path = self.dir / f"{name}.{table}.parquet"
                tmp = path.with_suffix(".parquet.part")
                df.to_parquet(tmp, index=False)
                os.replace(tmp, path)
        fp = "".join(f"{o.fingerprint}\t{o.article_id}\t{o.status}\t{o.relations}\n" for o in outcomes)
        _atomic_write(self.dir / f"{name}.fp", fp.encode("utf-8"))
        _atomic_write(self.dir / f"{name}.done", b"")  # the chunk is complete only now
        self.chunks.append(name)

    def finish(self) -> dict[str, Path]:
        """Join the chunks into the four tables (each renamed into place when complete)."""
        done = {}
        for table in TABLES:
            final = self.out / f"{table}.{self.fmt}"
            tmp = self.out / f".{table}.{self.fmt}.part"
            parts = [self.dir / f"{name}.{table}.{self.fmt}" for name in self.chunks]
            if self.fmt == "csv":
                header = ",".join(COLUMNS[table]) + "\n"  # plain names: nothing to quote
                with tmp.open("wb") as f:
                    f.write(b"\xef\xbb\xbf" + header.encode("utf-8"))
                    for part in parts:
                        with part.open("rb") as src:
                            shutil.copyfileobj(src, f)
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                schema = pa.Schema.from_pandas(to_frame(table, []), preserve_index=False)
                with pq.ParquetWriter(tmp, schema) as writer:
                    for part in parts:
                        writer.write_table(pq.read_table(part, schema=schema))
            os.replace(tmp, final)
            done[table] = final
        shutil.rmtree(self.dir, ignore_errors=True)
        return done


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# engines

_WORKER: Any = None


def _init_worker(settings: Settings) -> None:
    global _WORKER
    if _WORKER is None:  # with fork the parent's pipeline is already here (copy-on-write)
        from .api import Extractor

        _WORKER = Extractor(settings)
        _WORKER.analyzer  # noqa: B018
    # what the worker holds now lives as long as it does: keep the collector off it (with fork,
    # a collection would also write to every inherited page and so copy it)
    gc.freeze()


def _run_batch(records: list[Any]) -> list[Result]:
    return [_WORKER.from_record(record) for record in records]


def _run_batch_encoded(records: list[Any]) -> list[Outcome]:
    fmt = _WORKER.settings.format
    return [encode(_WORKER.from_record(record), fmt) for record in records]


def run_local(records: Iterable[Any], settings: Settings, extractor: Any = None,
              dedup: Deduplicator | None = None) -> Iterator[Result]:
    """Results in input order: in this process (workers <= 1) or in a pool of worker processes.

    In one process a duplicate is recognised after cleaning and never analysed; with several
    workers the caller marks duplicates as results arrive (in input order, so the same ones).
    """
    yield from _ordered(records, settings, extractor, dedup or Deduplicator(), encoded=False)


def run_encoded(records: Iterable[Any], settings: Settings, extractor: Any = None,
                dedup: Deduplicator | None = None, total: int | None = None) -> Iterator[Outcome]:
    """:func:`run_local`, as :class:`Outcome` objects for output in ``settings.format``: workers
    encode the rows, and the parent only orders, checks duplicates and writes. ``total``, the
    number of records when known, keeps batches small enough for every worker to get some."""
    yield from _ordered(records, settings, extractor, dedup or Deduplicator(), encoded=True, total=total)


def _ordered(records: Iterable[Any], settings: Settings, extractor: Any, dedup: Deduplicator,
             encoded: bool, total: int | None = None) -> Iterator[Any]:
    workers = max(1, settings.workers)
    batch_size = BATCH if total is None else max(1, min(BATCH, total // (2 * WINDOW * workers)))
    if workers == 1:
        if extractor is None:
            from .api import Extractor

            extractor = Extractor(settings)
        for record in records:
            result = extractor.from_record(record, seen=dedup.seen)
            yield encode(result, settings.format) if encoded else result
        return
    global _WORKER
    if "fork" in mp.get_all_start_methods() and threading.active_count() == 1:
        # forking is safe only while this process runs a single thread (a Dask client, a web server
        # or a notebook kernel start threads: then each worker builds its own pipeline instead)
        # build the pipeline once here; forked workers inherit it without pickling or rebuilding
        if extractor is None:
            from .api import Extractor

            extractor = Extractor(settings)
        extractor.analyzer  # noqa: B018
        _WORKER = extractor
        ctx: Any = mp.get_context("fork")
    else:
        _WORKER = None
        ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    # records go to the workers in batches (one task each: the pool's per-task cost is paid once
    # per batch), through a sliding window: at most WINDOW batches per worker are read ahead of the
    # results consumed (memory stays flat), and the workers never wait for a window to drain
    in_flight = threading.BoundedSemaphore(WINDOW * workers)

    def feed() -> Iterator[list[Any]]:
        batch: list[Any] = []
        for record in records:
            batch.append(record)
            if len(batch) == batch_size:
                in_flight.acquire()
                yield batch
                batch = []
        if batch:
            in_flight.acquire()
            yield batch

    check = dedup.check_outcome if encoded else dedup.check
    with ctx.Pool(workers, initializer=_init_worker, initargs=(settings,)) as pool:
        for results in pool.imap(_run_batch_encoded if encoded else _run_batch, feed()):
            in_flight.release()
            for result in results:
                yield check(result)


def manifest(inputs: Sequence[str], settings: Settings) -> dict[str, Any]:
    s = asdict(settings)
    for volatile in ("workers", "quiet", "chunk_size"):
        s.pop(volatile, None)
    s["models_dir"] = str(s["models_dir"]) if s["models_dir"] else None
    return {"inputs": [str(Path(p).resolve()) if p != "-" else "-" for p in inputs], "settings": s}


def extract_to(inputs: Sequence[str], out_dir: str | Path, settings: Settings, *, resume: bool = False,
               engine: str = "local", scheduler: str | None = None, extractor: Any = None) -> Progress:
    """Run the extraction over ``inputs`` into ``out_dir``; returns the counts."""
    from .read import iter_records

    out = Path(out_dir)
    if engine == "dask":
        from .distributed import extract_dask

        if resume:
            raise FinnewsError("E301", detail="--resume works with the local engine only")
        return extract_dask(inputs, out, settings, scheduler=scheduler)
    if engine != "local":
        raise FinnewsError("E301", detail=f"unknown engine {engine!r} (use local or dask)")
    if resume and "-" in inputs:
        raise FinnewsError("E301", detail="--resume cannot re-read standard input; give files instead")
    # the total feeds the progress bar and the small-input rule; quiet, only the rule needs it
    total = count_articles(inputs, limit=20 * settings.workers if settings.quiet else 200_000)
    if total is not None and total < 20 * settings.workers:
        settings = replace(settings, workers=1)  # starting worker processes would cost more than they give
    store = ChunkStore(out, settings.format, manifest(inputs, settings), resume)
    done, relations = store.completed()
    dedup = Deduplicator()
    progress = Progress(quiet=settings.quiet, total=total)
    for fp, aid, status in done:  # what the interrupted run already wrote
        if fp:
            dedup.seen(fp, aid)
        progress.ok += status not in (ERROR, DUPLICATE)
        progress.error += status == ERROR
        progress.duplicate += status == DUPLICATE
    progress.relations = relations
    if progress._bar is not None and done:
        progress._bar.update(len(done))
    records = islice(iter_records(inputs, settings=settings), len(done), None)
    batch: list[Outcome] = []
    try:
        left = None if total is None else total - len(done)
        for outcome in run_encoded(records, settings, extractor, dedup, total=left):
            progress.add(outcome)
            batch.append(outcome)
            if len(batch) >= settings.chunk_size:
                store.write(batch)
                batch = []
        if batch:
            store.write(batch)
        store.finish()
    finally:
        progress.close()
    return progress


def count_articles(inputs: Sequence[str], limit: int = 200_000) -> int | None:
    """The number of articles when it is cheap to know: single-article files only (decided by their
    first bytes, as the reader does). None for standard input, containers, JSON Lines, or more than
    ``limit`` files."""
    from .read import container_kind

    total = 0
    for name in inputs:
        if name == "-":
            return None
        p = Path(name)
        files: Iterable[Path] = [p]  # a file, or a missing input (one error row)
        if p.is_dir():
            files = (f for f in sorted(p.rglob("*")) if f.is_file()
                     and not any(part.startswith(".") for part in f.relative_to(p).parts))
        for f in files:
            total += 1
            if total > limit:
                return None
            try:
                with f.open("rb") as fh:
                    head = fh.read(512)
            except OSError:
                continue
            if container_kind(head) or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
                return None
    return total
