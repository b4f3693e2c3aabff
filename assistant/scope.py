"""Scope stage: small talk, requests outside the assistant's job, and personal decisions.

The message is only ever classified here: text such as "ignore your instructions" or "you
are now ..." is content to classify, never an instruction that widens the scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.lexical import STOPWORDS, words
from assistant.relevance import load_scope_terms

Intent = Literal["greeting", "thanks", "goodbye", "task", "other_language", "personal_decision", "question"]

# Function words of other languages patients may write in (Spanish, Portuguese, French,
# German, Italian). The documents are English only, so such a message is declined politely
# (the guard has already read it, including its non-English red-flag rule).
_FOREIGN_WORDS = frozenset(
    """el los las una unos por para con que del muy pero como esta estoy tengo puedo duele
    dolor espalda nalga nervio ayuda meu minha uma com nao estou tenho dor costas les des est
    pour avec une je suis mon mes dans mal dos quoi comment der die das und ist nicht ich mein
    meine eine einen bei mit fur schmerzen rucken was wie hilft gegen il lo gli della sono mio
    mia schiena""".split()
)

_GREETING_WORDS = frozenset(
    """hi hii hello hey heya hiya howdy yo greetings morning afternoon evening""".split()
)
_THANKS_WORDS = frozenset(["thanks", "thank", "thx", "ty", "ta", "cheers", "appreciated", "appreciate"])
_BYE_WORDS = frozenset(
    ["bye", "goodbye", "byee", "cya", "tara", "laters", "cheerio", "ciao", "toodles", "goodnight", "nite"]
)
# Words that may pad small talk without asking anything ("ok cool thanks bye", "hey how r u").
_PADDING = frozenset(
    """ok okay cool great perfect awesome brilliant lovely nice good so very much a lot you u that
    this it really helped helps helpful for the your help info information answer again there
    all everyone how are r is going doing today see ya later night take care have day and oh ah
    well thats much i im alright fine was were been super useful kind clear informative wonderful
    amazing exactly needed makes sense understand understood gotcha noted mate buddy pal has youve
    youre lots now star legend x xx xxx hope hoping actually truly honestly totally loads heaps
    tons million bunch glad happy bless ace top one nice sweet hun doc lads folks guys me
    everything needed right ill let go anyone anybody someone""".split()
)
_SMALL_TALK_WORDS = _PADDING | _GREETING_WORDS | _THANKS_WORDS | _BYE_WORDS

# Requests to produce something other than an answer from the documents.
_TASK = re.compile(
    r"\b(?:write|compose|generate|make up|create|sing|draw|code|program|implement|translate|"
    r"tell me a)\b.{0,40}?\b(?:poem|haiku|song|story|joke|essay|code|script|program|function|"
    r"python|javascript|sql|html|limerick|rap|recipe|letter|email|tweet|lyrics)s?\b"
    r"|\b(?:poem|haiku|limerick|joke|song|story|recipe)\b.{0,20}\babout\b"
    r"|\b(?:give|send|show|find|got|have) (?:me |us )?(?:a |an |any |some )?(?:good |nice |easy |quick )?recipes?\b"
    r"|\b(?:python|javascript|sql|regex|bash)\b.{0,30}\b(?:code|script|function|query)\b"
    r"|^\s*(?:please\s+)?translate\b|\btranslate (?:this|that|it|into|to)\b",
    re.IGNORECASE,
)
# Shopping advice ("the best office chair brand", "where can I buy ..."): not in the documents.
_SHOPPING = re.compile(
    r"\b(?:brand|brands)\b|\b(?:where|what|which) (?:can|should|do) (?:i|we) buy\b"
    r"|\b(?:best|better) (?:\w+ ){0,3}(?:to|i can|i should) buy\b|\b(?:amazon|ebay|cheapest)\b",
    re.IGNORECASE,
)
# Decisions that belong to the patient and their clinician.
_PERSONAL = re.compile(
    r"\bhow (?:much|many|often)\b.{0,40}\b(?:take|use|(?:should|can|could|do|may|must) i have|mg|milligrams?|pills?|tablets?|doses?)\b"
    r"|\b(?:what|which|right|correct|safe|max(?:imum)?|recommended)\s+(?:dose|dosage|amount)\b"
    # "How much ibuprofen can I give him?": a dose for someone in the writer's care.
    r"|\bhow (?:much|many)\b.{0,40}\b(?:can|should|could|do|may|must) (?:i|we) give\b"
    r"|\b(?:dose|dosage)\b.{0,30}\b(?:should|for me|do i|can i)\b"
    r"|\b\d+\s*(?:mg|milligrams?|mcg)\b"
    r"|\bshould i (?:take|stop|start|quit|keep taking|increase|double|lower|reduce|up|come off|"
    r"skip|cancel|combine|mix)\b"
    # "should I do/try/avoid ..." is a decision only about a treatment: "what exercises should I
    # avoid?" and "should I try heat?" are answered from the documents.
    r"|\bshould i (?:get|have|go for|do|try|avoid|pick|choose)\b.{0,30}\b(?:surgery|operation|op|"
    r"decompression|neurectomy|neurolysis|ablation|rfa|injections?|shots?|blocks?|procedure|"
    r"steroids?|medication|medicines?|meds|pills|tablets|stimulator)\b"
    r"|\b(?:pregnan\w*|breast ?feeding|nursing (?:mother|my baby)|trying to conceive|ttc)\b"
    r"|\bwhich (?:one|option|treatment|procedure|way)?\s*should i\b"
    r"|\b(?:safe|ok|okay|right|best|better|good|suitable|appropriate|worth it|a good idea|enough) for (?:me|her|him)\b"
    # "Based on what I've told you, do I need a nerve block or is physio enough?"
    r"|\bdo (?:i|you think i|she|he) (?:really )?need (?:a |an |the |another |more )?(?:nerve block|block|injection|shot|"
    r"surgery|operation|op|ablation|rfa|scan|mri)s?\b"
    # "Should I go ahead with it?", "should we cancel the surgery?", "should I have a fourth one?"
    r"|\bshould (?:i|we|she|he) (?:just )?(?:go ahead|go for it|proceed|cancel|postpone|delay|put off|agree|"
    r"accept|refuse|say yes|say no|book|wait|ask (?:for|about)|request|push for|"
    r"(?:have|get) (?:it|one|another|more|a (?:second|third|fourth|fifth|2nd|3rd|4th|5th|another)))\b"
    # "Can I just leave the patch on day and night?": longer than the pack or prescriber says.
    r"|\bcan (?:i|she|he|we) (?:just )?(?:leave|keep|wear|use) (?:it|them|the patch(?:es)?|the cream|this) "
    r"(?:on )?(?:longer|for longer|all day|day and night|overnight|all night|24|every day|permanently)\b"
    r"|\blonger than (?:it says|the (?:box|pack|packet|leaflet|label) says|prescribed|recommended)\b"
    # "Can I put two lidocaine patches on at once?": more of a treatment than prescribed.
    r"|\bcan (?:i|she|he|we) (?:put|use|take|wear|apply|have|stick) (?:on )?(?:two|2|three|3|more|another|extra|"
    r"an extra|double|a second)\b|\b(?:two|2|three|3|more|extra)\b.{0,30}\bat (?:once|the same time)\b"
    r"|\b(?:do|would) you (?:think|reckon|recommend|suggest|advise)\b.{0,60}\b(?:i|me|my)\b"
    r"|\b(?:in my (?:position|shoes|situation|case)|what would you do|if you were me)\b"
    r"|\bprescri(?:be|bing|ption)\b"
    # "Can I drive home after my injection?": what a patient may do after their own procedure.
    r"|\bcan (?:i|she|he|we) (?:still )?(?:drive|fly|work|go (?:back )?to work|exercise|swim|shower|bathe|drink)\b"
    r".{0,40}\b(?:after|before|following)\b.{0,30}\b(?:injection|block|procedure|surgery|operation|op|ablation|jab|shot)s?\b"
    r"|\bhow many\b.{0,40}\b(?:a|per) (?:year|month|week|day)\b"
    r"|\b(?:should|do i need to|must i|is it worth)\b.{0,30}\b(?:have|get|go for|undergo|do|book)?\s*"
    r"(?:the |a |an )?(?:surgery|operation|op|decompression|neurectomy|ablation|rfa)\b",
    re.IGNORECASE,
)
_DECISION_WORDS = frozenset(
    """take taking took stop stopping quit quitting start starting combine combining mix mixing
    together dose dosage doses double increase decrease reduce safe ok okay allowed swap switch
    instead wean still""".split()
)


@dataclass(frozen=True, slots=True)
class ScopeDecision:
    """The kind of message, before any retrieval."""

    intent: Intent


def classify(message: str) -> ScopeDecision:
    """Classify a (cleaned) message.

    Args:
        message: The user's message, already validated.

    Returns:
        Its intent: small talk, a task outside the assistant's job, a personal decision, or a
        question to answer from the documents.
    """
    tokens = words(message)
    small_talk = _small_talk(tokens)
    if small_talk is not None:
        return ScopeDecision(small_talk)
    if _TASK.search(message) or _SHOPPING.search(message):
        return ScopeDecision("task")
    if _other_language(tokens):
        return ScopeDecision("other_language")
    if _PERSONAL.search(message) or _medicine_decision(tokens):
        return ScopeDecision("personal_decision")
    return ScopeDecision("question")


def _small_talk(tokens: list[str]) -> Intent | None:
    """Greetings, thanks and goodbyes: short messages made only of such words and padding."""
    # "ta-ra" is a goodbye, not thanks: the two words are read as one (a word pair, not a
    # substring of the joined text, so "vista rash" stays two words).
    tokens = re.sub(r"\bta ra\b", "tara", " ".join(tokens)).split()
    if not tokens or len(tokens) > 16 or any(t not in _SMALL_TALK_WORDS for t in tokens):
        return None
    present = set(tokens)
    if _THANKS_WORDS & present:
        return "thanks"
    farewell = any(
        pair in (["take", "care"], ["good", "night"], ["night", "night"], ["see", "you"], ["you", "later"], ["see", "ya"], ["ya", "later"])
        for pair in (tokens[i : i + 2] for i in range(len(tokens) - 1))
    )  # fmt: skip
    if _BYE_WORDS & present or farewell:
        return "goodbye"
    if _GREETING_WORDS & present:
        return "greeting"
    return None


def _other_language(tokens: list[str]) -> bool:
    """Mostly another language: several of its function words and few English ones."""
    foreign = sum(t in _FOREIGN_WORDS for t in tokens)
    english = sum(t in STOPWORDS for t in tokens)
    return foreign >= 2 and foreign > english


# "Capsaicin cream and a lidocaine patch on top, at the same time?": combining treatments.
_COMBINING = re.compile(r"\b(?:same time|at once|on top|together with|simultaneously|as well as)\b")


def _medicine_decision(tokens: list[str]) -> bool:
    """A medicine named together with a decision about taking, stopping or combining it."""
    medicines = load_scope_terms()["medicines"]
    named = any(tuple(tokens[i : i + len(m)]) == m for m in medicines for i in range(len(tokens)))
    return named and (bool(_DECISION_WORDS & set(tokens)) or bool(_COMBINING.search(" ".join(tokens))))
