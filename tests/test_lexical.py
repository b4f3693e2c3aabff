"""Lexical retrieval: tokenizer and stemmer, lay-term expansion, BM25 ranking on the real corpus."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from assistant.chunk import chunk_corpus
from assistant.ingest import load_corpus
from assistant.lexical import (
    EXPANSION_WEIGHT,
    STORY_WEIGHT,
    BM25Index,
    dense_query,
    expand,
    load_lay_terms,
    load_question_types,
    normalise,
    overlap,
    question_types_in,
    stem,
    tokenize,
    weighted_query,
    words,
)
from assistant.records import Chunk
from assistant.settings import PROJECT_ROOT


@cache
def _chunks() -> tuple[Chunk, ...]:
    return tuple(chunk_corpus(load_corpus(PROJECT_ROOT / "corpus")))


@cache
def _bm25() -> BM25Index:
    return BM25Index().fit([c.embedding_text() for c in _chunks()])


def top_chunk(query: str) -> Chunk:
    ranked = _bm25().top(weighted_query(query), 3)
    assert ranked, f"nothing found for {query!r}"
    return _chunks()[ranked[0][0]]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("nerves", "nerve"),
        ("injections", "injection"),
        ("injected", "injection"),
        ("stretches", "stretching"),
        ("buttocks", "buttock"),
        ("compressed", "compression"),
        ("standing", "stand"),
        ("walking", "walk"),
        ("burning", "burn"),
        ("exercises", "exercise"),
        ("surgeries", "surgery"),
        ("radiating", "radiate"),
        ("blocks", "block"),
        ("sensitivity", "sensitive"),
        ("activities", "active"),
        ("goes", "go"),
        ("going", "go"),
    ],
)
def test_word_forms_share_a_stem(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.parametrize(("a", "b"), [("sitting", "sit"), ("running", "run")])
def test_doubled_consonant_forms_meet_their_short_root(a: str, b: str) -> None:
    # The stemmer's own docstring promises sitting/sit.
    assert stem(a) == stem(b)


@pytest.mark.parametrize(("a", "b"), [("nerve", "never"), ("block", "back"), ("sacrum", "sacral")])
def test_different_words_keep_different_stems(a: str, b: str) -> None:
    assert stem(a) != stem(b)


@pytest.mark.parametrize("word", ["t12", "l5", "s1", "2024", "mri", "its", "bus", "sinus", "diagnosis"])
def test_codes_short_words_and_latin_endings_are_not_mangled(word: str) -> None:
    assert stem(word) == word


def test_tokenize_lowercases_drops_stop_words_and_punctuation() -> None:
    assert tokenize("The NERVES, injected!") == ["nerv", "inject"]
    assert tokenize("what is it?") == []


def test_normalise_strips_accents_and_apostrophes() -> None:
    assert normalise("Özçakar’s café") == "ozcakars cafe"
    assert words("T12–L3 doesn't") == ["t12", "l3", "doesnt"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("my butt hurts", {"buttock"}),
        ("pain on my hip bone", {"iliac crest"}),
        ("it hurts when I pee", {"urine", "bladder"}),
        ("will a shot help", {"injection", "block"}),
        ("a steroid shot in the butt", {"buttock", "injection", "corticosteroid"}),
        ("what happens if I just leave it?", {"lead to", "untreated"}),
        ("do they use a scanner for the needle", {"ultrasound", "guided"}),
        ("should I just wait and see", {"untreated", "ignoring"}),
        ("the lowest cluneal nerve", {"inferior"}),
        ("the doctor was prodding my back", {"palpation"}),
    ],
)
def test_lay_terms_expand_to_document_words(question: str, expected: set[str]) -> None:
    assert expected <= set(expand(question))


def test_lay_terms_match_whole_words_only() -> None:
    assert "buttock" not in expand("button battery")
    assert "urine" not in expand("the peer review")
    assert "injection" not in expand("a snapshot")


def test_expanded_terms_count_less_than_the_patients_own_words() -> None:
    query = weighted_query("pain on my hip bone")
    assert query[stem("hip")] == 1.0
    assert query[stem("iliac")] == EXPANSION_WEIGHT
    assert query[stem("crest")] == EXPANSION_WEIGHT


def test_a_word_the_patient_used_keeps_full_weight_even_if_also_an_expansion() -> None:
    query = weighted_query("butt and buttock pain")
    assert query[stem("buttock")] == 1.0


def test_a_length_of_time_in_the_patients_story_counts_less() -> None:
    query = weighted_query("I sit at a computer nine hours a day, how long does a block last in hours")
    assert query[stem("hours")] == 1.0  # also asked about, not only told
    told = weighted_query("I sit at a computer nine hours a day. could that have brought it on?")
    assert told[stem("hours")] == told[stem("nine")] == told[stem("day")] == STORY_WEIGHT
    assert told[stem("computer")] == 1.0


def test_lay_term_table_is_well_formed() -> None:
    table = load_lay_terms()
    assert len(table) > 30
    for phrase, term in table.items():
        assert phrase and all(phrase) and term.phrase == phrase
        assert term.targets and all(t.strip() for t in term.targets)


@pytest.mark.parametrize(
    ("question", "expected_fragment"),
    [
        (
            "Is cluneal nerve entrapment the same as sciatica?",
            "Is cluneal nerve entrapment the same as sciatica?",
        ),
        ("radiofrequency ablation of the cluneal branches", "radiofrequency (RF) procedures"),
        ("how long does relief from an image-guided nerve block last", "median duration 6–8 weeks"),
        ("superior gluteal nerve trendelenburg", "Positive Trendelenburg sign"),
        ("wallet in back pocket", "removing a wallet from the back pocket"),
    ],
)
def test_bm25_ranks_the_obviously_relevant_chunk_first(question: str, expected_fragment: str) -> None:
    assert expected_fragment in top_chunk(question).text


def test_bm25_finds_the_hip_bone_passage_through_lay_terms() -> None:
    assert "iliac crest" in top_chunk("my hip bone").text.lower()


def test_bm25_finds_nothing_for_words_outside_the_corpus() -> None:
    assert _bm25().top(weighted_query("quantum chromodynamics"), 5) == []


def test_clinic_phone_number_is_not_searchable_text() -> None:
    assert _bm25().top(weighted_query("407 679 3337 Longwood Boothe"), 5) == []


def test_bm25_scores_more_matches_higher_and_ranks_deterministically() -> None:
    index = BM25Index().fit(["nerve block relief", "nerve pain", "unrelated text here"])
    query = weighted_query("nerve block")
    ranked = index.top(query, 3)
    assert [pos for pos, _ in ranked] == [0, 1]
    assert ranked[0][1] > ranked[1][1] > 0
    assert index.top(query, 3) == ranked
    assert index.idf(stem("nerve")) < index.idf(stem("block"))
    assert index.idf("absent") == 0.0


def test_bm25_on_an_empty_corpus_returns_nothing() -> None:
    assert BM25Index().fit([]).top({"nerv": 1.0}, 3) == []


def test_overlap_is_jaccard() -> None:
    assert overlap(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert overlap([], ["a"]) == 0.0


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what medications do doctors use", "gabapentin"),  # key "medication", plural asked
        ("what squeezed the nerve", "compression"),  # key "squeeze"
    ],
)
def test_lay_terms_match_any_inflection(question: str, expected: str) -> None:
    assert expected in expand(question)


def test_a_longer_lay_phrase_wins_over_the_words_inside_it() -> None:
    assert "injection" not in expand("pins and needles in my leg")  # not "needle"
    assert "tingling" in expand("pins and needles in my leg")
    assert "effective" not in expand("can i keep working out")  # not "work"


def test_the_words_of_an_idiom_are_replaced_not_searched() -> None:
    query = weighted_query("how do i stop it coming back")
    assert stem("back") not in query and stem("coming") not in query
    assert query[stem("recurrence")] == EXPANSION_WEIGHT
    assert stem("back") in weighted_query("my lower back hurts")


def test_a_repeated_lay_term_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lay.yaml"
    path.write_text("numb: [numbness]\nnumb: [anesthetic]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="appears twice"):
        load_lay_terms.__wrapped__(path)


def test_the_stemmer_joins_preventative_and_prevention_but_keeps_short_stems() -> None:
    assert stem("preventative") == stem("prevention") == stem("prevent")
    assert stem("negative") != stem("neglect")


def test_the_stemmer_joins_confirmatory_and_confirm() -> None:
    assert stem("confirmatory") == stem("confirm") == stem("confirming")


def test_an_irregular_verb_form_still_matches_its_lay_phrase() -> None:
    assert "recovery" in expand("will it ever goes away")
    assert "recovery" in expand("is it going away")


def test_dense_query_spells_out_what_lay_phrases_stand_for_once() -> None:
    text = dense_query("my butt hurts when i sit on my bum")
    assert text.startswith("my butt hurts when i sit on my bum (")
    assert text.count("buttock") == 1 and "gluteal" in text


def test_dense_query_is_the_question_itself_without_lay_phrases() -> None:
    assert dense_query("what is the thoracolumbar fascia") == "what is the thoracolumbar fascia"


def test_dense_query_skips_expansions_the_question_already_says() -> None:
    assert dense_query("sitting makes it worse") == "sitting makes it worse (seated)"


def test_a_percent_sign_is_a_searchable_word() -> None:
    expected = "up to 14 percent of aches 50 percent relief".split()
    assert words("up to 14 % of aches, 50% relief") == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how common is cluneal nerve entrapment?", ["prevalence"]),
        ("Is it rare?", ["prevalence"]),
        ("how quickly does the test block work", ["speed"]),
        ("is there any proof core exercises help", ["evidence"]),
        ("where do the nerves come from", []),
        ("what proportion of people with back pain have it", ["prevalence"]),
    ],
)
def test_question_types_are_recognised_in_any_wording(question: str, expected: list[str]) -> None:
    assert [t.name for t in question_types_in(question)] == expected


def test_a_question_type_keeps_what_else_the_question_asks_without_the_subjects_name() -> None:
    assert [(t.name, t.rest) for t in question_types_in("how common is cluneal nerve entrapment?")] == [
        ("prevalence", "")
    ]
    assert [t.rest for t in question_types_in("is it common to feel numb after the injection?")] == [
        "feel numb injection"
    ]
    # Words that only link the type to the subject are not a further question.
    assert [
        (t.name, t.rest) for t in question_types_in("how much back pain comes from the cluneal nerves")
    ] == [("prevalence", "")]


def test_question_types_recognise_the_form_of_their_answer() -> None:
    types = load_question_types().types
    assert types["prevalence"].answers("Yet up to 14 % of stubborn lumbosacral aches trace back to")
    assert not types["prevalence"].answers("Provides immediate relief in 70–90 %")
    assert types["speed"].answers("Simple lidocaine test blocks confirm the diagnosis in minutes.")
    assert types["evidence"].answers("A 2024 case series showed ...")
    assert not types["evidence"].answers("Use padded belt or shift position hourly.")


def test_words_that_judge_count_little_in_a_question() -> None:
    weights = weighted_query("is walking good or bad for it")
    assert weights[stem("walking")] == 1.0
    assert weights["good"] < 0.5 and weights["bad"] < 0.5


def test_normally_asks_how_often_and_is_not_the_word_normal() -> None:
    from assistant.lexical import tokenize

    assert "normal" not in tokenize("is it normally on both sides?")
    assert "normal" in tokenize("my scan was normal")


def test_is_it_normal_asks_whether_it_is_typical() -> None:
    from assistant.lexical import weighted_query

    weights = weighted_query("is it normal for the skin to go numb?")
    assert "normal" not in weights
    assert weights["typical"] > 0
