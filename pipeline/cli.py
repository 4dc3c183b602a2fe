"""Command line: flags become one Settings object, then the library API does the work."""
from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from .errors import FinnewsError
from .settings import Settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="finnews", description="Chinese financial news -> institution, "
                                "project and lead / co-applicant tables")
    sub = p.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract the four tables from files, folders or JSON Lines")
    ex.add_argument("inputs", nargs="+", help="files or folders (walked recursively)")
    ex.add_argument("-o", "--out", required=True, help="output folder for the tables")
    ex.add_argument("--format", choices=("csv", "parquet"), default=None, help="table format (default csv)")
    ex.add_argument("--models-dir", default=None, help="rule data folder (default: the packaged models/)")
    ex.add_argument("--config", default=None, help="YAML settings file (keys = setting names)")
    ex.add_argument("--workers", type=int, default=None,
                    help="worker processes (default: the machine's cores; small inputs run in-process)")
    ex.add_argument("--resume", action="store_true", help="continue an interrupted run from what is in OUT")
    ex.add_argument("--engine", choices=("local", "dask"), default="local",
                    help="local processes, or a Dask cluster (writes partitioned Parquet)")
    ex.add_argument("--scheduler", default=None,
                    help="with --engine dask: address of an existing scheduler (default: a local cluster)")
    ex.add_argument("--max-bytes", type=int, default=None, help="size limit per article (default 5 MB)")
    ex.add_argument("--quiet", action="store_true", default=None, help="no progress output")
    for name in ("id", "url", "title", "published", "html", "text"):
        ex.add_argument(f"--{name}-field", default=None, help=f"JSON Lines field holding the {name}")
    sh = sub.add_parser("show", help="one article as an HTML page: highlighted mentions and the relations")
    sh.add_argument("file", help="the article (any input format; the first article of a JSON Lines file)")
    sh.add_argument("-o", "--out", default=None, help="write the page here (default: standard output)")
    sh.add_argument("--id", default=None, help="the article id to show from a JSON Lines file")
    sh.add_argument("--models-dir", default=None, help="rule data folder (default: the packaged models/)")
    ev = sub.add_parser("eval", help="precision, recall and F1 of extracted tables against gold annotations")
    ev.add_argument("gold", help="folder of gold JSON files (docs/gold-format.md)")
    ev.add_argument("out", help="folder holding the extracted tables (CSV or Parquet)")
    ev.add_argument("--only", default=None, help="comma-separated article ids to score")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "eval":
            return _eval(args)
        if args.command == "show":
            return _show(args, Settings().with_overrides(models_dir=args.models_dir))
        base = Settings(workers=os.cpu_count() or 1)
        settings = Settings.from_file(args.config, base) if args.config else base
        settings = settings.with_overrides(
            models_dir=args.models_dir, format=args.format, workers=args.workers, max_bytes=args.max_bytes,
            quiet=args.quiet, id_field=args.id_field, url_field=args.url_field, title_field=args.title_field,
            published_field=args.published_field, html_field=args.html_field, text_field=args.text_field)
        return _extract(args, settings)
    except FinnewsError as err:
        print(f"finnews: {err}", file=sys.stderr)
        return 2


def _extract(args: argparse.Namespace, settings: Settings) -> int:
    from .api import Extractor
    if args.scheduler and args.engine != "dask":
        raise FinnewsError("E301", detail="--scheduler goes with --engine dask")
    extractor = Extractor(settings)
    if args.engine == "local":
        extractor.analyzer  # noqa: B018  (build it now: rule-data errors surface before any output)
        gc.freeze()  # this process is ours and the pipeline lives until exit: keep the collector off it
    summary = extractor.extract_to(args.inputs, args.out, resume=args.resume, engine=args.engine,
                                   scheduler=args.scheduler)
    if not settings.quiet:
        for message in summary.errors:
            print(f"finnews: {message}", file=sys.stderr)
        print(f"finnews: {summary.line()}", file=sys.stderr)
    return 1 if summary.error else 0


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from .show import extract_file, render, write_page

    result = extract_file(args.file, settings=settings, article_id=args.id)
    page = render(result)
    if args.out:
        write_page(page, args.out)
    else:
        sys.stdout.write(page)
    if result.article.error:
        print(f"finnews: {result.article.error}", file=sys.stderr)
    return 1 if result.article.error else 0


def _eval(args: argparse.Namespace) -> int:
    from .evaluate import format_report, report_json, score

    report = score(args.gold, args.out, only=args.only.split(",") if args.only else None)
    print(report_json(report) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
