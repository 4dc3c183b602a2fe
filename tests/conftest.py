"""Shared fixtures: the pipeline is built once per test session."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.language import Language

import pipeline
from pipeline.api import Extractor
from pipeline.nlp import build_nlp

Triple = tuple[str, str, str]


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The bare spaCy pipeline with the packaged rule data."""
    return build_nlp()


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    """The library entry point, as ``import pipeline; pipeline.load()`` gives it."""
    return pipeline.load()


@pytest.fixture(scope="session")
def relations_of(extractor: Extractor) -> Callable[[str], set[Triple]]:
    """``relations_of(text)`` -> {(project, institution canonical, role)}; fails on an error row."""

    def run(text: str) -> set[Triple]:
        result = extractor.extract(text, article_id="t")
        assert result.article.status == "ok", result.article.error
        return {(r.project, r.canonical, r.role) for r in result.relations}

    return run


@pytest.fixture(scope="session")
def mentions_of(extractor: Extractor) -> Callable[[str, str], set[str]]:
    """``mentions_of(text, label)`` -> the texts of the mentions with that label."""

    def run(text: str, label: str) -> set[str]:
        result = extractor.extract(text, article_id="t")
        assert result.article.status == "ok", result.article.error
        return {m.text for m in result.mentions if m.label == label}

    return run
