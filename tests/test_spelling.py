"""The query speller: misspelt words become corpus words; real words are left alone."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.lexical import stem
from assistant.spelling import EnglishWords, QuerySpeller, edit_distance

CORPUS = "physical therapy physical cluneal cluneal nerve roller role role role electrical needling".split()


@pytest.fixture(scope="module")
def speller() -> QuerySpeller:
    return QuerySpeller(CORPUS, EnglishWords(), stem)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("phsyical", "physical", 1), ("clunial", "cluneal", 1), ("neeedling", "needling", 1), ("abc", "xyz", 3)],
)
def test_edit_distance_counts_a_swap_of_neighbours_as_one_edit(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


def test_misspelt_words_become_corpus_words(speller: QuerySpeller) -> None:
    text = "what phsyical therapy helps clunial pain? does dry neeedling work"
    assert speller.correct(text) == "what physical therapy helps cluneal pain? does dry needling work"


def test_real_words_are_left_alone_even_near_a_corpus_word(speller: QuerySpeller) -> None:
    # "electrician" is two edits from "electrical", but it is an English word.
    assert speller.correct("my electrician husband has this") == "my electrician husband has this"


def test_contractions_short_words_and_capitals(speller: QuerySpeller) -> None:
    assert speller.correct("it doesn't hurt, Clunial?") == "it doesn't hurt, cluneal?"
    assert speller.suggest("rol") is None  # too short to guess


def test_a_candidate_with_the_same_last_letter_wins(speller: QuerySpeller) -> None:
    # "role" is commoner in the corpus, but "roler" ends like "roller".
    assert speller.suggest("roler") == "roller"


def test_a_word_too_far_from_every_corpus_word_is_kept(speller: QuerySpeller) -> None:
    assert speller.suggest("zqxwvy") is None


def test_the_assistant_searches_the_corrected_question(fake_assistant: Any) -> None:
    answer = fake_assistant.ask("what is clunial nerve entrapment?")
    assert answer.rewritten_query == "what is cluneal nerve entrapment?"
    assert answer.citations
