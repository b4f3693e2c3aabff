"""Answer units: the corpus sentences (and short lists) an extractive answer is built from.

A unit is a verbatim span of a chunk: a sentence, a table row, or a lead-in line with the
short list items it introduces ("Effective Exercises:" + "Pelvic tilts" ...). Units and their
embeddings are computed once per corpus and cached on disk.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.chunk import split_sentences
from assistant.lexical import tokenize
from assistant.records import Block, Chunk, Document

log = logging.getLogger(__name__)

ProgressFactory = Callable[[int, str], Any]

SHORT_ITEM_WORDS = 14  # list items up to this long are shown together as one list


@dataclass(frozen=True, slots=True)
class Unit:
    """A quotable piece of a chunk."""

    chunk_id: str
    doc_id: str
    start: int  # offsets into the document's cleaned text
    end: int
    text: str
    items: tuple[str, ...] = ()  # list items when this unit is a lead-in with its list
    lead: str = ""  # the lead-in line(s) of a list ("Injury to the Middle Cluneal Nerve:" ...)
    kind: str = "sentence"
    context: str = ""  # section path and the sentence before, to know what the unit is about
    partial: bool = False  # a list cut to some of its items: its text is then not shown whole

    @property
    def is_list(self) -> bool:
        """Whether the unit is shown as a list."""
        return bool(self.items)

    @property
    def words(self) -> int:
        """How many words the unit adds to an answer."""
        return sum(len(q.split()) for q in self.quotes)

    @property
    def quotes(self) -> tuple[str, ...]:
        """The verbatim spans the answer shows: the unit's text, or a cut list's lead and items."""
        if self.partial:
            return tuple(q for q in (self.lead, *self.items) if q)
        return (self.text,)


def _blocks_in(doc: Document, chunk: Chunk) -> list[Block]:
    return [b for b in doc.blocks if b.start >= chunk.start and b.end <= chunk.end and b.kind != "heading"]


def units_for_chunk(doc: Document, chunk: Chunk) -> list[Unit]:
    """Split a chunk into quotable units, keeping short lists together with their lead-in."""
    units: list[Unit] = []
    blocks = _blocks_in(doc, chunk)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        text = doc.text[block.start : block.end]
        run = []
        # A lead-in's list starts after it; a run of bullets without one starts with this bullet.
        j = i + 1 if text.endswith(":") else i
        # Lead-ins may be stacked: "Injury to the Middle Cluneal Nerve:" / "Typical Causes:".
        while text.endswith(":") and j < len(blocks) and blocks[j].kind == "paragraph":
            if not doc.text[blocks[j].start : blocks[j].end].endswith(":"):
                break
            j += 1
        while j < len(blocks) and blocks[j].kind == "bullet":
            item = doc.text[blocks[j].start : blocks[j].end]
            if len(item.split()) > SHORT_ITEM_WORDS or doc.is_withheld(item):
                break  # a long or withheld item is quoted on its own (or not at all)
            run.append(blocks[j])
            j += 1
        lead = text.endswith(":")
        if len(run) >= 2 and (lead or block.kind == "bullet"):
            first = block if lead else run[0]
            items = tuple(doc.text[b.start : b.end] for b in run)
            lead_text = doc.text[first.start : run[0].start].strip() if lead else ""
            units.append(
                Unit(
                    chunk.chunk_id,
                    doc.doc_id,
                    first.start,
                    run[-1].end,
                    doc.text[first.start : run[-1].end],
                    items,
                    lead_text,
                    "list",
                    chunk.section_path,
                )
            )
            i = j
            continue
        if lead:
            i += 1  # a lead-in without its list says nothing on its own
            continue
        previous = ""
        for start, end in split_sentences(text, block.start):
            sentence = doc.text[start:end]
            if doc.is_withheld(sentence):
                continue  # a reviewer withheld it: never quoted as an answer statement
            context = f"{chunk.section_path} {previous}"
            units.append(
                Unit(chunk.chunk_id, doc.doc_id, start, end, sentence, kind=block.kind, context=context)
            )
            previous = sentence
        i += 1
    return units


class UnitIndex:
    """Every unit of the corpus with its embedding and tokens."""

    def __init__(
        self,
        documents: Sequence[Document],
        chunks: Sequence[Chunk],
        embeddings: Embeddings,
        cache_dir: Path | None = None,
        progress: ProgressFactory | None = None,
    ) -> None:
        """Build the units and embed them (or load the embeddings from the cache).

        Args:
            documents: The cleaned documents.
            chunks: Their chunks.
            embeddings: The embedder (the same model as the index).
            cache_dir: Where to keep a cache of unit embeddings; None for no cache.
            progress: Optional ``(total, description) -> tqdm-like`` factory for a progress bar.
        """
        by_id = {d.doc_id: d for d in documents}
        self.units: list[Unit] = []
        self.by_chunk: dict[str, list[int]] = {}
        for chunk in chunks:
            for unit in units_for_chunk(by_id[chunk.doc_id], chunk):
                self.by_chunk.setdefault(chunk.chunk_id, []).append(len(self.units))
                self.units.append(unit)
        self.tokens = [set(tokenize(u.text)) for u in self.units]
        self.vectors = self._embed(embeddings, cache_dir, progress)

    def _embed(
        self, embeddings: Embeddings, cache_dir: Path | None, progress: ProgressFactory | None
    ) -> np.ndarray:
        """Every unit's embedding: cached ones reused, only new or changed units embedded.

        The cache holds one row per unit text (keyed by a hash of the text), for one model, so
        adding a document embeds only its own units. It is rewritten atomically with the current
        units only, and an unreadable cache is recomputed, never trusted.
        """
        texts = [u.text for u in self.units]
        name = getattr(embeddings, "name", type(embeddings).__name__)
        keys = [_text_key(t) for t in texts]
        slug = hashlib.sha256(name.encode()).hexdigest()[:12]
        path = cache_dir / f"units-{slug}.npz" if cache_dir else None
        known = _read_cache(path) if path is not None else {}
        missing = list(dict.fromkeys(k for k in keys if k not in known))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            bar = progress(len(missing), "Embedding answer sentences") if progress else None
            for i in range(0, len(missing), UNIT_EMBED_BATCH):
                batch = missing[i : i + UNIT_EMBED_BATCH]
                vectors = np.asarray(
                    embeddings.embed_documents([text_of[k] for k in batch]), dtype=np.float32
                )
                known.update(zip(batch, vectors, strict=True))
                if bar is not None:
                    bar.update(len(batch))
            if bar is not None:
                bar.close()
        dim = len(next(iter(known.values()))) if known else 0
        out = (
            np.stack([known[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, dim), np.float32)
        )
        if path is not None and (missing or len(known) != len(set(keys))):
            _write_cache(path, keys, out)
        return out


UNIT_EMBED_BATCH = 256


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    """The cached ``{text key: vector}``; empty when missing or unreadable."""
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
            if len(keys) != len(vectors):
                raise ValueError("keys and vectors differ in length")
            return {str(k): v for k, v in zip(keys, vectors, strict=True)}
    except (OSError, ValueError, KeyError, EOFError) as exc:
        log.warning("Unit embedding cache %s unreadable (%s); recomputing.", path, exc)
        return {}


def _write_cache(path: Path, keys: Sequence[str], vectors: np.ndarray) -> None:
    """Replace the cache atomically (a crash leaves the old cache or the new one, never half)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        first: dict[str, int] = {}
        for row, key in enumerate(keys):
            first.setdefault(key, row)  # one row per distinct text
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, keys=np.asarray(list(first)), vectors=vectors[list(first.values())])
        tmp.replace(path)
        for legacy in path.parent.glob("units-*.npy"):  # the earlier all-or-nothing cache
            legacy.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("Could not cache unit embeddings (%s).", exc)
