"""The Dask engine: the same job on a dask.distributed cluster (``--engine dask``).

Each worker process (one thread) builds the pipeline once, in a worker plugin; the client reads
the inputs, sends batches of records, takes the results back in input order (duplicates are
marked there, as in the local engine) and writes every table as partitioned Parquet
(``OUT/<table>/part-00000.parquet`` …), a layout that pandas, Dask and Spark read as one table.

    finnews extract dump/ -o out --engine dask                          # a local cluster
    finnews extract dump/ -o out --engine dask --scheduler tcp://host:8786

Workers of an existing cluster need finnews installed (the same version as the client).
"""
from __future__ import annotations

import os
import shutil
from collections import deque
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from .batch import Deduplicator, Outcome, Progress, count_articles, encode
from .errors import FinnewsError
from .settings import Settings
from .tables import TABLES, frames_of

try:  # dask is an optional dependency: only this engine needs it
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover
    WorkerPlugin = object  # type: ignore[assignment,misc]


class FinnewsPlugin(WorkerPlugin):  # type: ignore[misc,valid-type]
    """Builds the extractor once per worker process."""

    name = "finnews"

    def __init__(self, settings: Settings):
        self.settings = settings

    def setup(self, worker: Any) -> None:
        from .api import Extractor

        extractor = Extractor(self.settings)
        extractor.analyzer  # noqa: B018  (build it now, once)
        worker.finnews_extractor = extractor


def _process(records: list[Any]) -> list[Outcome]:
    from distributed import get_worker

    extractor = get_worker().finnews_extractor  # type: ignore[attr-defined]
    return [encode(extractor.from_record(r), "parquet") for r in records]


def extract_dask(inputs: Sequence[str], out: Path, settings: Settings, *, scheduler: str | None = None) -> Progress:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover
        raise FinnewsError("E301", detail="--engine dask needs dask[distributed] (pip install 'finnews[dask]')") from exc
    from .read import iter_records

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, settings.workers), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        client.register_plugin(FinnewsPlugin(settings))
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        out.mkdir(parents=True, exist_ok=True)
        staging = out / ".finnews-dask"
        shutil.rmtree(staging, ignore_errors=True)
        for table in TABLES:
            (staging / table).mkdir(parents=True)
        progress = Progress(quiet=settings.quiet, total=count_articles(inputs))
        dedup = Deduplicator()
        records = iter_records(inputs, settings=settings)
        pending: deque[Any] = deque()
        part = 0

        def submit() -> bool:
            batch = list(islice(records, settings.chunk_size))
            if batch:
                pending.append(client.submit(_process, batch, pure=False))
            return bool(batch)

        for _ in range(2 * n_workers):
            if not submit():
                break
        while pending:
            outcomes = [dedup.check_outcome(o) for o in pending.popleft().result()]
            submit()
            collected: dict[str, list[Any]] = {"articles": []}
            for o in outcomes:
                progress.add(o)
                collected["articles"].append(o.article)
            for k, table in enumerate(TABLES[1:]):
                collected[table] = [row for o in outcomes for row in o.tables[k]]
            for table, df in frames_of(collected).items():
                path = staging / table / f"part-{part:05d}.parquet"
                df.to_parquet(path, index=False)
            part += 1
        progress.close()
        for table in TABLES:  # each table appears complete, or not at all
            final = out / table
            if final.exists():
                shutil.rmtree(final)
            os.replace(staging / table, final)
        shutil.rmtree(staging, ignore_errors=True)
        return progress
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
