"""Relations: which institution leads a project and which co-apply, each with its evidence sentence.

One mechanism: every sentence is rewritten with one placeholder character per institution and per
project (anaphors such as 该项目 / 前者 / 后者 resolved to the project they stand for), and the
patterns of ``models/relations.yaml`` — regular expressions over that abstract sentence, written
over the constructions of the language (coordination, 分别, counts, 由X牵头, 作为牵头行 …) — are
tried in order. A match consumes its part of the sentence, so a more specific pattern wins over a
more general one. A pattern either names its project, or attaches to one: a quoted name right
before the clause (its subject: “P”由X牵头) or right after it (由X筹组的“P”), the topic of the
paragraph, the last ``项目名称`` record, the last counted group, or the project an institution
leads. 前者 / 后者 with no two projects before, and 该行 / 该公司, stand for institutions.

The page's own constructions come first: a table whose header row names the columns gives one
record per row (:func:`pipeline.projects.table_rows`), and a sentence ending with a colon takes the
one-institution lines after it as its list.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ahocorasick_rs import MATCHKIND_STANDARD, AhoCorasick

from .projects import ProjectSpan, TableRow, project_mentions, table_rows
from .records import Mention, Relation
from .rules import BULLET, RelationPattern, Rules

T = TypeVar("T")
W = TypeVar("W", Mention, ProjectSpan)
I_BASE, P_BASE, Q_BASE = 0xE000, 0xE400, 0xE800
FILLER = "\x00"
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』）)]*")
_ALIAS_PAREN = re.compile(r"[（(](?:以下简称|以下称|下称|简称)?[:：]?[“\"「]?[^（）()，。]{1,14}?[”\"」]?[）)]")


def sentences(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, paragraph)`` of every sentence: lines are paragraphs, 。！？ end sentences."""
    out = []
    pos = 0
    for para, line in enumerate(text.split("\n")):
        s = pos
        for m in _SENTENCE_END.finditer(line):
            e = pos + m.end()
            if text[s:e].strip():
                out.append((s, e, para))
            s = e
        if text[s:pos + len(line)].strip():
            out.append((s, pos + len(line), para))
        pos += len(line) + 1
    return out


@dataclass
class _Sentence:
    """One sentence rewritten with placeholders: ``places[k] = (i, a, b)`` says that ``abstract[i]``
    stands for ``text[a:b]``; every other character of the abstract is the text's own."""

    start: int
    end: int
    para: int
    abstract: str
    insts: dict[str, Mention]
    projs: dict[str, ProjectSpan]
    places: list[tuple[int, int, int]]

    def where(self, i: int) -> int:
        """The text offset of ``abstract[i]`` (``i == len(abstract)``: the end of the sentence)."""
        k = bisect.bisect_right(self.places, (i, 1 << 62, 0)) - 1
        if k < 0:
            return self.start + i
        at, a, b = self.places[k]
        return a if i == at else b + (i - at - 1)


@dataclass
class _State:
    """What the extractor remembers while it reads an article."""

    record: ProjectSpan | None = None
    count: ProjectSpan | None = None
    relations: list[tuple[ProjectSpan | None, Mention, str, tuple[int, int], str]] = field(default_factory=list)
    promoted: list[ProjectSpan] = field(default_factory=list)


