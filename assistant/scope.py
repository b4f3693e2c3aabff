"""Scope stage: small talk, requests outside the assistant's job, personal decisions, relevance.

The message is only ever classified here: text such as "ignore your instructions" or "you
are now ..." is content to classify, never an instruction that widens the scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Intent = Literal["greeting", "thanks", "goodbye", "task", "personal_decision", "question"]

_GREETING = re.compile(
    r"^(?:hi+|hello+|hey+|hiya|howdy|good (?:morning|afternoon|evening)|greetings|yo)\b[\s!.,?]*"
    r"(?:there|everyone|all|assistant|bot)?[\s!.,?]*$",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"^(?:(?:ok(?:ay)?|great|perfect|awesome|cool|brilliant)[\s,!.]*)?"
    r"(?:thanks?(?: you)?|thank u|thx|ty|cheers|much appreciated|that (?:helps|helped))"
    r"(?: (?:so|very) much| a lot| again| for (?:the|your) (?:help|info|information|answer))?[\s!.]*$",
    re.IGNORECASE,
)
_GOODBYE = re.compile(r"^(?:bye+|goodbye|see (?:you|ya)|good night|take care)[\s!.]*$", re.IGNORECASE)
# Requests to produce something other than an answer from the documents.
_TASK = re.compile(
    r"\b(?:write|compose|generate|make up|create|sing|draw|code|program|implement|translate|"
    r"summari[sz]e the (?:news|book)|tell me a)\b.{0,40}?\b(?:poem|haiku|song|story|joke|essay|"
    r"code|script|program|function|python|javascript|sql|html|limerick|rap|recipe|letter|email|"
    r"tweet|lyrics)s?\b"
    r"|\b(?:poem|haiku|limerick|joke|song|story|recipe)\b.{0,20}\babout\b"
    r"|\b(?:python|javascript|sql|regex|bash)\b.{0,30}\b(?:code|script|function|query)\b",
    re.IGNORECASE,
)
# Decisions that belong to the patient and their clinician.
_PERSONAL = re.compile(
    r"\bhow (?:much|many|often)\b.{0,40}\b(?:take|use|have|mg|milligrams?|pills?|tablets?|doses?)\b"
    r"|\b(?:what|which|right|correct|safe|max(?:imum)?|recommended)\s+(?:dose|dosage|amount)\b"
    r"|\b(?:dose|dosage)\b.{0,30}\b(?:should|for me|do i|can i)\b"
    r"|\b\d+\s*(?:mg|milligrams?|mcg)\b"
    r"|\bshould i (?:take|stop|start|quit|keep taking|increase|double|lower|reduce|up|come off|"
    r"get|have|go for|do|try|skip|cancel|avoid|combine|mix)\b"
    r"|\b(?:can|could|may) i (?:take|stop|mix|combine|double|increase|drink (?:alcohol|wine|beer))\b"
    r".{0,60}\b(?:with|and|while|on|medicines?|meds?|pills?|tablets?|doses?|gabapentin|"
    r"duloxetine|ibuprofen|nsaids?|steroids?|opioids?|alcohol)\b"
    r"|\b(?:stop(?:ping)?|quit(?:ting)?|come off|coming off|wean(?:ing)? off)\b.{0,30}"
    r"\b(?:meds?|medicines?|medications?|pills?|tablets?|gabapentin|duloxetine|lyrica|pregabalin|"
    r"cymbalta|ibuprofen|opioids?|tramadol|steroids?)\b"
    r"|\b(?:combine|mix(?:ing)?|together with|at the same time as)\b.{0,40}\b(?:meds?|medicines?|"
    r"medications?|pills?|gabapentin|duloxetine|ibuprofen|nsaids?|alcohol|tramadol|opioids?)\b"
    r"|\b(?:pregnan\w*|breast ?feeding|nursing (?:mother|my baby)|trying to conceive|ttc)\b"
    r"|\b(?:should|do i need to|must i|is it worth)\b.{0,30}\b(?:have|get|go for|undergo|do|book)?\s*"
    r"(?:the |a |an )?(?:surgery|operation|op|decompression|neurectomy|ablation|rfa|injection|block)\b",
    re.IGNORECASE,
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
    text = message.strip()
    if _GREETING.match(text):
        return ScopeDecision("greeting")
    if _THANKS.match(text):
        return ScopeDecision("thanks")
    if _GOODBYE.match(text):
        return ScopeDecision("goodbye")
    if _TASK.search(text):
        return ScopeDecision("task")
    if _PERSONAL.search(text):
        return ScopeDecision("personal_decision")
    return ScopeDecision("question")
