"""Small pure metric functions for the eval suite and the benchmarks (no models, no I/O)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

# Citation markers the answerer puts after each sentence: "[1]", "[2][3]", "[1, 2]".
_CITATION_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n+")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|\d+(?:[.,]\d+)*")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


def rate(successes: int, total: int) -> float | None:
    """``successes / total``, or None when there is nothing to measure."""
    if total < 0 or successes < 0 or successes > total:
        raise ValueError(f"Need 0 <= successes <= total. Currently, successes={successes}, total={total}.")
    return successes / total if total else None


def wilson_interval(successes: int, total: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (95% by default).

    Unlike the normal approximation it stays inside [0, 1] and is informative at 0% or 100%,
    which is where a safety metric such as red-flag recall lives.

    Args:
        successes: Cases that passed.
        total: Cases measured.
        z: The standard normal quantile (1.96 for 95%).

    Returns:
        ``(low, high)``; ``(0.0, 1.0)`` when ``total`` is 0.
    """
    rate(successes, total)  # validates the counts
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when any of the first ``k`` ranked results is relevant, else 0.0."""
    if k <= 0:
        raise ValueError(f"k must be greater than 0. Currently, k is {k}.")
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool]) -> float:
    """``1 / rank`` of the first relevant result (ranks from 1), 0.0 when none is relevant."""
    for rank, is_relevant in enumerate(relevant, start=1):
        if is_relevant:
            return 1.0 / rank
    return 0.0


def mean_reciprocal_rank(rankings: Sequence[Sequence[bool]]) -> float:
    """The mean of :func:`reciprocal_rank` over queries (0.0 for no queries)."""
    return sum(reciprocal_rank(r) for r in rankings) / len(rankings) if rankings else 0.0


def ndcg_at_k(relevant: Sequence[bool], k: int, n_relevant: int | None = None) -> float:
    """Binary-relevance nDCG@k.

    Args:
        relevant: Relevance of each ranked result, best first.
        k: Cut-off.
        n_relevant: How many relevant items exist in the whole collection, for the ideal ranking.
            None uses the relevant items in ``relevant`` (the usual fallback when the total is
            unknown; it can only overstate nDCG).

    Returns:
        A value in [0, 1]; 0.0 when nothing is relevant.
    """
    if k <= 0:
        raise ValueError(f"k must be greater than 0. Currently, k is {k}.")
    dcg = sum(1.0 / math.log2(rank + 1) for rank, rel in enumerate(relevant[:k], start=1) if rel)
    ideal_count = min(k, sum(bool(r) for r in relevant) if n_relevant is None else n_relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_count + 1))
    return min(1.0, dcg / ideal) if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation (numpy's default method).

    Raises:
        ValueError: For no values or ``q`` outside [0, 100].
    """
    if not values:
        raise ValueError("percentile needs at least one value.")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be between 0 and 100. Currently, q is {q}.")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def strip_citation_markers(text: str) -> str:
    """Remove ``[n]`` markers so they don't count as words or sentence ends."""
    return _CITATION_MARKER.sub("", text)


def count_syllables(word: str) -> int:
    """A simple English syllable count: vowel groups, minus a silent final e, at least 1.

    Numbers count one syllable per digit group, which is close enough for a readability grade.
    """
    word = word.lower().strip("'")
    if not word:
        return 0
    if not word[0].isalpha():
        return 1
    count = len(_VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1  # silent e: "cause", "nerve"
    if word.endswith("es") and not word.endswith(("ses", "zes", "ches", "shes", "ges", "ces")) and count > 1:
        count -= 1  # "nerves", "lines"
    return max(1, count)


def flesch_kincaid_grade(text: str) -> float | None:
    """The Flesch–Kincaid grade level of ``text`` after removing citation markers.

    ``0.39 * words/sentence + 11.8 * syllables/word - 15.59``. List items and lines without a
    full stop count as their own sentences, as a reader sees them.

    Returns:
        The grade, or None for text without words.
    """
    plain = strip_citation_markers(text)
    words = _WORD.findall(plain)
    if not words:
        return None
    sentences = [s for s in _SENTENCE_END.split(plain) if _WORD.search(s)]
    n_sentences = max(1, len(sentences))
    syllables = sum(count_syllables(w) for w in words)
    return 0.39 * len(words) / n_sentences + 11.8 * syllables / len(words) - 15.59


def contains_term(text: str, term: str) -> bool:
    """Whether ``term`` starts a word in ``text`` (case-insensitive: "extension" in "extensions")."""
    return re.search(r"(?<![a-z0-9])" + re.escape(term.lower()), text.lower()) is not None


def normalise_span(text: str) -> str:
    """Case-folded text with runs of whitespace collapsed, for verbatim-phrase matching."""
    return re.sub(r"\s+", " ", text).strip().casefold()
