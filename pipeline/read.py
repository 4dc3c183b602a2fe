"""Inputs -> raw records: files, folders (recursive, sorted) and JSON Lines dumps.

Streaming: one record at a time, never a whole dump in memory. A record that cannot even be
read carries a coded one-line ``error`` instead of data; the caller turns it into an error row.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .errors import InputError
from .settings import Settings

CHUNK = 1 << 16
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n\f\v"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One article as read: its id, where it came from, its bytes or text, and given metadata."""

    article_id: str
    input: str
    data: bytes | str
    metadata: Mapping[str, str] = field(default_factory=dict)
    error: str = ""  # a coded one-line message when the record could not be read


def iter_records(paths: Iterable[str | Path], *, settings: Settings) -> Iterator[RawRecord]:
    """Every article under ``paths``, in order: folders walked in sorted order, hidden entries
    skipped; a JSON Lines file (by content) gives one record per line, any other file one."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for item in _walk(path):
                if isinstance(item, RawRecord):
                    yield item
                else:
                    yield from _file_records(item, settings)
        elif path.exists():
            yield from _file_records(path, settings)
        else:
            yield _error(path.stem or str(path), str(path), InputError("E108", source=str(path)))


def _walk(folder: Path) -> Iterator[Path | RawRecord]:
    """Files below ``folder``, depth first, entries sorted by name, hidden ones skipped; an
    unreadable folder is an E106 record."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        where = str(folder)
        yield _error(folder.name, where, InputError("E106", source=where, detail=exc.strerror or str(exc)))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)


def _error(article_id: str, where: str, err: InputError) -> RawRecord:
    return RawRecord(article_id=article_id, input=where, data=b"", metadata={}, error=str(err))


def _file_records(path: Path, settings: Settings) -> Iterator[RawRecord]:
    where, stem = str(path), path.stem
    try:
        with path.open("rb") as f:
            if _is_json_lines(f, settings.max_bytes):
                f.seek(0)
                yield from _json_lines(f, path, settings)
                return
            size = os.fstat(f.fileno()).st_size
            if size > settings.max_bytes:
                yield _error(stem, where, InputError("E104", source=where, size=size,
                                                     limit=settings.max_bytes))
                return
            f.seek(0)
            data = f.read(settings.max_bytes + 1)
    except OSError as exc:
        yield _error(stem, where, InputError("E106", source=where, detail=exc.strerror or str(exc)))
        return
    if len(data) > settings.max_bytes:  # grew while we read it
        yield _error(stem, where, InputError("E104", source=where, size=len(data),
                                             limit=settings.max_bytes))
        return
    yield RawRecord(article_id=stem, input=where, data=data, metadata={})


def _is_json_lines(f: BinaryIO, max_bytes: int) -> bool:
    """True when the first non-empty line is a JSON object (looks at the first byte first)."""
    head = f.read(CHUNK)
    start = len(_BOM) if head.startswith(_BOM) else 0
    if not head[start:].lstrip(_WHITESPACE).startswith(b"{"):
        return False
    f.seek(0)
    while line := f.readline(max_bytes + 1):  # the '{' seen above ends this within CHUNK bytes
        if line.startswith(_BOM):
            line = line[len(_BOM):]
        if line.strip():
            try:
                return isinstance(json.loads(line), dict)
            except (ValueError, RecursionError):
                return False
    return False


def _lines(f: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | int]]:
    """(line number, bytes) per line, or (line number, size) for a line over ``limit`` bytes,
    which is skipped in chunks without being held."""
    number = 0
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            size = len(line)
            while True:
                rest = f.readline(CHUNK)
                size += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, size
        else:
            yield number, line


def _json_lines(f: BinaryIO, path: Path, settings: Settings) -> Iterator[RawRecord]:
    stem = path.stem
    for number, line in _lines(f, settings.max_bytes):
        where = f"{path}:{number}"
        fallback_id = f"{stem}:{number}"
        if isinstance(line, int):
            yield _error(fallback_id, where, InputError("E104", source=where, size=line,
                                                        limit=settings.max_bytes))
            continue
        if number == 1 and line.startswith(_BOM):
            line = line[len(_BOM):]
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except UnicodeDecodeError as exc:
            yield _error(fallback_id, where, InputError("E105", source=str(path), line=number,
                                                        detail=f"not UTF-8: {exc.reason}"))
            continue
        except (ValueError, RecursionError) as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            yield _error(fallback_id, where, InputError("E105", source=str(path), line=number,
                                                        detail=detail))
            continue
        record = _from_object(obj, settings)
        if record is None:
            yield _error(fallback_id, where, InputError(
                "E105", source=str(path), line=number,
                detail=f"not an object with a {settings.html_field!r} or {settings.text_field!r} field"))
            continue
        article_id, data, metadata = record
        yield RawRecord(article_id=article_id or fallback_id, input=where, data=data, metadata=metadata)


def _from_object(obj: object, settings: Settings) -> tuple[str, str, dict[str, str]] | None:
    """(id, html-or-text, metadata) from one JSON object; None without an html or text field."""
    if not isinstance(obj, dict):
        return None
    html, text = obj.get(settings.html_field), obj.get(settings.text_field)
    if isinstance(html, str) and html.strip():
        data = html
    elif isinstance(text, str) and text.strip():
        data = text
    elif isinstance(html, str) or isinstance(text, str):
        data = ""  # present but blank: the cleaner reports it as empty (E102)
    else:
        return None
    metadata: dict[str, str] = {}
    for name, key in ((settings.title_field, "title"), (settings.url_field, "url"),
                      (settings.published_field, "published"), ("author", "author"),
                      ("source", "source")):
        value = _scalar(obj.get(name))
        if value:
            metadata[key] = value
    return _scalar(obj.get(settings.id_field)), data, metadata


def _scalar(value: object) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    return ""