class RelationFinder:
    def __init__(self, rules: Rules):
        self.rules = rules
        self.patterns: Sequence[RelationPattern] = rules.relations
        self.trigger_words = sorted({w for p in self.patterns for w in p.needs})
        # every trigger word a sentence holds, overlapping ones too (申报 and 联合申报), in one pass
        self.triggers = AhoCorasick(self.trigger_words, matchkind=MATCHKIND_STANDARD) if self.trigger_words else None
        self.unconditional = any(not p.needs and not p.needs_project for p in self.patterns)
        self._plans: dict[tuple[frozenset[str], bool], list[RelationPattern]] = {}
        ana = rules.projects["anaphora"]
        words = [(w, kind) for kind, ws in ana.items() for w in ws]
        self.anaphora = dict(words)
        self.anaphora_re = re.compile("|".join(map(re.escape, sorted(self.anaphora, key=len, reverse=True))))

    def analyse(self, original: str, text: str, institutions: Sequence[Mention], projects: Sequence[ProjectSpan]
                ) -> tuple[list[Relation], list[Mention] | None]:
        """``(relations, PROJECT mentions)`` of ``original`` (the text as written), found in its
        Simplified matching ``text``. The mentions are None unless a construction promoted a quoted
        candidate to a project; then they are all the PROJECT mentions, the promoted ones included."""
        found, promoted = self.find(text, institutions, projects)
        mentions = project_mentions(original, projects, promoted) if promoted else None
        as_written: dict[str, str] = {}  # a project's name as written (Traditional stays Traditional)
        for p in projects:
            if p.end - p.start == len(p.name):
                as_written.setdefault(p.name, original[p.start:p.end])
        return build_relations(original, found, as_written), mentions

    def find(self, text: str, institutions: Sequence[Mention], projects: Sequence[ProjectSpan]
             ) -> tuple[list[tuple[ProjectSpan | None, Mention, str, tuple[int, int], str]], list[ProjectSpan]]:
        sents = _with_lists(text, sentences(text), institutions)
        anaphors = list(self.anaphora_re.finditer(text))
        projects = self._with_anaphora(anaphors, projects, sents)
        institutions = self._institution_anaphora(text, anaphors, institutions, projects, sents)
        state = _State()
        para_starts: dict[int, int] = {}
        for s, _, para in sents:
            para_starts.setdefault(para, s)
        inst_starts = [m.start for m in institutions]
        proj_starts = [p.start for p in projects]
        in_rows = set()
        for row in table_rows(text, self.rules.projects["table_columns"]):
            self._table_row(row, (institutions, inst_starts), (projects, proj_starts), state)
            in_rows.add(row.start)
        # only sentences where a mention starts can hold a relation (or open a record)
        sent_starts = [s for s, _, _ in sents]
        busy = {bisect.bisect_right(sent_starts, x) - 1 for x in (*inst_starts, *proj_starts)}
        for k in sorted(busy):
            if k >= 0 and para_starts[sents[k][2]] not in in_rows:  # a table row is one record, read above
                s, e, para = sents[k]
                self._sentence(text, s, e, para, para_starts, (institutions, inst_starts), (projects, proj_starts),
                               state)
        return state.relations, state.promoted

    def _table_row(self, row: TableRow, institutions: tuple[Sequence[Mention], list[int]],
                   projects: tuple[Sequence[ProjectSpan], list[int]], state: _State) -> None:
        """The relations of one table record: the project in its project cell, each institution in
        a role cell with the column's role (lead, co; joint: the first leads, the others co-apply)."""
        project = next((p for column, s, e in row.cells if column == "project"
                        for p in _within(*projects, s, e)), None)
        if project is None:
            return
        for column, s, e in row.cells:
            insts = _within(*institutions, s, e) if column != "project" else []
            for k, inst in enumerate(insts):
                role = "lead" if column == "lead" or (column == "joint" and k == 0) else "co_applicant"
                state.relations.append((project, inst, role, (row.start, row.end), "REL_TABLE_ROW"))
        if not project.accepted and project not in state.promoted and any(
                column != "project" and _within(*institutions, s, e) for column, s, e in row.cells):
            state.promoted.append(project)

    # ------------------------------------------------------------------------------------------
    def _with_anaphora(self, anaphors: list[re.Match[str]], projects: Sequence[ProjectSpan],
                       sents: list[tuple[int, int, int]]) -> list[ProjectSpan]:
        """Projects plus anaphors resolved to the project they stand for, in text order."""
        accepted = sorted((p for p in projects if p.accepted), key=lambda p: p.start)
        para_at = _paragraph_lookup(sents)
        out = list(projects)
        for m in anaphors:
            s, e = m.span()
            para = para_at(s)
            before = [p for p in accepted if p.end <= s and para_at(p.start) == para]
            kind = self.anaphora[m.group()]
            target = None
            if kind == "this" and not before and para > 0:  # 该项目 opening a paragraph: the last one before
                before = [p for p in accepted if p.end <= s and para_at(p.start) == para - 1]
            if kind == "this" and before:
                target = before[-1]
            elif kind in ("former", "latter"):
                distinct: list[ProjectSpan] = []
                for p in reversed(before):
                    if all(p.name != d.name for d in distinct):
                        distinct.append(p)
                    if len(distinct) == 2:
                        break
                if len(distinct) == 2:
                    target = distinct[1] if kind == "former" else distinct[0]
            if target is not None:
                out.append(ProjectSpan(s, e, target.name, True, "ANAPHOR", s, e))
        return sorted(out, key=lambda p: p.start)

    def _institution_anaphora(self, text: str, anaphors: list[re.Match[str]], institutions: Sequence[Mention],
                              projects: Sequence[ProjectSpan], sents: list[tuple[int, int, int]]) -> Sequence[Mention]:
        """Institutions plus the anaphors that stand for one: 前者 / 后者 standing for no project are the
        first / second of the last two institutions named together in the paragraph (X和Y均有斩获。
        前者牵头申报了“P”，后者参与); 该行 / 该公司 is the institution named last in it."""
        resolved = {p.start for p in projects if p.rule == "ANAPHOR"}
        para_at = _paragraph_lookup(sents)
        added = []
        for m in anaphors:
            s, e = m.span()
            kind = self.anaphora[m.group()]
            if kind not in ("former", "latter", "institution") or s in resolved:
                continue
            para = para_at(s)
            before = [i for i in institutions if i.end <= s and para_at(i.start) == para]
            target = None
            if kind == "institution":
                if before and text[e:e + 1] not in _WORD_GOES_ON:  # 该行业, 该行为: no bank
                    target = before[-1]
            elif len(before) >= 2 and _PAIR.fullmatch(text, before[-2].end, before[-1].start):
                target = before[-2] if kind == "former" else before[-1]
            if target is not None:
                added.append(Mention(target.label, target.text, target.canonical, target.type, s, e, "ANAPHOR"))
        return sorted([*institutions, *added], key=lambda i: i.start) if added else institutions

    def _sentence(self, text: str, s: int, e: int, para: int, para_starts: dict[int, int],
                  institutions: tuple[Sequence[Mention], list[int]], all_projects: tuple[Sequence[ProjectSpan], list[int]],
                  state: _State) -> None:
        insts = _within(*institutions, s, e)
        projects = all_projects[0]
        projs = [p for p in _within(*all_projects, s, e) if s <= p.outer_start and p.outer_end <= e]
        if not insts and not projs:
            return
        present = set(self.triggers.find_matches_as_strings(text[s:e], overlapping=True)) if self.triggers else set()
        if not present and not projs and not self.unconditional:
            return  # no pattern can match: none of their words, no project
        sent = self._abstract(text, s, e, para, insts, projs)
        if not insts:
            # nothing to relate, but a 项目名称 field still opens a record
            for pat in self.patterns:
                m = pat.regex.search(sent.abstract) if pat.sets == "record" else None
                if m and m.groupdict().get("project"):
                    found = _members(m, "project", sent.projs)
                    if found:
                        state.record = found[0]
            return
        para_start = para_starts[para]
        for pat in self._plan(present, bool(projs)):
            if pat.regex.search(sent.abstract) is None:
                continue  # the usual case: one search is cheaper than collecting matches
            for m in list(pat.regex.finditer(sent.abstract)):
                if FILLER in sent.abstract[m.start():m.end()]:
                    continue
                if self._apply(pat, m, sent, para_start, projects, state):
                    a = sent.abstract
                    sent.abstract = a[:m.start()] + FILLER * (m.end() - m.start()) + a[m.end():]

    def _plan(self, present: set[str], has_project: bool) -> list[RelationPattern]:
        """The patterns that can match a sentence with these trigger words (and a project or not),
        in order; sentences repeat the same few combinations, so each is worked out once."""
        key = (frozenset(present), has_project)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > 4096:
                self._plans.clear()
            plan = self._plans[key] = [pat for pat in self.patterns if not (
                (pat.needs_project and not has_project) or (pat.needs and present.isdisjoint(pat.needs)))]
        return plan

    def _abstract(self, text: str, s: int, e: int, para: int, insts: list[Mention],
                  projs: list[ProjectSpan]) -> _Sentence:
        """The sentence with placeholders; characters outside mentions are kept as they are."""
        items: list[tuple[int, int, str]] = []
        inst_at: dict[str, Mention] = {}
        proj_at: dict[str, ProjectSpan] = {}
        for k, m in enumerate(insts):
            ch = chr(I_BASE + k)
            inst_at[ch] = m
            end = m.end
            alias = _ALIAS_PAREN.match(text, end)
            if alias and alias.end() <= e:
                end = alias.end()  # X（以下简称“Y”） reads as X
            items.append((m.start, end, ch))
        for k, p in enumerate(projs):
            ch = chr((P_BASE if p.accepted else Q_BASE) + k)
            proj_at[ch] = p
            items.append((p.outer_start, p.outer_end, ch))
        items.sort()
        out: list[str] = []
        places: list[tuple[int, int, int]] = []
        pos = s
        n = 0  # length of the abstract so far
        for a, b, ch in items:
            if a < pos:
                continue
            gap = text[pos:a]
            if places and "\n" in gap and _LIST_GAP.fullmatch(gap):
                gap = "、"  # one member a line (：↵- A（牵头）↵- B): the list reads as A、B
            out.append(gap)
            n += len(gap)
            places.append((n, a, b))
            out.append(ch)
            n += 1
            pos = b
        out.append(text[pos:e])
        return _Sentence(s, e, para, "".join(out), inst_at, proj_at, places)

    def _apply(self, pat: RelationPattern, m: re.Match[str], sent: _Sentence, para_start: int,
               projects: Sequence[ProjectSpan], state: _State) -> bool:
        groups = m.groupdict()
        roles: list[tuple[Mention, str, ProjectSpan | None]] = []
        named = _members(m, "project", sent.projs) if groups.get("project") else []
        if groups.get("resp_i") and groups.get("resp_p"):
            insts = _members(m, "resp_i", sent.insts)
            ps = _members(m, "resp_p", sent.projs)
            if len(insts) != len(ps) or not insts:
                return False
            roles = [(i, "lead", p) for i, p in zip(insts, ps, strict=True)]
        else:
            targets: list[ProjectSpan | None]
            if named:
                targets = list(named)
            elif pat.attach == "none":
                targets = [None]
            else:
                t = self._attach(pat, m, sent, para_start, projects, state)
                if t is None:
                    return False
                targets = [t]
            for target in targets:
                for name, role in (("lead", "lead"), ("co", "co_applicant")):
                    if groups.get(name):
                        roles += [(i, role, target) for i in _members(m, name, sent.insts)]
                if groups.get("joint"):
                    members = _members(m, "joint", sent.insts)
                    roles += [(i, "lead" if k == 0 else "co_applicant", target) for k, i in enumerate(members)]
        if pat.sets == "record" and named:
            state.record = named[0]
        if pat.sets == "count" and named and groups.get("count"):
            state.count = named[0]
        if pat.sets and named and not named[0].accepted and named[0] not in state.promoted:
            state.promoted.append(named[0])  # 项目名称：《P》 / 《P》共有4家机构参与: the construction makes it one
        if not roles:
            return pat.sets == "record" and bool(named)
        for inst, role, project in roles:
            if project is not None and not project.accepted and project not in state.promoted:
                state.promoted.append(project)
            state.relations.append((project, inst, role, (sent.start, sent.end), pat.id))
        return True

    def _attach(self, pat: RelationPattern, m: re.Match[str], sent: _Sentence, para_start: int,
                projects: Sequence[ProjectSpan], state: _State) -> ProjectSpan | None:
        if pat.attach == "record":
            subject = _subject(sent, m.start())  # 《P》（承担单位：X；合作单位：Y）: this name opens a record
            if subject is not None:
                state.record = subject
            return state.record
        if pat.attach == "count" and state.count is not None:
            return state.count  # else the topic: 其余4家分别为… after a loan named before
        if pat.attach == "led_by":
            leaders = {i.canonical for i in _members(m, "led_by", sent.insts)}
            led = [p for p, i, role, _, _ in state.relations if p is not None and role == "lead"
                   and i.canonical in leaders]
            return led[-1] if len({p.name for p in led}) == 1 else None
        # a name in quotes right before the clause is its subject, a project even without a project
        # head (“数字人民币消费街区”由X牵头, 《P》由X承担, “P”的承保主体为X)
        subject = _subject(sent, m.start())
        if subject is not None:
            return subject
        if sent.abstract[m.end():m.end() + 1] == "的":  # 由X筹组的“P”: the clause names the project after it
            named_after = sent.projs.get(sent.abstract[m.end() + 1:m.end() + 2])
            if named_after is not None:
                return named_after
        # topic: the last project named before the match, in the same paragraph; failing that, the
        # next one later in the same sentence (X作为牵头行……为“P”提供银团贷款)
        limit = sent.where(m.start())
        named = [p for p in projects if p.accepted or p in state.promoted]
        before = [p for p in named if para_start <= p.start and p.end <= limit]
        if before:
            return before[-1]
        after = [p for p in named if sent.where(m.end()) <= p.start and p.end <= sent.end]
        return after[0] if after else None


