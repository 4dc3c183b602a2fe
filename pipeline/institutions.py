"""Institutions (label ``INSTITUTION``): gazetteer names, rule-found names, and in-article aliases.

Three sources, one resolution:

1. the gazetteer (``models/institutions.csv``): canonical names and aliases of real institutions,
   matched with an Aho-Corasick automaton (ahocorasick-rs) over the Simplified text;
2. rules (``models/org_rules.yaml``) for names the gazetteer does not know: a *head* (…银行,
   …有限公司, …大学) extended to the left over jieba tokens until a stop word or punctuation, kept
   only when something specific remains (a place, a known name, a non-generic word); a
   *continuation* extends any name with a branch or local office (工商银行 + 深圳 + 分行) or a
   unit of its own (西安交通大学 + 经济与金融 + 学院);
3. aliases inside the article: ``X（以下简称“Y”）``, ``X（Y）``, and the short forms of a full name
   (深圳市星途数智科技有限公司 → 星途数智, 深圳农村商业银行股份有限公司 → 深圳农商银行).

Overlaps go to the longest span. Every mention records the rule that made it.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from ahocorasick_rs import MATCHKIND_LEFTMOST_LONGEST, AhoCorasick

from .records import Mention
from .rules import Rules
from .segment import Tokens

LABEL = "INSTITUTION"
MAX_NAME = 32
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]*")  # fullmatch: all Chinese (or empty)
_ALIAS_DEF = re.compile(r"[（(](?:以下简称|以下称|下称|简称)?[:：]?[“\"「]?([^（）()“”\"「」，。、]{2,12}?)[”\"」]?[）)]")
# after a known name: a separator, then a short name, then an application verb or another member
_COORDINATED = re.compile(r"(?:、|和|与|及)(?P<name>[\u3400-\u9fff]{2,6}?)"
                          r"(?=分别|共同|联合申报|联合申请|等\d|等[一二两三四五六七八九十]|作为|申报|申请|牵头)")
# before a known name: the start of a clause, a short name, a separator
_COORDINATED_LEFT = re.compile(r"(?:(?<=[，。；：\n“”])|^)(?P<name>[\u3400-\u9fff]{2,6})(?:、|和|与|及)$")
# what may follow the known name for the list to be the applicants: more members, then the verb
_LIST_VERB = re.compile(r"(?:[、和与及][\u3400-\u9fff（）()]{2,30}?)*?(?:分别|共同|联合申报|联合申请|作为|申报|申请|牵头)")
_TICKER = re.compile(r"[（(]\d{4,6}(?:\.[A-Z]{2})?[）)]")


@dataclass(slots=True)
class Candidate:
    start: int
    end: int
    canonical: str
    type: str
    rule: str
    priority: int  # on equal length: alias/gazetteer (2) > continuation (1) > rule (0)


def _longest_first(cands: Iterable[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates, longest first, then by priority, then leftmost."""
    chosen: list[Candidate] = []
    taken = bytearray(max((c.end for c in cands), default=0))  # 1 where a chosen candidate lies
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), -c.priority, c.start)):
        if taken.find(1, c.start, c.end) < 0:
            chosen.append(c)
            taken[c.start:c.end] = b"\x01" * (c.end - c.start)
    return sorted(chosen, key=lambda c: c.start)


