"""Small typed records passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

TriageLevel = Literal["emergency", "urgent", "routine"]


@dataclass(frozen=True, slots=True)
class Block:
    """A structural unit of a cleaned document: a heading, paragraph, list item or table row."""

    kind: Literal["heading", "paragraph", "bullet", "table_row"]
    start: int
    end: int
    section: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """A corpus document after cleaning.

    ``text`` is the answerable text; every chunk and citation is a verbatim span of it.
    """

    doc_id: str
    title: str
    text: str
    blocks: tuple[Block, ...]
    source_file: str
    author: str = ""
    description: str = ""
    byline: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # Sentences a clinical reviewer withheld from answers (manifest "withheld"): they stay in
    # the verbatim text and its citations, but are never quoted as an answer statement.
    withheld: tuple[str, ...] = ()

    def is_withheld(self, text: str) -> bool:
        """Whether a piece of this document's text contains a withheld sentence."""
        return any(w in text for w in self.withheld)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable passage: a verbatim span ``[start, end)`` of its document's cleaned text."""

    chunk_id: str
    doc_id: str
    title: str
    section: tuple[str, ...]
    text: str
    start: int
    end: int
    n_tokens: int

    @property
    def section_path(self) -> str:
        """The section headings joined for display."""
        return " > ".join(self.section)

    def embedding_text(self) -> str:
        """What is embedded: the section headings give the passage its context."""
        return f"{self.section_path}\n{self.text}" if self.section else self.text


@dataclass(frozen=True, slots=True)
class Passage:
    """A chunk returned by a retriever, with its fused score and per-retriever ranks."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    signals: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered source of an answer, quoting its passage verbatim."""

    n: int
    source: str
    title: str
    chunk_id: str
    text: str
    section: str = ""
    quotes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The citation as in the CLI JSON contract."""
        data = asdict(self)
        data["quotes"] = list(self.quotes)
        return data


@dataclass(slots=True)
class Answer:
    """What the assistant returns for one user turn (the CLI JSON contract)."""

    answer: str
    triage: TriageLevel = "routine"
    abstained: bool = False
    citations: list[Citation] = field(default_factory=list)
    intent: str = "question"
    generator: str = "extractive"
    triage_rules: list[str] = field(default_factory=list)
    disagreement: bool = False
    rewritten_query: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The result object of the CLI JSON contract."""
        return {
            "answer": self.answer,
            "triage": self.triage,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "intent": self.intent,
            "generator": self.generator,
            "triage_rules": list(self.triage_rules),
            "disagreement": self.disagreement,
            "rewritten_query": self.rewritten_query,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
