"""FAQ: the questions the corpus answers, read from its FAQ lines, question headings and sections.

The front desk browses this list. Every answer is a verbatim span of a document's cleaned text,
so nothing here is written by the assistant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.records import Block, Document

Origin = Literal["faq", "question_heading", "section"]

MAX_ANSWER_CHARS = 600
MAX_LIST_ITEMS = 6
# Headings that name a part of a page rather than a subject a patient asks about.
GENERIC_HEADINGS = frozenset(
    {"introduction", "final thoughts", "key takeaways", "summary", "conclusion", "references"}
)

# "Is it common in runners? Long-distance runners ..." — a question and its answer on one line.
_FAQ_LINE_RE = re.compile(r"^(?P<question>[A-Z][^?\n]{5,160}\?)\s+(?P<answer>\S.{9,})$", re.DOTALL)
_NUMBERING_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s+")


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """A question the corpus answers, with the passage that answers it."""

    question: str
    answer: str
    doc_id: str
    title: str
    section: str
    origin: Origin


def _heading_text(text: str) -> str:
    return _NUMBERING_RE.sub("", text).strip()


def _shorten(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + " …"


def _answer_under(doc: Document, blocks: Sequence[Block], position: int) -> str:
    """The first paragraph under the heading at ``position``, or its first list items."""
    heading = blocks[position]
    items: list[str] = []
    for block in blocks[position + 1 :]:
        inside = block.section[: len(heading.section)] == heading.section
        if not inside:
            break
        if block.kind == "heading":
            break  # a parent of sub-sections: they are listed on their own
        text = doc.text[block.start : block.end].strip()
        if block.kind == "paragraph" and not text.endswith(":"):
            if items:
                break
            for sentence in doc.withheld:  # a reviewer kept it out of answers
                text = " ".join(text.replace(sentence, " ").split())
            return _shorten(text)
        items.append(text)
        if len(items) >= MAX_LIST_ITEMS:
            break
    if not items:
        return ""
    # "Seek help if you have:" followed by bullets reads as one sentence.
    lead = items.pop(0) + " " if items and items[0].endswith(":") and len(items) > 1 else ""
    return _shorten(lead + "; ".join(item.rstrip(".:;") for item in items) + ".")


def entries_for(doc: Document) -> list[FaqEntry]:
    """The questions one document answers, in document order."""
    found: list[FaqEntry] = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        text = doc.text[block.start : block.end].strip()
        section = " > ".join(block.section)
        if block.kind == "heading":
            question = _heading_text(text)
            if question.casefold() in GENERIC_HEADINGS:
                continue
            answer = _answer_under(doc, blocks, i)
            # A section made of FAQ lines ("8. FAQs") is listed line by line instead.
            if answer and not _FAQ_LINE_RE.match(answer):
                origin: Origin = "question_heading" if question.endswith("?") else "section"
                found.append(FaqEntry(question, answer, doc.doc_id, doc.title, section, origin))
        elif block.kind == "paragraph" and (match := _FAQ_LINE_RE.match(text)):
            found.append(
                FaqEntry(
                    match["question"].strip(),
                    _shorten(match["answer"].strip()),
                    doc.doc_id,
                    doc.title,
                    section,
                    "faq",
                )
            )
    return found


def build_faq(documents: Iterable[Document]) -> list[FaqEntry]:
    """Every question the corpus answers: questions first, then the topics its sections cover.

    Args:
        documents: The cleaned corpus documents.

    Returns:
        Entries with duplicates (same question, ignoring case and punctuation) removed, keeping
        the first; questions (FAQ lines and question headings) before plain section topics.
    """
    seen: set[str] = set()
    questions: list[FaqEntry] = []
    topics: list[FaqEntry] = []
    for doc in documents:
        for entry in entries_for(doc):
            key = re.sub(r"[\W_]+", " ", entry.question.casefold()).strip()
            if key in seen:
                continue
            seen.add(key)
            (topics if entry.origin == "section" else questions).append(entry)
    return questions + topics
