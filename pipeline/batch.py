"""Batch runs over dumps: ordered parallel workers, duplicates, resumable chunked output, progress.

A run writes its results in *chunks* under ``OUT/.finnews-run/`` (each chunk file appears
atomically), then joins them into the four tables, each renamed into place when complete. After a
crash (even ``kill -9``), ``--resume`` counts the articles already in the chunks, skips that many
input records, and carries on; the final tables equal those of an uninterrupted run.

Workers are processes that each build the spaCy pipeline once; records go to them in bounded
windows (memory stays flat whatever the dump's size) and results are consumed in input order, so
the tables are byte-identical for any number of workers.
"""
from __future__ import annotations

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
from typing import Any

from .errors import FinnewsError
from .records import DUPLICATE, ERROR, OK, Result
from .settings import Settings
from .tables import COLUMNS, TABLES, frames, rows, to_frame, write_csv_rows

RUN_DIR = ".finnews-run"
WINDOW = 64  # records handed to the worker pool per worker at a time


# ---------------------------------------------------------------------------------------------
# duplicates

def fingerprint(text: str) -> str:
    """Normalized-text fingerprint: NFKC, no whitespace."""
    norm = "".join(unicodedata.normalize("NFKC", text).split())
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

    def add(self, result: Result) -> None:
        status = result.article.status
        if status == ERROR:
            self.error += 1
            if len(self.errors) < 10_000:
                self.errors.append(result.article.error)
        elif status == DUPLICATE:
            self.duplicate += 1
        else:
            self.ok += 1
        self.relations += len(result.relations)
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

    def write(self, results: Sequence[Result]) -> None:
        name = f"{len(self.chunks):08d}"
        if self.fmt == "csv":  # straight from row tuples: no DataFrame on the hot path
            collected: dict[str, list[Any]] = {table: [] for table in TABLES}
            for result in results:
                for table, rs in rows(result).items():
                    collected[table].extend(rs)
            for table, table_rows in collected.items():
                path = self.dir / f"{name}.{table}.csv"
                tmp = path.with_suffix(".csv.part")
                with tmp.open("w", encoding="utf-8", newline="") as f:
                    write_csv_rows(f, table_rows)
                os.replace(tmp, path)
        else:
            for table, df in frames(results).items():
                path = self.dir / f"{name}.{table}.parquet"
                tmp = path.with_suffix(".parquet.part")
                df.to_parquet(tmp, index=False)
                os.replace(tmp, path)
        fp = "".join(f"{r.fingerprint}\t{r.article.article_id}\t{r.article.status}\t{len(r.relations)}\n"
                     for r in results)
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


def _run_one(record: Any) -> Result:
    return _WORKER.from_record(record)


def run_local(records: Iterable[Any], settings: Settings, extractor: Any = None,
              dedup: Deduplicator | None = None) -> Iterator[Result]:
    """Results in input order: in this process (workers <= 1) or in a pool of worker processes.

    In one process a duplicate is recognised after cleaning and never analysed; with several
    workers the caller marks duplicates as results arrive (in input order, so the same ones).
    """
    workers = max(1, settings.workers)
    if workers == 1:
        if extractor is None:
            from .api import Extractor

            extractor = Extractor(settings)
        seen = dedup.seen if dedup is not None else None
        for record in records:
            yield extractor.from_record(record, seen=seen)
        return
    dedup = dedup or Deduplicator()
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
    # a sliding window: at most WINDOW records per worker are read ahead of the results consumed
    # (memory stays flat), and the workers never wait for a window to drain
    in_flight = threading.BoundedSemaphore(WINDOW * workers)

    def feed() -> Iterator[Any]:
        for record in records:
            in_flight.acquire()
            yield record

    with ctx.Pool(workers, initializer=_init_worker, initargs=(settings,)) as pool:
        for result in pool.imap(_run_one, feed(), chunksize=8):
            in_flight.release()
            yield dedup.check(result)


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
    total = count_articles(inputs)
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
    batch: list[Result] = []
    try:
        for result in run_local(records, settings, extractor, dedup):
            progress.add(result)
            batch.append(result)
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
