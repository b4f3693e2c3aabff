"""Relevance gate: does the corpus answer this question at all? (calibrated on the eval set)

Two signals: how close the best passage is in meaning (dense cosine), and how much of the
question's content the corpus vocabulary knows (after lay-term expansion). A question about
another condition ("migraine"), general knowledge or chit-chat fails one or both.
"""

from __future__ import annotations

from assistant.conversation import content_words
from assistant.lexical import BM25Index, expand, words

# Calibrated on evals/cases (see evals/report.md): answerable vs off-topic questions.
DENSE_STRONG = 0.50  # this close in meaning is relevant if the corpus knows half the words
DENSE_MIN = 0.30  # below this nothing in the corpus is about the question
COVERAGE_STRONG = 0.5
COVERAGE_MIN = 0.75  # between the two dense thresholds, most words must be the corpus's

TOPIC_WORDS = frozenset(
    """cluneal clunealgia buttock buttocks butt bum glute glutes gluteal back lumbar iliac crest
    hip sacrum sacral sacroiliac nerve nerves entrapment entrapped neuralgia neuropathy sciatica
    pelvis pelvic tailbone spine spinal scn mcn icn""".split()
)


class RelevanceGate:
    """Decides whether retrieved passages can answer a question."""

    def __init__(self, idf: BM25Index, vocabulary: set[str]) -> None:
        """Args:
        idf: BM25 statistics of the corpus.
        vocabulary: Every word of the corpus (unstemmed, lower case).
        """
        self.idf = idf
        self.vocabulary = vocabulary

    def coverage(self, query: str) -> float:
        """Share of the question's content words the corpus knows (directly or as lay terms)."""
        content = content_words(query)
        if not content:
            return 0.0
        expanded = {w for phrase in expand(query) for w in words(phrase)}
        known = 0
        for word in content:
            lay = {w for phrase in expand(word) for w in words(phrase)}
            if word in self.vocabulary or lay & self.vocabulary or (word in expanded and not lay):
                known += 1
        return known / len(content)

    def mentions_topic(self, query: str) -> bool:
        """Whether the question names the assistant's subject at all."""
        return bool(set(words(query)) & TOPIC_WORDS)

    def is_relevant(self, query: str, dense: float) -> bool:
        """Whether the corpus is about the question (else the assistant declines).

        Args:
            query: The (rewritten) question.
            dense: Cosine similarity of the question to the closest passage.
        """
        cover = self.coverage(query)
        if dense >= DENSE_STRONG and cover >= COVERAGE_STRONG:
            return True
        return dense >= DENSE_MIN and cover >= COVERAGE_MIN