class InstitutionFinder:
    """The recogniser itself, independent of spaCy: ``find(text, tokens) -> [Mention]``.

    ``text`` is the Simplified matching text; ``tokens`` are its jieba tokens.
    """

    def __init__(self, rules: Rules):
        self.rules = rules
        self.known: dict[str, tuple[str, str]] = {}  # name or alias -> (canonical, type)
        for entry in rules.gazetteer:
            for name in (entry.canonical, *entry.aliases):
                self.known[name] = (entry.canonical, entry.type)
        self.gazetteer_names = list(self.known)
        self.gazetteer = (AhoCorasick(self.gazetteer_names, matchkind=MATCHKIND_LEFTMOST_LONGEST)
                          if self.known else None)
        heads = sorted({h.head for h in rules.org_heads}, key=len, reverse=True)
        self.head_re = re.compile("|".join(map(re.escape, heads)))
        self.head_info = {h.head: h for h in rules.org_heads}
        self.places = rules.places
        self.place_lengths: dict[str, list[int]] = {}  # first character -> lengths of the places, longest first
        for place in rules.places:
            self.place_lengths.setdefault(place[0], []).append(len(place))
        for lengths in self.place_lengths.values():
            lengths[:] = sorted(set(lengths), reverse=True)
        self.type_words = rules.type_words
        # continuations after a place (分行), and those without one by the type they follow (学院)
        self.after_place = [c for c in rules.continuations if c.place]
        self.after_type: dict[str, list[Any]] = {}
        for cont in rules.continuations:
            if not cont.place:
                self.after_type.setdefault(cont.after, []).append(cont)
        self._generic_cache: dict[str, bool] = {}

    # ------------------------------------------------------------------------------------------
    def mentions(self, original: str, text: str, tokens: Tokens) -> list[Mention]:
        """The institutions of ``original`` (the text as written), found in its Simplified matching
        ``text``: mention texts as written, and names found by rules with their canonical form as
        written too (gazetteer names keep the gazetteer's form)."""
        found = self.find(text, tokens)
        if text == original:
            return found
        back = {ord(a): b for a, b in zip(text, original, strict=True) if a != b}
        return [Mention(m.label, original[m.start:m.end], m.canonical if m.rule == "GAZ" else m.canonical.translate(back),
                        m.type, m.start, m.end, m.rule) for m in found]

    def find(self, text: str, tokens: Tokens) -> list[Mention]:
        token_at, token_ends = tokens.at, tokens.end_set
        gaz = [c for c in self._gazetteer(text) if c.start in token_at and (c.end in token_ends or c.end == len(text))]
        gaz_starts = {c.start for c in gaz}
        cands = list(gaz)
        cands += self._heads(text, tokens, gaz, gaz_starts)
        chosen = _longest_first(cands)
        continued = self._continue(text, chosen)
        aliases = self._article_aliases(text, continued)
        if aliases or any(a is not b for a, b in zip(chosen, continued, strict=True)):
            continued = _longest_first(continued + aliases)
        coordinated = self._coordinated(text, continued)
        chosen = _longest_first(continued + coordinated) if coordinated else continued
        return [Mention(LABEL, text[c.start:c.end], c.canonical, c.type, c.start, c.end, c.rule) for c in chosen]

    # ------------------------------------------------------------------------------------------
    def _gazetteer(self, text: str) -> list[Candidate]:
        if self.gazetteer is None:
            return []
        # leftmost-longest matches only (every overlapping short alias would cost more than it gives)
        names, known = self.gazetteer_names, self.known
        return [Candidate(start, end, *known[names[k]], "GAZ", 2)
                for k, start, end in self.gazetteer.find_matches_as_indexes(text)]

    def place_at(self, text: str, i: int) -> int:
        """Length of the longest place name starting at ``i`` (0 if none), with a trailing 省/市/区/县."""
        for n in self.place_lengths.get(text[i:i + 1], ()):
            if text[i:i + n] in self.places:
                if n < 4 and i + n < len(text) and text[i + n] in "省市区县" and text[i:i + n + 1] not in self.places:
                    return n + 1
                return n
        return 0

    def _is_place(self, word: str) -> bool:
        return word in self.places

    def _heads(self, text: str, tokens: Tokens, gaz: list[Candidate], gaz_starts: set[int]) -> list[Candidate]:
        out = []
        rules = self.rules
        token_at = tokens.at
        gaz_start_list = [c.start for c in gaz]  # in text order, not overlapping
        for m in self.head_re.finditer(text):
            head = self.head_info[m.group()]
            hs, he = m.span()
            g = bisect.bisect_right(gaz_start_list, hs) - 1
            inside = gaz[g].start if g >= 0 and gaz[g].end >= he else len(text)  # a gazetteer name holds the head
            if inside < len(text) and self._bounded_at(text, tokens, inside, gaz[g].end):
                continue  # the walk would stop at the gazetteer name's start: nothing longer to find
            nxt = token_at.get(he)
            if he < len(text) and nxt is None:
                continue  # the head ends inside a token (银行业, 期货价格): not the end of a name
            if head.min_core and nxt is not None and text[tokens[nxt][0]:tokens[nxt][1]] in rules.not_name_after:
                continue
            ti = bisect.bisect_right(tokens.starts, hs) - 1  # the token covering the head's start
            if tokens[ti][0] < hs and tokens[ti][1] < he and hs - tokens[ti][0] < 2:
                continue  # the tokenizer cut across the head leaving a stray character (浙江省|内农|商行)
            start = tokens[ti][0] if tokens[ti][0] < hs else hs
            j = ti - 1 if tokens[ti][0] < hs else (token_at.get(hs, ti) - 1)
            name_tokens: list[tuple[int, int]] = []
            if start < hs:
                name_tokens.append((start, hs))
            bounded = False  # the walk ended at punctuation, a stop word or the start of the text
            while True:
                if j < 0:
                    bounded = True
                    break
                s, e = tokens[j]
                word = text[s:e]
                if word in ("）", ")") and not head.min_core:
                    k = self._paren_open(text, tokens, j)
                    if k is None or k == 0:
                        bounded = True
                        break
                    name_tokens.insert(0, (tokens[k][0], e))
                    start = tokens[k][0]
                    j = k - 1
                    continue
                if not _CJK.fullmatch(word):
                    bounded = True
                    break
                if (len(word) > 1 and word[0] in rules.glued_stops and word not in self.places
                        and word not in self.known and hs - s <= MAX_NAME):
                    name_tokens.insert(0, (s + 1, e))  # 由恒宝|股份有限公司: the name starts after 由
                    start = s + 1
                    bounded = True
                    break
                if word in rules.left_stops:
                    prev = text[tokens[j - 1][0]:tokens[j - 1][1]] if j > 0 else ""
                    if word in rules.weak_left_stops and (self._is_place(prev) or not self._specific(
                            text, name_tokens, gaz_starts)):
                        pass
                    else:
                        bounded = True
                        break
                if hs - s > (4 if head.min_core else MAX_NAME):
                    break
                name_tokens.insert(0, (s, e))
                start = s
                j -= 1
            if (head.min_core and not bounded) or start >= inside:
                continue  # within a gazetteer name, the name found here would lose to it anyway
            cand = self._validate(text, start, hs, he, name_tokens, head, gaz_starts)
            if cand:
                out.append(cand)
        return out

    def _bounded_at(self, text: str, tokens: Tokens, start: int, end: int) -> bool:
        """Whether the leftward walk of :meth:`_heads` surely stops at ``start``, the start of a
        gazetteer name ending at ``end``: the token before it is punctuation, not Chinese, or a
        (strong) left stop word, or there is none."""
        j = tokens.at.get(start)
        if j is None or "）" in text[start:end] or ")" in text[start:end]:
            return False  # a bracket inside the name lets the walk jump: walk it
        if j == 0:
            return True
        word = text[tokens.starts[j - 1]:tokens.ends[j - 1]]
        if word in ("）", ")"):
            return False
        if not _CJK.fullmatch(word):
            return True
        return word in self.rules.left_stops and word not in self.rules.weak_left_stops

    def _specific(self, text: str, name_tokens: list[tuple[int, int]], gaz_starts: set[int]) -> bool:
        """Whether the tokens found so far hold a place, a known name or a non-generic word."""
        for s, e in name_tokens:
            w = text[s:e]
            if w in self.places or w in self.known or s in gaz_starts or not self.generic(w):
                return True
        return False

    def generic(self, word: str) -> bool:
        """Whether ``word`` is made only of generic finance words (财产保险 = 财产 + 保险)."""
        cached = self._generic_cache.get(word)
        if cached is None:
            words = self.rules.generic_words
            ok = [True] + [False] * len(word)
            for i in range(1, len(word) + 1):
                ok[i] = any(ok[j] and word[j:i] in words for j in range(max(0, i - 6), i))
            cached = self._generic_cache[word] = ok[len(word)]
        return cached

    def _paren_open(self, text: str, tokens: Sequence[tuple[int, int]], j: int) -> int | None:
        """Index of the token opening the bracket closed at ``j`` when the group may sit in a name."""
        for k in range(j - 1, max(j - 5, -1), -1):
            word = text[tokens[k][0]:tokens[k][1]]
            if word in ("（", "("):
                inner = text[tokens[k][1]:tokens[j][0]]
                if inner in self.places or inner in ("集团", "控股", "中国") or re.fullmatch(r"\d{4,6}", inner):
                    return k
                return None
        return None

    def _validate(self, text: str, start: int, hs: int, he: int, name_tokens: list[tuple[int, int]],
                  head: Any, gaz_starts: set[int]) -> Candidate | None:
        # start the name at its first place or known name when what precedes is neither
        words = [(s, e, text[s:e]) for s, e in name_tokens]
        anchors = [i for i, (s, _, w) in enumerate(words) if w in self.places or s in gaz_starts
                   or w in self.known or self.place_at(text, s)]
        if anchors and anchors[0] > 0 and "（" not in text[start:words[anchors[0]][0]]:
            first = anchors[0]
            words = words[first:]
            start = words[0][0]
        if start >= hs:
            return None
        core = 0
        anchored = named = False  # named: anchored by a known name, not only by a place
        for s, _, w in words:
            if w in ("（", "）", "(", ")") or re.fullmatch(r"\d+", w):
                continue
            if head.min_core and (w in self.known or s in gaz_starts):
                core += len(w)  # a known brand before a short head (中国人寿 + 资管)
            elif w in self.places or w in self.known or s in gaz_starts or self.place_at(text, s) == len(w):
                anchored = True
                named = named or w in self.known or s in gaz_starts
            elif n := self.place_at(text, s):  # a word that starts with a place (上海市第一人民医院, one token)
                anchored = True
                core += 0 if self.generic(w[n:]) else len(w) - n
            elif not self.generic(w):
                core += len(w)
        if head.min_core:
            if core < head.min_core or (words and len(words[0][2]) > 1 and words[0][2][0] in self.rules.left_stops):
                return None  # 由公募基金: a stop word glued to the name by the tokenizer
        elif not anchored and (core == 0 or head.anchor):
            return None
        elif head.specific and core == 0 and not named:
            return None  # 两家苏州科技公司: a place and generic words describe companies, they name none
        name = text[start:he]
        if len(name) <= len(head.head) or "的" in name or self.rules.reject_pattern.search(name):
            return None
        canonical = _TICKER.sub("", name)
        kind = head.type
        known = self.known.get(canonical[: -len(head.head)]) if head.type == "other" else None
        if known:
            kind = known[1]
        elif head.type == "other":
            for word, t in self.type_words:
                if word in canonical:
                    kind = t
                    break
        return Candidate(start, he, canonical, kind, head.id, 0)

    def _continue(self, text: str, chosen: list[Candidate]) -> list[Candidate]:
        """Extend names with a branch or local office (工商银行 + 深圳 + 分行) or a unit of their own
        (西安交通大学 + 经济与金融 + 学院)."""
        out = []
        starts = [c.start for c in chosen]
        for k, c in enumerate(chosen):
            e = c.end
            n = self.place_at(text, e)
            following = starts[k + 1] if k + 1 < len(starts) else len(text)  # the gap holds no other name
            for cont in chain(self.after_place if n else (), self.after_type.get(c.type, ()), self.after_type.get("", ())):
                if cont.after and cont.after != c.type:
                    continue
                first = e + n if cont.place else e
                s2 = text.find(cont.suffix, first, min(following, first + cont.max_gap) + len(cont.suffix))
                if s2 >= 0 and _CJK.fullmatch(text, first, s2) and (cont.place or s2 > first):
                    end = s2 + len(cont.suffix)
                    kind = c.type if cont.type == "inherit" else cont.type
                    c = Candidate(c.start, end, c.canonical + text[e:end], kind, cont.id, 1)
                    break
            out.append(c)
        return out

    def _article_aliases(self, text: str, chosen: list[Candidate]) -> list[Candidate]:
        """Aliases defined in the article and short forms of full names, matched everywhere."""
        forms: dict[str, tuple[str, str, str]] = {}
        for c in chosen:
            m = _ALIAS_DEF.match(text, c.end)
            if m:
                alias = m.group(1)
                defined = "简称" in m.group(0) or "称" in m.group(0) or _subsequence(alias, c.canonical)
                if defined and alias != c.canonical and not alias.isdigit():
                    forms.setdefault(alias, (c.canonical, c.type, "ALIAS_DEFINED"))
            if c.rule != "GAZ":
                for short in self.short_forms(c.canonical):
                    forms.setdefault(short, (c.canonical, c.type, "ALIAS_SHORT_FORM"))
        out = []
        for form, (canonical, kind, rule) in forms.items():  # a handful per article: str.find is enough
            start = text.find(form)
            while start >= 0:
                out.append(Candidate(start, start + len(form), canonical, kind, rule, 3))
                start = text.find(form, start + 1)
        return out

    def _coordinated(self, text: str, chosen: list[Candidate]) -> list[Candidate]:
        """A short unknown name listed with a known institution just before an application verb
        (工银澳门、中银澳门分别申报了…; 汇丰、渣打银行（香港）有限公司分别申报了…) is an institution too."""
        taken = {i for c in chosen for i in range(c.start, c.end)}
        out = []
        for c in chosen:
            after = _COORDINATED.match(text, c.end)
            before = _COORDINATED_LEFT.search(text, max(0, c.start - 8), c.start)
            for m in (after, before if before and _LIST_VERB.match(text, c.end) else None):
                if m is None:
                    continue
                s, e = m.span("name")
                name = m.group("name")
                if (taken.intersection(range(s, e)) or self.generic(name) or name in self.places
                        or any(ch in name for ch in "的了是在将和与及等该还也已又均都则就其此")):
                    continue
                kind = next((t for word, t in self.type_words if word in name), c.type)
                out.append(Candidate(s, e, name, kind, "ORG_COORDINATED", 0))
        return out

    def short_forms(self, name: str) -> list[str]:
        """Short forms the press uses for a full name found by rules."""
        rules = self.rules
        base = _TICKER.sub("", name)
        base = re.sub(r"[（(][^）)]*[）)]", "", base)
        for drop in rules.short_form_drops:
            if base.endswith(drop) and len(base) > len(drop) + 1:
                base = base[: -len(drop)]
                break
        forms = {base}
        # drop leading places (深圳市星途数智 -> 星途数智), keeping at least one place if only it remains
        stripped = base
        while True:
            n = self.place_at(stripped, 0)
            if not n or len(stripped) - n < 2:
                break
            stripped = stripped[n:]
            forms.add(stripped)
        for form in list(forms):
            for drop in rules.short_form_drops:
                if form.endswith(drop) and len(form) - len(drop) >= 3:
                    forms.add(form[: -len(drop)])
            for long, short in rules.abbreviations:
                if long in form:
                    forms.add(form.replace(long, short))
        good = []
        for f in forms:
            if f == name or len(f) < 3 or f in self.places or f in rules.generic_words:
                continue
            head = self.head_re.search(f)
            if head and head.start() == 0:
                continue  # nothing specific left (农商银行)
            good.append(f)
        return sorted(good)


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)
