"""The three registered components, used the way any spaCy user would: blank ``zh`` + ``add_pipe``."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from pipeline.api import Extractor
from pipeline.records import Relation, Result

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ID = "000_55cba44dae8bb6cf"
SAMPLE = ROOT / "samples" / f"{SAMPLE_ID}.txt"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"
HELDOUT = ROOT / "tests" / "data" / "heldout"
PROBES = ROOT / "tests" / "data" / "probes"
COMPONENTS = ("finnews_institutions", "finnews_projects", "finnews_relations")
CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "finnews.JiebaTokenizer.v1"}}}


def blank_pipeline() -> Language:
    nlp = spacy.blank("zh", config=CONFIG)
    for name in COMPONENTS:
        nlp.add_pipe(name)
    return nlp


@pytest.fixture(scope="module")
def user_nlp() -> Language:
    return blank_pipeline()


@pytest.fixture(scope="module")
def seed(extractor: Extractor) -> Result:
    """The seed article through ``pipeline.load().extract``: its clean text and its relations."""
    result = extractor.extract(SAMPLE.read_bytes(), article_id=SAMPLE_ID)
    assert result.article.status == "ok", result.article.error
    assert result.relations
    return result


@pytest.fixture(scope="module")
def texts(seed: Result, extractor: Extractor) -> list[str]:
    """Clean texts: the seed article, the held-out and probe articles (Traditional script, tables,
    lists), plus the development articles when shared/ is there."""
    out = [seed.article.text]
    out += [r.article.text for r in extractor.iter_results([HELDOUT, PROBES]) if r.article.status == "ok"]
    if CORPUS.is_dir():
        out += [r.article.text for r in extractor.iter_results([CORPUS]) if r.article.status == "ok"]
    return out


def relations(nlp: Language, text: str) -> list[Relation]:
    return list(nlp(text)._.relations or [])


def test_when_an_article_goes_through_spacy_then_it_gets_the_same_records_as_through_the_analyzer(
        user_nlp: Language, extractor: Extractor, texts: list[str]) -> None:
    # the batch path (Analyzer, no Doc) and the spaCy components run the same finders
    assert len(texts) >= 5
    related = 0
    for text in texts:
        doc = user_nlp(text)
        mentions, found = extractor.analyzer(text)
        assert doc._.finnews_mentions == mentions
        assert doc._.relations == found
        related += bool(found)
    assert related >= 5


def test_when_the_components_are_added_to_a_blank_zh_pipeline_then_the_relations_equal_the_api(
        user_nlp: Language, seed: Result) -> None:
    assert user_nlp.pipe_names == list(COMPONENTS)
    assert relations(user_nlp, seed.article.text) == list(seed.relations)


def test_when_a_doc_is_processed_then_every_ent_carries_canonical_type_and_rule(
        user_nlp: Language, seed: Result) -> None:
    doc = user_nlp(seed.article.text)
    labels = {ent.label_ for ent in doc.ents}
    assert labels == {"INSTITUTION", "PROJECT"}
    for ent in doc.ents:
        assert ent._.canonical, ent.text
        assert ent._.rule, ent.text
        if ent.label_ == "INSTITUTION":
            assert ent._.inst_type, ent.text
    assert {(e.text, e._.canonical) for e in doc.ents} >= {("银河证券", "中国银河证券"), ("证监会", "中国证监会")}


def test_when_a_doc_is_processed_then_the_mentions_match_the_api(user_nlp: Language, seed: Result) -> None:
    doc = user_nlp(seed.article.text)
    assert list(doc._.finnews_mentions) == list(seed.mentions)


def test_when_the_pipeline_is_saved_and_loaded_then_the_relations_are_the_same(
        user_nlp: Language, seed: Result, tmp_path: Path) -> None:
    user_nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert loaded.pipe_names == list(COMPONENTS)
    assert relations(loaded, seed.article.text) == list(seed.relations)


@pytest.mark.parametrize("rule_file", ["userdict.txt", "relations.yaml"])
def test_when_the_pipeline_is_saved_then_the_folder_holds_the_rule_files(
        user_nlp: Language, tmp_path: Path, rule_file: str) -> None:
    user_nlp.to_disk(tmp_path / "nlp")
    assert list((tmp_path / "nlp").rglob(rule_file)), f"no {rule_file} under the saved pipeline"


def test_when_texts_are_piped_in_two_processes_then_the_relations_equal_one_process(
        user_nlp: Language, texts: list[str]) -> None:
    one = [list(doc._.relations or []) for doc in user_nlp.pipe(texts)]
    two = [list(doc._.relations or []) for doc in user_nlp.pipe(texts, n_process=2, batch_size=2)]
    assert two == one
    assert any(one)
