"""Stage 1: raw bytes (or a str) -> :class:`Article` with clean text.

Steps, in order: :func:`decode` the bytes; split off YAML front matter; decide the format by
content (full HTML page, HTML fragment, plain text); turn it into lines (one per paragraph,
heading, list item, table row or ``<br>``); join paragraphs that the markup split mid-sentence;
collect the metadata (the page < front matter < the ``metadata`` argument).

The text is kept as written (NFC only, Traditional stays Traditional): every later offset
points into ``Article.text``.
"""
from __future__ import annotations

import codecs
import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from lxml import etree

from .errors import InputError, RuleError
from .records import Article
from .script import is_traditional

RULES_FILE = "cleaning.yaml"

# ---------------------------------------------------------------------------------------------
# Rule data (models/cleaning.yaml)
# ---------------------------------------------------------------------------------------------

_RULE_KEYS = ("drop_tags", "boilerplate_class_id", "content_class_id")
_TAG_NAME = re.compile(r"[a-z][a-z0-9-]*")


@dataclass(frozen=True, slots=True)
class CleaningRules:
    """Validated cleaning rules: tags to drop, boilerplate and main-content class/id patterns."""

    drop_tags: frozenset[str]
    boilerplate: re.Pattern[str]  # searched in the prepared "class1 class2 id" string
    content: re.Pattern[str]  # full-matched against one prepared class name or id; group cN = rank N


def load_rules(models_dir: Path | None = None) -> CleaningRules:
    """The cleaning rules from ``models_dir`` (default: the packaged ``pipeline.models``), cached."""
    return _load_rules(None if models_dir is None else _folder(models_dir))


@lru_cache(maxsize=32)
def _folder(models_dir: Path | str) -> str:
    return str(Path(models_dir))  # once per folder: building a Path costs more than cleaning a line


@lru_cache(maxsize=8)
def _load_rules(models_dir: str | None) -> CleaningRules:
    if models_dir is None:
        try:
            path: Any = resources.files("pipeline.models").joinpath(RULES_FILE)
        except ModuleNotFoundError as exc:  # the package data is not installed
            raise RuleError("E202", path=f"pipeline.models/{RULES_FILE}") from exc
    else:
        path = Path(models_dir) / RULES_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError("E202", path=str(path)) from exc
    return _parse_rules(text, str(path))


def _parse_rules(text: str, where: str) -> CleaningRules:
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        raise RuleError("E201", path=where, line=line, detail=f"not valid YAML ({exc})") from exc
    if not isinstance(root, yaml.MappingNode):
        raise RuleError("E201", path=where, line=1, detail="expected a mapping of the keys "
                        + ", ".join(_RULE_KEYS))
    lists: dict[str, list[tuple[str, int]]] = {}
    for key_node, value_node in root.value:
        key, line = key_node.value, key_node.start_mark.line + 1
        if key not in _RULE_KEYS:
            raise RuleError("E203", path=where, line=line, key=key, allowed=", ".join(_RULE_KEYS))
        if key in lists:
            raise RuleError("E206", path=where, line=line, value=key)
        if not isinstance(value_node, yaml.SequenceNode):
            raise RuleError("E201", path=where, line=line, detail=f"{key} must be a list")
        items: list[tuple[str, int]] = []
        seen: set[str] = set()
        for item in value_node.value:
            item_line = item.start_mark.line + 1
            value = item.value if isinstance(item, yaml.ScalarNode) else None
            if not isinstance(value, str) or not value.strip():
                raise RuleError("E204", path=where, line=item_line, value=value, key=key,
                                allowed="a non-empty string")
            value = value.strip()
            if value in seen:
                raise RuleError("E206", path=where, line=item_line, value=value)
            seen.add(value)
            items.append((value, item_line))
        lists[key] = items
    missing = [k for k in _RULE_KEYS if k not in lists]
    if missing:
        raise RuleError("E201", path=where, line=1, detail=f"missing key(s): {', '.join(missing)}")

    for tag, line in lists["drop_tags"]:
        if not _TAG_NAME.fullmatch(tag):
            raise RuleError("E204", path=where, line=line, value=tag, key="drop_tags",
                            allowed="lower-case HTML tag names")
    for key in ("boilerplate_class_id", "content_class_id"):
        for fragment, line in lists[key]:
            try:
                compiled = re.compile(fragment)
            except re.error as exc:
                raise RuleError("E205", path=where, line=line, detail=f"{fragment!r}: {exc}") from exc
            if compiled.groupindex:
                raise RuleError("E205", path=where, line=line,
                                detail=f"{fragment!r}: named groups are not allowed")
    boilerplate = "|".join(f"(?:{f})" for f, _ in lists["boilerplate_class_id"]) or "(?!)"
    content = "|".join(f"(?P<c{i}>{f})" for i, (f, _) in enumerate(lists["content_class_id"])) or "(?!)"
    return CleaningRules(
        drop_tags=frozenset(t for t, _ in lists["drop_tags"]),
        boilerplate=re.compile(rf"(?<![a-z])(?:{boilerplate})(?![a-z])", re.I),
        content=re.compile(content, re.I),
    )


MAX_VERDICTS = 20_000  # memoised class/id verdicts kept per rule set (ids can be unique per page)


@lru_cache(maxsize=8)
def _classes(rules: CleaningRules) -> _Classes:
    return _Classes(rules)


class _Verdict(NamedTuple):
    """What an element's class and id attributes say about it."""

    boilerplate: bool
    rank: int  # content rank (0 best), -1 for no content class
    time: bool  # a publication-time class (``_TIME_CLASS``): its text may hold the date


