"""Scoring: precision, recall and F1 of the extracted tables against gold annotations.

    report = score("gold/dev", "out")          # -> EvalReport (frozen dataclasses)
    print(format_report(report))               # the overall figures, per article, what was missed

The matching is the one of the project's independent scorer (``shared/tools/score.py``), so the two
give the same figures; ``docs/gold-format.md`` describes the gold files and the rules:

- names are compared after NFKC, without surrounding quotes or brackets and without whitespace;
- a predicted institution matches by its ``text`` or its ``canonical`` (first one that is a gold
  name or alias); names in ``optional_org_mentions`` are neutral;
- project names also lose a trailing 项目 (when more than two characters remain before it);
- a relation is (project, institution, role); one with an empty project is neutral when the gold
  gives that institution that role in a named project, else it is a lead without project.

Counts are per article and summed over articles (micro-average). Tables are read from
``OUT/mentions.csv`` and ``OUT/relations.csv`` (UTF-8, with or without BOM), or the ``.parquet``
files when there is no CSV.
"""
from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from .errors import FinnewsError

KINDS = ("institutions", "projects", "relations")
_QUOTES = "“”\"'‘’「」『』《》〈〉【】()（）[] \t\r\n"
_PROJECT_SUFFIX = "项目"


# --- names -------------------------------------------------------------------------------------


def norm(name: str | None) -> str:
    """The form names are compared in: NFKC, outer quotes/brackets stripped, no whitespace."""
    s = unicodedata.normalize("NFKC", name or "").strip(_QUOTES)
    return "".join(s.split())


def norm_project(name: str | None) -> str:
    """:func:`norm`, then without a trailing 项目 when more than two characters remain."""
    s = norm(name)
    if s.endswith(_PROJECT_SUFFIX) and len(s) > 4:
        s = s[: -len(_PROJECT_SUFFIX)]
    return s


class RelationKey(NamedTuple):
    """A relation as it is compared: normalized project ('' when unnamed), institution key, role."""

    project: str
    institution: str
    role: str


Item = str | RelationKey


def _sort_key(item: Item) -> tuple[str, ...]:
    return (item,) if isinstance(item, str) else tuple(item)


def _sorted(items: Iterable[Item]) -> tuple[Item, ...]:
    return tuple(sorted(items, key=_sort_key))


