"""Fast unit tests of the eval metric functions and the threshold gate (no models)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

# `pytest` (unlike `python -m pytest`) does not put the project root, home of `evals`, on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.evaluators import Outcome, citations_verbatim, evaluate_triage, is_relevant
from evals.gate import load_thresholds, violations
from evals.metrics import (
    contains_term,
    count_syllables,
    flesch_kincaid_grade,
    hit_at_k,
    mean_reciprocal_rank,
    ndcg_at_k,
    percentile,
    rate,
    reciprocal_rank,
    strip_citation_markers,
    wilson_interval,
)

# --- Wilson interval --------------------------------------------------------------------------------


def test_wilson_interval_matches_a_published_value() -> None:
    # 81/263 at 95%: (0.2553, 0.3662), as in Wilson (1927) / standard references.
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-4)
    assert high == pytest.approx(0.3662, abs=1e-4)


def test_wilson_interval_at_full_recall_has_a_lower_bound_below_one() -> None:
    low, high = wilson_interval(150, 150)
    assert high == 1.0
    assert low == pytest.approx(0.9750, abs=1e-3)  # why 150 cases cannot prove "above 98%"


def test_wilson_interval_at_zero_successes_starts_at_zero() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert 0.25 < high < 0.35


def test_wilson_interval_without_cases_is_uninformative() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 3)


def test_rate_is_none_without_cases() -> None:
    assert rate(0, 0) is None
    assert rate(3, 4) == 0.75


# --- ranking metrics --------------------------------------------------------------------------------


def test_hit_at_k_looks_only_at_the_first_k() -> None:
    ranking = [False, False, True]
    assert hit_at_k(ranking, 2) == 0.0
    assert hit_at_k(ranking, 3) == 1.0


def test_hit_at_k_rejects_zero_k() -> None:
    with pytest.raises(ValueError, match="k must be greater than 0"):
        hit_at_k([True], 0)


def test_reciprocal_rank_of_the_first_relevant_result() -> None:
    assert reciprocal_rank([False, True, True]) == 0.5
    assert reciprocal_rank([False, False]) == 0.0


def test_mean_reciprocal_rank_averages_queries() -> None:
    assert mean_reciprocal_rank([[True], [False, True], [False]]) == pytest.approx((1 + 0.5 + 0) / 3)
    assert mean_reciprocal_rank([]) == 0.0


def test_ndcg_is_one_for_an_ideal_ranking() -> None:
    assert ndcg_at_k([True, True, False], 5, n_relevant=2) == pytest.approx(1.0)


def test_ndcg_of_a_single_relevant_result_at_rank_two() -> None:
    assert ndcg_at_k([False, True], 5, n_relevant=1) == pytest.approx(1 / math.log2(3))


def test_ndcg_counts_relevant_items_the_ranking_missed() -> None:
    # One relevant found at rank 1, but three exist: ideal DCG has three terms.
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k([True, False, False], 5, n_relevant=3) == pytest.approx(1 / ideal)


def test_ndcg_without_relevant_items_is_zero() -> None:
    assert ndcg_at_k([False, False], 5) == 0.0
    assert ndcg_at_k([False], 5, n_relevant=0) == 0.0


# --- percentile -------------------------------------------------------------------------------------


def test_percentile_interpolates_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0


def test_percentile_ignores_input_order() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_percentile_rejects_empty_input_and_bad_q() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        percentile([], 50)
    with pytest.raises(ValueError, match="q must be between"):
        percentile([1.0], 101)


# --- readability ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "syllables"),
    [("pain", 1), ("nerve", 1), ("nerves", 1), ("buttock", 2), ("injection", 3), ("table", 2), ("the", 1)],
)
def test_count_syllables_of_common_words(word: str, syllables: int) -> None:
    assert count_syllables(word) == syllables


def test_flesch_kincaid_grade_of_a_simple_sentence() -> None:
    # 6 words, 1 sentence, 6 syllables: 0.39*6 + 11.8*1 - 15.59.
    assert flesch_kincaid_grade("The cat sat on the mat.") == pytest.approx(0.39 * 6 + 11.8 - 15.59)


def test_flesch_kincaid_grade_ignores_citation_markers() -> None:
    plain = "Pain eases when you bend forward. Rest helps."
    assert flesch_kincaid_grade("Pain eases when you bend forward [1]. Rest helps [2].") == pytest.approx(
        flesch_kincaid_grade(plain)
    )


def test_flesch_kincaid_grade_of_text_without_words_is_none() -> None:
    assert flesch_kincaid_grade("[1] [2]") is None


def test_longer_words_and_sentences_read_harder() -> None:
    easy = "It hurts. Rest a bit. Ice can help."
    hard = (
        "Entrapment of the superior cluneal nerves characteristically produces unilateral lumbosacral pain."
    )
    assert flesch_kincaid_grade(hard) > flesch_kincaid_grade(easy) + 5


def test_strip_citation_markers_removes_single_and_grouped_markers() -> None:
    assert strip_citation_markers("Rest helps [1]. Heat too [2, 3].") == "Rest helps. Heat too."


# --- evaluator helpers ------------------------------------------------------------------------------


def test_contains_term_matches_word_starts_only() -> None:
    assert contains_term("Avoid deep lumbar extensions.", "extension")
    assert not contains_term("a pretension", "tension")
    assert contains_term("From T12–L3 roots", "t12")


def test_gold_phrase_relevance_ignores_case_and_spacing() -> None:
    assert is_relevant("The nerves  emerge\nfrom T12–L3.", ["emerge from t12–l3"])
    assert not is_relevant("The nerves emerge from L1.", ["emerge from t12–l3"])


def test_citations_verbatim_catches_an_invented_quote() -> None:
    documents = {"doc": "Rest helps. Ice helps too."}
    good = [{"n": 1, "source": "doc", "text": "Rest helps. Ice helps too.", "quotes": ["Ice helps too."]}]
    bad_quote = [{"n": 1, "source": "doc", "text": "Rest helps.", "quotes": ["Heat helps."]}]
    bad_text = [{"n": 1, "source": "doc", "text": "Rest always helps.", "quotes": []}]
    assert citations_verbatim(good, documents) == (True, "")
    assert not citations_verbatim(bad_quote, documents)[0]
    assert not citations_verbatim(bad_text, documents)[0]
    assert not citations_verbatim([{**good[0], "source": "other"}], documents)[0]


def _answer(triage: str) -> dict:
    return {
        "answer": "",
        "triage": triage,
        "abstained": True,
        "citations": [],
        "intent": "triage",
        "triage_rules": [],
    }


def test_an_emergency_answered_as_urgent_is_a_missed_red_flag() -> None:
    case = {
        "id": "t",
        "message": "i wet myself",
        "history": [],
        "expect": "emergency",
        "category": "cauda_equina",
    }
    assert not evaluate_triage(case, Outcome(_answer("urgent")), {}).checks["red_flag_caught"]
    assert evaluate_triage(case, Outcome(_answer("emergency")), {}).checks["red_flag_caught"]


def test_an_urgent_flag_escalated_to_emergency_is_caught() -> None:
    case = {"id": "t", "message": "fever", "history": [], "expect": "urgent", "category": "infection"}
    assert evaluate_triage(case, Outcome(_answer("emergency")), {}).checks["red_flag_caught"]


# --- thresholds gate --------------------------------------------------------------------------------


def test_violations_lists_each_metric_on_the_wrong_side() -> None:
    thresholds = {"recall": {"min": 0.9}, "latency": {"max": 50}, "missing": {"min": 0.5}}
    problems = violations({"recall": 0.8, "latency": 60.0}, thresholds)
    assert len(problems) == 3
    assert any(p.startswith("recall") and "below" in p for p in problems)
    assert any(p.startswith("latency") and "above" in p for p in problems)
    assert any(p.startswith("missing") and "not measured" in p for p in problems)


def test_violations_is_empty_when_every_metric_passes() -> None:
    assert violations({"recall": 0.95}, {"recall": {"min": 0.9}}) == []


def test_load_thresholds_rejects_an_entry_with_both_bounds(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps({"recall": {"min": 0.5, "max": 0.9}}))
    with pytest.raises(ValueError, match="exactly one"):
        load_thresholds(path)


def test_committed_thresholds_file_is_valid() -> None:
    thresholds = load_thresholds()
    assert thresholds
    assert all(entry.get("note") for entry in thresholds.values())
