"""Inputs -> raw records: files, folders, standard input, and the containers news dumps come in.

Every container is recognised by its content, never by its name, and may hold any other:

- a single article (HTML, Markdown, text, in any encoding): one record;
- JSON Lines (the first non-blank line is a JSON object): one record per line, field names from
  :class:`~pipeline.settings.Settings`;
- gzip, bzip2 and xz streams (``.jsonl.gz``, ``.html.gz``, ``.warc.gz``, ``.tgz`` ...): unpacked
  on the fly, then read again by content;
- WARC crawls (``WARC/1.``): one record per ``response`` whose HTTP ``Content-Type`` is HTML,
  with metadata ``url`` (WARC-Target-URI), ``published`` (WARC-Date) and ``http_charset`` (the
  charset of the HTTP Content-Type); requests, revisits, metadata, warcinfo and non-HTML
  responses (images, scripts, PDFs) are no articles and are skipped;
- zip and tar archives: read member by member; directories, hidden members (a path part that
  starts with ``.``) and ``__MACOSX/`` are skipped.

Article ids: a JSON line's own id field; else ``<stem>:<line>``; a WARC record's
``WARC-Record-ID`` without ``<urn:uuid:`` and ``>``; else the file stem. Inside an archive the
stem is ``<archive stem>/<member path without extension>``, so a JSON Lines member gives
``<archive stem>/<member path without extension>:<line>``. Standard input (``-``) has the
stem ``stdin``. ``RawRecord.input`` says where: ``path``, ``path:line``, ``archive/member``,
``crawl.warc.gz#record-id``, ``<stdin>``.

Streaming: one record at a time; at most one article (``Settings.max_bytes``) is held. An
article over that limit is an E104 record, counted without being held. A record that cannot be
read carries a coded one-line ``error`` instead of data and the caller turns it into an error
row: E106 an unreadable file, E107 a truncated or corrupt archive (the records read before the
damage stay), E104, E105 a bad JSON line, E108 a missing path.
"""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import shutil
import sys
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO, Protocol, cast

from .errors import InputError
from .settings import Settings

CHUNK = 1 << 16
MAX_DEPTH = 8  # containers inside containers; deeper is treated as a corrupt archive
STDIN = "-"
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n\f\v"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class _Cut(Exception):
    """A stream ended or broke inside a container (raised ``from`` the original error)."""


