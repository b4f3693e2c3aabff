"""Verify a generated answer against its numbered passages before a patient sees it.

Deterministic: every sentence must carry valid ``[n]`` markers, share enough of its content
words with the passages it cites (lexical support), sit close to one of their sentences in
embedding space (embedding support), and state no number, dose or spinal level those
passages do not state. Sentences that fail are removed, with the reason recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.chunk import split_sentences
from assistant.lexical import BM25Index, tokenize
from assistant.records import Passage
from assistant.units import UnitIndex

# Calibrated on this corpus with the real all-MiniLM-L6-v2; the slow test
# test_calibrated_thresholds_separate_support_from_hallucination (tests/test_verify.py) redoes it.
# Positives, each cited to its own passage: 68 handwritten plain-language paraphrases of corpus
# sentences and 245 shortened corpus sentences (first clause; every fourth word dropped).
# Negatives: 322 corpus sentences cited to a random other passage, 48 general-knowledge claims
# each cited to the passage closest in embedding and to the one sharing most words (96), and
# 26 corpus sentences with one number changed.
# Measured: lexical support of paraphrases p5 0.49 / median 0.82, of wrong citations p95 0.25,
# of foreign claims p95 0.39 (closest passage) and 0.61 (most shared words); cosine of
# paraphrases p5 0.57 / median 0.83, of wrong citations p95 0.60, of foreign claims cited to
# their closest passage median 0.56 / p95 0.75. Neither score sees a changed number (lexical
# >= 0.80, cosine >= 0.94): the figure check alone rejects those, 26 of 26.
# At 0.5 / 0.5 both required: 307 of 313 positives kept (62 of 68 paraphrases); 3 of 444
# negatives pass (0 of 322 wrong citations, 3 of 96 foreign claims, 0 of 26 changed numbers).
# 0.45 / 0.45 keeps 65 of 68 paraphrases but lets 9 negatives through.
LEXICAL_SUPPORT = 0.5
SEMANTIC_SUPPORT = 0.5
MIN_CLAIM_TOKENS = 1  # a sentence with no content word ("Yes [1].") says nothing to verify
MAX_MARKER_RANGE = 20  # "[1-3]" is a range; "[1-999]" is not a citation

_MARKER = r"\[(?:passages?|sources?|doc(?:ument)?s?)?\s*(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\s*\]"
_MARKER_RE = re.compile(_MARKER, re.IGNORECASE)
# "... the midline. [2] Next" -> "... the midline [2]. Next", so the marker stays with its sentence.
_TRAILING_MARKERS_RE = re.compile(r"([.!?])((?:\s*" + _MARKER + r")+)", re.IGNORECASE)
_BULLET_RE = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_THINK_RE = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)

_NUMBER = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|\.\d+"
_NUMBER_WORDS = {
    "two": "2", "twice": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100",
}  # fmt: skip
# "one" is left out on purpose: it is far more often a pronoun ("one of the nerves") than a count.
_UNITS = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg", "mcg": "mcg", "µg": "mcg", "ug": "mcg",
    "g": "g", "gram": "g", "grams": "g", "ml": "ml", "milliliter": "ml", "milliliters": "ml",
    "millilitre": "ml", "millilitres": "ml", "%": "%", "percent": "%", "cm": "cm",
    "centimeter": "cm", "centimeters": "cm", "centimetre": "cm", "centimetres": "cm", "mm": "mm",
    "millimeter": "mm", "millimeters": "mm", "min": "minute", "mins": "minute", "minute": "minute",
    "minutes": "minute", "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "day": "day", "days": "day", "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "month": "month", "months": "month", "year": "year", "years": "year",
}  # fmt: skip
# Only measurement units: counted nouns ("2 successful blocks") are too often reworded to pair.
_NUM_OR_WORD = rf"{_NUMBER}|(?:{'|'.join(sorted(_NUMBER_WORDS, key=len, reverse=True))})(?![a-z])"
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_QUANTITY_RE = re.compile(
    rf"(?<![\w.])({_NUM_OR_WORD})(?:\s*(?:-|to|and)\s*({_NUM_OR_WORD}))?(?:\s*({_UNIT_ALT})(?!\w))?",
    re.IGNORECASE,
)
_SPINAL_LEVEL_RE = re.compile(r"(?<![a-z0-9])([tls])(\d{1,2})(?![0-9])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Figures:
    """The numbers a text states: plain numbers, numbers with a unit, and spinal levels."""

    numbers: frozenset[str]
    quantities: frozenset[tuple[str, str]]
    levels: frozenset[str]

    def missing_from(self, evidence: Figures) -> list[str]:
        """The figures stated here that ``evidence`` does not state, readably ("900 mg", "T11")."""
        missing = [n for n in sorted(self.numbers) if n not in evidence.numbers]
        # A number the passages state, but with another unit ("20 hours" for "20 minutes").
        missing += [
            f"{n} {unit}"
            for n, unit in sorted(self.quantities)
            if n in evidence.numbers and (n, unit) not in evidence.quantities
        ]
        missing += [level.upper() for level in sorted(self.levels) if level not in evidence.levels]
        return missing

    def __or__(self, other: Figures) -> Figures:
        return Figures(
            self.numbers | other.numbers, self.quantities | other.quantities, self.levels | other.levels
        )


def _number_value(raw: str) -> str:
    raw = raw.lower()
    if raw in _NUMBER_WORDS:
        return _NUMBER_WORDS[raw]
    value = float(raw.replace(",", ""))
    return str(int(value)) if value.is_integer() else f"{value:f}".rstrip("0")


def figures(text: str) -> Figures:
    """Find the numbers in a text: digits, decimals, ranges, percentages, doses, number words.

    Args:
        text: A sentence or passage (citation markers already removed).

    Returns:
        Its figures; a range with a unit ("1–3 mL") gives the unit to both ends.
    """
    text = text.replace("–", "-").replace("—", "-").replace("\u2009", " ").replace("\u00a0", " ")
    levels = frozenset(m.group(1).lower() + m.group(2) for m in _SPINAL_LEVEL_RE.finditer(text))
    text = _SPINAL_LEVEL_RE.sub(" ", text)
    numbers: set[str] = set()
    quantities: set[tuple[str, str]] = set()
    for match in _QUANTITY_RE.finditer(text):
        ends = [_number_value(g) for g in match.group(1, 2) if g]
        numbers.update(ends)
        if match.group(3):
            unit = _UNITS[match.group(3).lower()]
            quantities.update((n, unit) for n in ends)
    return Figures(frozenset(numbers), frozenset(quantities), levels)


def parse_markers(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order: ``[1]``, ``[1][3]``, ``[1, 2]``, ``[2-4]``."""
    cited: list[int] = []
    for match in _MARKER_RE.finditer(sentence):
        for part in re.split(r"\s*(?:,|;|and)\s*", match.group(1)):
            ends = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x]
            if len(ends) == 2 and 0 <= ends[1] - ends[0] < MAX_MARKER_RANGE:
                cited.extend(range(ends[0], ends[1] + 1))
            else:
                cited.extend(ends)
    return list(dict.fromkeys(cited))