class _Classes:
    """Class/id verdicts under one rule set, memoised across documents (pages and sites repeat
    the same class names)."""

    __slots__ = ("_memo", "rules")

    def __init__(self, rules: CleaningRules) -> None:
        self.rules = rules
        self._memo: dict[tuple[str | None, str | None], _Verdict | None] = {}

    def verdict(self, cls: str | None, ident: str | None) -> _Verdict | None:
        """The verdict on an element with these class and id attributes; None without class/id."""
        if not cls and not ident:
            return None
        key = (cls, ident)
        if key in self._memo:
            return self._memo[key]
        if len(self._memo) >= MAX_VERDICTS:
            self._memo.clear()
        names = [""] if cls is None else cls.split()  # class is a whitespace-separated list
        got: _Verdict | None = None
        if ident or any(names):
            prepared = _CAMEL.sub(r"\1-\2", " ".join([*names, ident or ""])).lower()
            rank = -1
            for token in prepared.split():
                m = self.rules.content.fullmatch(token)
                if m and m.lastgroup and (rank < 0 or int(m.lastgroup[1:]) < rank):
                    rank = int(m.lastgroup[1:])
            boiler = rank < 0 and self.rules.boilerplate.search(prepared) is not None
            got = _Verdict(boiler, rank, _TIME_CLASS.search(prepared) is not None)
        self._memo[key] = got
        return got


_CAMEL = re.compile(r"([a-z0-9])([A-Z])")

# ---------------------------------------------------------------------------------------------
# Bytes -> str
# ---------------------------------------------------------------------------------------------

_BOMS = (  # UTF-32 before UTF-16: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})"""
    rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{2,40})""",
    re.IGNORECASE,
)
_GB = {"gb2312", "gb_2312", "gb_2312-80", "gbk", "x-gbk", "cp936", "ms936", "windows-936",
       "euc-cn", "csgb2312", "gb18030"}
_BIG5 = {"big5", "big-5", "csbig5", "x-x-big5", "big5-hkscs", "big5hkscs", "cp950", "ms950"}
_DETECT = ["gb18030", "big5hkscs", "big5", "cp950", "utf_16", "utf_16_le", "utf_16_be"]
# C0 controls except \t \n \v \f \r and ESC (ISO-2022), plus DEL.
_CONTROL_BYTES = bytes([*range(0x01, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_GARBAGE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
MAX_CONTROL_SHARE = 0.10
_BAD_CATEGORIES = frozenset(("Cc", "Co", "Cn", "Cs", "So"))
# Lossy decoding: UTF-8 when valid non-ASCII characters outnumber broken sequences 20 to 1 (GBK
# or Big5 read as UTF-8 gives more broken sequences than valid ones); a declared charset when at
# most 1 % of the characters are broken.
MIN_GOOD_PER_BAD = 20
MAX_LOSSY_SHARE = 0.01


def decode(raw: bytes, *, source: str, declared: str = "") -> tuple[str, str]:
    """``raw`` as text and the codec used.

    Order: a byte-order mark; strict UTF-8; strict with a charset declared in the first 2 KB
    (``<meta charset>``, ``http-equiv``, ``<?xml encoding>``; GBK/GB2312 read as GB18030); UTF-8
    with a few broken bytes; charset_normalizer (GB18030, Big5, UTF-16 first); the declared
    charset with a few broken bytes. Raises E102 (empty), E103 (binary data), E101.
    """
    if not raw or raw.isspace():
        raise InputError("E102", source=source)
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError("E101", source=source, detail=f"bad {codec} after its BOM") from exc
            return _not_blank(text, source), codec
    sample = raw[:8192]
    if b"\x00" in raw or len(sample.translate(None, _NOT_CONTROL)) > MAX_CONTROL_SHARE * len(sample):
        raise InputError("E103", source=source, detail="binary data")
    # a charset the transport declared (a WARC record's HTTP header) comes before the page's own
    stated = _codec_names(declared) if declared else []
    stated += [c for c in _declared_codecs(raw[:2048]) if c not in stated]
    # Valid UTF-8 with non-ASCII bytes is practically never GBK or Big5, while GB18030 accepts
    # almost any byte pair: trying UTF-8 first avoids mojibake from a wrong declaration. 7-bit
    # stated encodings (ISO-2022, HZ) are ASCII-valid, so they are tried before UTF-8.
    first = [c for c in stated if _seven_bit(c)]
    candidates = [*first, "utf-8", *(c for c in stated if c not in first)]
    for codec in candidates:
        try:
            return _not_blank(raw.decode(codec), source), codec
        except UnicodeDecodeError:
            continue
    # UTF-8 with a few broken bytes (a truncated download, one bad byte): keep it, with U+FFFD.
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if len(text) - len(text.encode("ascii", errors="ignore")) - bad >= MIN_GOOD_PER_BAD * bad:
        return _not_blank(text, source), "utf-8"
    found = _detect(raw)
    if found is not None:
        return _not_blank(found[0], source), found[1]
    for codec in stated:  # a stated charset with a few broken bytes
        text = raw.decode(codec, errors="replace")
        if text.count("\ufffd") <= MAX_LOSSY_SHARE * len(text):
            return _not_blank(text, source), codec
    raise InputError("E101", source=source, detail="not UTF-8, GB18030, Big5 or UTF-16")


def _declared_codecs(head: bytes) -> list[str]:
    m = _DECLARED.search(head)
    if not m:
        return []
    return _codec_names((m.group(1) or m.group(2)).decode("ascii"))


def _codec_names(name: str) -> list[str]:
    """Python codecs for a declared charset name (GBK read as GB18030, Big5 as Big5-HKSCS)."""
    name = name.strip().lower()
    if name in _GB:
        return ["gb18030"]
    if name in _BIG5:
        return ["big5hkscs", "cp950"]
    try:
        return [codecs.lookup(name).name]
    except LookupError:
        return []


def _seven_bit(codec: str) -> bool:
    return codec.startswith(("iso2022", "hz"))


def _detect(raw: bytes) -> tuple[str, str] | None:
    """charset_normalizer's best guess, Chinese and UTF-16 families first; None if only garbage."""
    from charset_normalizer import from_bytes

    for isolation in (_DETECT, None):
        best = from_bytes(raw, cp_isolation=isolation).best()
        if best is None:
            continue
        text = str(best)
        if _plausible(text):
            return text, codecs.lookup(best.encoding).name
    return None


