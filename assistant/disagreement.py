"""Source disagreements: when documents state different values for the fact a question asks.

Fact types are data: what a question about them looks like, how a value is written, and how
the subject (which nerve group) is named. For each subject, the values stated by different
documents are compared; when they differ, every version is shown with its citation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.units import Unit

SUBJECTS: dict[str, re.Pattern[str]] = {
    "superior": re.compile(r"\b(?:superior cluneal|SCN|SCNE)\b", re.IGNORECASE),
    "middle": re.compile(r"\b(?:middle cluneal|MCN)\b", re.IGNORECASE),
    "inferior": re.compile(r"\b(?:inferior cluneal|ICN)\b", re.IGNORECASE),
}


@dataclass(frozen=True, slots=True)
class FactType:
    """A kind of fact the documents may disagree on."""

    name: str
    question: re.Pattern[str]
    value: re.Pattern[str]
    context: re.Pattern[str]  # the unit must also say this, so the value is the right fact
    per_subject: bool = True  # compare values per nerve group (False: one fact for all)


FACT_TYPES = (
    FactType(
        name="spinal levels",
        question=re.compile(
            r"\b(?:come from|comes from|originat\w*|aris\w*|emerg\w*|root\w*|levels?|"
            r"branch(?:es)? (?:off|from)|spinal nerves?|vertebra\w*)\b",
            re.IGNORECASE,
        ),
        value=re.compile(r"\b([TLS])(\d{1,2})\s*[–-]\s*([TLS])?(\d{1,2})\b"),
        context=re.compile(r"\b(?:roots?|rami|spinal|originat\w*|aris\w*|emerge|branch)", re.IGNORECASE),
    ),
    FactType(
        name="distance from the midline",
        question=re.compile(
            r"\b(?:midline|middle of (?:my|the) back|(?:from|off|beside|next to) (?:my|the) spine|"
            r"how far (?:from|out|over|off|away|to the side)|distance|cm|centimet\w*|"
            r"inches|exactly where|where exactly|where (?:is|does) (?:the|it|my) pain)\b",
            re.IGNORECASE,
        ),
        value=re.compile(r"\b(\d+(?:\s*(?:–|-|to)\s*\d+)?)\s*(?:cm|centimet(?:er|re)s?)\b"),
        context=re.compile(r"\bmidline\b", re.IGNORECASE),
    ),
    FactType(
        name="relief that makes a diagnostic block positive",
        question=re.compile(
            r"\bhow much (?:better|relief|less pain|improvement|reduction)\b"
            r"|\b(?:count|counts|counted|considered|deemed|called|qualif\w*)\s+(?:as\s+)?(?:a\s+)?positive\b"
            r"|\bpositive (?:test|block|result|response)\b|\bwhat (?:is|makes|counts as) (?:a )?positive\b",
            re.IGNORECASE,
        ),
        value=re.compile(r"(?<![\d.])[<>≥≤]?\s*(\d+(?:\s*[–-]\s*\d+)?)\s*%"),
        context=re.compile(r"\b(?:positive (?:test|block)|equals a positive|defined as)\b", re.IGNORECASE),
        per_subject=False,
    ),
)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Different values that documents give for one fact about one subject."""

    fact: str
    subject: str
    versions: list[tuple[str, Unit]]  # (normalised value, unit stating it), one per document


def _normalise(fact: FactType, match: re.Match[str]) -> str:
    if fact.name == "spinal levels":
        a, n1, b, n2 = match.groups()
        return f"{a}{n1}-{b or a}{n2}"
    return re.sub(r"\s*(?:–|-|to)\s*", "-", match.group(1))


def _subject_of(unit: Unit) -> str | None:
    """The nerve group a unit is about: the first it names, else its context's."""
    named = [s for s, p in SUBJECTS.items() if p.search(unit.text)]
    if not named:
        named = [s for s, p in SUBJECTS.items() if p.search(unit.context)][:1]
    return named[0] if named else None


def find_disagreements(question: str, units: Sequence[Unit]) -> list[Disagreement]:
    """Facts the question asks about on which the documents disagree.

    Args:
        question: The (rewritten) question.
        units: Candidate units (typically every unit of the corpus).

    Returns:
        One entry per (fact, subject) with two or more documents stating different values.
    """
    asked_subjects = [s for s, pattern in SUBJECTS.items() if pattern.search(question)]
    found: list[Disagreement] = []
    for fact in FACT_TYPES:
        if not fact.question.search(question):
            continue
        subjects = list(SUBJECTS) if fact.per_subject else [""]
        for subject in subjects:
            if fact.per_subject and asked_subjects and subject not in asked_subjects:
                continue
            by_doc: dict[str, tuple[str, Unit]] = {}
            for unit in units:
                match = fact.value.search(unit.text)
                if not (match and fact.context.search(unit.text)):
                    continue
                # The unit names its nerve group, or its section or previous sentence does.
                if fact.per_subject and _subject_of(unit) != subject:
                    continue  # about another nerve group (the first one named)
                by_doc.setdefault(unit.doc_id, (_normalise(fact, match), unit))
            if len({value for value, _ in by_doc.values()}) >= 2:
                found.append(Disagreement(fact.name, subject, list(by_doc.values())))
    return found