def strip_markers(sentence: str) -> str:
    """The sentence without its markers, tidied ("text [1]." -> "text.")."""
    text = _MARKER_RE.sub("", sentence)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of generated text and where it sat (line, bullet), for re-rendering."""

    text: str
    line: int
    bullet: bool


def split_generated(text: str) -> list[Sentence]:
    """Split model output into sentences, keeping each marker with the sentence it follows."""
    text = _THINK_RE.sub("", text)  # reasoning models may think out loud first
    text = _TRAILING_MARKERS_RE.sub(lambda m: f"{m.group(2)}{m.group(1)}", text)
    sentences: list[Sentence] = []
    for number, line in enumerate(text.splitlines()):
        bullet = bool(_BULLET_RE.match(line))
        body = _BULLET_RE.sub("", line).replace("**", "").strip().lstrip("#").strip()
        sentences += [Sentence(body[a:b], number, bullet) for a, b in split_sentences(body)]
    return sentences


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How much support a sentence needs from the passages it cites."""

    lexical: float = LEXICAL_SUPPORT
    semantic: float = SEMANTIC_SUPPORT


@dataclass(frozen=True, slots=True)
class SentenceCheck:
    """The verdict on one generated sentence."""

    sentence: Sentence
    claim: str  # the sentence without markers
    cited: tuple[int, ...]  # passage numbers (1-based) as the model wrote them
    supporting: tuple[int, ...]  # the cited passages that back it (what its citation will show)
    quotes: tuple[tuple[int, str], ...]  # (passage number, the passage sentence closest to it)
    lexical: float
    semantic: float
    reason: str = ""  # why it was removed; empty when kept

    @property
    def kept(self) -> bool:
        """Whether the sentence passed every check."""
        return not self.reason


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """Every sentence's verdict, in the order the model wrote them."""

    checks: tuple[SentenceCheck, ...]

    @property
    def kept(self) -> list[SentenceCheck]:
        """Sentences that passed."""
        return [c for c in self.checks if c.kept]

    @property
    def removed(self) -> list[SentenceCheck]:
        """Sentences that failed, each with its reason."""
        return [c for c in self.checks if not c.kept]

    @property
    def kept_share(self) -> float:
        """Share of the sentences that passed (0 when there were none)."""
        return len(self.kept) / len(self.checks) if self.checks else 0.0


