"""The analysis stages chained: directly (:class:`Analyzer`) or as a spaCy pipeline (:func:`build_nlp`).

Both run the same finders in the same order — segmentation, institutions, projects, relations —
and give the same mentions and relations (``tests/test_spacy_components.py`` checks it article by
article). The Analyzer builds no spaCy Doc and does not import spaCy, which makes it the batch
path: ``finnews extract`` and :class:`pipeline.Extractor` use it; the spaCy pipeline is for
spaCy users (``doc.ents``, ``doc._.relations``, displaCy, ``nlp.to_disk``).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .institutions import InstitutionFinder
from .projects import ProjectFinder
from .records import Mention, Relation
from .relations import RelationFinder
from .rules import load_rules
from .script import to_simplified
from .segment import Segmenter

if TYPE_CHECKING:
    from spacy.language import Language

COMPONENTS = ("finnews_institutions", "finnews_projects", "finnews_relations")


class Analyzer:
    """``analyzer(text) -> (mentions, relations)`` for one clean text, built once from the rule data."""

    def __init__(self, models_dir: str | Path | None = None, backend: str = "rjieba"):
        rules = load_rules(models_dir)
        self.segmenter = Segmenter(rules.lexicon(), backend)
        self.institutions = InstitutionFinder(rules)
        self.projects = ProjectFinder(rules)
        self.relations = RelationFinder(rules)

    def __call__(self, text: str) -> tuple[list[Mention], list[Relation]]:
        """The mentions (institutions and projects, in text order) and relations of ``text``."""
        simple = to_simplified(text)  # matching runs on Simplified; offsets are the same
        tokens = self.segmenter.cut(simple)
        institutions = self.institutions.mentions(text, simple, tokens)
        spans, institutions, projects = self.projects.analyse(text, simple, tokens, institutions)
        relations, promoted = self.relations.analyse(text, simple, institutions, spans)
        mentions = sorted([*institutions, *(projects if promoted is None else promoted)],
                          key=lambda m: (m.start, m.end))
        return mentions, relations


def build_nlp(models_dir: str | Path | None = None, backend: str = "rjieba") -> Language:
    """A blank Chinese spaCy pipeline carrying the finnews tokenizer and three components.

    No sentencizer: the relation extractor splits sentences itself (。！？ and line ends); add
    spaCy's ``sentencizer`` if you want ``doc.sents``.
    """
    import spacy

    from . import components  # noqa: F401  (registers the tokenizer and the factories)

    md = str(models_dir) if models_dir else None
    config = {"nlp": {"tokenizer": {"@tokenizers": "finnews.JiebaTokenizer.v1", "models_dir": md,
                                     "backend": backend}}}
    nlp = spacy.blank("zh", config=config)
    # the project recogniser sets doc.ents for both labels, so the institution recogniser need not
    nlp.add_pipe("finnews_institutions", config={"models_dir": md, "set_ents": False})
    for name in COMPONENTS[1:]:
        nlp.add_pipe(name, config={"models_dir": md})
    return nlp
