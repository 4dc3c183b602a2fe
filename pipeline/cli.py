"""Command line: flags become one Settings object, then the library API does the work."""
from __future__ import annotations

import argparse
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
    ex.add_argument("--workers", type=int, default=None, help="worker processes (default 1)")
    ex.add_argument("--max-bytes", type=int, default=None, help="size limit per article (default 5 MB)")
    ex.add_argument("--quiet", action="store_true", default=None, help="no progress output")
    for name in ("id", "url", "title", "published", "html", "text"):
        ex.add_argument(f"--{name}-field", default=None, help=f"JSON Lines field holding the {name}")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_file(args.config) if args.config else Settings()
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

    extractor = Extractor(settings)
    summary = extractor.extract_to(args.inputs, args.out, workers=settings.workers)
    if not settings.quiet:
        for message in summary.errors:
            print(f"finnews: {message}", file=sys.stderr)
        print(f"finnews: {summary.line()}", file=sys.stderr)
    return 1 if summary.error else 0


if __name__ == "__main__":
    raise SystemExit(main())