_PAIR = re.compile(r"、|和|与|及|以及")  # between two institutions named together
# between two members of a list written one a line: a short note, punctuation, the line break, a bullet
_NOTE = r"(?:[（(][^（）()\n]{1,6}[）)])?[；;，,、。]?"  # A（牵头）；
_LIST_GAP = re.compile(rf"\s*{_NOTE}\s*\n\s*{BULLET}?\s*")
_ITEM_MARK = re.compile(rf"^\s*{BULLET}?\s*")
_ITEM_NOTE = re.compile(rf"\s*{_NOTE}\s*$")
_WORD_GOES_ON = set("业情列程径为动")  # after 该行: 行业, 行情, 行为 … are words of their own


def _with_lists(text: str, sents: list[tuple[int, int, int]], institutions: Sequence[Mention]
                ) -> list[tuple[int, int, int]]:
    """Sentences, a sentence ending with a colon joined with the lines after it that each name one
    institution (…由以下3家机构共同承担：↵A↵B↵C): the list reads as one sentence."""
    ends = {m.end: m.start for m in institutions}
    out: list[tuple[int, int, int]] = []
    k = 0
    while k < len(sents):
        s, e, para = sents[k]
        j = k + 1
        if text[s:e].rstrip().endswith(("：", ":")):
            while j < len(sents) and sents[j][2] != sents[j - 1][2] and _is_item(text, *sents[j][:2], ends):
                j += 1
        out.append((s, sents[j - 1][1], para))
        k = j
    return out