# --- results -----------------------------------------------------------------------------------


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1. Nothing predicted and nothing to find counts as perfect."""
    p = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass(frozen=True, slots=True)
class Counts:
    """True positives, false positives and false negatives, with the figures they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return prf(self.tp, self.fp, self.fn)[0]

    @property
    def recall(self) -> float:
        return prf(self.tp, self.fp, self.fn)[1]

    @property
    def f1(self) -> float:
        return prf(self.tp, self.fp, self.fn)[2]

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict[str, float | int]:
        p, r, f = prf(self.tp, self.fp, self.fn)
        return {"precision": p, "recall": r, "f1": f, "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass(frozen=True, slots=True)
class KindScore:
    """One kind (institutions, projects or relations) in one article: counts and the differences."""

    kind: str
    counts: Counts
    missed: tuple[Item, ...] = ()  # in the gold, not predicted
    spurious: tuple[Item, ...] = ()  # predicted, not in the gold

    def to_dict(self) -> dict[str, Any]:
        return {**self.counts.to_dict(), "missed": [_plain(i) for i in self.missed],
                "spurious": [_plain(i) for i in self.spurious]}


@dataclass(frozen=True, slots=True)
class ArticleScore:
    article_id: str
    institutions: KindScore
    projects: KindScore
    relations: KindScore

    def kinds(self) -> tuple[KindScore, KindScore, KindScore]:
        return self.institutions, self.projects, self.relations

    def to_dict(self) -> dict[str, Any]:
        return {"article_id": self.article_id, **{k.kind: k.to_dict() for k in self.kinds()}}


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Per-article scores; the overall figures are their summed counts (micro-average)."""

    articles: tuple[ArticleScore, ...]

    def total(self, kind: str) -> Counts:
        if kind not in KINDS:
            raise KeyError(kind)
        out = Counts()
        for a in self.articles:
            out = out + getattr(a, kind).counts
        return out

    @property
    def institutions(self) -> Counts:
        return self.total("institutions")

    @property
    def projects(self) -> Counts:
        return self.total("projects")

    @property
    def relations(self) -> Counts:
        return self.total("relations")

    def details(self) -> list[str]:
        """One line per article and kind with a difference, worded as the shared scorer's --verbose."""
        lines = []
        for a in self.articles:
            for k in a.kinds():
                if k.missed or k.spurious:
                    lines.append(f"[{a.article_id}] {k.kind}: missed {[_plain(i) for i in k.missed]} | "
                                 f"spurious {[_plain(i) for i in k.spurious]}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``finnews eval --json``: the shared scorer's keys, plus ``per_article``."""
        out: dict[str, Any] = {kind: self.total(kind).to_dict() for kind in KINDS}
        out["articles"] = len(self.articles)
        out["details"] = self.details()
        out["per_article"] = [a.to_dict() for a in self.articles]
        return out


def _plain(item: Item) -> str | tuple[str, str, str]:
    return item if isinstance(item, str) else (item.project, item.institution, item.role)


# --- gold --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gold:
    """One gold file, reduced to the normalized keys it is compared with."""

    article_id: str
    aliases: Mapping[str, str]  # normalized surface form -> institution key (its normalized name)
    optional: frozenset[str]
    institutions: frozenset[str]
    projects: frozenset[str]
    project_aliases: Mapping[str, str]
    relations: frozenset[RelationKey]
    named_roles: frozenset[tuple[str, str]]  # (institution, role) held in some named project

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Gold:
        aliases: dict[str, str] = {}
        for inst in doc["institutions"]:
            key = norm(inst["name"])
            for form in (inst["name"], *inst.get("aliases", [])):
                aliases[norm(form)] = key
        relations: set[RelationKey] = set()
        named: set[tuple[str, str]] = set()
        for p in doc["projects"]:
            for role, names in (("lead", p.get("lead", [])), ("co_applicant", p.get("co_applicants", []))):
                for n in names:
                    k = _inst_key(aliases, n)
                    relations.add(RelationKey(norm_project(p["name"]), k, role))
                    named.add((k, role))
        for n in doc.get("leads_without_project", []):
            relations.add(RelationKey("", _inst_key(aliases, n), "lead"))
        return cls(article_id=str(doc.get("article") or doc["id"]),
                   aliases=MappingProxyType(aliases),
                   optional=frozenset(norm(n) for n in doc.get("optional_org_mentions", [])),
                   institutions=frozenset(norm(i["name"]) for i in doc["institutions"]),
                   projects=frozenset(norm_project(p["name"]) for p in doc["projects"]),
                   project_aliases=MappingProxyType({norm_project(a): norm_project(p["name"])
                                                     for p in doc["projects"] for a in p.get("aliases", [])}),
                   relations=frozenset(relations), named_roles=frozenset(named))

    def inst_key(self, *forms: str | None) -> str:
        return _inst_key(self.aliases, *forms)

    def project_key(self, name: str | None) -> str:
        k = norm_project(name)
        return self.project_aliases.get(k, k)


def _inst_key(aliases: Mapping[str, str], *forms: str | None) -> str:
    """The gold institution the first matching form names, else the first form normalized."""
    for f in forms:
        k = aliases.get(norm(f))
        if k:
            return k
    return norm(forms[0]) if forms else ""


def load_gold(gold_dir: str | Path) -> list[Gold]:
    """Every ``*.json`` of ``gold_dir``, in file-name order."""
    folder = Path(gold_dir)
    if not folder.is_dir():
        raise FinnewsError("E301", detail=f"{gold_dir}: no such gold folder")
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise FinnewsError("E301", detail=f"{gold_dir}: no gold files (*.json)")
    golds = []
    for path in paths:
        try:
            golds.append(Gold.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise FinnewsError("E301", detail=f"{path}: not a gold file ({type(exc).__name__}: {exc})") from exc
    return golds


# --- predictions -------------------------------------------------------------------------------


def read_table(out_dir: Path, name: str) -> list[dict[str, str]]:
    """Rows of ``OUT/name.csv`` (else ``name.parquet``) as strings; [] when neither exists."""
    path = out_dir / f"{name}.csv"
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as f:
            return [{k: v or "" for k, v in row.items() if k is not None} for row in csv.DictReader(f)]
    path = out_dir / f"{name}.parquet"
    if path.is_file():
        import pyarrow.parquet as pq

        return [{k: "" if v is None else str(v) for k, v in row.items()} for row in pq.read_table(path).to_pylist()]
    return []


def _by_article(rows: Iterable[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        out.setdefault(row.get("article_id", ""), []).append(row)
    return out


def _kind(kind: str, pred: set[Item], gold: Iterable[Item]) -> KindScore:
    gold_set = set(gold)
    counts = Counts(len(pred & gold_set), len(pred - gold_set), len(gold_set - pred))
    return KindScore(kind, counts, _sorted(gold_set - pred), _sorted(pred - gold_set))


def score_article(gold: Gold, mentions: Sequence[Mapping[str, str]], relations: Sequence[Mapping[str, str]]
                  ) -> ArticleScore:
    """Score one article's predicted mention and relation rows against its gold."""
    insts: set[Item] = set()
    projs: set[Item] = set()
    for m in mentions:
        label = m.get("label")
        if label == "INSTITUTION":
            k = gold.inst_key(m.get("text"), m.get("canonical"))
            if k and (k in gold.institutions or k not in gold.optional):  # optional mentions are neutral
                insts.add(k)
        elif label == "PROJECT":
            p = gold.project_key(m.get("text"))
            if p:
                projs.add(p)
    rels: set[Item] = set()
    for r in relations:
        key = RelationKey(gold.project_key(r.get("project")), gold.inst_key(r.get("institution"), r.get("canonical")),
                          r.get("role", ""))
        if not key.project and (key.institution, key.role) in gold.named_roles:
            continue  # a role stated without project, for an institution whose project is named: neutral
        rels.add(key)
    return ArticleScore(gold.article_id, _kind("institutions", insts, gold.institutions),
                        _kind("projects", projs, gold.projects), _kind("relations", rels, gold.relations))


def score(gold_dir: str | Path, out_dir: str | Path, only: Iterable[str] | None = None) -> EvalReport:
    """Score the tables in ``out_dir`` against the gold files in ``gold_dir``.

    ``only`` restricts the score to these article ids (an id without a gold file is a usage error).
    """
    golds = load_gold(gold_dir)
    out = Path(out_dir)
    if not out.is_dir():
        raise FinnewsError("E301", detail=f"{out_dir}: no such output folder")
    if not any((out / f"{n}.{ext}").is_file() for n in ("mentions", "relations") for ext in ("csv", "parquet")):
        raise FinnewsError("E301", detail=f"{out_dir}: no mentions or relations table (.csv or .parquet)")
    wanted = [i for i in (only or ()) if i]
    if wanted:
        unknown = sorted(set(wanted) - {g.article_id for g in golds})
        if unknown:
            raise FinnewsError("E301", detail=f"no gold file for article id(s): {', '.join(unknown)}")
        golds = [g for g in golds if g.article_id in set(wanted)]
    mentions = _by_article(read_table(out, "mentions"))
    relations = _by_article(read_table(out, "relations"))
    return EvalReport(tuple(score_article(g, mentions.get(g.article_id, []), relations.get(g.article_id, []))
                            for g in golds))


# --- text report -------------------------------------------------------------------------------


def _describe(item: Item) -> str:
    if isinstance(item, str):
        return item
    return f"{item.project or '(no project)'} / {item.institution} / {item.role}"


def format_report(report: EvalReport) -> str:
    """The overall figures, a line per article, then what each article missed or got wrong."""
    n = len(report.articles)
    lines = [f"overall, {n} article{'' if n == 1 else 's'}",
             f"{'':15s}{'precision':>10s}{'recall':>8s}{'F1':>7s}{'tp':>6s}{'fp':>6s}{'fn':>6s}"]
    for kind in KINDS:
        c = report.total(kind)
        lines.append(f"{kind:15s}{c.precision:10.3f}{c.recall:8.3f}{c.f1:7.3f}{c.tp:6d}{c.fp:6d}{c.fn:6d}")
    width = max([len("per article"), *(len(a.article_id) for a in report.articles)])
    lines += ["", f"{'per article':{width}s}" + "".join(f"  {kind:^17s}" for kind in KINDS),
              f"{'':{width}s}" + f"  {'P':^5s} {'R':^5s} {'F1':^5s}" * len(KINDS)]
    for a in report.articles:
        lines.append(f"{a.article_id:{width}s}" + "".join(
            f"  {k.counts.precision:.3f} {k.counts.recall:.3f} {k.counts.f1:.3f}" for k in a.kinds()))
    diffs = [(a, k) for a in report.articles for k in a.kinds() if k.missed or k.spurious]
    if diffs:
        lines.append("")
    for a, k in diffs:
        lines.append(f"[{a.article_id}] {k.kind}")
        if k.missed:
            lines.append("  missed:   " + "; ".join(map(_describe, k.missed)))
        if k.spurious:
            lines.append("  spurious: " + "; ".join(map(_describe, k.spurious)))
    return "\n".join(line.rstrip() for line in lines)


def report_json(report: EvalReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=1)
