"""Ingestion: read the corpus folder and manifest, clean each document, recognise its structure."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import clean
from assistant.errors import CorpusError
from assistant.records import Block, Document

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
DOCUMENT_SUFFIXES = (".txt", ".md")

_NUMBERED_RE = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(\S.*)$")
_BULLET_RE = re.compile(r"^(?:[-*•]\s+)(\S.*)$")
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(\S.*?)\s*#*$")
_TERMINAL = (".", "!", "?", ":", ";", ",")
INTRODUCTION = "Introduction"  # the section of text before a document's first heading


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "document"


def _normalised(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


@dataclass
class _Line:
    kind: str  # heading | paragraph | bullet | table_row
    text: str
    level: int = 0
    numbered: bool = False


@dataclass
class _Builder:
    """Accumulates the cleaned text and its blocks while lines are classified."""

    parts: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    length: int = 0
    path: list[tuple[str, int, bool]] = field(default_factory=list)

    def add(self, line: _Line) -> None:
        if self.parts:
            self.parts.append("\n")
            self.length += 1
        start = self.length
        self.parts.append(line.text)
        self.length += len(line.text)
        if line.kind == "heading":
            self._enter(line)
        section = tuple(title for title, _, _ in self.path) or (INTRODUCTION,)
        kind = line.kind if line.kind in {"heading", "bullet", "table_row"} else "paragraph"
        self.blocks.append(Block(kind, start, self.length, section))  # type: ignore[arg-type]

    def _enter(self, heading: _Line) -> None:
        # Unnumbered headings are top-level; numbered ones nest by their depth ("4.1"),
        # under the current unnumbered heading when the document mixes both styles.
        if not heading.numbered:
            self.path = [(heading.text, 1, False)]
            return
        base = [p for p in self.path[:1] if not p[2]]
        numbered = [p for p in self.path if p[2] and p[1] < heading.level]
        self.path = [*base, *numbered, (heading.text, heading.level, True)]


def _looks_like_heading(text: str, next_text: str | None) -> bool:
    words = text.split()
    if next_text is None or not words or len(words) > 12 or len(text) > 90:
        return False
    if text.endswith("?"):
        return True
    return not text.endswith(_TERMINAL) and (text[0].isupper() or text[0].isdigit())


def _classify(lines: list[str]) -> list[_Line]:
    """Turn cleaned lines into typed lines: headings, list items, table rows, paragraphs."""
    out: list[_Line] = []
    i = 0
    while i < len(lines):
        text = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        prev = lines[i - 1] if i > 0 else None
        header = clean.split_pipe_row(text)
        if header and nxt is not None and clean.is_pipe_separator(nxt):
            i += 2
            while i < len(lines):
                cells = clean.split_pipe_row(lines[i])
                if cells is None:
                    break
                out.append(_Line("table_row", clean.render_table_row(header, cells)))
                i += 1
            continue
        flat = clean.split_flattened_row(text)
        if len(flat) >= 3 and nxt is not None and not text.endswith(_TERMINAL):
            j = i + 1
            rows: list[list[str]] = []
            while j < len(lines) and len(row := clean.split_flattened_row(lines[j])) == len(flat):
                rows.append(row)
                j += 1
            if rows:
                out.extend(_Line("table_row", clean.render_table_row(flat, r)) for r in rows)
                i = j
                continue
        if m := _MD_HEADING_RE.match(text):
            out.append(_Line("heading", m.group(2), level=len(m.group(1)), numbered=True))
        elif m := _BULLET_RE.match(text):
            out.append(_Line("bullet", m.group(1)))
        elif m := _NUMBERED_RE.match(text):
            depth = m.group(1).count(".")
            in_run = any(
                (n := _NUMBERED_RE.match(t or "")) and n.group(1).count(".") == depth for t in (prev, nxt)
            )
            if in_run or text.endswith("."):
                out.append(_Line("bullet", m.group(2)))
            elif _looks_like_heading(text, nxt):
                out.append(_Line("heading", text, level=depth + 1, numbered=True))
            else:
                out.append(_Line("paragraph", text))
        elif _looks_like_heading(text, nxt) and not clean.is_references_heading(text):
            out.append(_Line("heading", text, level=1))
        else:
            out.append(_Line("paragraph", text))
        i += 1
    return out


def parse_document(
    raw: str,
    doc_id: str,
    source_file: str,
    title: str = "",
    author: str = "",
    description: str = "",
    withheld: Sequence[str] = (),
) -> Document:
    """Clean one document and recognise its structure.

    Args:
        raw: The document exactly as stored in the corpus.
        doc_id: Stable document id.
        source_file: File name in the corpus folder.
        title: Title from the manifest; empty to take it from the first line.
        author: Author from the manifest.
        description: Short description from the manifest.
        withheld: Sentences a reviewer withheld from answers (manifest ``withheld``).

    Returns:
        The cleaned document. Its ``text`` holds only answerable text: no title, byline,
        reference list or clinic footer.
    """
    warnings: list[str] = []
    lines = [clean.clean_line(raw_line) for raw_line in raw.splitlines()]
    lines = [line for line in lines if line]
    while lines and clean.is_breadcrumb(lines[0]):
        lines.pop(0)
    if not title and lines:
        heading = _MD_HEADING_RE.match(lines[0])
        first = heading.group(2) if heading else lines[0]
        title = first if len(first) <= 120 else " ".join(first.split()[:10]) + "…"
        warnings.append(f"{source_file}: no manifest entry; title taken from its first line.")
    if lines and _normalised(lines[0].lstrip("#")) == _normalised(title):
        lines.pop(0)
    byline: list[str] = []
    while lines and len(byline) < 6 and clean.is_byline(lines[0]):
        byline.append(lines.pop(0).lstrip("-•* ").strip())
    references: list[str] = []
    kept: list[str] = []
    in_references = False
    for k, line in enumerate(lines):
        if clean.is_footer(line):
            continue
        if clean.is_references_heading(line):
            in_references = True
            continue
        if in_references:
            references.append(line)
            continue
        neighbours = {lines[k - 1] if k else None, lines[k + 1] if k + 1 < len(lines) else None}
        if line in neighbours or _normalised(line) == _normalised(title):
            continue  # repeated image captions and title echoes are scrape artifacts
        kept.append(line)
    builder = _Builder()
    for typed in _classify(kept):
        builder.add(typed)
    if not builder.blocks:
        warnings.append(f"{source_file}: no answerable text after cleaning.")
    text = "".join(builder.parts)
    for sentence in withheld:
        if sentence not in text:
            warnings.append(f"{source_file}: withheld sentence not found (edited?): {sentence[:60]!r}")
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        blocks=tuple(builder.blocks),
        source_file=source_file,
        author=author or next((b for b in byline if clean.is_byline(b) and "," in b), ""),
        description=description,
        byline=tuple(byline),
        references=tuple(references),
        warnings=tuple(warnings),
        withheld=tuple(w for w in withheld if w),
    )


def read_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """Read the manifest, keyed by file name. A missing manifest is an empty one.

    Each entry's fields are strings, except ``withheld``: a list of
    ``{"text": sentence, "reason": why}`` a clinical reviewer kept out of answers.
    """
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["documents"]
        manifest: dict[str, dict[str, Any]] = {}
        for e in entries:
            entry: dict[str, Any] = {k: str(v) for k, v in e.items() if k != "withheld"}
            entry["withheld"] = [str(w["text"]) for w in e.get("withheld", [])]
            manifest[str(e["file"])] = entry
        return manifest
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CorpusError(
            f"{path} is not a valid manifest ({exc}). It must be "
            '{"documents": [{"id", "file", "title", ...}]}, with "withheld" a list of '
            '{"text", "reason"}.'
        ) from exc


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Load and clean every ``.txt``/``.md`` document in the corpus folder.

    Args:
        corpus_dir: The corpus folder.

    Returns:
        The cleaned documents, sorted by file name.

    Raises:
        CorpusError: When the folder is missing, holds no document, or a file is unreadable.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"Corpus folder {corpus_dir} not found: set ASSISTANT_CORPUS_DIR.")
    manifest = read_manifest(corpus_dir)
    files = sorted(p for p in corpus_dir.iterdir() if p.suffix.lower() in DOCUMENT_SUFFIXES)
    files = [p for p in files if p.name.lower() != "readme.md"]
    if not files:
        raise CorpusError(f"No .txt or .md documents in {corpus_dir}: add one and run `make index`.")
    documents, seen = [], set()
    for path in files:
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CorpusError(f"Cannot read {path}: {exc}. Save it as UTF-8 text.") from exc
        entry = manifest.get(path.name, {})
        doc_id = entry.get("id") or _slug(path.stem)
        if doc_id in seen:
            raise CorpusError(f"Two documents have the id {doc_id!r}: rename one ({path.name}).")
        seen.add(doc_id)
        doc = parse_document(
            raw,
            doc_id=doc_id,
            source_file=path.name,
            title=entry.get("title", ""),
            author=entry.get("author", ""),
            description=entry.get("description", ""),
            withheld=entry.get("withheld", ()),
        )
        for warning in doc.warnings:
            log.warning(warning)
        documents.append(doc)
    return documents
