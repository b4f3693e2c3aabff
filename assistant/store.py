"""Vector-store stage: chunks in Chroma (embedded under ``index/`` or a Chroma server).

Indexing is incremental: chunk ids are content hashes, so unchanged chunks are never
re-embedded, changed ones are replaced and chunks of removed documents are deleted. The
collection records the embedding model and a corpus fingerprint, so a stale index is noticed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.chunk import CHUNKER_VERSION
from assistant.errors import IndexCorruptedError, IndexError_
from assistant.records import Chunk
from assistant.settings import Settings

log = logging.getLogger(__name__)

MARKER_FILE = ".cluneal-index"
EMBED_BATCH = 64
ProgressFactory = Callable[[int, str], Any]


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """What the index holds and how it was built."""

    chunks: int
    embedding_model: str
    fingerprint: str
    built_at: str
    location: str


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What an incremental update did."""

    added: int
    updated: int
    removed: int
    unchanged: int
    seconds: float

    def summary(self) -> str:
        """One line for people."""
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged in {self.seconds:.1f}s"
        )


def fingerprint(chunks: Sequence[Chunk], model: str) -> str:
    """A hash of everything that decides the index's content."""
    digest = hashlib.sha256(f"{model}\x1f{CHUNKER_VERSION}".encode())
    for chunk in sorted(chunks, key=lambda c: c.chunk_id):
        digest.update(json.dumps(_metadata(chunk), sort_keys=True).encode())
        digest.update(chunk.chunk_id.encode())
    return digest.hexdigest()[:32]


