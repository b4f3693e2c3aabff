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
QUESTION_TYPES_FILE = DATA_DIR / "question_types.yaml"
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
    things kind sort anyone someone something anything one ones normally""".split()
)
# "normally" asks how often ("is it normally on one side?"), but stems to "normal", the word of
# normal scans and exams: it is a stop word.
# Words that judge rather than name a topic ("is walking good or bad for it?"): in a question
# they count little, or "good-to-excellent outcomes" answers a question about walking.
JUDGEMENT_WORDS = frozenset({"good", "bad", "great", "fine", "best", "ok", "okay"})
JUDGEMENT_WEIGHT = 0.3
# A length of time in the patient's story ("I sit nine hours a day", "for 2 months") says how
# long, not what about: BM25 otherwise ranks first the passage about a block's relief "in hours".
TIME_UNITS = frozenset(
    "minute minutes min mins hour hours hr hrs day days week weeks wk wks month months year years yr yrs".split()
)
QUANTITIES = frozenset(
    """a an one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty
    forty fifty few couple several many some every each per""".split()
)
STORY_WEIGHT = 0.3
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
    ("atory", ""),  # confirmatory -> confirm
    ("atives", ""),
    ("ative", ""),  # preventative -> prevent, as prevention -> prevent
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


# Forms suffix stripping gets wrong ("goes" -> "goe"), so "it goes away" meets "go away".
_IRREGULAR = {"goes": "go", "going": "go", "went": "go", "gone": "go"}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripping stemmer: nerves/nerve, injections/injection, sitting/sit.

    Args:
        word: A lower-case token.

    Returns:
        Its stem (short words and numbers are returned unchanged).
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    stripped = False
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix in {"ion", "ions"} and word[-len(suffix) - 1] not in "st":
                continue
            if suffix in {"ative", "atives"} and len(word) - len(suffix) < 5:
                continue  # negative, relative: too short a stem to be safe
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
    """Lower-case word tokens (numbers and codes such as ``t12`` kept), no stemming.

    A percent sign is the word "percent", so "how common" can meet "up to 14 % of ...".
    """
    return _TOKEN_RE.findall(normalise(text).replace("%", " percent "))


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: words without stop words, stemmed."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a repeated key (YAML itself keeps the last one silently)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[object, object]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ValueError(f"{key!r} appears twice in {LAY_TERMS_FILE.name}; merge its entries.")
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


@dataclass(frozen=True, slots=True)
class LayTerm:
    """One entry of the lay-term table."""

    phrase: tuple[str, ...]  # stemmed words
    targets: tuple[str, ...]  # document words it stands for
    idiom: bool = False  # the patient's own words mean nothing literally ("coming back")


@dataclass(frozen=True, slots=True)
class LayMatch:
    """A lay phrase found in a text, at word positions ``start:end``."""

    term: LayTerm
    start: int
    end: int
    written: tuple[str, ...]


@lru_cache(maxsize=1)
def load_lay_terms(path: Path = LAY_TERMS_FILE) -> dict[tuple[str, ...], LayTerm]:
    """The lay-term table, keyed by the phrase's stemmed word tuple.

    An entry is ``phrase: [document words]``, or ``phrase: {idiom: [document words]}`` when the
    phrase's own words mislead ("coming back" is not about the back). Keys are stemmed, so one
    entry covers its inflections ("squeeze" also matches "squeezes", "squeezed", "squeezing").
    """
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
    table: dict[tuple[str, ...], LayTerm] = {}
    for key, value in raw.items():
        idiom = isinstance(value, dict)
        values = value.get("idiom", []) if isinstance(value, dict) else value
        phrase = tuple(stem(w) for w in words(str(key)))
        earlier = table[phrase].targets if phrase in table else ()
        targets = earlier + tuple(str(v) for v in values if str(v) not in earlier)
        table[phrase] = LayTerm(phrase, targets, idiom or (phrase in table and table[phrase].idiom))
    return table


@lru_cache(maxsize=1)
def _longest_first() -> tuple[LayTerm, ...]:
    return tuple(sorted(load_lay_terms().values(), key=lambda term: -len(term.phrase)))


def lay_phrases_in(text: str) -> list[LayMatch]:
    """The lay phrases a text uses, each at its first occurrence.

    Longer phrases win: the words of "pins and needles" do not also count as "needle", nor
    "working out" as "work".
    """
    written = words(text)
    stems = [stem(w) for w in written]
    taken = [False] * len(stems)
    found = []
    for term in _longest_first():
        phrase, n = term.phrase, len(term.phrase)
        for i in range(len(stems) - n + 1):
            if tuple(stems[i : i + n]) == phrase and not any(taken[i : i + n]):
                taken[i : i + n] = [True] * n
                found.append(LayMatch(term, i, i + n, tuple(written[i : i + n])))
                break
    return found


def expand(text: str) -> list[str]:
    """Document words that lay phrases in ``text`` stand for (not stemmed)."""
    return [t for match in lay_phrases_in(text) for t in match.term.targets]


def dense_query(text: str) -> str:
    """The text the dense model searches with: the question and what its lay phrases stand for.

    Each document word is added once ("my bum" -> "my bum (buttock, gluteal)").
    MiniLM knows everyday English but not this corpus's vocabulary; given both, it matches
    passages that use the clinical word (dense-only hit@4 rose from 70% to 76% on the eval).
    """
    seen = set(words(text))
    extra = [t for t in dict.fromkeys(expand(text)) if not set(words(t)) <= seen]
    return f"{text} ({', '.join(extra)})" if extra else text


def _story_times(written: Sequence[str]) -> set[int]:
    """Positions of the words of a length of time: "nine hours", "2 months", "a day"."""
    found: set[int] = set()
    for i in range(1, len(written)):
        if written[i] in TIME_UNITS and (written[i - 1] in QUANTITIES or written[i - 1].isdigit()):
            found.update((i - 1, i))
    return found


def weighted_query(text: str) -> dict[str, float]:
    """The BM25 query: the patient's own terms at weight 1, lay-term expansions lower.

    The words of an idiom ("coming back", "in the first place") are replaced by what it
    stands for rather than searched for themselves.
    """
    matches = lay_phrases_in(text)
    idiomatic = {i for m in matches if m.term.idiom for i in range(m.start, m.end)}
    weights: dict[str, float] = {}
    written = words(text)
    story = _story_times(written)
    for i, word in enumerate(written):
        if word not in STOPWORDS and i not in idiomatic:
            low = word in JUDGEMENT_WORDS or i in story  # these weigh less (see above)
            weights[stem(word)] = max(weights.get(stem(word), 0.0), STORY_WEIGHT if low else 1.0)
    for match in matches:
        for phrase in match.term.targets:
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
        return self.rank(self.scores(query), k)

    @staticmethod
    def rank(scores: dict[int, float], k: int) -> list[tuple[int, float]]:
        """The ``k`` best of already computed scores, best first (ties by position)."""
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def overlap(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard overlap of two token collections."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


@dataclass(frozen=True, slots=True)
class QuestionType:
    """A kind of question whose answer has a recognisable form in a passage."""

    name: str
    asks: tuple[tuple[str, ...], ...]  # stemmed phrases that mark the question
    patterns: tuple[re.Pattern[str], ...]  # forms of the answer in a passage

    def answers(self, passage: str) -> bool:
        """Whether a passage has the form of this type's answer."""
        text = passage.lower()
        return any(p.search(text) for p in self.patterns)