# What a damaged compressed stream or archive raises (BadGzipFile is an OSError).
_CORRUPT: tuple[type[BaseException], ...] = (
    EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, tarfile.TarError, _Cut)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Buffered(Protocol):
    def read1(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One article as read: its id, where it came from, its bytes or text, and given metadata."""

    article_id: str
    input: str
    data: bytes | str
    metadata: Mapping[str, str] = field(default_factory=dict)
    error: str = ""  # a coded one-line message when the record could not be read


@dataclass(frozen=True, slots=True)
class _Source:
    """One stream being read: the name its ids come from and where it is, for messages."""

    name: str  # file name, or member path inside an archive
    where: str  # for ``RawRecord.input`` and messages
    prefix: str = ""  # "<archive id>/" inside an archive
    size: int | None = None  # bytes, when known before reading
    file: BinaryIO | None = None  # the open file itself, which a zip archive can seek in
    depth: int = 0

    @property
    def id(self) -> str:
        path = PurePosixPath(self.name)
        return self.prefix + (str(path.with_suffix("")) if path.name else self.name)


def iter_records(paths: Iterable[str | Path], *, settings: Settings) -> Iterator[RawRecord]:
    """Every article under ``paths``, in order: folders walked in sorted order, hidden entries
    skipped, ``-`` is standard input; every container read by content (see the module doc)."""
    for given in paths:
        if str(given) == STDIN:
            src = _Source(name="stdin", where="<stdin>")
            stream = getattr(sys.stdin, "buffer", None)
            if stream is None:
                yield _error(src.id, src.where, InputError("E106", source=src.where, detail="no standard input"))
            else:
                yield from _guarded(stream, src, settings)
            continue
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


def _detail(exc: BaseException) -> str:
    if isinstance(exc, _Cut) and exc.__cause__ is not None:
        exc = exc.__cause__
    text = " ".join(str(getattr(exc, "strerror", None) or exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _corrupt(src: _Source, exc: BaseException | str) -> RawRecord:
    detail = exc if isinstance(exc, str) else _detail(exc)
    return _error(src.id, src.where, InputError("E107", source=src.where, detail=detail))


def _file_records(path: Path, settings: Settings) -> Iterator[RawRecord]:
    src = _Source(name=path.name, where=str(path))
    try:
        f = path.open("rb")
    except OSError as exc:
        yield _error(src.id, src.where, InputError("E106", source=src.where, detail=exc.strerror or str(exc)))
        return
    with f:
        yield from _guarded(f, replace(src, size=os.fstat(f.fileno()).st_size, file=f), settings)


def _guarded(stream: _Readable, src: _Source, settings: Settings) -> Iterator[RawRecord]:
    """The error boundary around one top-level input: records so far, then one error record."""
    try:
        yield from _records(stream, src, settings)
    except OSError as exc:
        yield _error(src.id, src.where, InputError("E106", source=src.where, detail=exc.strerror or str(exc)))
    except Exception as exc:  # a reader bug or a library's undocumented error must not stop the batch
        yield _error(src.id, src.where, InputError("E109", source=src.where, detail=_detail(exc)))


# ---------------------------------------------------------------------------------------------
# Content sniffing
# ---------------------------------------------------------------------------------------------


class _Peek(io.RawIOBase):
    """A read-only stream whose first bytes can be looked at before it is read from the start.

    An error while looking ahead (a truncated gzip) is kept and raised when the reader gets
    there, so the records before the damage are still read.
    """

    def __init__(self, stream: _Readable) -> None:
        super().__init__()
        self._read = getattr(stream, "read1", stream.read)  # read1: what is there, up to an error
        self._head = bytearray()
        self._pos = 0
        self._error: Exception | None = None

    def readable(self) -> bool:
        return True

    def _more(self, size: int) -> bool:
        if self._error is not None:
            return False
        try:
            chunk = self._read(size)
        except Exception as exc:  # raised again by readinto, at the place where it happened
            self._error = exc
            return False
        self._head += chunk
        return bool(chunk)

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes (fewer at the end of the stream); nothing is consumed."""
        while len(self._head) < size and self._more(size - len(self._head)):
            pass
        return bytes(self._head[:size])

    def head_line(self, start: int, limit: int) -> bytes:
        """The line starting at offset ``start``: up to its newline, the end, or ``limit`` + 1 bytes."""
        searched = start
        while True:
            end = self._head.find(b"\n", searched)
            if end >= 0:
                return bytes(self._head[start:min(end + 1, start + limit + 1)])
            if len(self._head) - start > limit:
                return bytes(self._head[start:start + limit + 1])
            searched = len(self._head)
            if not self._more(CHUNK):
                return bytes(self._head[start:])

    def readinto(self, buffer: Any) -> int:
        if self._pos < len(self._head):
            n = min(len(buffer), len(self._head) - self._pos)
            buffer[:n] = self._head[self._pos:self._pos + n]
            self._pos += n
            if self._pos == len(self._head):  # the head is read: let it go
                self._head, self._pos = bytearray(), 0
            return n
        if self._error is not None:
            raise self._error
        data = self._read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _Chunks:
    """``read`` gives what there is (up to ``size``) before it raises, so that tarfile and warcio
    see every byte before the damage; an EOFError becomes :class:`_Cut`, because warcio takes an
    EOFError for the end of a crawl."""

    def __init__(self, stream: _Buffered) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read1(size)
        except EOFError as exc:
            raise _Cut(str(exc)) from exc


def container_kind(head: bytes) -> str:
    """What the first bytes of a file say it is ('' for an article or JSON Lines); see :func:`_kind`."""
    return _kind(head)


def _kind(head: bytes) -> str:
    """What the first bytes of a stream say it is; '' for an article or JSON Lines."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and head[4:10] == b"\x31\x41\x59\x26\x53\x59":
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"WARC/1."):
        return "warc"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a member, or an empty archive
        return "zip"
    if head[257:262] == b"ustar":  # POSIX and GNU tar
        return "tar"
    return ""


def _records(stream: _Readable, src: _Source, settings: Settings) -> Iterator[RawRecord]:
    """The records in one stream, by its content. Damage in a container is caught where it is
    read (E107); a read error of the stream itself goes up to the caller."""
    if src.depth > MAX_DEPTH:
        yield _corrupt(src, f"containers nested more than {MAX_DEPTH} deep")
        return
    peek = _Peek(stream)
    head = peek.head(CHUNK)
    buffered = io.BufferedReader(peek, CHUNK)
    kind = _kind(head)
    if kind in _UNPACK:
        yield from _unpacked(kind, buffered, src, settings)
    elif kind == "warc":
        yield from _warc(_Chunks(buffered), src, settings)
    elif kind == "zip":
        yield from _zip(buffered, src, settings)
    elif kind == "tar":
        yield from _tar(_Chunks(buffered), src, settings)
    elif _json_lines_ahead(peek, head, settings.max_bytes):
        yield from _json_lines(buffered, src, settings)
    else:
        yield from _article(buffered, src, settings)


def _json_lines_ahead(peek: _Peek, head: bytes, limit: int) -> bool:
    """True when the first non-blank line is a JSON object (looks at its first byte first), or
    starts like one but is over the size limit: then the line reader reports it (E104) and the
    dump goes on, instead of the whole dump being one article over the limit."""
    body = head[len(_BOM):] if head.startswith(_BOM) else head
    rest = body.lstrip(_WHITESPACE)
    if not rest.startswith(b"{"):
        return False
    line = peek.head_line(len(head) - len(rest), limit)  # the '{' is in the head
    if len(line) > limit:
        return True
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


# ---------------------------------------------------------------------------------------------
# One article
# ---------------------------------------------------------------------------------------------


def _drain(stream: _Readable) -> int:
    """Read ``stream`` to its end in chunks; the number of bytes."""
    total = 0
    while chunk := stream.read(CHUNK):
        total += len(chunk)
    return total


def _article(stream: IO[bytes], src: _Source, settings: Settings) -> Iterator[RawRecord]:
    limit = settings.max_bytes
    if src.size is not None and src.size > limit:
        yield _error(src.id, src.where, InputError("E104", source=src.where, size=src.size, limit=limit))
        return
    data = stream.read(limit + 1)
    if len(data) > limit:  # a stream of unknown size, or a file that grew while we read it
        size = len(data) + _drain(stream)
        yield _error(src.id, src.where, InputError("E104", source=src.where, size=size, limit=limit))
        return
    yield RawRecord(article_id=src.id, input=src.where, data=data, metadata={})


# ---------------------------------------------------------------------------------------------
# JSON Lines
# ---------------------------------------------------------------------------------------------


def _lines(f: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | int]]:
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


def _json_lines(f: IO[bytes], src: _Source, settings: Settings) -> Iterator[RawRecord]:
    for number, line in _lines(f, settings.max_bytes):
        where = f"{src.where}:{number}"
        fallback_id = f"{src.id}:{number}"
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
            yield _error(fallback_id, where, InputError("E105", source=src.where, line=number,
                                                        detail=f"not UTF-8: {exc.reason}"))
            continue
        except (ValueError, RecursionError) as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            yield _error(fallback_id, where, InputError("E105", source=src.where, line=number,
                                                        detail=detail))
            continue
        record = _from_object(obj, settings)
        if record is None:
            yield _error(fallback_id, where, InputError(
                "E105", source=src.where, line=number,
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


# ---------------------------------------------------------------------------------------------
# Compressed streams
# ---------------------------------------------------------------------------------------------


def _gzip_open(stream: IO[bytes]) -> gzip.GzipFile:
    return gzip.GzipFile(fileobj=stream, mode="rb")


# kind -> (opener, {suffix of the packed name: suffix of the unpacked name})
_UNPACK: dict[str, tuple[Callable[[IO[bytes]], io.BufferedIOBase], dict[str, str]]] = {
    "gzip": (_gzip_open, {".gz": "", ".tgz": ".tar"}),
    "bzip2": (bz2.BZ2File, {".bz2": "", ".tbz": ".tar", ".tbz2": ".tar"}),
    "xz": (lzma.LZMAFile, {".xz": "", ".txz": ".tar"}),
}


def _unpacked_name(name: str, suffixes: Mapping[str, str]) -> str:
    path = PurePosixPath(name)
    if path.name and path.suffix.lower() in suffixes:
        return str(path.with_suffix(suffixes[path.suffix.lower()]))
    return name


def _unpacked(kind: str, stream: IO[bytes], src: _Source, settings: Settings) -> Iterator[RawRecord]:
    """A compressed stream, read again by content; damage ends it with one E107 record."""
    opener, suffixes = _UNPACK[kind]
    inner = replace(src, name=_unpacked_name(src.name, suffixes), size=None, file=None, depth=src.depth + 1)
    try:
        with opener(stream) as f:
            yield from _records(f, inner, settings)
    except _CORRUPT as exc:
        yield _corrupt(inner, exc)


# ---------------------------------------------------------------------------------------------
# WARC
# ---------------------------------------------------------------------------------------------


def _content_type(value: str) -> tuple[str, str]:
    """(media type, charset) from a Content-Type header value."""
    media, *params = value.split(";")
    charset = ""
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'")
    return media.strip().lower(), charset


def _warc_id(value: str) -> str:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    return value.removeprefix("urn:uuid:")


def _warc(stream: _Chunks, src: _Source, settings: Settings) -> Iterator[RawRecord]:
    """One record per HTML ``response``; a record cut short or a parse failure ends the crawl
    with one E107 record."""
    from warcio.archiveiterator import ArchiveIterator

    limit = settings.max_bytes
    try:
        for number, rec in enumerate(ArchiveIterator(stream), 1):
            media, charset = "", ""
            if rec.rec_type == "response" and rec.http_headers is not None:
                media, charset = _content_type(rec.http_headers.get_header("Content-Type") or "")
                status = (rec.http_headers.get_statuscode() or "200").strip()
                if not status.startswith("2"):
                    media = ""  # a 404 page or a redirect is not an article
            data, size = b"", 0
            if media in _HTML_TYPES:
                payload = rec.content_stream()
                data = payload.read(limit + 1)
                size = len(data) + (_drain(payload) if len(data) > limit else 0)
            _drain(rec.raw_stream)
            if getattr(rec.raw_stream, "limit", 0) > 0:  # warcio reads a cut record without a word
                yield _corrupt(src, f"WARC record {number} is cut short")
                return
            if media not in _HTML_TYPES:
                continue
            headers = rec.rec_headers
            article_id = _warc_id(headers.get_header("WARC-Record-ID") or "") or f"{src.id}:{number}"
            where = f"{src.where}#{article_id}"
            if size > limit:
                yield _error(article_id, where, InputError("E104", source=where, size=size, limit=limit))
                continue
            metadata = {key: value for key, value in (
                ("url", headers.get_header("WARC-Target-URI") or ""),
                ("published", headers.get_header("WARC-Date") or ""),
                ("http_charset", charset)) if value}
            yield RawRecord(article_id=article_id, input=where, data=data, metadata=metadata)
    except Exception as exc:  # warcio documents no exception set: any failure is a corrupt crawl
        yield _corrupt(src, exc)


# ---------------------------------------------------------------------------------------------
# Archives
# ---------------------------------------------------------------------------------------------


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(name).parts)


def _member(src: _Source, name: str, size: int | None) -> _Source:
    return _Source(name=name, where=f"{src.where}/{name}", prefix=f"{src.id}/", size=size, depth=src.depth + 1)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The member name; names without the UTF-8 flag were decoded as CP437 by zipfile, but
    Chinese archivers write UTF-8 or GBK there."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return name


def _zip(stream: IO[bytes], src: _Source, settings: Settings) -> Iterator[RawRecord]:
    """Member by member, in archive order. zip needs to seek: a zip that is not a file of its
    own (inside another container, or on standard input) is first copied to a temporary file."""
    with ExitStack() as stack:
        try:
            if src.file is not None and src.file.seekable():
                src.file.seek(0)
                seekable: IO[bytes] = src.file
            else:
                seekable = stack.enter_context(tempfile.TemporaryFile())
                shutil.copyfileobj(stream, seekable, CHUNK)
            archive = stack.enter_context(zipfile.ZipFile(seekable))
        except _CORRUPT as exc:
            yield _corrupt(src, exc)
            return
        for info in archive.infolist():
            name = _zip_name(info).lstrip("/")
            if info.is_dir() or not name or _hidden(name):
                continue
            member = _member(src, name, info.file_size)
            try:
                f = archive.open(info)
            except (RuntimeError, NotImplementedError) as exc:  # encrypted; unknown compression
                yield _error(member.id, member.where, InputError("E106", source=member.where, detail=str(exc)))
                continue
            except _CORRUPT as exc:
                yield _corrupt(member, exc)
                continue
            with f:
                try:
                    yield from _records(f, member, settings)
                except _CORRUPT as exc:  # a bad CRC or deflate stream spoils this member only
                    yield _corrupt(member, exc)


def _tar(stream: _Chunks, src: _Source, settings: Settings) -> Iterator[RawRecord]:
    """Member by member, streaming (``r|``); regular files only. Damage ends the archive with
    one E107 record."""
    try:
        with tarfile.open(fileobj=cast(IO[bytes], stream), mode="r|") as archive:  # "r|" only reads
            for info in archive:
                name = info.name.lstrip("/")
                if not info.isfile() or not name or _hidden(name):
                    continue
                f = archive.extractfile(info)
                if f is not None:
                    yield from _records(f, _member(src, name, info.size), settings)
    except _CORRUPT as exc:
        yield _corrupt(src, exc)