def _plausible(text: str) -> bool:
    """Not blank and not mostly controls, replacement characters, private-use or unassigned code
    points, or symbols (box drawing and the like: what a wrong single-byte guess gives)."""
    sample = text[:10_000]
    if not sample.strip():
        return False
    bad = sum(1 for ch in sample if unicodedata.category(ch) in _BAD_CATEGORIES and ch not in "\t\n\r\f\v")
    return bad + sample.count("\ufffd") <= MAX_CONTROL_SHARE * len(sample)


def _not_blank(text: str, source: str) -> str:
    if not text.strip():
        raise InputError("E102", source=source)
    return text


# ---------------------------------------------------------------------------------------------
# Lines and the mid-sentence join
# ---------------------------------------------------------------------------------------------

PARA, BREAK, HEADING, ITEM = "para", "break", "heading", "item"


class Line(NamedTuple):
    """One line of clean text; ``kind`` says whether it may be joined to its neighbours."""

    text: str
    kind: str  # para (ended by a block) | break (ended by <br>) | heading | item (li, tr, pre)


# A line ending like this is complete (sentence-final punctuation, closing quotes, a colon
# that introduces a list).
_FINAL = frozenset("。！？!?；;…”’」』）：:")
_LIST_ITEM = re.compile(r"\s*(?:[(（]?(?:\d{1,3}|[一二三四五六七八九十]{1,3})[)）.．、](?!\d)"
                        r"|[(（](?:\d{1,3}|[一二三四五六七八九十]{1,3})[)）]|[①-⑳•·●◆■▪-])")
_FIELD = re.compile(r"[^\s，,。：:]{2,8}[：:]")  # 项目名称：…
_DATE = re.compile(
    r"(?:19|20)\d{2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
)
MIN_JOIN_CHARS = 16  # shorter comma-bearing lines are bylines and datelines, not broken sentences


def _join(lines: list[Line]) -> Iterator[str]:
    """Paragraphs split mid-sentence by the markup become one line again (no separator).

    A paragraph is joined to the next one when it does not end complete (``_FINAL``), holds a
    Chinese comma and is long enough (bylines are short), neither of them is a list item or a
    ``field：`` line, and the next one is a plain paragraph, not a heading or a dateline.
    """
    parts: list[str] = []  # the pending line, in pieces: no quadratic string building
    kind = PARA
    size = 0
    comma = False
    for line in lines:
        text = line.text
        if parts and (
            kind == PARA
            and line.kind in (PARA, BREAK)
            and size >= MIN_JOIN_CHARS
            and comma
            and parts[-1][-1] not in _FINAL
            and not _LIST_ITEM.match(parts[0])
            and not _FIELD.match(parts[0])
            and not _LIST_ITEM.match(text)
            and not _FIELD.match(text)
            and not _DATE.match(text)
        ):
            parts.append(text)
        else:
            if parts:
                yield "".join(parts)
            parts = [text]
            size = 0
            comma = False
        kind = line.kind
        size += len(text)
        comma = comma or "，" in text
    if parts:
        yield "".join(parts)


# ---------------------------------------------------------------------------------------------
# HTML -> a tree
# ---------------------------------------------------------------------------------------------
# libxml2 (lxml) parses the page, fed as a whole the way bs4's "lxml" builder feeds it, so the
# tree is the one bs4 used to build (the regression corpus was compared against it). Nodes are
# lxml elements, or :class:`_Node` for the rare document libxml2's tree cannot hold; the code
# below uses only the part of the element API both have.

_LOCAL = threading.local()  # one parser per thread: feed() and close() keep per-document state
_DOCTYPE = re.compile(r"<!doctype", re.I)
_PROLOGUE = re.compile(r"(?:[ \t\n\r\f]|<!--(?:[^-]|-(?!->))*-->)*")  # blanks and comments


def _parse_html(body: str, where: str) -> list[Any]:
    """The document's top-level nodes (a page with content after ``</html>`` has a second
    ``<html>``); an empty list when there is no element at all."""
    if _doctype_inside(body):
        return _parse_events(body, where)
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = etree.HTMLParser()
    try:
        parser.feed(body)
        root = parser.close()
    except (etree.LxmlError, ValueError, TypeError) as exc:
        _LOCAL.parser = None  # a parser that failed mid-document is not reused
        raise InputError("E103", source=where, detail=f"unparseable HTML: {exc}") from exc
    if parser.feed_error_log.filter_from_fatals():
        # libxml2's tree stops at a resource limit (256 levels of nesting, 10 MB of text); its
        # parser events do not: build the tree from them.
        return _parse_events(body, where)
    return [] if root is None else [root, *root.itersiblings()]


def _doctype_inside(body: str) -> bool:
    """A <!DOCTYPE> after the document began: libxml2's tree drops it and joins the text on
    either side into one string, where bs4 kept two (来源<!DOCTYPE html>：X is no label)."""
    first = _DOCTYPE.search(body)
    if first is None:
        return False
    prologue = _PROLOGUE.match(body)
    return (prologue is None or prologue.end() < first.start()
            or _DOCTYPE.search(body, first.end()) is not None)