@dataclass(frozen=True, slots=True)
class TypedQuestion:
    """A question type found in a question, and what the question says besides."""

    name: str
    rest: str  # the question's other words, without the type phrase and the subject's name


@dataclass(frozen=True, slots=True)
class QuestionTypes:
    """The question-type table (``assistant/data/question_types.yaml``)."""

    subject: frozenset[str]  # stemmed words that only name the documents' subject, or link to it
    types: dict[str, QuestionType]


@lru_cache(maxsize=1)
def load_question_types(path: Path = QUESTION_TYPES_FILE) -> QuestionTypes:
    """The question-type table, its phrases stemmed and its patterns compiled."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    types = {
        str(name): QuestionType(
            str(name),
            tuple(tuple(stem(w) for w in words(str(a))) for a in entry.get("asks", [])),
            tuple(re.compile(str(p)) for p in entry.get("answers", [])),
        )
        for name, entry in (raw.get("types") or {}).items()
    }
    named = [*raw.get("subject", []), *raw.get("linking", [])]
    subject = frozenset(stem(w) for term in named for w in words(str(term)))
    return QuestionTypes(subject, types)


def question_types_in(text: str) -> list[TypedQuestion]:
    """The question types a text asks, each with the rest of the question.

    "how common is cluneal nerve entrapment?" asks ``prevalence`` and nothing else; "is it
    common to feel numb after the injection?" asks it about "feel numb after the injection".
    """
    table = load_question_types()
    written = words(text)
    stems = [stem(w) for w in written]
    found = []
    for qtype in table.types.values():
        for phrase in qtype.asks:
            n = len(phrase)
            at = next((i for i in range(len(stems) - n + 1) if tuple(stems[i : i + n]) == phrase), None)
            if at is None:
                continue
            rest = [
                w
                for i, w in enumerate(written)
                if not at <= i < at + n and stems[i] not in table.subject and w not in STOPWORDS
            ]
            found.append(TypedQuestion(qtype.name, " ".join(rest)))
            break
    return found
