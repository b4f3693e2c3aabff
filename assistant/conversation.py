"""Conversation stage: validate turns and resolve follow-ups against the history, without an LLM.

"how long does it last?" after a question about nerve blocks becomes a query about nerve
blocks' duration; a self-contained question on a new subject is recognised as a topic change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.errors import InputError
from assistant.lexical import STOPWORDS, stem, words

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 50
MIN_SUBJECT_WORDS = 2  # a follow-up takes earlier turns until it has this many subject words
# Words of nearly every turn about this condition: they do not say what a turn is about.
_UBIQUITOUS = frozenset(stem(w) for w in "pain back nerve cluneal buttock hurt ache".split())

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
# Words that point back at something said before.
_ANAPHORA = frozenset(
    """it its it's this that these those they them their theirs there ones one same both each
    either former latter""".split()
)
# A person named earlier ("my partner has SCNE" ... "what should he avoid when he trains?") is
# pointed at too, when the question does not name its own subject.
_PERSON = frozenset("he she him his her hers himself herself".split())
# Something the earlier turns named ("what were the numbers in the study?").
_DEFINITE_BACK = re.compile(
    r"\bthe (?:study|studies|research|trial|trials|paper|numbers|figures|results)\b", re.IGNORECASE
)
# Openers of a short follow-up ("why?", "is that normal?"); a longer question with one of them
# may be a new subject.
_FOLLOWUP_OPENERS = re.compile(
    r"^(?:so|then|what else|why|how come|is that|are they|does that|do they|can they|will it|"
    r"would it|should i|any|anything|which ones|what ones|how big|how much|how many|how bad|"
    r"how far|how serious)\b",
    re.IGNORECASE,
)
# Acknowledgements before a follow-up ("right, any I should steer clear of?").
_ACKNOWLEDGED = re.compile(r"^(?:right|ok|okay|alright|well|hmm+|cool|great|got it|i see)\W+", re.IGNORECASE)
# Openers that tie any question to the one before, even one that names things of its own ("how
# often, and can I roll right on the sore spot?", "what if that doesn't work?").
_TIED_OPENERS = re.compile(
    r"^(?:and|but|also|what about|how about|what if|how often|how long|ok but|okay but|so which|"
    r"so what about)\b",
    re.IGNORECASE,
)
# A patient announcing a new subject: the question stands on its own whatever it says.
_NEW_TOPIC = re.compile(
    r"^\W*(?:(?:thanks|thank you|thx|ok|okay|great|cool|right|got it|perfect|also)\W+)*"
    r"(?:(?:a |one )?(?:new|different|another|other|separate|unrelated) (?:question|topic|thing)|"
    r"one (?:more|last|other) (?:thing|question)|(?:my )?last question|"
    r"(?:changing|change of) (?:the )?(?:subject|topic)|on (?:a|another) (?:different )?note|"
    r"something else|unrelated|different subject)\b",
    re.IGNORECASE,
)
_ASKS_AGAIN = re.compile(r"^(?:and |so |but |ok |okay )?(?:what|how) about\b", re.IGNORECASE)
# Words too general to carry a topic on their own.
_GENERIC = frozenset(
    """pain hurt hurts hurting help helps long last lasts take takes work works happen happens mean
    means come comes go goes feel feels better worse best need know tell say said good bad much
    many often time times long way ways kind normal avoid should could would do does did make
    makes thing things stuff else start stop try tried people doctor doctors whats hows whos
    wheres whys actually really ever even just maybe probably anyway lol pls please though tho
    sorry exactly basically literally honestly thank thankyou cheers great cool right talking
    talk incredibly extremely terribly awfully super totally absolutely seriously massively
    hugely""".split()
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier turn of a conversation."""

    role: str
    content: str