def _parse_events(body: str, where: str) -> list[Any]:
    target = _TreeTarget()
    try:
        parser = etree.HTMLParser(target=target)
        parser.feed(body)
        parser.close()
    except (etree.LxmlError, ValueError, TypeError) as exc:
        raise InputError("E103", source=where, detail=f"unparseable HTML: {exc}") from exc
    return target.top


class _Node:
    """An element (``tag`` a str) or a comment (``tag`` None) built by :class:`_TreeTarget`,
    with the part of lxml's element API the cleaner uses."""

    __slots__ = ("attrib", "children", "parent", "tag", "tail", "text")

    def __init__(self, tag: str | None, attrib: dict[str, str], parent: _Node | None) -> None:
        self.tag = tag
        self.attrib = attrib
        self.parent = parent
        self.children: list[_Node] = []
        self.text: str | None = None
        self.tail: str | None = None

    def __reversed__(self) -> Iterator[_Node]:
        return reversed(self.children)

    def __len__(self) -> int:
        return len(self.children)

    def __getitem__(self, index: slice) -> list[_Node]:
        return self.children[index]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrib.get(key, default)

    def items(self) -> list[tuple[str, str]]:
        return list(self.attrib.items())

    def getparent(self) -> _Node | None:
        return self.parent

    def iter(self, *tags: str) -> Iterator[_Node]:
        """This node and its descendants in document order (only those named ``tags``, if given)."""
        stack = [self]
        while stack:
            node = stack.pop()
            if not tags or node.tag in tags:
                yield node
            stack.extend(reversed(node.children))

    def iterdescendants(self, *tags: str) -> Iterator[_Node]:
        for child in self.children:
            yield from child.iter(*tags)

    def iterancestors(self, *tags: str) -> Iterator[_Node]:
        node = self.parent
        while node is not None:
            if not tags or node.tag in tags:
                yield node
            node = node.parent

    def itertext(self) -> Iterator[str]:
        """The text inside this node: texts and tails of its descendants, not its own tail."""
        stack = [(self, False)]
        while stack:
            node, tail = stack.pop()
            text = node.tail if tail else node.text
            if text:
                yield text
            if not tail:
                stack.extend(item for child in reversed(node.children) for item in ((child, True), (child, False)))


class _TreeTarget:
    """lxml parser target: :class:`_Node` trees from the parser's events (what bs4 built from)."""

    def __init__(self) -> None:
        self.top: list[_Node] = []
        self.open: list[_Node] = []
        self.last: _Node | None = None  # the data that follows is its text (open) or its tail
        self.in_tail = False
        self.pending: list[str] = []

    def _flush(self) -> None:
        if self.pending and self.last is not None:
            if self.in_tail:
                self.last.tail = (self.last.tail or "") + "".join(self.pending)
            else:
                self.last.text = (self.last.text or "") + "".join(self.pending)
        self.pending = []

    def _add(self, tag: str | None, attrib: dict[str, str]) -> _Node:
        self._flush()
        parent = self.open[-1] if self.open else None
        node = _Node(tag, attrib, parent)
        (self.top if parent is None else parent.children).append(node)
        self.last = node
        return node

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.open.append(self._add(tag, dict(attrib)))
        self.in_tail = False

    def end(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):  # like bs4: close the innermost one of that name
            if self.open[i].tag == tag:
                self._flush()
                self.last, self.in_tail = self.open[i], True
                del self.open[i:]
                return
        self.comment("")  # no such element open: the text still ends here (bs4 starts a new string)

    def data(self, data: str) -> None:
        self.pending.append(data)

    def comment(self, text: str) -> None:
        """A comment; also a processing instruction or a doctype: none is text, each ends a string."""
        self._add(None, {})
        self.in_tail = True

    def pi(self, target: str, data: str | None = None) -> None:
        self.comment("")

    def doctype(self, *args: Any) -> None:
        self.comment("")

    def close(self) -> list[_Node]:
        self._flush()
        return self.top


# Elements whose strings bs4 gives another class than NavigableString: its get_text() skips them.
_CONTAINERS = ("script", "style", "template", "rt", "rp")
_CONTAINER_SET = frozenset(_CONTAINERS)
_KEEP_WS = ("pre", "textarea")  # bs4 keeps whitespace-only strings inside these as they are
_BS4_SPACES = " \n\t\f\r"


def _text_of(node: Any, collapse: bool = False) -> str:
    """bs4's ``get_text()``: the strings inside ``node`` (inside a <script>, <style>, <template>,
    <rt> or <rp> only when ``node`` is one of them); with ``collapse``, a whitespace-only string
    is one space or newline, as bs4 stored it."""
    name = node.tag
    if name not in _CONTAINERS:
        if _in_container(node):
            return ""
        if not collapse:
            if not len(node):  # no children (a <title>, most <p>): its text is all there is
                return node.text or ""
            if next(node.iterdescendants(*_CONTAINERS), None) is None:
                return "".join(node.itertext())
    want = name if name in _CONTAINERS else None
    keep = name in _KEEP_WS or next(node.iterancestors(*_KEEP_WS), None) is not None
    parts: list[str] = []
    # (node, its container kind, whitespace kept, is a tail): document order, iteratively
    stack: list[tuple[Any, str | None, bool, bool]] = [(node, want, keep, False)]
    while stack:
        item, kind, keep, tail = stack.pop()
        text = item.tail if tail else item.text
        if text and kind == want:
            if collapse and not keep and not text.strip(_BS4_SPACES):
                text = "\n" if "\n" in text else " "
            parts.append(text)
        if tail:
            continue
        for child in reversed(item):
            tag = child.tag
            stack.append((child, kind, keep, True))
            if isinstance(tag, str):
                stack.append((child, tag if tag in _CONTAINERS else kind, keep or tag in _KEEP_WS, False))
    return "".join(parts)