class EmbedsTexts(Protocol):
    """The part of LangChain's ``Embeddings`` the verifier needs."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts."""
        ...


@dataclass(frozen=True, slots=True)
class _Evidence:
    sentences: tuple[str, ...]
    vectors: np.ndarray
    tokens: frozenset[str]
    figures: Figures


def _unit_length(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


class Verifier:
    """Checks generated sentences against the numbered passages they cite."""

    def __init__(
        self,
        embeddings: EmbedsTexts,
        units: UnitIndex | None = None,
        idf: BM25Index | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        """Set up the checks.

        Args:
            embeddings: The embedder the passages' sentences were embedded with.
            units: The corpus units and their embeddings (passages not in it are split and embedded).
            idf: Corpus term statistics; rare words then weigh more in lexical support.
            thresholds: Support needed; the calibrated defaults unless given.
        """
        self.embeddings = embeddings
        self.units = units
        self.idf = idf
        self.thresholds = thresholds or Thresholds()
        if not (0 <= self.thresholds.lexical <= 1 and -1 <= self.thresholds.semantic <= 1):
            raise ValueError(f"Thresholds out of range. Currently, they are {self.thresholds}.")
        self._cache: dict[str, _Evidence] = {}

    def _evidence(self, passage: Passage) -> _Evidence:
        chunk = passage.chunk
        found = self._cache.get(chunk.chunk_id)
        if found is not None:
            return found
        ids = self.units.by_chunk.get(chunk.chunk_id, []) if self.units is not None else []
        if self.units is not None and ids:
            sentences = tuple(self.units.units[i].text for i in ids)
            vectors = self.units.vectors[ids]
        else:
            sentences = tuple(chunk.text[a:b] for a, b in split_sentences(chunk.text)) or (chunk.text,)
            vectors = np.asarray(self.embeddings.embed_documents(list(sentences)), dtype=np.float32)
        context = f"{chunk.title}\n{chunk.section_path}\n{chunk.text}"
        evidence = _Evidence(sentences, _unit_length(vectors), frozenset(tokenize(context)), figures(context))
        if len(self._cache) > 1024:
            self._cache.clear()
        self._cache[chunk.chunk_id] = evidence
        return evidence

    def lexical_support(self, tokens: Sequence[str], evidence_tokens: frozenset[str]) -> float:
        """Share of a claim's content words found in the evidence, rare words weighing more.

        Args:
            tokens: The claim's tokens (``assistant.lexical.tokenize``).
            evidence_tokens: The cited passages' tokens.

        Returns:
            A share between 0 and 1 (0 for a claim without content words).
        """
        if not tokens:
            return 0.0
        if self.idf is None:
            weights = dict.fromkeys(tokens, 1.0)
        else:
            # A word the corpus never uses is the strongest sign of an unsupported claim: it
            # weighs as much as the rarest word of the passages.
            unseen = max((self.idf.idf(t) for t in evidence_tokens), default=1.0)
            weights = {t: self.idf.idf(t) or unseen for t in tokens}
        return sum(w for t, w in weights.items() if t in evidence_tokens) / sum(weights.values())

    def verify(self, text: str, passages: Sequence[Passage]) -> VerificationReport:
        """Check every sentence of ``text``; passage ``i`` (0-based) is marker ``[i + 1]``.

        Args:
            text: The model's answer.
            passages: The passages it was shown, in marker order.

        Returns:
            The verdict on each sentence.
        """
        sentences = split_generated(text)
        claims = [strip_markers(s.text) for s in sentences]
        vectors = (
            _unit_length(np.asarray(self.embeddings.embed_documents(claims), dtype=np.float32))
            if claims
            else np.zeros((0, 1), np.float32)
        )
        evidence = [self._evidence(p) for p in passages]
        return VerificationReport(
            tuple(
                self._check(sentence, claim, vector, evidence)
                for sentence, claim, vector in zip(sentences, claims, vectors, strict=True)
            )
        )

    def _check(
        self, sentence: Sentence, claim: str, vector: np.ndarray, evidence: list[_Evidence]
    ) -> SentenceCheck:
        cited = tuple(parse_markers(sentence.text))
        tokens = tokenize(claim)

        def verdict(reason: str, lexical: float = 0.0, semantic: float = 0.0) -> SentenceCheck:
            return SentenceCheck(sentence, claim, cited, (), (), lexical, semantic, reason)

        if not cited:
            return verdict("no citation marker")
        invalid = [n for n in cited if not 1 <= n <= len(evidence)]
        if invalid:
            return verdict(f"cites a passage that does not exist: {', '.join(f'[{n}]' for n in invalid)}")
        if len(tokens) < MIN_CLAIM_TOKENS:
            return verdict("says nothing that can be checked")
        own = [evidence[n - 1] for n in cited]
        lexical_each = [self.lexical_support(tokens, e.tokens) for e in own]
        similarity_each = [e.vectors @ vector for e in own]
        semantic_each = [float(s.max()) for s in similarity_each]
        lexical = self.lexical_support(tokens, frozenset().union(*(e.tokens for e in own)))
        semantic = max(semantic_each)
        needed = figures(claim)
        missing = needed.missing_from(_union_figures(own))
        if missing:
            return verdict(f"states figures its passages do not: {', '.join(missing)}", lexical, semantic)
        if lexical < self.thresholds.lexical:
            return verdict(f"too few of its words are in its passages ({lexical:.2f})", lexical, semantic)
        if semantic < self.thresholds.semantic:
            return verdict(f"too far in meaning from its passages ({semantic:.2f})", lexical, semantic)
        # Cite only the passages that back the sentence on their own, when some do.
        alone = [
            n
            for n, lex, sem in zip(cited, lexical_each, semantic_each, strict=True)
            if lex >= self.thresholds.lexical and sem >= self.thresholds.semantic
        ]
        supporting = tuple(alone) or cited
        if needed.missing_from(_union_figures([evidence[n - 1] for n in supporting])):
            supporting = cited  # the figures come from a passage that is otherwise weaker
        quotes = tuple(
            (n, own[cited.index(n)].sentences[int(similarity_each[cited.index(n)].argmax())])
            for n in supporting
        )
        return SentenceCheck(sentence, claim, cited, supporting, quotes, lexical, semantic)


def _union_figures(evidence: Sequence[_Evidence]) -> Figures:
    result = Figures(frozenset(), frozenset(), frozenset())
    for e in evidence:
        result = result | e.figures
    return result