def _metadata(chunk: Chunk) -> dict[str, str | int]:
    return {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section": chunk.section_path,
        "start": chunk.start,
        "end": chunk.end,
        "n_tokens": chunk.n_tokens,
    }


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class VectorIndex:
    """Chunks and their embeddings in a Chroma collection, through langchain-chroma."""

    def __init__(self, settings: Settings, embeddings: Embeddings, model_name: str) -> None:
        """Open (or create) the collection.

        Args:
            settings: Where the index lives (``index_dir`` or ``chroma_host``/``chroma_port``).
            embeddings: The embedder used for passages and queries.
            model_name: Recorded in the index so a model change triggers a rebuild.

        Raises:
            IndexCorruptedError: The index directory cannot be opened.
            IndexError_: The Chroma server cannot be reached.
        """
        self.settings = settings
        self.embeddings = embeddings
        self.model_name = model_name
        self.location = (
            f"chroma server http://{settings.chroma_host}:{settings.chroma_port}"
            if settings.uses_server
            else str(settings.index_dir)
        )
        self._store = self._open()
        self._count: int | None = None  # chunks in the collection, remembered between searches

    def _open(self) -> Any:
        import chromadb
        from langchain_chroma import Chroma

        try:
            if self.settings.uses_server:
                client = chromadb.HttpClient(
                    host=self.settings.chroma_host,
                    port=self.settings.chroma_port,
                    settings=_chroma_settings(),
                )
            else:
                self.settings.index_dir.mkdir(parents=True, exist_ok=True)
                (self.settings.index_dir / MARKER_FILE).touch()
                client = chromadb.PersistentClient(
                    path=str(self.settings.index_dir), settings=_chroma_settings()
                )
            store = Chroma(
                collection_name=self.settings.collection,
                embedding_function=self.embeddings,
                client=client,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
            store._collection.count()
        except Exception as exc:  # chromadb raises many types; all mean "cannot use it"
            if self.settings.uses_server:
                raise IndexError_(
                    f"Cannot reach the Chroma server at {self.location} ({type(exc).__name__}). "
                    "Start it (`chroma run`) or unset CHROMA_HOST to use the local index."
                ) from exc
            _forget_client(self.settings.index_dir)
            raise IndexCorruptedError(
                f"The index at {self.location} is damaged or was made by another version "
                f"({type(exc).__name__}). Run `python -m assistant index --rebuild` to rebuild it."
            ) from exc
        return store

    @property
    def collection(self) -> Any:
        """The underlying chromadb collection."""
        return self._store._collection

    def status(self) -> IndexStatus | None:
        """What the index holds, or None when nothing has been built."""
        meta = self.collection.metadata or {}
        if "fingerprint" not in meta:
            return None
        return IndexStatus(
            chunks=self.collection.count(),
            embedding_model=str(meta.get("embedding_model", "")),
            fingerprint=str(meta["fingerprint"]),
            built_at=str(meta.get("built_at", "")),
            location=self.location,
        )

    def is_current(self, chunks: Sequence[Chunk]) -> bool:
        """Whether the index matches these chunks and this embedding model."""
        status = self.status()
        return status is not None and status.fingerprint == fingerprint(chunks, self.model_name)

    def sync(self, chunks: Sequence[Chunk], progress: ProgressFactory | None = None) -> SyncReport:
        """Bring the index in line with the chunks, embedding only new or changed ones.

        Args:
            chunks: Every chunk of the corpus.
            progress: Optional ``(total, description) -> tqdm-like`` factory for a progress bar.

        Returns:
            What changed.
        """
        started = datetime.now(UTC)
        self._count = None
        status = self.status()
        if status is not None and status.embedding_model != self.model_name:
            log.warning("Embedding model changed (%s); re-embedding everything.", status.embedding_model)
            self.clear()
        wanted = {c.chunk_id: c for c in chunks}
        existing = self.collection.get(include=["metadatas"])
        stored = dict(zip(existing["ids"], existing["metadatas"] or [], strict=False))
        removed = [i for i in stored if i not in wanted]
        new = [c for i, c in wanted.items() if i not in stored]
        stale = [c for i, c in wanted.items() if i in stored and stored[i] != _metadata(c)]
        if removed:
            self.collection.delete(ids=removed)
        if stale:  # same text, moved or retitled: refresh metadata, keep the embedding
            self.collection.update(ids=[c.chunk_id for c in stale], metadatas=[_metadata(c) for c in stale])
        bar = progress(len(new), "Embedding passages") if progress and new else None
        for i in range(0, len(new), EMBED_BATCH):
            batch = new[i : i + EMBED_BATCH]
            vectors = self.embeddings.embed_documents([c.embedding_text() for c in batch])
            self.collection.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=vectors,
                documents=[c.text for c in batch],
                metadatas=[_metadata(c) for c in batch],
            )
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
        self.collection.modify(
            metadata={
                "embedding_model": self.model_name,
                "fingerprint": fingerprint(chunks, self.model_name),
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "chunker": CHUNKER_VERSION,
            }
        )
        self._count = None
        seconds = (datetime.now(UTC) - started).total_seconds()
        return SyncReport(len(new), len(stale), len(removed), len(wanted) - len(new) - len(stale), seconds)

    def clear(self) -> None:
        """Delete every chunk (the collection itself stays)."""
        self._count = None
        ids = self.collection.get(include=[])["ids"]
        if ids:
            self.collection.delete(ids=ids)

    def search(self, query_vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest chunks as ``(chunk_id, cosine similarity)``, best first."""
        if self._count is None:  # counting costs milliseconds per query on a large collection
            self._count = self.collection.count()
        count = self._count
        if count == 0:
            return []
        result = self.collection.query(
            query_embeddings=[[float(x) for x in query_vector]],
            n_results=min(k, count),
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=False)]


def _forget_client(index_dir: Path) -> None:
    """Drop chromadb's cached client for a folder, so it can be opened again after a rebuild.

    chromadb keeps one system per path for the life of the process (even one that failed to
    open); without this, an in-process rebuild would keep hitting the broken one.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    for key in [k for k in SharedSystemClient._identifier_to_system if k == str(index_dir)]:
        system = SharedSystemClient._identifier_to_system.pop(key)
        SharedSystemClient._identifier_to_refcount.pop(key, None)
        with contextlib.suppress(Exception):
            system.stop()


def remove_local_index(index_dir: Path) -> None:
    """Delete a local index directory for a rebuild, refusing folders that are not ours.

    Raises:
        IndexError_: The folder holds files that do not look like an index.
    """
    if not index_dir.exists():
        return
    ours = (index_dir / MARKER_FILE).exists() or (index_dir / "chroma.sqlite3").exists()
    if not ours and any(index_dir.iterdir()):
        raise IndexError_(
            f"{index_dir} does not look like an index; not deleting it. "
            "Point ASSISTANT_INDEX_DIR at an empty or index folder."
        )
    _forget_client(index_dir)
    shutil.rmtree(index_dir)
