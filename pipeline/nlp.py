"""The spaCy pipeline: a blank ``zh`` Language with our tokenizer and components."""
from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

from . import institutions, projects, relations  # noqa: F401  (registers the factories)
from .segment import create_tokenizer  # noqa: F401  (registers the tokenizer)

COMPONENTS = ("finnews_institutions", "finnews_projects", "finnews_relations")


def build_nlp(models_dir: str | Path | None = None, backend: str = "rjieba") -> Language:
    """A blank Chinese pipeline carrying the finnews tokenizer and three components.

    No sentencizer: the relation extractor splits sentences itself (。！？ and line ends); add
    spaCy's ``sentencizer`` if you want ``doc.sents``.
    """
    md = str(models_dir) if models_dir else None
    config = {"nlp": {"tokenizer": {"@tokenizers": "finnews.JiebaTokenizer.v1", "models_dir": md,
                                     "backend": backend}}}
    nlp = spacy.blank("zh", config=config)
    # the project recogniser sets doc.ents for both labels, so the institution recogniser need not
    nlp.add_pipe("finnews_institutions", config={"models_dir": md, "set_ents": False})
    for name in COMPONENTS[1:]:
        nlp.add_pipe(name, config={"models_dir": md})
    return nlp
