"""Chunking stage: structure-aware passages that fit the embedding model's 256-token window.

Every chunk is a verbatim span of its document's cleaned text, stays inside one section,
and is identified by a hash of its content so re-indexing skips what did not change.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable

from assistant.embed import MAX_TOKENS, count_tokens
from assistant.errors import ConfigError
from assistant.records import Block, Chunk, Document

TokenCounter = Callable[[str], int]

DEFAULT_TARGET_TOKENS = 128  # small passages make precise citations; the window is the hard cap
CHUNKER_VERSION = "2"  # bump when chunk boundaries change, so indexes are rebuilt

_ABBREVIATIONS = {"e.g", "i.e", "dr", "mr", "mrs", "ms", "st", "vs", "approx", "fig", "al", "no"}
_BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9“\"(])")


def _ends_with_abbreviation(text: str) -> bool:
    word = text.rsplit(None, 1)[-1].rstrip(".").lstrip("([{“\"'").lower() if text.strip() else ""
    return word in _ABBREVIATIONS or bool(re.fullmatch(r"[a-z]", word))


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Split text into sentence spans; each line (list item, table row) is split on its own.

    A question is kept with its answer ("Is it common in runners? Long-distance runners ...")
    and abbreviations or initials do not end a sentence.

    Args:
        text: The text to split.
        offset: Added to every span (the text's position in its document).

    Returns:
        ``(start, end)`` spans, in order, covering every non-blank sentence.
    """
    spans: list[tuple[int, int]] = []
    position = 0
    for line in text.split("\n"):
        cuts = [0]
        for match in _BOUNDARY_RE.finditer(line):
            piece = line[cuts[-1] : match.start()]
            if _ends_with_abbreviation(piece) or re.fullmatch(r"\s*\d+(?:\.\d+)*\.?", piece):
                continue
            if piece.rstrip().endswith("?") and len(line[match.end() :].split()) > 0:
                answer_so_far = line[cuts[-1] : match.start()].split("?", 1)[-1]
                if len(answer_so_far.split()) < 4:
                    continue  # keep a FAQ question with its answer
            cuts.append(match.end())
        cuts.append(len(line))
        for a, b in itertools.pairwise(cuts):
            piece = line[a:b]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                start = position + a + lead
                spans.append((offset + start, offset + start + len(stripped)))
        position += len(line) + 1
    return spans


def chunk_id(doc_id: str, text: str, occurrence: int = 0) -> str:
    """A stable id from the passage's content (and its document)."""
    digest = hashlib.sha256(f"{doc_id}\x1f{text}\x1f{occurrence}".encode()).hexdigest()
    return digest[:24]


def _sections(blocks: Iterable[Block]) -> list[list[Block]]:
    groups: list[list[Block]] = []
    for block in blocks:
        if block.kind == "heading":
            groups.append([])
            continue
        if not groups or (groups[-1] and groups[-1][-1].section != block.section):
            groups.append([])
        groups[-1].append(block)
    return [g for g in groups if g]


def _pieces(doc: Document, group: list[Block], fits: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """Blocks as spans, with any block too long for the window split into sentences."""
    pieces: list[tuple[int, int]] = []
    for block in group:
        if fits(block.start, block.end):
            pieces.append((block.start, block.end))
            continue
        for start, end in split_sentences(doc.text[block.start : block.end], block.start):
            if fits(start, end):
                pieces.append((start, end))
                continue
            words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", doc.text[start:end])]
            run_start = words[0][0]
            for i, (_, word_end) in enumerate(words):
                nxt = words[i + 1][1] if i + 1 < len(words) else None
                if nxt is None or not fits(run_start, nxt):
                    pieces.append((run_start, word_end))
                    run_start = words[i + 1][0] if nxt is not None else word_end
    return pieces


def chunk_document(
    doc: Document,
    target_tokens: int = DEFAULT_TARGET_TOKENS,
    max_tokens: int = MAX_TOKENS,
    counter: TokenCounter = count_tokens,
) -> list[Chunk]:
    """Split a cleaned document into passages.

    Blocks of one section are packed in order until ``target_tokens``; nothing crosses a
    section boundary, a lead-in line ending with ":" stays with the items it introduces,
    and no passage's embedding text (section path plus text) exceeds ``max_tokens``.

    Args:
        doc: The cleaned document.
        target_tokens: Preferred passage size in model tokens.
        max_tokens: Hard limit (the model's window).
        counter: Token counter (the model's tokenizer by default).

    Returns:
        The passages, in document order.
    """
    if not 0 < target_tokens <= max_tokens:
        raise ConfigError(
            f"target_tokens must be between 1 and {max_tokens}. Currently, it is {target_tokens}."
        )
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for group in _sections(doc.blocks):
        section = group[0].section
        prefix = " > ".join(section) + "\n"

        def tokens(start: int, end: int, prefix: str = prefix) -> int:
            return counter(prefix + doc.text[start:end])

        def fits(start: int, end: int) -> bool:
            return tokens(start, end) <= max_tokens

        pieces = _pieces(doc, group, fits)
        current: list[tuple[int, int]] = []
        for piece in pieces:
            if current and tokens(current[0][0], piece[1]) > target_tokens:
                carried: list[tuple[int, int]] = []
                while len(current) > 1 and doc.text[current[-1][0] : current[-1][1]].endswith(":"):
                    carried.insert(0, current.pop())
                chunks.append(_make(doc, section, current[0][0], current[-1][1], tokens, seen))
                current = carried
                if current and not fits(current[0][0], piece[1]):
                    chunks.append(_make(doc, section, current[0][0], current[-1][1], tokens, seen))
                    current = []
            current.append(piece)
        if current:
            chunks.append(_make(doc, section, current[0][0], current[-1][1], tokens, seen))
    return chunks


def _make(
    doc: Document,
    section: tuple[str, ...],
    start: int,
    end: int,
    tokens: Callable[[int, int], int],
    seen: dict[str, int],
) -> Chunk:
    text = doc.text[start:end]
    occurrence = seen.get(text, 0)
    seen[text] = occurrence + 1
    return Chunk(
        chunk_id=chunk_id(doc.doc_id, text, occurrence),
        doc_id=doc.doc_id,
        title=doc.title,
        section=section,
        text=text,
        start=start,
        end=end,
        n_tokens=tokens(start, end),
    )


def chunk_corpus(documents: Iterable[Document], **kwargs: int) -> list[Chunk]:
    """Chunk every document (see :func:`chunk_document` for the options)."""
    return [c for doc in documents for c in chunk_document(doc, **kwargs)]  # type: ignore[arg-type]
