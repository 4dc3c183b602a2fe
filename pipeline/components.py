"""The spaCy layer: a jieba tokenizer and three components over the finders of the stage modules.

Each component is a thin wrapper: it reads what earlier components left on the doc, calls the
finder of its stage (:mod:`pipeline.institutions`, :mod:`pipeline.projects`,
:mod:`pipeline.relations`) and writes the result back. :class:`pipeline.nlp.Analyzer` chains the
same finders without building a Doc; both give the same records.

Everything our components keep in ``doc.user_data`` is plain data (tuples, lists, strings,
numbers), so that docs travel between processes (``nlp.pipe(n_process=2)``) and serialize with
``doc.to_bytes()``; ``doc._.finnews_mentions`` / ``doc._.relations`` rebuild the records on access.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry
from spacy.vocab import Vocab

from .institutions import LABEL as INSTITUTION
from .institutions import InstitutionFinder
from .projects import LABEL as PROJECT
from .projects import ProjectFinder, ProjectSpan
from .records import Mention, Relation
from .relations import RelationFinder
from .rules import Rules, copy_rules, load_rules
from .script import to_simplified
from .segment import Segmenter, Tokens

MENTIONS_ATTR = "finnews_mentions"
TEXTS_KEY = "finnews_texts"  # (text as written, Simplified matching text, token starts, token ends)
MENTIONS_KEY = "finnews_mentions"  # [Mention fields, ...]
RELATIONS_KEY = "finnews_relations"  # [Relation fields, ...]
CANDIDATES_KEY = "finnews_project_candidates"  # [ProjectSpan fields, ...]
SPAN_ATTRS_KEY = "finnews_span_attrs"  # "start_char:end_char" of an entity -> index into the mentions
SPAN_CACHE_KEY = "finnews_span_cache"  # "start:end:label" -> [token start, token end] of its entity


# ---------------------------------------------------------------------------------------------
# tokenizer

class JiebaTokenizer:
    """spaCy tokenizer: ``nlp.tokenizer(text) -> Doc`` with jieba tokens and no spaces."""

    def __init__(self, vocab: Vocab, models_dir: str | Path | None = None, backend: str = "rjieba"):
        self.vocab = vocab
        self.models_dir = str(models_dir) if models_dir else None
        self.backend = backend
        self.segmenter = Segmenter(load_rules(models_dir).lexicon(), backend)

    def __call__(self, text: str) -> Doc:
        simple = to_simplified(text)
        spans = self.segmenter.cut(simple)
        source = simple if simple == text else text  # the same characters either way
        words = [source[s:e] for s, e in spans]
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words))
        doc.user_data[TEXTS_KEY] = (text, simple, spans.starts, spans.ends)
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterable[Doc]:
        for text in texts:
            yield self(text)

    # serialization: the rule data travels with the pipeline (nlp.to_disk / spacy.load)
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        copy_rules(load_rules(self.models_dir).directory, Path(path))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> JiebaTokenizer:
        self.models_dir = str(Path(path))
        self.segmenter = Segmenter(load_rules(self.models_dir).lexicon(), self.backend)
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return b""

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> JiebaTokenizer:
        return self


@registry.tokenizers("finnews.JiebaTokenizer.v1")
def create_tokenizer(models_dir: str | None = None, backend: str = "rjieba") -> Any:
    """Registered tokenizer factory: ``[nlp.tokenizer] @tokenizers = "finnews.JiebaTokenizer.v1"``."""
    def make(nlp: Any) -> JiebaTokenizer:
        return JiebaTokenizer(nlp.vocab, models_dir=models_dir, backend=backend)

    return make


def doc_texts(doc: Doc) -> tuple[str, str, Tokens]:
    """``(text as written, Simplified matching text, tokens)`` of a doc.

    The tokenizer stores them on the doc; for a doc made another way they are computed once and
    cached (``doc.text`` and token iteration are O(n) in spaCy, so components never call them
    repeatedly).
    """
    cached = doc.user_data.get(TEXTS_KEY)
    if cached is None:
        text = doc.text
        cached = (text, to_simplified(text), [t.idx for t in doc], [t.idx + len(t.text) for t in doc])
        doc.user_data[TEXTS_KEY] = cached
    text, simple, starts, ends = cached
    return text, simple, Tokens(list(starts), list(ends))


# ---------------------------------------------------------------------------------------------
# extensions and mentions on the doc

def _get_mentions(doc: Doc) -> list[Mention]:
    return [Mention(*t) for t in doc.user_data.get(MENTIONS_KEY, ())]


def _set_mentions(doc: Doc, mentions: Iterable[Mention]) -> None:
    doc.user_data[MENTIONS_KEY] = [astuple(m) for m in mentions]


def _get_relations(doc: Doc) -> list[Relation]:
    return [Relation(*t) for t in doc.user_data.get(RELATIONS_KEY, ())]


def _set_relations(doc: Doc, relations: Iterable[Relation]) -> None:
    doc.user_data[RELATIONS_KEY] = [astuple(r) for r in relations]


def _span_getter(index: int) -> Any:
    def get(span: Any) -> Any:
        k = span.doc.user_data.get(SPAN_ATTRS_KEY, {}).get(f"{span.start_char}:{span.end_char}")
        return None if k is None else span.doc.user_data[MENTIONS_KEY][k][index]
    return get


def ensure_extensions() -> None:
    """Register the ``doc._`` / ``span._`` attributes our components write."""
    for name, index in (("canonical", 2), ("inst_type", 3), ("rule", 6)):
        if not Span.has_extension(name):
            Span.set_extension(name, getter=_span_getter(index))
    if not Doc.has_extension(MENTIONS_ATTR):
        Doc.set_extension(MENTIONS_ATTR, getter=_get_mentions, setter=_set_mentions)
    if not Doc.has_extension("relations"):
        Doc.set_extension("relations", getter=_get_relations, setter=_set_relations)


def set_mentions(doc: Doc, mentions: list[Mention], labels: Iterable[str], ents: bool = True) -> None:
    """Store ``mentions`` of ``labels`` on the doc (replacing earlier ones) and mirror them in ``doc.ents``.

    ``doc._.finnews_mentions`` keeps exact character offsets; ``doc.ents`` holds the same mentions
    widened to token boundaries, with ``span._.canonical`` / ``inst_type`` / ``rule``.
    """
    labels = set(labels)
    kept = [m for m in doc_mentions(doc) if m.label not in labels]
    everything = sorted([*kept, *mentions], key=lambda m: (m.start, m.end))
    _set_mentions(doc, everything)
    if not ents:
        return
    spans = []
    attrs = {}
    last = -1
    cache = doc.user_data.setdefault(SPAN_CACHE_KEY, {})
    for k, m in enumerate(everything):
        key = f"{m.start}:{m.end}:{m.label}"
        bounds = cache.get(key)
        if bounds is None:
            span = doc.char_span(m.start, m.end, label=m.label, alignment_mode="expand")
            bounds = cache[key] = [span.start, span.end] if span is not None else []
        if not bounds or bounds[0] < last:
            continue
        span = Span(doc, bounds[0], bounds[1], label=m.label)
        last = span.end
        attrs[f"{span.start_char}:{span.end_char}"] = k
        spans.append(span)
    doc.user_data[SPAN_ATTRS_KEY] = attrs
    doc.set_ents(spans, default="outside")


def doc_mentions(doc: Doc, label: str | None = None) -> list[Mention]:
    """The mentions on ``doc`` (of ``label``), in text order."""
    return [Mention(*t) for t in doc.user_data.get(MENTIONS_KEY, ()) if label is None or t[0] == label]


def project_candidates(doc: Doc) -> list[ProjectSpan]:
    """The project spans and quoted candidates the project recogniser kept on the doc."""
    return [ProjectSpan(*t) for t in doc.user_data.get(CANDIDATES_KEY, ())]


# ---------------------------------------------------------------------------------------------
# components

class RuleComponent:
    """Base of our spaCy components: one finder built from the rule data, which travels with
    ``nlp.to_disk()`` / ``spacy.load()``."""

    finder: Any

    def __init__(self, name: str, models_dir: str | None):
        ensure_extensions()
        self.name = name
        self.finder = self.build(load_rules(models_dir))

    def build(self, rules: Rules) -> Any:
        raise NotImplementedError

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        copy_rules(self.finder.rules.directory, Path(path))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> RuleComponent:
        self.finder = self.build(load_rules(path))
        return self


class InstitutionRecognizer(RuleComponent):
    """Finds institutions; writes ``doc._.finnews_mentions`` and ``doc.ents``.

    ``set_ents=False`` leaves ``doc.ents`` to a later component (``finnews_projects`` sets both kinds).
    """

    def __init__(self, nlp: Language, name: str = "finnews_institutions", models_dir: str | None = None,
                 set_ents: bool = True):
        super().__init__(name, models_dir)
        self.set_ents = set_ents

    def build(self, rules: Rules) -> InstitutionFinder:
        return InstitutionFinder(rules)

    def __call__(self, doc: Doc) -> Doc:
        original, text, tokens = doc_texts(doc)
        set_mentions(doc, self.finder.mentions(original, text, tokens), [INSTITUTION], ents=self.set_ents)
        return doc


class ProjectRecognizer(RuleComponent):
    """Marks project names (``PROJECT`` mentions) and keeps the quoted candidates for the relations."""

    def __init__(self, nlp: Language, name: str = "finnews_projects", models_dir: str | None = None):
        super().__init__(name, models_dir)

    def build(self, rules: Rules) -> ProjectFinder:
        return ProjectFinder(rules)

    def __call__(self, doc: Doc) -> Doc:
        original, text, tokens = doc_texts(doc)
        spans, institutions, projects = self.finder.analyse(original, text, tokens, doc_mentions(doc, INSTITUTION))
        doc.user_data[CANDIDATES_KEY] = [astuple(p) for p in spans]
        set_mentions(doc, institutions + projects, [INSTITUTION, PROJECT])
        return doc


class RelationExtractor(RuleComponent):
    """Writes ``doc._.relations`` (a list of :class:`Relation`)."""

    def __init__(self, nlp: Language, name: str = "finnews_relations", models_dir: str | None = None):
        super().__init__(name, models_dir)

    def build(self, rules: Rules) -> RelationFinder:
        return RelationFinder(rules)

    def __call__(self, doc: Doc) -> Doc:
        original, text, _ = doc_texts(doc)
        relations, projects = self.finder.analyse(original, text, doc_mentions(doc, INSTITUTION),
                                                  project_candidates(doc))
        if projects is not None:  # a construction promoted a quoted candidate
            set_mentions(doc, projects, [PROJECT])
        doc._.relations = relations
        return doc


@Language.factory("finnews_institutions", assigns=["doc.ents", "doc._.finnews_mentions"],
                  default_config={"models_dir": None, "set_ents": True})
def make_institution_recognizer(nlp: Language, name: str, models_dir: str | None,
                                set_ents: bool) -> InstitutionRecognizer:
    return InstitutionRecognizer(nlp, name, models_dir, set_ents)


@Language.factory("finnews_projects", assigns=["doc.ents", "doc._.finnews_mentions"],
                  default_config={"models_dir": None}, requires=["doc._.finnews_mentions"])
def make_project_recognizer(nlp: Language, name: str, models_dir: str | None) -> ProjectRecognizer:
    return ProjectRecognizer(nlp, name, models_dir)


@Language.factory("finnews_relations", assigns=["doc._.relations"], default_config={"models_dir": None},
                  requires=["doc._.finnews_mentions"])
def make_relation_extractor(nlp: Language, name: str, models_dir: str | None) -> RelationExtractor:
    return RelationExtractor(nlp, name, models_dir)
