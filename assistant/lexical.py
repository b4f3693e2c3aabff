"""Lexical stage: a real tokenizer (case, punctuation, light stemming), lay-term expansion, BM25."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
LAY_TERMS_FILE = DATA_DIR / "lay_terms.yaml"
EXPANSION_WEIGHT = 0.5  # an expanded term counts half as much as a word the patient used

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves im ive id dont doesnt cant get
    got getting also really still much many like ok okay please thanks hi hello lot bit thing
    things kind sort anyone someone something anything one ones""".split()
)
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_SUFFIXES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("fulness", "ful"),
    ("iveness", "ive"),
    ("ators", "at"),
    ("ator", "at"),
    ("ements", ""),
    ("ement", ""),
    ("ments", ""),
    ("ment", ""),
    ("ness", ""),
    ("ivities", "iv"),
    ("ivity", "iv"),  # sensitivity -> sensitiv, as sensitive -> sensitiv
    ("ings", ""),
    ("ing", ""),
    ("edly", ""),
    ("ied", "y"),
    ("ies", "y"),
    ("ed", ""),
    ("ions", ""),
    ("ion", ""),
    ("ful", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripping stemmer: nerves/nerve, injections/injection, sitting/sit.

    Args:
        word: A lower-case token.

    Returns:
        Its stem (short words and numbers are returned unchanged).
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    stripped = False
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix in {"ion", "ions"} and word[-len(suffix) - 1] not in "st":
                continue
            word = word[: -len(suffix)] + replacement
            stripped = True
            break
    if stripped and len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # sitting -> sitt -> sit
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]  # nerve -> nerv, to meet "nerves" -> "nerv"
    return word


def normalise(text: str) -> str:
    """Lower-case, strip accents and unify dashes and quotes."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower().replace("’", "'").replace("'", "")


def words(text: str) -> list[str]:
    """Lower-case word tokens (numbers and codes such as ``t12`` kept), no stemming."""
    return _TOKEN_RE.findall(normalise(text))


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: words without stop words, stemmed."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


@lru_cache(maxsize=1)
def load_lay_terms(path: Path = LAY_TERMS_FILE) -> dict[tuple[str, ...], tuple[str, ...]]:
    """The lay-term table, keyed by the phrase's word tuple."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {tuple(words(str(k))): tuple(str(v) for v in values) for k, values in raw.items()}


def expand(text: str) -> list[str]:
    """Document words that lay phrases in ``text`` stand for (not stemmed)."""
    tokens = words(text)
    table = load_lay_terms()
    found: list[str] = []
    for phrase, targets in table.items():
        n = len(phrase)
        if any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1)):
            found.extend(targets)
    return found


def weighted_query(text: str) -> dict[str, float]:
    """The BM25 query: the patient's own terms at weight 1, lay-term expansions lower."""
    weights: dict[str, float] = {}
    for term in tokenize(text):
        weights[term] = 1.0
    for phrase in expand(text):
        for term in tokenize(phrase):
            weights.setdefault(term, EXPANSION_WEIGHT)
    return weights


@dataclass
class BM25Index:
    """Okapi BM25 over a fixed list of texts (the corpus is small; this is exact and fast)."""

    k1: float = 1.2
    b: float = 0.75

    def fit(self, texts: Sequence[str]) -> BM25Index:
        """Index the texts (their positions are the result ids)."""
        self._tf = [Counter(tokenize(t)) for t in texts]
        self._len = [sum(tf.values()) for tf in self._tf]
        self._avg = (sum(self._len) / len(self._len)) if self._len else 0.0
        df: Counter[str] = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self._tf)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._postings: dict[str, list[int]] = {}
        for i, tf in enumerate(self._tf):
            for term in tf:
                self._postings.setdefault(term, []).append(i)
        return self

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term (0 when unseen)."""
        return self._idf.get(term, 0.0)

    def scores(self, query: dict[str, float]) -> dict[int, float]:
        """BM25 score of every text that shares a term with the weighted query."""
        out: dict[int, float] = {}
        for term, weight in query.items():
            idf = self._idf.get(term)
            if idf is None:
                continue
            for i in self._postings[term]:
                tf = self._tf[i][term]
                norm = tf + self.k1 * (1 - self.b + self.b * self._len[i] / (self._avg or 1))
                out[i] = out.get(i, 0.0) + weight * idf * tf * (self.k1 + 1) / norm
        return out

    def top(self, query: dict[str, float], k: int) -> list[tuple[int, float]]:
        """The ``k`` best ``(position, score)`` pairs, best first."""
        ranked = sorted(self.scores(query).items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:k]


def overlap(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard overlap of two token collections."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0