def _in_container(node: Any) -> bool:
    """``node`` is inside a <script>, <style> or another of ``_CONTAINERS``.

    Walks up by hand: ``iterancestors(*tags)`` costs twice as much for a shallow node."""
    parent = node.getparent()
    while parent is not None:
        if parent.tag in _CONTAINER_SET:
            return True
        parent = parent.getparent()
    return False


# ---------------------------------------------------------------------------------------------
# HTML -> lines
# ---------------------------------------------------------------------------------------------

_BLOCKS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li tr table section article blockquote pre ul ol dl dt dd main "
    "hr caption address center figcaption fieldset details summary tbody thead tfoot body html".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_ITEMS = frozenset("li dt dd tr table tbody thead tfoot caption pre ul ol dl".split())
_BOLD = frozenset(("strong", "b"))
_CELLS = frozenset(("td", "th"))
# &nbsp; and the other fixed-width spaces become a space, invisible characters go; the
# full-width space U+3000 stays (it separates fields: 项目名称：P　牵头单位：X).
# Control characters go too (C0 except tab and newlines, DEL, C1).
_SPACES: dict[int, str | None] = {
    0xA0: " ", **{cp: " " for cp in range(0x2000, 0x200B)}, 0x202F: " ", 0x205F: " ", 0x0B: " ", 0x0C: " ",
    0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None, 0xAD: None,
    **{cp: None for cp in (*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0))},
}
# str.translate with a dict looks every character up: search first, most strings hold none.
_SPACES_FOUND = re.compile("[" + "".join(f"\\U{cp:08x}" for cp in sorted(_SPACES)) + "]")
# A character that is still there, and no space, after the _SPACES translation (\s is str.isspace).
_VISIBLE = re.compile("[^\\s" + "".join(f"\\U{cp:08x}" for cp in sorted(_SPACES)) + "]")
_ASCII_WS = re.compile(r"[ \t\n\r\f\v]+")
# A source line break between two East Asian characters is no space (CSS Text 3 segment breaks).
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_BREAK = re.compile(rf"(?<=[{_WIDE}])[ \t\r\f\v]*\n[ \t\n\r\f\v]*(?=[{_WIDE}])")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_CJK_RUN = re.compile(_CJK.pattern + "+")


def _spaces(text: str) -> str:
    """``text`` with the odd spaces and invisible characters of ``_SPACES`` replaced or gone."""
    return text.translate(_SPACES) if _SPACES_FOUND.search(text) else text


def _tidy(text: str, cjk_breaks: bool = False) -> str:
    """``text`` with :func:`_spaces`, each run of ASCII whitespace one space (with ``cjk_breaks``,
    first no space for a line break between East Asian characters), stripped.

    Every character of ``_SPACES`` and all ASCII whitespace but the space are unprintable: a
    printable string (most lines) can only need its doubled spaces collapsed, and skips the
    regexes, which step through CJK text character by character."""
    if text.isprintable():
        return (_ASCII_WS.sub(" ", text) if "  " in text else text).strip()
    text = _spaces(text)
    if cjk_breaks and "\n" in text:
        text = _CJK_BREAK.sub("", text)
    return _ASCII_WS.sub(" ", text).strip()


class _LineBuilder:
    """Collects inline text into lines; blocks and <br> end lines.

    Strings are kept as they come: ``_SPACES`` is applied once per line (it maps character by
    character, so the joined line comes out the same), and a string counts as text when it holds
    a character that survives it."""

    __slots__ = ("blocks", "bold", "bold_text", "buf", "items", "lines", "plain_text", "sep")

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.blocks: list[str] = []
        self.items = 0  # open list items, table rows, <pre>: lines inside them are never joined
        self.bold = 0
        self.bold_text = False
        self.plain_text = False
        self.sep = ""  # a separator owed before the next text (a <br> inside a table cell)

    def text(self, s: str) -> None:
        if _VISIBLE.search(s):
            if self.sep:
                self.buf.append(self.sep)
                self.sep = ""
            self.buf.append(s)
            if self.bold:
                self.bold_text = True
            else:
                self.plain_text = True
        elif self.buf:  # blanks that start a line are stripped with it
            self.buf.append(s)

    def pre_text(self, s: str) -> None:
        """A string inside <pre>: its newlines end lines."""
        first, *rest = s.split("\n")
        self.text(first)
        for part in rest:
            self.end_line(br=True)
            self.text(part)

    def cell(self) -> None:
        """A table cell after another one on the same row: separate them like fields."""
        self.sep = ""
        if self.bold_text or self.plain_text:
            self.buf.append("\u3000")

    def cell_break(self) -> None:
        """A <br> inside a table cell: the cell lists several values (two applicants on two lines),
        so the row stays one line and the values are separated as a list."""
        if self.bold_text or self.plain_text:
            self.sep = "、"

    def end_line(self, br: bool = False) -> None:
        self.sep = ""
        if not self.buf:
            return
        if not (self.bold_text or self.plain_text):  # only whitespace: no line
            self.buf.clear()
            return
        text = _tidy("".join(self.buf), cjk_breaks=True)
        self.buf.clear()
        if text:
            inner = self.blocks[-1] if self.blocks else ""
            if inner in _HEADINGS:
                kind = HEADING
            elif self.items:
                kind = ITEM
            elif self.bold_text and not self.plain_text:
                kind = HEADING  # <p><strong>首批金融科技试点项目</strong></p>
            else:
                kind = BREAK if br else PARA
            self.lines.append(Line(text, kind))
        self.bold_text = self.plain_text = False


