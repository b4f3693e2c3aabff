"""Relevance gate: decide whether the corpus can answer a question at all.

It declines only what is clearly outside the documents: questions far from every passage in
meaning, questions about another condition or body part that never mention the topic, and
requests about the clinic's business (costs, appointments). Everything else is answered from
the passages, because patients ask about "it" and "this" meaning their own pain. The word
lists are data (``data/scope_terms.yaml``); the thresholds are calibrated on ``evals/cases``.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.conversation import content_words
from assistant.lexical import DATA_DIR, lay_phrases_in, stem, words

SCOPE_TERMS_FILE = DATA_DIR / "scope_terms.yaml"

# Similarity to the closest corpus sentence. Calibrated on evals/cases: answerable questions
# score 0.31 and up, off-topic ones down to 0.06. Passage-level similarity (floors 0.20/0.30)
# gave the same eval figures but declined "what is a Tinel sign?" and "how common is this?".
DENSE_FLOOR = 0.25  # nothing in the corpus is this far from a question it can answer
DENSE_WEAK = 0.35  # below this, the question must show it is about the topic
# A question whose every content word the corpus knows may sit a little further out: "does
# being overweight make it worse?" (0.245 to "Maintain ideal body weight"). Off-topic eval
# questions between 0.20 and 0.25 know at most half of their words.
DENSE_FLOOR_KNOWN_WORDS = 0.20
COVERAGE_WEAK = 0.5
COVERAGE_STRONG = 0.6


@lru_cache(maxsize=1)
def load_scope_terms(path: Path = SCOPE_TERMS_FILE) -> dict[str, frozenset[tuple[str, ...]]]:
    """The scope word lists, each a set of word tuples (phrases)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {name: frozenset(tuple(words(str(t))) for t in terms) for name, terms in raw.items()}


def _mentions(tokens: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    for phrase in phrases:
        n = len(phrase)
        if any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1)):
            return True
    return False


# Words after which another body part is where the patient's pain reaches ("does it go down
# to my toes?"), not where a different problem sits ("my knee hurts, what could it be?").
_TOWARDS = frozenset("to into towards toward down reach reaches reaching far below past beyond".split())
_BETWEEN = frozenset({"the", "my", "your", "both", "one", "as", "left", "right", "upper", "lower"})


def _spreads_to(tokens: list[str], parts: frozenset[str]) -> bool:
    """Whether one of the body ``parts`` is named as a place the pain spreads to."""
    for i, token in enumerate(tokens):
        if token not in parts:
            continue
        j = i - 1
        while j >= 0 and tokens[j] in _BETWEEN:
            j -= 1
        if j >= 0 and tokens[j] in _TOWARDS:
            return True
    return False


def _names_own(tokens: list[str], parts: frozenset[str]) -> bool:
    """Whether the patient names a body part as their own ("my knee hurts")."""
    return any(t == "my" and nxt in parts for t, nxt in itertools.pairwise(tokens))