def _is_item(text: str, s: int, e: int, ends: Mapping[int, int]) -> bool:
    """A line holding one institution name and nothing else (a bullet, a short note such as （牵头））."""
    line = text[s:e]
    start = s + _ITEM_MARK.match(line).end()  # type: ignore[union-attr]
    end = s + _ITEM_NOTE.search(line).start()  # type: ignore[union-attr]
    return ends.get(end) == start


def _subject(sent: _Sentence, at: int) -> ProjectSpan | None:
    """The project or quoted candidate whose placeholder stands right before ``abstract[at]``, with
    at most a 的 / 则 / 也 / 还 or an opening bracket between."""
    k = at - 1
    while k >= 0 and at - k <= 3 and sent.abstract[k] in _SUBJECT_GLUE:
        k -= 1
    return sent.projs.get(sent.abstract[k]) if k >= 0 else None


_SUBJECT_GLUE = "的则也还（("


def _within(items: Sequence[W], starts: list[int], s: int, e: int) -> list[W]:
    """The items (sorted by ``start``; ``starts`` are their starts) lying inside ``[s, e)``."""
    out = []
    for k in range(bisect.bisect_left(starts, s), len(items)):
        x = items[k]
        if x.start >= e:
            break
        if x.end <= e:
            out.append(x)
    return out