def _skipped(attrs: list[tuple[str, str]], classes: _Classes) -> bool:
    """Hidden (``hidden``, ``display:none``) or boilerplate by its class or id."""
    found = dict(attrs)
    if "hidden" in found:
        return True
    style = found.get("style")
    if style is not None and "display:none" in style.replace(" ", "").lower():
        return True
    verdict = classes.verdict(found.get("class"), found.get("id"))
    return verdict is not None and verdict.boilerplate


def _html_lines(text: str | None, children: list[Any], classes: _Classes) -> list[Line]:
    """The lines of ``text`` and ``children`` (an element's, or the document's top-level nodes),
    walked once and iteratively (deep pages are fine)."""
    out = _LineBuilder()
    drop = classes.rules.drop_tags
    pre = 0
    cells = 0  # open table cells
    if text:
        out.text(text)
    stack: list[Any] = children[::-1]  # a node to enter, or (node,) to leave
    while stack:
        node = stack.pop()
        if type(node) is tuple:  # the end of an element we entered
            node = node[0]
            name, left = node.tag, True
        else:
            name, left = node.tag, False
            if not isinstance(name, str):  # comment or processing instruction: only its tail is text
                pass
            elif name in drop or ((attrs := node.items()) and _skipped(attrs, classes)):
                pass  # dropped with everything inside; its tail is the parent's text
            elif name == "br":
                if cells:
                    out.cell_break()
                else:
                    out.end_line(br=True)
            else:
                if name in _BLOCKS:
                    out.end_line()
                    out.blocks.append(name)
                    if name in _ITEMS:
                        out.items += 1
                    if name == "pre":
                        pre += 1
                elif name in _BOLD:
                    out.bold += 1
                elif name in _CELLS:
                    out.cell()
                    cells += 1
                s = node.text
                if s:  # verbatim lines inside <pre>, flowing text elsewhere
                    if pre and "\n" in s:
                        out.pre_text(s)
                    else:
                        out.text(s)
                if len(node):
                    stack.append((node,))
                    stack.extend(node[::-1])
                    continue
                left = True  # no children: it ends right away
        if left:
            if name in _BLOCKS:
                out.end_line()
                out.blocks.pop()
                if name in _ITEMS:
                    out.items -= 1
                if name == "pre":
                    pre -= 1
            elif name in _BOLD:
                out.bold -= 1
            elif name in _CELLS:
                cells -= 1
        s = node.tail
        if s:
            if pre and "\n" in s:
                out.pre_text(s)
            else:
                out.text(s)
    out.end_line()
    return out.lines


# ---------------------------------------------------------------------------------------------
# Full pages: main content and metadata
# ---------------------------------------------------------------------------------------------

_LABEL = re.compile(r"(?:^|(?<=[\s\u3000|｜/【\[(（]))(?:本文|文章|新闻|稿件)?(来源|作者)\s*[:：]\s*"
                    r"([^\s\u3000|｜/，,;；。)）】\]]*)")
_TIME_CLASS = re.compile(r"(?<![a-z])(?:pub(?:lish)?[-_]?)?(?:time|date)(?![a-z])")
_SITE_SEPARATORS = ("_", " - ", " – ", " — ", " | ", "|", "｜")
MAX_SITE_CHARS = 40
_META_PUBLISHED = ("article:published_time", "pubdate", "publishdate", "og:release_date")
_SURVEYED = frozenset(("meta", "h1", "title", "time", "article"))


def _cjk_count(text: str) -> int:
    return len(text) - len(_CJK_RUN.sub("", text))  # runs: one match per character is 6x slower


def _p_score(node: Any, at_least_one: bool = False) -> int:
    """The CJK characters in the <p> elements inside ``node`` (a <p> in a <p> counts twice);
    with ``at_least_one``, 1 as soon as there is one."""
    if at_least_one:
        return int(any(_CJK.search(_text_of(p)) for p in node.iterdescendants("p")))
    if not _in_container(node) and next(node.iterdescendants(*_CONTAINERS), None) is None:
        # no <script> and the like around: a <p>'s text is all of its strings
        return _cjk_count("".join(chain.from_iterable(p.itertext() for p in node.iterdescendants("p"))))
    return sum(_cjk_count(_text_of(p)) for p in node.iterdescendants("p"))


def _first(top: list[Any], tag: str) -> Any | None:
    return next((found for node in top for found in node.iter(tag)), None)


def _labelled(texts: list[tuple[int, Any]], tails: list[tuple[int, Any]]) -> list[tuple[str, Any]]:
    """The strings (an element's text, a node's tail) that name 来源 or 作者, with the element they
    are in, in document order; not those bs4 gives another class (inside <script> and the like).

    Positions count nodes in document order: a text is at its element; a tail comes after its
    node's subtree, before the next node, and of tails at the same place the deeper one first."""
    found: list[tuple[tuple[int, int, int], str, Any]] = []
    for order, node in texts:
        if node.tag not in _CONTAINERS and not _in_container(node):
            found.append(((order, 0, 0), node.text, node))
    for order, node in tails:
        parent = node.getparent()
        if parent is not None and (parent.tag in _CONTAINERS
                                   or _in_container(parent)):
            continue
        after = order + 1 + sum(1 for _ in node.iterdescendants())
        found.append(((after, -1, -sum(1 for _ in node.iterancestors())), node.tail, parent))
    found.sort(key=lambda f: f[0])
    return [(text, parent) for _, text, parent in found]


