"""Projects (label ``PROJECT``): quoted and unquoted project names.

A quoted string (“…”, 「…」) is *accepted* as a project when it ends with a project head
(项目, 平台, 系统, 试点 …) and is not a slogan, a concept or an application scenario; otherwise, if it
is not ruled out, it stays a *candidate* that a relation construction may promote (长江证券等申请的
“科创板做市业务定价模型优化”). A name in 《…》 is always such a candidate: book-title marks name
documents (《…实施方案》) as often as projects. An unquoted name is taken after an application verb (…申报的P) or at
the start of a clause that says it was admitted (此外，P也获准进入测试), and must end with a head.
A shorter unquoted name that repeats the end of a project named earlier (审核辅助系统) is a
back-reference to it, not a new project. The page's layout names projects too: a field line
(项目名称：P, 项目名称　P in a two-column table), the project column of a table whose header row
names its columns, a numbered line that is only a name with a head (一、P). Every later plain
occurrence of a project name is marked too, so that the relation extractor knows which project a
paragraph is about.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .records import Mention
from .rules import Rules
from .segment import Tokens

LABEL = "PROJECT"
SHORT_REFERENCES = ("PROJ_BACK_REFERENCE", "ANAPHOR")
_QUOTE = re.compile(r"“([^“”\n]{1,90})”|《([^《》\n]{1,90})》|\"([^\"\n]{1,90})\"")
_LIST_ITEM = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]{1,3}[）)])[ \t]*"
                        r"([\u3400-\u9fffA-Za-z0-9（）()·—\-]{6,60})[。；;]?$", re.M)
_NAME_CHAR = re.compile(r"[\u3400-\u9fffA-Za-z0-9Ⅰ-Ⅻ]")
_TRAILING_PAREN = re.compile(r"[（(][^（）()]{1,10}[）)]$")


CELL = "\u3000"  # the cleaner separates the cells of a table row with an ideographic space


@dataclass(frozen=True, slots=True)
class TableRow:
    """A row of a table whose header names the columns: ``cells`` are ``(column, start, end)`` of the
    cells under a known column (project, lead, co or joint); ``start:end`` is the whole row."""

    start: int
    end: int
    cells: tuple[tuple[str, int, int], ...]


def table_rows(text: str, columns: Mapping[str, Sequence[str]]) -> list[TableRow]:
    """The records of the tables in ``text``: a header row of short cells naming a project column
    and at least one role column (序号　项目名称　牵头单位　参与单位), then every following row with as
    many cells. The project and relation finders both ask for them: they are read once per text."""
    if CELL not in text:
        return []
    return list(_table_rows(text, tuple((column, tuple(labels)) for column, labels in columns.items())))


@lru_cache(maxsize=4)
def _table_rows(text: str, columns: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[TableRow, ...]:
    column_of = {label: column for column, labels in columns for label in labels}
    rows: list[TableRow] = []
    header: list[str | None] | None = None
    pos = 0
    for line in text.split("\n"):
        cells = []
        at = pos
        for cell in line.split(CELL):
            stripped = cell.strip()
            if stripped:
                s = at + cell.index(stripped)
                cells.append((s, s + len(stripped)))
            at += len(cell) + 1
        names = [column_of.get(text[s:e]) for s, e in cells]
        if (len(cells) >= 2 and "project" in names and any(n not in (None, "project") for n in names)
                and all(e - s <= 8 for s, e in cells)):
            header = names
        elif header is not None and len(cells) == len(header):
            rows.append(TableRow(pos, pos + len(line), tuple(
                (column, s, e) for column, (s, e) in zip(header, cells, strict=True) if column)))
        else:
            header = None
        pos += len(line) + 1
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class ProjectSpan:
    """A project name in the text: ``start:end`` is the name, ``outer`` includes its quotes."""

    start: int
    end: int
    name: str  # the full project name it stands for (as in the matching text)
    accepted: bool  # False: a quoted candidate that only a relation construction makes a project
    rule: str
    outer_start: int
    outer_end: int


class ProjectFinder:
    def __init__(self, rules: Rules):
        self.rules = rules
        cfg = rules.projects
        self.cfg = cfg
        self.heads = tuple(sorted(cfg["heads"], key=len, reverse=True))
        self.reject_chars = set(cfg["reject_chars"])
        self.not_before = tuple(cfg["not_project_before"])
        self.not_after = tuple(cfg["not_project_after"])
        self.after_re = re.compile("|".join(map(re.escape, sorted(cfg["unquoted_after"], key=len, reverse=True))))
        admission = "|".join(map(re.escape, sorted(cfg["admission_words"], key=len, reverse=True)))
        self.clause_re = re.compile(
            r"(?:^|(?<=[，。；：\n]))(?:此外|另外|同时|其中|另有)?[，]?"
            rf"([\u3400-\u9fffA-Za-z0-9]{{{cfg['min_chars_unquoted']},40}}?)(?={admission})")
        named = "|".join(map(re.escape, sorted(cfg["named_before"], key=len, reverse=True)))
        self.named_before_re = re.compile(named) if named else None
        # P银团贷款: the name before the word, from a clause start or after 是/为/的
        shortest = cfg["min_chars_unquoted"]
        self.apposition_re = re.compile(
            rf"(?:^|(?<=[，。；：\n是为的对向]))([^\s，。；：“”《》的是为在和与及]{{{shortest},40}})$", re.M)
        labels = "|".join(map(re.escape, sorted(cfg["field_labels"], key=len, reverse=True)))
        self.field_re = re.compile(
            rf"(?:{labels})(?:[：:]\s*|{CELL})([^\s　：:，。；]{{4,60}}?)(?=[\s　]|$|[，。；]|[^\s　：:]{{2,6}}[：:])", re.M)
        # a label cell followed by its value cell (项目名称　X); a header row's next label is no value
        self.column_labels = {label for labels in cfg["table_columns"].values() for label in labels}
        self.unquoted_reject = re.compile(cfg["unquoted_reject_pattern"])
        scenario = "|".join(map(re.escape, cfg["scenario_words"]))
        self.scenario_re = re.compile(rf"^(?:[、和及与]|以及)?(?:等)?[^，。；“”]{{0,10}}?(?:{scenario})")

    def has_head(self, name: str) -> bool:
        name = _TRAILING_PAREN.sub("", name)
        return name.endswith(self.heads)

    # ------------------------------------------------------------------------------------------
    def analyse(self, original: str, text: str, tokens: Tokens, institutions: Sequence[Mention]
                ) -> tuple[list[ProjectSpan], list[Mention], list[Mention]]:
        """``(project spans and quoted candidates, the institutions left, PROJECT mentions)`` of
        ``original`` (the text as written), found in its Simplified matching ``text``. An institution
        inside a quoted project name is part of the name, not a mention of its own."""
        spans = self.find(text, tokens, institutions)
        inside = _Occupied(len(text), ((p.start, p.end) for p in spans))
        kept = [m for m in institutions if not inside.covers(m.start, m.end)]
        return spans, kept, project_mentions(original, spans)

    def find(self, text: str, tokens: Tokens, institutions: Sequence[Mention]) -> list[ProjectSpan]:
        in_institution = _Occupied(len(text), ((m.start, m.end) for m in institutions))
        quoted = self._quoted(text, in_institution)
        names = {p.name for p in quoted if p.accepted}  # the whole article: back-references may come first
        for m in self.field_re.finditer(text):
            s, e = m.span(1)
            name = text[s:e]
            if text[s] in "“《\"" or not in_institution.free(s, e) or name in self.column_labels:
                continue
            quoted.append(ProjectSpan(s, e, name, True, "PROJ_FIELD", s, e))
            names.add(name)
        for m in _LIST_ITEM.finditer(text):  # 一、P on a line of its own: a list of projects
            s, e = m.span(1)
            name = text[s:e]
            if self.has_head(name) and in_institution.free(s, e) and not self.unquoted_reject.search(name):
                quoted.append(ProjectSpan(s, e, name, True, "PROJ_LIST_ITEM", s, e))
                names.add(name)
        for row in table_rows(text, self.cfg["table_columns"]):
            for column, s, e in row.cells:
                name = text[s:e]
                if (column == "project" and self.cfg["min_chars_unquoted"] <= len(name) <= self.cfg["max_chars"]
                        and not _QUOTE.fullmatch(name)  # “P” alone: found above; a name inside is part of it
                        and _NAME_CHAR.search(name) and not name.isdigit()):
                    quoted.append(ProjectSpan(s, e, name, True, "PROJ_TABLE", s, e))
                    names.add(name)
        taken = _Occupied(len(text), [*((p.outer_start, p.outer_end) for p in quoted),
                                      *((m.start, m.end) for m in institutions)])
        spans = quoted + self._unquoted(text, tokens, taken, names)
        # every later plain occurrence of an accepted name
        for name in sorted({p.name for p in spans if p.accepted}, key=len, reverse=True):
            s = text.find(name)
            while s >= 0:
                e = s + len(name)
                if taken.free(s, e):
                    spans.append(ProjectSpan(s, e, name, True, "PROJ_REPEAT", s, e))
                    taken.take(s, e)
                s = text.find(name, e)
        return sorted(spans, key=lambda p: p.start)

    def _quoted(self, text: str, in_institution: _Occupied) -> list[ProjectSpan]:
        cfg = self.cfg
        matches = list(_QUOTE.finditer(text))
        # groups of quotes run together (“A”、“B”及“C”): a scenario word after the group rejects all
        rejected: set[int] = set()
        group: list[int] = []
        for i, m in enumerate(matches):
            group.append(i)
            nxt = matches[i + 1] if i + 1 < len(matches) else None
            between = text[m.end():nxt.start()] if nxt else None
            if between is not None and between in ("、", "和", "与", "及", "以及", "，"):
                continue
            if self.scenario_re.match(text, m.end()) or self.scenario_re.match(text[m.end():m.end() + 16]):
                rejected.update(group)
            group = []
        out = []
        for i, m in enumerate(matches):
            content = next(g for g in m.groups() if g is not None)
            s, e = m.start() + 1, m.end() - 1
            name = content.strip()
            if i in rejected or not name:
                continue
            if len(name) < cfg["min_chars"] or len(name) > cfg["max_chars"]:
                continue
            if not self.reject_chars.isdisjoint(name):
                continue
            if text[max(0, m.start() - 5):m.start()].endswith(self.not_before):
                continue
            if text[m.end():m.end() + 4].startswith(self.not_after):
                continue
            if in_institution.covers(s, e):
                continue  # an institution in quotes (an alias definition)
            # 《…》 names documents as often as projects (《…实施方案》): only a construction makes it one
            accepted = self.has_head(name) and text[m.start()] != "《"
            out.append(ProjectSpan(s, e, name, accepted, "PROJ_QUOTED" if accepted else "PROJ_QUOTED_CANDIDATE",
                                   m.start(), m.end()))
        return out

    def _unquoted(self, text: str, tokens: Tokens, taken: _Occupied,
                  names: set[str]) -> list[ProjectSpan]:
        cfg = self.cfg
        token_at = tokens.at
        found: list[tuple[int, int, str]] = []
        for m in self.after_re.finditer(text):
            i = token_at.get(m.end())
            if i is None:
                continue
            end = self._name_end(text, tokens, i)
            if end:
                found.append((m.end(), end, "PROJ_AFTER_VERB"))
        for m in self.clause_re.finditer(text):
            s, e = m.span(1)
            if self.has_head(text[s:e]) and s in token_at:
                found.append((s, e, "PROJ_ADMITTED"))
        for w in self.named_before_re.finditer(text) if self.named_before_re else ():
            found_name = self.apposition_re.search(text, max(0, w.start() - 41), w.start())
            if found_name is None:
                continue
            s, e = found_name.span(1)  # a bare 项目 head describes (重大项目银团贷款), a 工程 names one
            if self.has_head(text[s:e]) and not text[s:e].endswith("项目") and s in token_at:
                found.append((s, e, "PROJ_NAMED_BEFORE"))
        out = []
        for s, e, rule in found:
            name = text[s:e]
            if not taken.free(s, e):
                continue
            if name.startswith(tuple(cfg["determiners"])) or len(name) < cfg["min_chars_unquoted"]:
                continue
            if self.unquoted_reject.search(name) or self._has_stop(text, tokens, token_at, s, e):
                continue
            full = self._back_reference(name, names)
            if full:
                out.append(ProjectSpan(s, e, full, True, "PROJ_BACK_REFERENCE", s, e))
            else:
                out.append(ProjectSpan(s, e, name, True, rule, s, e))
                names.add(name)
            taken.take(s, e)
        return out

    def _has_stop(self, text: str, tokens: Sequence[tuple[int, int]], token_at: dict[int, int], s: int, e: int) -> bool:
        stops = set(self.cfg["unquoted_stops"])
        i = token_at.get(s)
        while i is not None and i < len(tokens) and tokens[i][0] < e:
            if text[tokens[i][0]:tokens[i][1]] in stops:
                return True
            i += 1
        return False

    def _name_end(self, text: str, tokens: Sequence[tuple[int, int]], i: int) -> int | None:
        """End of an unquoted project name starting at token ``i``: a head followed by a stop."""
        stops = self.cfg["unquoted_stops"]
        start = tokens[i][0]
        for k in range(i, min(i + 20, len(tokens))):
            s, e = tokens[k]
            word = text[s:e]
            if not all(_NAME_CHAR.match(ch) for ch in word) or (k > i and word in stops):
                return None
            if text[start:e].endswith(self.heads):
                nxt = text[tokens[k + 1][0]:tokens[k + 1][1]] if k + 1 < len(tokens) else "。"
                if nxt in stops or not all(_NAME_CHAR.match(ch) for ch in nxt):
                    return e
        return None

    @staticmethod
    def _back_reference(name: str, names: Iterable[str]) -> str | None:
        """The full project name that ``name`` shortens (same head, characters in order)."""
        best = None
        for full in names:
            if full == name:
                return full
            if len(full) > len(name) and full[-2:] == name[-2:]:
                it = iter(full)
                if all(ch in it for ch in name) and (best is None or len(full) < len(best)):
                    best = full
        return best


class _Occupied:
    """Character positions already taken by a span (a byte per character of the text)."""

    def __init__(self, size: int, spans: Iterable[tuple[int, int]] = ()):
        self.cells = bytearray(size)
        for s, e in spans:
            self.take(s, e)

    def take(self, s: int, e: int) -> None:
        self.cells[s:e] = b"\x01" * (e - s)

    def free(self, s: int, e: int) -> bool:
        return self.cells.find(1, s, e) < 0

    def covers(self, s: int, e: int) -> bool:
        return s < e and self.cells.find(0, s, e) < 0


def project_mentions(original: str, spans: Iterable[ProjectSpan], promoted: Iterable[ProjectSpan] = ()) -> list[Mention]:
    """PROJECT mentions for accepted spans and promoted candidates; canonical = the full name as written."""
    spans = list(spans)
    written: dict[str, str] = {}
    # the full name as written: take it from the first span whose text is the full name
    for p in spans:
        if p.end - p.start == len(p.name) and p.name not in written:
            written[p.name] = original[p.start:p.end]
    out = []
    promoted_ids = {(p.start, p.end) for p in promoted}
    for p in spans:
        if not p.accepted and (p.start, p.end) not in promoted_ids:
            continue
        if p.rule in SHORT_REFERENCES:
            continue  # 审核辅助系统, 该项目: they stand for a project named elsewhere
        canonical = written.get(p.name, p.name)
        out.append(Mention(LABEL, original[p.start:p.end], canonical, "", p.start, p.end, p.rule))
    return out