def _members(m: re.Match[str], group: str, table: Mapping[str, T]) -> list[T]:
    """The mentions whose placeholders stand in ``group`` of the match, in order."""
    return [table[ch] for ch in m.group(group) if ch in table]


def _paragraph_lookup(sents: list[tuple[int, int, int]]) -> Callable[[int], int]:
    starts = [s for s, _, _ in sents]
    paras = [p for _, _, p in sents]

    def para_at(pos: int) -> int:
        k = bisect.bisect_right(starts, pos) - 1
        return paras[k] if k >= 0 else 0
    return para_at


def build_relations(original: str, found: Iterable[tuple[ProjectSpan | None, Mention, str, tuple[int, int], str]],
                    project_names: dict[str, str]) -> list[Relation]:
    """Relation records, one per (project, institution, role); a lead wins over co for the same pair."""
    out: list[Relation] = []
    seen: set[tuple[str, str, str]] = set()
    found = list(found)
    leads = {(p.name if p else "", i.canonical) for p, i, role, _, _ in found if role == "lead"}
    for project, inst, role, (s, e), rule in found:
        pname = project_names.get(project.name, project.name) if project else ""
        key = (pname, inst.canonical, role)
        if key in seen:
            continue
        if role == "co_applicant" and ((project.name if project else ""), inst.canonical) in leads:
            continue
        seen.add(key)
        out.append(Relation(pname, inst.text, inst.canonical, role, inst.type, original[s:e].strip(), s, e, rule))
    return out