def _survey(top: list[Any], classes: _Classes) -> tuple[Any | None, dict[str, str]]:
    """One pass over a full page: the main-content element (None: the whole document) and the
    page's metadata."""
    metas: dict[str, str] = {}
    title = time_text = class_time = ""
    h1s: list[Any] = []
    candidates: list[tuple[int, int, Any]] = []
    articles: list[Any] = []
    texts: list[tuple[int, Any]] = []  # (position, element) whose text names 来源 or 作者
    tails: list[tuple[int, Any]] = []  # (position, node) whose tail does
    for order, node in enumerate(chain.from_iterable(n.iter() for n in top)):
        tail = node.tail
        if tail and ("来源" in tail or "作者" in tail):
            tails.append((order, node))
        name = node.tag
        if not isinstance(name, str):
            continue
        text = node.text
        if text and ("来源" in text or "作者" in text):
            texts.append((order, node))
        if name not in _SURVEYED:
            pass
        elif name == "meta":
            key = node.get("property") or node.get("name") or node.get("itemprop")
            value = node.get("content")
            if key and value and value.strip():
                metas.setdefault(key.strip().lower(), value.strip())
        elif name == "h1":
            h1s.append(node)
        elif name == "title" and not title:
            title = _tidy(_text_of(node))
        elif name == "time" and not time_text:
            stamp = node.get("datetime")
            time_text = stamp.strip() if stamp and stamp.strip() else _tidy(_text_of(node))
        elif name == "article":
            articles.append(node)
        cls, ident = node.get("class"), node.get("id")
        verdict = classes.verdict(cls, ident) if cls or ident else None
        if verdict is not None:
            _, rank, timed = verdict
            if rank >= 0:
                candidates.append((rank, order, node))
            if timed and not class_time:
                m = _DATE.search(_text_of(node, collapse=True))
                if m:
                    class_time = m.group(0)
    labelled = _labelled(texts, tails)

    root = _main_content(candidates, articles, top)
    if root is None:
        root = _first(top, "body")

    info: dict[str, str] = {}
    title, site = _split_site(title)
    info["title"] = _pick_h1(h1s, root, title) or title
    published = next((metas[k] for k in _META_PUBLISHED if metas.get(k)), "") or time_text or class_time
    if not _DATE.match(published):  # 发布时间：2024-06-06 18:22 -> the date itself
        m = _DATE.search(published)
        published = m.group(0) if m else published
    info["published"] = published
    found = _labels(labelled, root)
    info["author"] = found.get("作者") or metas.get("author", "")
    info["source"] = found.get("来源") or metas.get("og:site_name", "") or site
    return root, info


def _main_content(candidates: list[tuple[int, int, Any]], articles: list[Any], top: list[Any]) -> Any | None:
    """The content-class element (best rank, then most text), else <article>, else the block
    with the most CJK text in its <p> children."""
    candidates.sort(key=lambda c: (c[0], c[1]))
    i = 0
    while i < len(candidates):
        rank = candidates[i][0]
        group = []
        while i < len(candidates) and candidates[i][0] == rank:
            group.append(candidates[i][2])
            i += 1
        if len(group) == 1:  # no contest: only whether it holds any CJK text
            if _p_score(group[0], at_least_one=True) or _CJK.search(_text_of(group[0])):
                return group[0]
            continue
        scored = [(_p_score(node) or _cjk_count(_text_of(node)), -n, node) for n, node in enumerate(group)]
        best = max(scored, key=lambda s: (s[0], s[1]))
        if best[0] > 0:
            return best[2]
    if len(articles) == 1:
        if _p_score(articles[0], at_least_one=True):
            return articles[0]
    elif articles:
        best_article = max(articles, key=_p_score)
        if _p_score(best_article) > 0:
            return best_article
    by_parent: dict[Any, list[Any]] = {}  # parent -> its <p> children: most pages never get here
    for node in top:
        for p in node.iter("p"):
            parent = p.getparent()
            if parent is not None:
                by_parent.setdefault(parent, []).append(p)
    best_parent, best_score = None, 0
    for parent, paragraphs in by_parent.items():
        score = sum(_cjk_count(_text_of(p)) for p in paragraphs)
        if score > best_score:
            best_parent, best_score = parent, score
    return best_parent


def _split_site(title: str) -> tuple[str, str]:
    """'标题_证券时报网' / 'Title - Site' -> (title, site); ('', '') for no title."""
    cut = max(title.rfind(sep) for sep in _SITE_SEPARATORS)
    if cut <= 0:
        return title, ""
    sep = next(s for s in _SITE_SEPARATORS if title.startswith(s, cut))
    head, site = title[:cut].strip(), title[cut + len(sep):].strip()
    if not head or not site or len(site) > MAX_SITE_CHARS:
        return title, ""
    return head, site


def _within(node: Any | None, root: Any | None) -> bool:
    """``node`` is ``root`` or inside it (everything is inside the whole document, root None)."""
    return root is None or node is root or (node is not None and any(a is root for a in node.iterancestors()))


def _pick_h1(h1s: list[Any], root: Any | None, title: str) -> str:
    """The headline: an <h1> inside the content, else one the <title> contains, else the first
    (a site logo is often an <h1> too)."""
    texts = [(_tidy(_text_of(h)), h) for h in h1s]
    texts = [(t, h) for t, h in texts if t]
    for text, h in texts:
        if _within(h.getparent(), root):
            return text
    for text, _ in texts:
        if title and text in title:
            return text
    return texts[0][0] if texts else ""


def _labels(strings: list[tuple[str, Any]], root: Any | None) -> dict[str, str]:
    """来源：X and 作者：X, preferring those outside the main content (the article's info line)."""
    outside: dict[str, str] = {}
    inside: dict[str, str] = {}
    for text, parent in strings:
        target = inside if _within(parent, root) else outside
        for m in _LABEL.finditer(text):
            label, value = m.group(1), m.group(2)
            if not value and parent is not None:  # 来源：<a>新华社</a>
                m2 = _LABEL.search(_text_of(parent))
                value = m2.group(2) if m2 and m2.group(1) == label else ""
            if value:
                target.setdefault(label, value)
    return {**inside, **outside}


