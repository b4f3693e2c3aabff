"""The relevance gate's rules, given the dense similarity (so no model is needed)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.relevance import COVERAGE_WEAK, DENSE_FLOOR, DENSE_FLOOR_KNOWN_WORDS, DENSE_WEAK


@pytest.mark.parametrize(
    "question", ["does being overweight make it worse", "does weight gain make it worse"]
)
def test_a_question_in_the_corpus_words_may_sit_a_little_further_out(
    fake_assistant: Any, question: str
) -> None:
    dense = (DENSE_FLOOR + DENSE_FLOOR_KNOWN_WORDS) / 2
    assert fake_assistant.gate.coverage(question) == 1.0
    assert fake_assistant.gate.reason_to_decline(question, dense) is None


@pytest.mark.parametrize("question", ["how do i lose weight", "what shoes should i wear", "is it genetic"])
def test_a_distant_question_in_other_words_is_declined(fake_assistant: Any, question: str) -> None:
    dense = (DENSE_FLOOR + DENSE_FLOOR_KNOWN_WORDS) / 2
    assert fake_assistant.gate.reason_to_decline(question, dense) == "unrelated"


def test_nothing_is_answered_below_the_lower_floor(fake_assistant: Any) -> None:
    question = "does being overweight make it worse"
    assert fake_assistant.gate.reason_to_decline(question, DENSE_FLOOR_KNOWN_WORDS - 0.01) == "unrelated"


@pytest.mark.parametrize(
    "question",
    [
        "what happens if I just leave it?",
        "Why is it a bad idea to just put up with it and not get it seen to?",
    ],
)
def test_an_idiom_of_ours_in_known_words_is_answered_however_far_out(
    fake_assistant: Any, question: str
) -> None:
    # Vague, pronoun-heavy wording sits far from every passage in meaning; the idiom ("leave
    # it", "put up with") is what ties it to the documents ("if untreated", "ignoring").
    assert fake_assistant.gate.uses_idiom(question)
    assert fake_assistant.gate.reason_to_decline(question, DENSE_FLOOR_KNOWN_WORDS - 0.05) is None


@pytest.mark.parametrize(
    "question", ["what's the best way to get better at chess", "how do i stop my dog coming back inside"]
)
def test_an_idiom_among_words_the_corpus_does_not_know_is_still_declined(
    fake_assistant: Any, question: str
) -> None:
    assert fake_assistant.gate.uses_idiom(question)
    assert fake_assistant.gate.reason_to_decline(question, DENSE_FLOOR_KNOWN_WORDS - 0.05) == "unrelated"


CLOSE = 0.5  # well above both similarity floors: only the word rules can decline


@pytest.mark.parametrize(
    "question",
    [
        "does the pain go down to my toes",
        "does it spread to the knee",
        "can this pain reach as far as my foot",
        "can cancer cause back pain like this",
        "can shingles affect the cluneal nerves",
        "is cold better than heat for this",
        "i sit at a desk 9 hours a day and its worse by the evening",
        "what happens during the appointment for the block",
        # An idiom names no body part; the clinic's business as context is not the question.
        "why does it get so much worse when im on my feet at work all day",
        "i carry a heavy bag on the same shoulder every day for work, does that matter?",
        "My pain doctor is booking me an ultrasound guided nerve injection. How long does the relief last?",
        "How common is this, really? My GP made out it's incredibly rare.",
        "the stretch where you lie down and take one knee over the other way - how do I do it?",
        "the pain's now going below my knee. should I worry?",
        "Is a cluneal nerve block usually covered by insurance, and how long does the numbness last?",
        # "Hands" in these is how something is done, not a body part asked about.
        "how does the physio check it with their hands",
        "is hands-on release better than injections",
    ],
)
def test_another_body_part_or_an_everyday_word_about_my_pain_is_not_declined(
    fake_assistant: Any, question: str
) -> None:
    assert fake_assistant.gate.reason_to_decline(question, CLOSE) is None


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("my knee clicks when i go down stairs, what is that", "other_condition"),
        ("my knee hurts going down stairs, what could it be", "other_condition"),
        ("my shoulder aches when i lift, is it serious", "other_condition"),
        ("my knee hurts when I do squats, what exercises help my knee?", "other_condition"),
        ("is this a migraine", "other_condition"),
        ("i think i have shingles on my back", "other_condition"),
        ("my daughter gets terrible period cramps, what can help her", "other_condition"),
        ("how do i get rid of a cold fast", "other_condition"),
        ("what are your opening hours on saturday", "admin"),
        ("can you book me an appointment with dr klein", "admin"),
        ("how much does the surgery cost", "admin"),
        ("what time does the pain clinic open on a saturday", "admin"),
        ("How much is a cluneal nerve block if I go private, and will my Bupa cover it?", "admin"),
        ("I've got a pinched nerve in my neck. What exercises should I do for it?", "other_condition"),
        ("I need the block again. Can you book me in?", "admin"),
        ("Hi, reception here - a patient's asking whether we take Bupa for the pain clinic. do we?", "admin"),
        ("who is the best surgeon in Manchester for cluneal decompression", "admin"),
        ("can you recommend a specialist near me", "admin"),
        ("my hands tingle when I type, what exercises help my hands?", "other_condition"),
        # About the buttock, but not about this condition: skin, shape, the word itself.
        ("how do I clear up acne on my buttocks?", "other_condition"),
        ("what's good for nappy rash on a baby's bum?", "other_condition"),
        ("which squats give you a bigger bum?", "other_condition"),
        ("where does the word cluneal come from?", "other_condition"),
        ("my knee hurts when I walk, what could cause this?", "other_condition"),
    ],
)
def test_other_conditions_and_clinic_business_are_declined(
    fake_assistant: Any, question: str, reason: str
) -> None:
    assert fake_assistant.gate.reason_to_decline(question, CLOSE) == reason


@pytest.mark.parametrize(
    "question",
    [
        # The knee is the cause asked about, not the subject.
        "I limp because of an old knee injury. Could the way I walk bring this on?",
        # A treatment the documents discuss, named by its own name.
        "Is one of those TENS machines from the chemist worth trying?",
    ],
)
def test_a_cause_or_treatment_named_in_other_words_is_answered(fake_assistant: Any, question: str) -> None:
    assert fake_assistant.gate.reason_to_decline(question, DENSE_WEAK - 0.02) is None


def test_a_vague_everyday_question_about_the_course_of_it_is_answered(fake_assistant: Any) -> None:
    # "goes away" meets the lay phrase "go away": enough of the words are known to answer.
    question = "what happens if i just ignore it and hope it goes away on its own"
    assert fake_assistant.gate.coverage(question) >= COVERAGE_WEAK
    assert fake_assistant.gate.reason_to_decline(question, (DENSE_FLOOR + DENSE_WEAK) / 2) is None


@pytest.mark.parametrize(
    "question",
    [
        "Why is it so much worse on long motorway drives or after I've been stood up at the till all shift?",
        "It's waking me up at night now. Is that a reason to get it looked at properly?",
    ],
)
def test_how_the_patients_own_pain_behaves_is_answered_further_out(
    fake_assistant: Any, question: str
) -> None:
    dense = (DENSE_FLOOR + DENSE_FLOOR_KNOWN_WORDS) / 2
    assert fake_assistant.gate.reason_to_decline(question, dense) is None


def test_a_distant_question_without_the_patients_own_pain_is_still_declined(fake_assistant: Any) -> None:
    dense = (DENSE_FLOOR + DENSE_FLOOR_KNOWN_WORDS) / 2
    assert (
        fake_assistant.gate.reason_to_decline("why is traffic worse on long motorway drives", dense)
        == "unrelated"
    )
