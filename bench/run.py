"""Benchmark: finnews against the obvious BeautifulSoup + jieba script, each as a whole process.

    python bench/run.py [--n 2000] [--rss 1000,10000]

(a) baseline: BeautifulSoup(html, "lxml").get_text() and jieba.lcut() on every article;
(b) finnews extract with 1 worker;  (c) finnews extract with 2 workers.
Prints articles/s, the ratios b/a and b/c, and peak RSS of (b) at two dump sizes. Figures, not
assertions: the machines are shared and noisy, so this is never a timed test.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
BIN = Path(sys.executable).parent

BASELINE = """
import sys, logging
from pathlib import Path
from bs4 import BeautifulSoup
import jieba
jieba.setLogLevel(logging.WARNING)
for p in sorted(Path(sys.argv[1]).iterdir()):
    text = BeautifulSoup(p.read_bytes(), "lxml").get_text()
    jieba.lcut(text)
"""


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process run to completion."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024


def dump(n: int) -> Path:
    d = WORK / f"dump-{n}"
    if not d.exists() or len(list(d.iterdir())) != n:
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "make_dump.py"), str(n), str(d)], cwd=ROOT, check=True)
    return d


def finnews(d: Path, workers: int) -> list[str]:
    out = WORK / f"out-{d.name}-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    return [str(BIN / "finnews"), "extract", str(d), "-o", str(out), "--workers", str(workers), "--quiet"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--rss", default="1000,10000")
    args = ap.parse_args()
    d = dump(args.n)
    mb = sum(p.stat().st_size for p in d.iterdir()) / 1e6
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"dump: {args.n} articles, {mb:.1f} MB of HTML")
    a, _ = timed([sys.executable, "-c", BASELINE, str(d)])
    b, rss_b = timed(finnews(d, 1))
    c, _ = timed(finnews(d, 2))
    for name, s in (("a baseline bs4+jieba", a), ("b finnews, 1 worker", b), ("c finnews, 2 workers", c)):
        print(f"{name:22s} {s:7.2f} s  {args.n / s:7.0f} articles/s")
    print(f"b/a = {b / a:.2f}   (target <= 0.5)")
    print(f"b/c = {b / c:.2f}   (target >= 1.7)")
    sizes = [int(x) for x in args.rss.split(",")]
    peaks = []
    for n in sizes:
        _, rss = timed(finnews(dump(n), 1))
        peaks.append(rss)
        print(f"peak RSS, 1 worker, {n:6d} articles: {rss:6.0f} MB")
    if len(peaks) == 2:
        print(f"RSS growth {sizes[0]} -> {sizes[1]}: {100 * (peaks[1] / peaks[0] - 1):+.1f} %   (target < 10 %)")
    small = dump(1)
    s, _ = timed(finnews(small, 1))
    print(f"one small article, including start-up: {s:.2f} s   (target < 2 s)")


if __name__ == "__main__":
    main()