# ---------------------------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------------------------

MAX_TITLE_CHARS = 100
_WHITESPACE = re.compile(r"\s")


def _text_lines(body: str) -> tuple[list[Line], dict[str, str]]:
    """Non-empty stripped lines; the first short unpunctuated line is a title, not joinable."""
    lines: list[Line] = []
    for raw in body.splitlines():
        text = _tidy(raw)
        if text:
            lines.append(Line(text, PARA))
    info: dict[str, str] = {}
    if not lines:
        return lines, info
    first = lines[0].text
    if len(first) <= MAX_TITLE_CHARS and first[-1] not in _FINAL and not _DATE.match(first):
        lines[0] = Line(first, HEADING)
        info["title"] = first
    for line in lines[:4]:  # the dateline: 2024-10-15 09:12　来源：经济参考报 / 第一财经　2024-11-06
        m = _DATE.search(line.text)
        if m and len(line.text) <= 60 and "，" not in line.text and "。" not in line.text:
            info["published"] = m.group(0)
            label = _LABEL.search(line.text)
            if label and label.group(1) == "来源":
                info["source"] = label.group(2)
            else:
                rest = (line.text[: m.start()] + "\u3000" + line.text[m.end():]).strip()
                if 2 <= len(rest) <= 20 and _CJK.search(rest) and not _WHITESPACE.search(rest):
                    info["source"] = rest
            break
    return lines, info


# ---------------------------------------------------------------------------------------------
# Format by content, front matter, metadata
# ---------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S | re.M)
_PAGE = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]", re.I)
_FRAGMENT = re.compile(  # a block tag with well-formed attributes: 'a<b 且 c>d' is text
    r"</?(?:p|div|br|h[1-6]|li|ul|ol|table|tr|td|section|article|blockquote|pre)"
    r"""(?:\s+[\w:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?)*\s*/?>""",
    re.I | re.A,
)
_META_KEYS = ("title", "published", "url", "author", "source")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*>")


def _front_matter(text: str) -> tuple[str, dict[str, Any]]:
    """(body, metadata) — a broken front matter keeps the body and gives no metadata."""
    start = len(text) - len(text.lstrip("\n\t "))
    if not text.startswith("---", start):
        return text, {}
    m = _FRONT_MATTER.match(text, start)
    if not m:
        return text, {}
    body = text[m.end():]
    try:
        data = yaml.load(m.group(1), Loader=_SAFE_LOADER)  # safe_load, with libyaml when present
    except (yaml.YAMLError, RecursionError, ValueError):
        return body, {}
    if not isinstance(data, dict):
        return body, {}
    info: dict[str, Any] = {}
    for key, field in (("title", "title"), ("date", "published"), ("author", "author"),
                       ("source", "source"), ("url", "url")):
        value = _scalar(data.get(key))
        if value:
            info[field] = value
    cats = data.get("categories")
    if isinstance(cats, list):
        info["categories"] = tuple(s for s in (_scalar(c) for c in cats) if s)
    elif _scalar(cats):
        info["categories"] = (_scalar(cats),)
    return body, info


def _scalar(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def clean(
    raw: bytes | str,
    *,
    article_id: str,
    input: str = "",
    metadata: Mapping[str, object] | None = None,
    models_dir: Path | None = None,
) -> Article:
    """One article's bytes (or text) -> :class:`Article`.

    ``metadata`` (title, published, url, author, source; e.g. from JSON Lines) wins over the
    front matter, which wins over what the page says. Raises :class:`InputError` for bad input.
    """
    where = input or article_id
    if isinstance(raw, bytes | bytearray | memoryview):
        http_charset = str((metadata or {}).get("http_charset") or "")
        text, encoding = decode(bytes(raw), source=where, declared=http_charset)
    else:
        text, encoding = raw, ""
        if _SURROGATE.search(text):  # lone surrogates: no parser or output format takes them
            text = _SURROGATE.sub("\ufffd", text)
        if not text.strip():
            raise InputError("E102", source=where)
        if len(_GARBAGE.findall(text[:8192])) > MAX_CONTROL_SHARE * min(len(text), 8192):
            raise InputError("E103", source=where, detail="binary data")
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")

    body, front = _front_matter(text)
    info: dict[str, Any]
    page = _PAGE.search(body, 0, 4096) is not None
    if page or _FRAGMENT.search(body):
        classes = _classes(load_rules(models_dir))
        # An XML declaration is dropped: the page is parsed as HTML all the same.
        top = _parse_html(_XML_DECLARATION.sub("", body, count=1), where)
        if page:
            root, info = _survey(top, classes)
        else:
            root, info = _first(top, "body"), {}
        # No <body> (nor content element): the whole document.
        lines = _html_lines(None, top, classes) if root is None else _html_lines(root.text, root[:], classes)
    else:
        lines, info = _text_lines(body)

    info = {k: v for k, v in info.items() if v}
    info.update(front)
    for key in _META_KEYS:
        value = _scalar((metadata or {}).get(key))
        if value:
            info[key] = value

    out = "\n".join(_join(lines))
    if not unicodedata.is_normalized("NFC", out):
        out = unicodedata.normalize("NFC", out)
    if not _CJK.search(out) and len(out) < 20:
        raise InputError("E103", source=where, detail="no text")
    return Article(
        article_id=article_id,
        input=input,
        source=info.get("source", ""),
        title=info.get("title", ""),
        published=info.get("published", ""),
        author=info.get("author", ""),
        categories=info.get("categories", ()),
        url=info.get("url", ""),
        text=out,
        encoding=encoding,
        traditional=is_traditional(out),
    )