def clean_text(text: str) -> str:
    """Remove control and invisible characters and collapse spacing (the text stays the user's)."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL_RE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def validate_question(question: Any) -> str:
    """Check a question and return it cleaned.

    Raises:
        InputError: Not a string, empty, or longer than ``MAX_QUESTION_CHARS``.
    """
    if not isinstance(question, str):
        raise InputError(f"The question must be text. Currently, it is {type(question).__name__}.")
    cleaned = clean_text(question)
    if not cleaned:
        raise InputError("The question is empty: please type a question.")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InputError(
            f"The question is too long ({len(cleaned):,} characters): please keep it under "
            f"{MAX_QUESTION_CHARS:,} characters."
        )
    return cleaned


def parse_history(history: Any) -> list[Turn]:
    """Normalise a history in the CLI batch format.

    Args:
        history: A list of earlier turns, oldest first; each a string (an earlier user message)
            or ``{"role": "user"|"assistant", "content": str}``. None means no history.

    Raises:
        InputError: The history is not a list or a turn is malformed.
    """
    if history is None:
        return []
    if not isinstance(history, list):
        raise InputError(f"history must be a list of turns. Currently, it is {type(history).__name__}.")
    turns: list[Turn] = []
    for i, item in enumerate(history[-MAX_HISTORY_TURNS:]):
        if isinstance(item, str):
            turns.append(Turn("user", clean_text(item)[:MAX_QUESTION_CHARS]))
        elif (
            isinstance(item, dict)
            and item.get("role") in {"user", "assistant"}
            and isinstance(item.get("content"), str)
        ):
            turns.append(Turn(str(item["role"]), clean_text(item["content"])))
        else:
            raise InputError(
                f"history[{i}] must be a string or {{'role': 'user'|'assistant', 'content': str}}."
            )
    return turns


def user_messages(turns: Sequence[Turn]) -> list[str]:
    """The earlier user messages, oldest first."""
    return [t.content for t in turns if t.role == "user" and t.content]


def content_words(text: str) -> list[str]:
    """Words that carry a topic: not stop words, not generic question words."""
    return [w for w in words(text) if w not in STOPWORDS and w not in _GENERIC and len(w) > 1]


def is_followup(question: str, topical: set[str]) -> bool:
    """Whether a question leans on earlier turns to be understood.

    Args:
        question: The new user message.
        topical: Stemmed-free words known to be about the corpus's subject (so a question
            naming its own subject is self-contained).
    """
    if _NEW_TOPIC.match(question):
        return False
    tokens = words(question)
    own_topic = [w for w in content_words(question) if w in topical]
    pointing = any(t in _ANAPHORA for t in tokens) or (
        len(own_topic) < 2 and (any(t in _PERSON for t in tokens) or bool(_DEFINITE_BACK.search(question)))
    )
    opener = bool(_FOLLOWUP_OPENERS.match(_ACKNOWLEDGED.sub("", question.strip())))
    short = len(content_words(question)) <= 2
    if _TIED_OPENERS.match(question.strip()):
        return True
    if own_topic and len(own_topic) >= 2 and not pointing:
        return False  # names its own subject: a topic change, not a follow-up
    return pointing or (opener and short) or (short and not own_topic)


# Alternatives of one kind: a follow-up naming one replaces the others from earlier turns
# ("what about the inferior one?" after a question about the superior nerves).
FACETS: tuple[frozenset[str], ...] = (
    frozenset("superior middle inferior upper lower top bottom".split()),
    frozenset("heat ice cold".split()),
    frozenset("sitting standing walking running cycling driving lying".split()),
    frozenset(
        """surgery surgical operation decompression neurolysis neurectomy injection injections
        shot shots block blocks ablation radiofrequency rf rfa stimulation stimulator
        medication medications meds pills nsaids gabapentin exercises exercise stretches
        stretching massage physio therapy yoga pilates""".split()
    ),
)


def _siblings(question_words: set[str]) -> set[str]:
    """Earlier words that a follow-up's own words replace."""
    out: set[str] = set()
    for facet in FACETS:
        if facet & question_words:
            out |= facet - question_words
    return out


def rewrite(question: str, turns: Sequence[Turn], topical: set[str]) -> str:
    """Make a follow-up self-contained by adding the subject of the conversation.

    Earlier user turns are resolved in order first, so a follow-up of a follow-up keeps the
    original subject. "What about X?" keeps the earlier question and swaps in X; other
    follow-ups ("how long does it last?") add the earlier subject words. Assistant turns are
    not used: they quote documents, which would drown the subject.

    Returns:
        The question, with the earlier subject words appended when it is a follow-up.
    """
    messages = user_messages(turns)
    if not messages or not is_followup(question, topical):
        return question
    resolved = ""
    for i, message in enumerate(messages):
        earlier = [Turn("user", m) for m in messages[:i]]
        resolved = rewrite(message, earlier, topical) if earlier else message
    own = set(words(question))
    replaced = _siblings(own)
    added: list[str] = []
    subjects = 0
    for previous in [resolved, *reversed(messages)]:
        # Any form of a corpus word carries the subject: "she sits in her armchair" -> sitting.
        subject = [
            w for w in content_words(previous) if (w in topical or stem(w) in topical) and w not in replaced
        ]
        if subject:
            # "What about the middle ones?" asks the earlier question again, so it keeps the
            # earlier question's own words too ("what does the pain feel like").
            keep = words(previous) if _ASKS_AGAIN.match(question.strip()) else content_words(previous)
            added += [
                w
                for w in dict.fromkeys(keep)
                if w not in STOPWORDS and w not in replaced and w not in own and w not in added
            ]
            subjects += len({stem(w) for w in subject} - _UBIQUITOUS)
            # One subject word may be only the end of a story ("now the pain's creeping back"
            # after "my nerve block was amazing"): the turn before it names what it is about.
            if subjects >= MIN_SUBJECT_WORDS:
                break
    return f"{question} ({' '.join(added[:12])})" if added else question
