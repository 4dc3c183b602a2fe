"""Rule data from ``models/``: loaded once, validated, and handed to the components as one object.

Every file is checked when it is loaded: closed key sets, allowed values, regexes that compile.
An error names the file and the line (``[E204] models/institutions.csv:12: bad value ...``).
The packaged data is found with :mod:`importlib.resources`; ``models_dir`` overrides it.
"""
from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import RuleError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

INSTITUTION_TYPES = (
    "securities", "fund", "bank", "insurer", "asset_manager", "trust", "futures", "exchange",
    "infrastructure", "association", "regulator", "government", "rating", "tech", "media",
    "education", "other",
)
RULE_FILES = ("institutions.csv", "places.txt", "userdict.txt", "org_rules.yaml", "projects.yaml",
              "relations.yaml")
_NAME_CHARS = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff0-9A-Za-z（）()·＋+\-&]+$")
_JIEBA_LINE = re.compile(r"^(\S+?)(?: (\d+))?(?: ([a-z]+))?$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer row."""

    canonical: str
    aliases: tuple[str, ...]
    type: str


@dataclass(frozen=True, slots=True)
class OrgHead:
    id: str
    head: str
    type: str
    min_core: int
    anchor: bool = False  # the name must hold a place or a known name (…公司)
    specific: bool = False  # a place is not enough: it needs a known name or a non-generic word too


@dataclass(frozen=True, slots=True)
class Continuation:
    id: str
    suffix: str
    type: str
    max_gap: int
    place: bool = True  # a place comes first (工商银行 + 深圳 + 分行); false: the gap follows the name
    after: str = ""  # only after a name of this type (a school of a university)


@dataclass(frozen=True, slots=True)
class RelationPattern:
    id: str
    regex: re.Pattern[str]
    attach: str  # same | topic | record | count | led_by | none
    sets: str  # "" | record | count
    needs: tuple[str, ...] = ()  # the sentence must hold one of these words for the pattern to be tried
    needs_project: bool = False  # the pattern names its project: a sentence without one can't match


@dataclass(frozen=True)
class Rules:
    """Everything in ``models/``, validated. Immutable once built; shared by all components."""

    directory: Path
    gazetteer: tuple[Entry, ...]
    places: frozenset[str]
    userdict: tuple[tuple[str, int | None, str | None], ...]
    org_heads: tuple[OrgHead, ...]
    continuations: tuple[Continuation, ...]
    left_stops: frozenset[str]
    weak_left_stops: frozenset[str]
    glued_stops: frozenset[str]
    generic_words: frozenset[str]
    abbreviations: tuple[tuple[str, str], ...]
    short_form_drops: tuple[str, ...]
    type_words: tuple[tuple[str, str], ...]
    reject_pattern: re.Pattern[str]
    not_name_after: frozenset[str]
    projects: dict[str, Any]
    relations: tuple[RelationPattern, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def lexicon(self) -> list[tuple[str, int | None, str | None]]:
        """Words for the segmenter: the user dictionary, then every gazetteer name and place."""
        words = list(self.userdict)
        seen = {w for w, _, _ in words}
        for entry in self.gazetteer:
            for name in (entry.canonical, *entry.aliases):
                if name not in seen:
                    seen.add(name)
                    words.append((name, 2000, "nt"))
        for place in sorted(self.places):
            if place not in seen:
                seen.add(place)
                words.append((place, 500, "ns"))
        return words


# ---------------------------------------------------------------------------------------------
# locating and reading files

def default_models_dir() -> Path:
    """The rule data packaged with finnews."""
    return Path(str(resources.files("pipeline.models")))


def _path(directory: Path, name: str) -> Path:
    p = directory / name
    if not p.is_file():
        raise RuleError("E202", path=p)
    return p


def _yaml_mapping(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """A YAML mapping and the line of each top-level key (1-based)."""
    try:
        node = _yaml_node(path, path.stat().st_mtime)
        data = _Loader("").construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleError("E201", path=path, line=(mark.line + 1) if mark else 0, detail=str(exc)) from exc
    if not isinstance(data, dict) or node is None:
        raise RuleError("E201", path=path, line=1, detail="expected a mapping at the top")
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    return data, lines


@functools.lru_cache(maxsize=32)
def _yaml_node(path: Path, mtime: float) -> Any:
    return yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)


def _yaml_items(path: Path, key: str) -> Iterator[tuple[int, Any]]:
    """The items of a top-level list with their line numbers."""
    node = _yaml_node(path, path.stat().st_mtime)
    if node is None:
        return
    loader = _Loader("")
    for k, v in node.value:
        if k.value == key:
            for item in v.value:
                yield item.start_mark.line + 1, loader.construct_object(item, deep=True)


def _check_keys(path: Path, line: int, item: Any, required: set[str], optional: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    if not isinstance(item, dict):
        raise RuleError("E201", path=path, line=line, detail="expected a mapping")
    allowed = required | optional
    for key in item:
        if key not in allowed:
            raise RuleError("E203", path=path, line=line, key=key, allowed=", ".join(sorted(allowed)))
    missing = required - set(item)
    if missing:
        raise RuleError("E201", path=path, line=line, detail=f"missing key(s) {', '.join(sorted(missing))}")


def _str_list(path: Path, lines: dict[str, int], data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RuleError("E201", path=path, line=lines.get(key, 1), detail=f"{key} must be a list of words")
    return value


# ---------------------------------------------------------------------------------------------
# the files

def load_gazetteer(path: Path) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    owner: dict[str, int] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != ["canonical", "aliases", "type"]:
            raise RuleError("E201", path=path, line=1, detail="header must be canonical,aliases,type")
        for line, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) != 3:
                raise RuleError("E201", path=path, line=line, detail=f"expected 3 columns, got {len(row)}")
            canonical, aliases_cell, kind = (c.strip() for c in row)
            if kind not in INSTITUTION_TYPES:
                raise RuleError("E204", path=path, line=line, key="type", value=kind,
                                allowed=", ".join(INSTITUTION_TYPES))
            aliases = tuple(a.strip() for a in aliases_cell.split("|") if a.strip())
            for name in (canonical, *aliases):
                if len(name) < 2 or not _NAME_CHARS.match(name):
                    raise RuleError("E204", path=path, line=line, key="name", value=name,
                                    allowed="two or more CJK characters, digits, letters, （）·")
                if name in owner and owner[name] != line:
                    raise RuleError("E206", path=path, line=line, value=name)
                owner[name] = line
            entries.append(Entry(canonical, tuple(a for a in aliases if a != canonical), kind))
    return tuple(entries)


def load_words(path: Path) -> frozenset[str]:
    words = set()
    for line, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        word = raw.strip()
        if not word or word.startswith("#"):
            continue
        if not _NAME_CHARS.match(word):
            raise RuleError("E204", path=path, line=line, key="place", value=word, allowed="CJK characters")
        words.add(word)
    return frozenset(words)


def load_userdict(path: Path) -> tuple[tuple[str, int | None, str | None], ...]:
    """jieba user dictionary lines ``word [freq] [tag]``, space separated, lower-case tags."""
    out = []
    for line, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        m = _JIEBA_LINE.match(text)
        if not m:
            raise RuleError("E201", path=path, line=line,
                            detail="expected 'word [freq] [tag]' separated by single spaces, tag in lower case")
        out.append((m.group(1), int(m.group(2)) if m.group(2) else None, m.group(3)))
    return tuple(out)


def load_org_rules(path: Path) -> dict[str, Any]:
    data, lines = _yaml_mapping(path)
    keys = {"heads", "continuations", "left_stops", "weak_left_stops", "glued_stops", "generic_words", "abbreviations",
            "short_form_drops", "type_words", "not_name_after", "reject_pattern"}
    for key, line in lines.items():
        if key not in keys:
            raise RuleError("E203", path=path, line=line, key=key, allowed=", ".join(sorted(keys)))
    heads = []
    for line, item in _yaml_items(path, "heads"):
        _check_keys(path, line, item, {"id", "head", "type", "min_core"}, {"anchor", "specific"})
        if item["type"] not in INSTITUTION_TYPES:
            raise RuleError("E204", path=path, line=line, key="type", value=item["type"],
                            allowed=", ".join(INSTITUTION_TYPES))
        heads.append(OrgHead(str(item["id"]), str(item["head"]), item["type"], int(item["min_core"]),
                             bool(item.get("anchor", False)), bool(item.get("specific", False))))
    conts = []
    for line, item in _yaml_items(path, "continuations"):
        _check_keys(path, line, item, {"id", "suffix", "type", "max_gap"}, {"place", "after"})
        for key in ("type", "after"):
            if key in item and item[key] not in (*INSTITUTION_TYPES, "inherit"):
                raise RuleError("E204", path=path, line=line, key=key, value=item[key],
                                allowed="inherit, " + ", ".join(INSTITUTION_TYPES))
        conts.append(Continuation(str(item["id"]), str(item["suffix"]), item["type"], int(item["max_gap"]),
                                  bool(item.get("place", True)), str(item.get("after", ""))))
    abbreviations = []
    for line, item in _yaml_items(path, "abbreviations"):
        _check_keys(path, line, item, {"long", "short"})
        abbreviations.append((str(item["long"]), str(item["short"])))
    type_words = []
    for line, item in _yaml_items(path, "type_words"):
        _check_keys(path, line, item, {"word", "type"})
        if item["type"] not in INSTITUTION_TYPES:
            raise RuleError("E204", path=path, line=line, key="type", value=item["type"],
                            allowed=", ".join(INSTITUTION_TYPES))
        type_words.append((str(item["word"]), str(item["type"])))
    try:
        reject = re.compile(str(data.get("reject_pattern", "(?!)")))
    except re.error as exc:
        raise RuleError("E205", path=path, line=lines.get("reject_pattern", 1), detail=str(exc)) from exc
    return {
        "reject_pattern": reject,
        "type_words": tuple(type_words),
        "not_name_after": frozenset(_str_list(path, lines, data, "not_name_after")),
        "org_heads": tuple(sorted(heads, key=lambda h: -len(h.head))),
        "continuations": tuple(conts),
        "left_stops": frozenset(_str_list(path, lines, data, "left_stops")),
        "weak_left_stops": frozenset(_str_list(path, lines, data, "weak_left_stops")),
        "glued_stops": frozenset(_str_list(path, lines, data, "glued_stops")),
        "generic_words": frozenset(_str_list(path, lines, data, "generic_words")),
        "abbreviations": tuple(abbreviations),
        "short_form_drops": tuple(_str_list(path, lines, data, "short_form_drops")),
    }


PROJECT_KEYS = {
    "heads": list, "min_chars": int, "max_chars": int, "min_chars_unquoted": int, "reject_chars": str,
    "not_project_after": list, "not_project_before": list, "scenario_words": list, "unquoted_after": list,
    "admission_words": list, "unquoted_stops": list, "determiners": list, "anaphora": dict,
    "field_labels": list, "unquoted_reject_pattern": str, "table_columns": dict, "named_before": list,
}
TABLE_ROLES = ("project", "lead", "co", "joint")


def load_projects(path: Path) -> dict[str, Any]:
    data, lines = _yaml_mapping(path)
    for key, line in lines.items():
        if key not in PROJECT_KEYS:
            raise RuleError("E203", path=path, line=line, key=key, allowed=", ".join(sorted(PROJECT_KEYS)))
        if not isinstance(data[key], PROJECT_KEYS[key]):
            raise RuleError("E201", path=path, line=line, detail=f"{key} must be a {PROJECT_KEYS[key].__name__}")
    missing = set(PROJECT_KEYS) - set(data)
    if missing:
        raise RuleError("E201", path=path, line=1, detail=f"missing key(s) {', '.join(sorted(missing))}")
    anaphora = data["anaphora"]
    for kind in anaphora:
        if kind not in ("former", "latter", "this", "institution"):
            raise RuleError("E203", path=path, line=lines["anaphora"], key=kind,
                            allowed="former, latter, this, institution")
    for role, labels in data["table_columns"].items():
        if role not in TABLE_ROLES:
            raise RuleError("E203", path=path, line=lines["table_columns"], key=role, allowed=", ".join(TABLE_ROLES))
        if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
            raise RuleError("E204", path=path, line=lines["table_columns"], key=role, value=labels,
                            allowed="a list of column labels")
    if "project" not in data["table_columns"]:
        raise RuleError("E201", path=path, line=lines["table_columns"], detail="table_columns needs a project column")
    return data


BULLET = r"(?:[-•·*●▪]|\d{1,2}[.、．)]|[（(]\d{1,2}[）)])"  # a list item's mark: - A / 1. A / （1）A
MACROS = {
    "I": "[\ue000-\ue3ff]",
    "P": "[\ue400-\uebff]",
    "PA": "[\ue400-\ue7ff]",
    "N": "(?:\\d+|[一二两三四五六七八九十]+)",
}
# the start of a list item: spaces, a bullet or a number (- A, 1. A, （1）A)
MACROS["LS"] = rf"\s*{BULLET}?\s*"
# after a field label: a colon (项目名称：X), or the cell break of a two-column table row (项目名称　X)
MACROS["FS"] = "(?:[：:]{LS}|\u3000)".format(**MACROS)
# a member may carry a short descriptor (与其全资子公司Y, 与本地初创企业Y); a list written one member
# a line reaches the patterns as A、B (the relation extractor joins it)
MACROS["IL"] = ("{I}(?:(?:、|和|与|及|以及|、以及)(?:其|全资|控股|子公司|旗下|本地|当地|初创企业|初创公司|科技企业|科技公司)"
                "{{0,3}}{I})*").format(**MACROS)
MACROS["PL"] = "{P}(?:(?:、|和|与|及|以及|、以及)?{P})*".format(**MACROS)  # “A”“B”以及“C” too
ROLE_GROUPS = {"lead", "co", "joint", "resp_i", "resp_p", "project", "led_by", "count"}
ATTACH = ("same", "topic", "record", "count", "led_by", "none")


def expand_macros(pattern: str) -> str:
    """Replace {I}, {IL}, {P}, {PA}, {PL}, {N}, {LS}, {FS}; inside a character class, {I}/{P} add their ranges."""
    def inner(name: str) -> str:
        return MACROS[name][1:-1] if MACROS[name].startswith("[") else MACROS[name]
    out = re.sub(r"\[([^\]]*)\]", lambda m: "[" + re.sub(r"\{(I|P|PA)\}", lambda k: inner(k.group(1)),
                                                             m.group(1)) + "]", pattern)
    return re.sub(r"\{(IL|PL|PA|LS|FS|I|P|N)\}", lambda m: MACROS[m.group(1)], out)


def load_relations(path: Path) -> tuple[RelationPattern, ...]:
    _, lines = _yaml_mapping(path)
    for key, line in lines.items():
        if key != "patterns":
            raise RuleError("E203", path=path, line=line, key=key, allowed="patterns")
    out: list[RelationPattern] = []
    seen: set[str] = set()
    for line, item in _yaml_items(path, "patterns"):
        _check_keys(path, line, item, {"id", "pattern"}, {"attach", "sets", "needs"})
        if item["id"] in seen:
            raise RuleError("E206", path=path, line=line, value=item["id"])
        seen.add(item["id"])
        try:
            regex = re.compile(expand_macros(str(item["pattern"])))
        except (re.error, KeyError) as exc:
            raise RuleError("E205", path=path, line=line, detail=str(exc)) from exc
        groups = set(regex.groupindex)
        if groups - ROLE_GROUPS:
            raise RuleError("E204", path=path, line=line, key="group", value=sorted(groups - ROLE_GROUPS)[0],
                            allowed=", ".join(sorted(ROLE_GROUPS)))
        attach = item.get("attach", "same")
        if attach not in ATTACH:
            raise RuleError("E204", path=path, line=line, key="attach", value=attach, allowed=", ".join(ATTACH))
        if attach == "same" and not groups & {"project", "resp_p"}:
            raise RuleError("E201", path=path, line=line, detail="a pattern without a project group needs attach")
        sets = item.get("sets", "")
        if sets not in ("", "record", "count"):
            raise RuleError("E204", path=path, line=line, key="sets", value=sets, allowed="record, count")
        needs = item.get("needs", [])
        if not isinstance(needs, list) or not all(isinstance(w, str) and w for w in needs):
            raise RuleError("E204", path=path, line=line, key="needs", value=needs, allowed="a list of words")
        out.append(RelationPattern(str(item["id"]), regex, attach, sets, tuple(needs),
                                   bool(groups & {"project", "resp_p"}) and attach == "same"))
    return tuple(out)


@functools.lru_cache(maxsize=8)
def _load(directory: Path) -> Rules:
    org = load_org_rules(_path(directory, "org_rules.yaml"))
    return Rules(
        directory=directory,
        gazetteer=load_gazetteer(_path(directory, "institutions.csv")),
        places=load_words(_path(directory, "places.txt")),
        userdict=load_userdict(_path(directory, "userdict.txt")),
        projects=load_projects(_path(directory, "projects.yaml")),
        relations=load_relations(_path(directory, "relations.yaml")),
        **org,
    )


def load_rules(models_dir: str | Path | None = None) -> Rules:
    """The validated rule data of ``models_dir`` (default: the packaged ``models/``), cached per folder."""
    directory = Path(models_dir).resolve() if models_dir else default_models_dir().resolve()
    if not directory.is_dir():
        raise RuleError("E202", path=directory)
    return _load(directory)


def copy_rules(source: Path, target: Path) -> None:
    """Copy the rule files of ``source`` into ``target`` (used by ``nlp.to_disk``)."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    for name in RULE_FILES:
        src = source / name
        if src.is_file() and src.resolve() != (target / name).resolve():
            shutil.copyfile(src, target / name)
