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

# A question may also name a group by its position: "where does the lowest cluneal nerve come from?"
_GROUP = r"(?:cluneal|ones?|nerves?|group|branch(?:es)?)\b"
ASKED_SUBJECTS: dict[str, re.Pattern[str]] = {
    name: re.compile(f"{pattern.pattern}|\\b(?:{words}) {_GROUP}", re.IGNORECASE)
    for (name, pattern), words in zip(
        SUBJECTS.items(), ("top|upper|uppermost|highest", "middle", "bottom|lower|lowest"), strict=True
    )
}


@dataclass(frozen=True, slots=True)
class FactType:
    """A kind of fact the documents may disagree on."""

    name: str
    question: re.Pattern[str]
    value: re.Pattern[str]
    context: re.Pattern[str]  # the unit must also say this, so the value is the right fact
    per_subject: bool = True  # compare values per nerve group (False: one fact for all)
    # A question matching ``question`` asks something else when it matches this: "can I use a
    # foam roller on it, and where exactly?" asks where to roll, not how far from the midline.
    not_when: re.Pattern[str] | None = None

    def asked(self, question: str) -> bool:
        """Whether a question asks about this fact."""
        if not self.question.search(question):
            return False
        return self.not_when is None or not self.not_when.search(question)


FACT_TYPES = (
    FactType(
        name="spinal levels",
        question=re.compile(
            # Where the nerves start, not any mention of roots: "a pinched nerve root in the
            # spine" is radiculopathy, and "emergency" is not "emerge".
            # "What share of back pain comes from these nerves?" asks what the nerves cause.
            r"\b(?:(?:come|comes|coming) from(?! (?:the |these |those |this |my )?(?:cluneal |superior |"
            r"middle |inferior )?(?:nerves?|them)\b)|originat\w*|aris(?:e|es|ing)|emerg(?:e|es)|"
            r"start(?:s|ing)? (?:from|at|in)|branch(?:es)? (?:off|from)|"
            r"(?:which|what) (?:spinal |nerve |part of the )?(?:roots?|levels?|vertebra\w*|spine|"
            r"spinal nerves?)|(?:roots?|levels?) (?:do|does|are|is) (?:they|it|the\b))\b",
            re.IGNORECASE,
        ),
        value=re.compile(r"\b([TLS])(\d{1,2})\s*[–-]\s*([TLS])?(\d{1,2})\b"),
        context=re.compile(r"\b(?:roots?|rami|spinal|originat\w*|aris\w*|emerge|branch)", re.IGNORECASE),
    ),
    FactType(
        name="distance from the midline",
        question=re.compile(
            r"\b(?:midline|middle of (?:my|the) back|(?:from|off|beside|next to) (?:my|the) spine|"
            # "long-distance runners" is not a question about a distance.
            r"how far (?:from|out|over|off|away|to the side)|(?<!long[- ])(?<!long)distance|cm|centimet\w*|"
            r"inches|exactly where|where exactly|where (?:is|does) (?:the|it|my) pain)\b",
            re.IGNORECASE,
        ),
        value=re.compile(r"\b(\d+(?:\s*(?:–|-|to)\s*\d+)?)\s*(?:cm|centimet(?:er|re)s?)\b"),
        context=re.compile(r"\bmidline\b", re.IGNORECASE),
        not_when=re.compile(
            r"\b(?:foam[- ]?roll\w*|roller|tennis ball|massag\w*|stretch\w*|exercis\w*|ice|heat|patch\w*|cream|"
            r"prod\w*|palpat\w*)\b",
            re.IGNORECASE,
        ),
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
        # "If I do core work, how much better could it get?" asks about another treatment.
        not_when=re.compile(
            r"\b(?:core|exercis\w*|physio\w*|stretch\w*|surgery|operation|ablation|radiofrequency|rfa?|"
            r"decompression|neurolysis|neurectomy|stimulat\w*|medication|medicines?|pills|tablets)\b",
            re.IGNORECASE,
        ),
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


def corpus_disagreements(units: Sequence[Unit]) -> dict[tuple[str, str], Disagreement]:
    """Every (fact, subject) on which two or more documents state different values.

    The corpus is fixed while the assistant runs, so this is computed once at start and each
    question only looks its facts up (a scan of every unit per question grows with the corpus).

    Args:
        units: Every unit of the corpus.

    Returns:
        The disagreements keyed by ``(fact name, subject)``; subject ``""`` for facts that are
        not about one nerve group.
    """
    found: dict[tuple[str, str], Disagreement] = {}
    for fact in FACT_TYPES:
        by_subject: dict[str, dict[str, tuple[str, Unit]]] = {}
        for unit in units:
            match = fact.value.search(unit.text)
            if not (match and fact.context.search(unit.text)):
                continue
            # The unit names its nerve group, or its section or previous sentence does.
            subject = _subject_of(unit) if fact.per_subject else ""
            if subject is None:
                continue
            by_subject.setdefault(subject, {}).setdefault(unit.doc_id, (_normalise(fact, match), unit))
        for subject, by_doc in by_subject.items():
            if len({value for value, _ in by_doc.values()}) >= 2:
                found[(fact.name, subject)] = Disagreement(fact.name, subject, list(by_doc.values()))
    return found


def find_disagreements(
    question: str, units: Sequence[Unit], known: dict[tuple[str, str], Disagreement] | None = None
) -> list[Disagreement]:
    """Facts the question asks about on which the documents disagree.

    Args:
        question: The (rewritten) question.
        units: Candidate units (typically every unit of the corpus).
        known: ``corpus_disagreements(units)``, computed once; computed here when None.

    Returns:
        One entry per (fact, subject) with two or more documents stating different values.
    """
    asked_facts = [fact for fact in FACT_TYPES if fact.asked(question)]
    if not asked_facts:
        return []
    known = corpus_disagreements(units) if known is None else known
    asked_subjects = [s for s, pattern in ASKED_SUBJECTS.items() if pattern.search(question)]
    found: list[Disagreement] = []
    for fact in asked_facts:
        for subject in list(SUBJECTS) if fact.per_subject else [""]:
            if fact.per_subject and asked_subjects and subject not in asked_subjects:
                continue
            if (fact.name, subject) in known:
                found.append(known[(fact.name, subject)])
    return found