_CLAUSES = re.compile(r",? and (?=how|what|when|why|is|are|can|does|do|will|should|which)|;\s*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _asking_sentences(query: str) -> list[str]:
    """The sentences of a message that ask something: those ending in "?", else the last one."""
    sentences = [s for s in (part.strip() for part in _SENTENCE.split(query)) if s]
    asking = [s for s in sentences if s.endswith("?")]
    return asking or sentences[-1:]


def _literal_words(query: str) -> list[str]:
    """The question's words, with those of the lay table's idioms blanked out.

    An idiom's words mean nothing literally: "on my feet all day" is about standing, and "a
    bag on my shoulder" about what presses on the hip, not about a foot or a shoulder.
    """
    tokens = words(query)
    for match in lay_phrases_in(query):
        if match.term.idiom:
            tokens[match.start : match.end] = ["_"] * (match.end - match.start)
    return tokens


class RelevanceGate:
    """Decides whether the corpus can answer a question."""

    def __init__(self, vocabulary: set[str]) -> None:
        """Create the gate.

        Args:
            vocabulary: Every word of the corpus (unstemmed, lower case).
        """
        self.vocabulary = vocabulary
        self.stems = {stem(w) for w in vocabulary}
        self.terms = load_scope_terms()
        self.other_parts = frozenset(p[0] for p in self.terms["other_body_parts"] if len(p) == 1)

    def coverage(self, query: str) -> float:
        """Share of the question's content words the corpus knows (directly or as lay terms)."""
        content = content_words(query)
        if not content:
            return 0.0
        # Words of a lay phrase the corpus covers ("go away" -> recovery) count as known.
        lay_known: set[str] = set()
        for match in lay_phrases_in(query):
            if any(stem(w) in self.stems for t in match.term.targets for w in words(t)):
                lay_known.update(match.written)
        known = sum(1 for word in content if stem(word) in self.stems or word in lay_known)
        return known / len(content)

    def uses_idiom(self, query: str) -> bool:
        """Whether the question uses an idiom of the lay-term table ("leave it", "put up with")."""
        return any(match.term.idiom for match in lay_phrases_in(query))

    def mentions_topic(self, query: str) -> bool:
        """Whether the question names the assistant's subject."""
        return _mentions(words(query), self.terms["topic"])

    def _names_condition_itself(self, tokens: list[str]) -> bool:
        """Whether a question naming another condition is still about this one.

        It is when it names this condition in its own words (cluneal, buttock, iliac crest ...),
        not only words other conditions share ("back", "nerve"), or when the other condition is
        a warning sign the documents discuss ("can cancer cause back pain?").
        """
        specific = self.terms["topic"] - self.terms["broad_topic"]
        return _mentions(tokens, specific) or _mentions(tokens, self.terms["red_flag_conditions"])

    def _asks_admin(self, query: str) -> bool:
        """Whether a message naming the clinic's business asks about it.

        It does unless the business is only context and the message asks a question of its own:
        "My pain doctor is booking me a nerve injection. How long does the relief last?" is
        about the injection; "a patient asks whether we take Bupa. do we?" is about insurance.
        """
        asking = [part for s in _asking_sentences(query) for part in _CLAUSES.split(s)]
        business = [p for p in asking if _mentions(words(p), self.terms["admin"])]
        if business:
            # "Is the block covered by insurance, and how long does the numbness last?" also asks
            # something the documents answer: that part is answered.
            return not any(content_words(p) for p in asking if p not in business)
        return not any(content_words(s) for s in asking)

    def reason_to_decline(self, query: str, dense: float) -> str | None:
        """Why the corpus cannot answer the question, or None when it may.

        Args:
            query: The (rewritten) question.
            dense: Cosine similarity of the question to the closest passage.

        Returns:
            ``"unrelated"``, ``"other_condition"``, ``"admin"`` or None.
        """
        tokens = words(query)
        on_topic = _mentions(tokens, self.terms["topic"])
        if _mentions(tokens, self.terms["admin"]) and self._asks_admin(query):
            return "admin"
        if _mentions(tokens, self.terms["not_covered"]):
            return "other_condition"  # "acne on my buttocks", "a bigger, rounder bum"
        own = _mentions(tokens, self.terms["own_condition"])
        literal = _literal_words(query)  # "on my feet all day" names no foot
        elsewhere = _mentions(literal, self.terms["other_body_parts"]) and not (
            (own and _spreads_to(tokens, self.other_parts))
            or (
                (_mentions(tokens, self.terms["exercise"]) or _mentions(tokens, self.terms["asks_cause"]))
                and not _names_own(literal, self.other_parts)
            )
        )
        other = _mentions(literal, self.terms["other_conditions"])
        if not on_topic and (elsewhere or other):
            return "other_condition"
        if other and not self._names_condition_itself(tokens):
            return "other_condition"  # "I think I have shingles on my back", "a pinched nerve in my neck"
        coverage = self.coverage(query)
        if on_topic and coverage >= COVERAGE_STRONG:
            return None  # names the topic in the documents' own words
        if coverage >= 1.0 and self.uses_idiom(query):
            # "What happens if I just leave it?" is far from every passage in meaning (0.18),
            # but every word is known and "leave it" is one of the lay table's idioms.
            return None
        if own and dense >= DENSE_FLOOR_KNOWN_WORDS and _mentions(tokens, self.terms["course"]):
            return None  # how "it" behaves: "why is it worse after standing at the till all shift?"
        if dense < DENSE_FLOOR and not (dense >= DENSE_FLOOR_KNOWN_WORDS and coverage >= 1.0):
            return "unrelated"
        if dense < DENSE_WEAK and not on_topic and coverage < COVERAGE_WEAK:
            return "unrelated"
        return None
