"""Retrieval stage: BM25 and dense (Chroma) rankings fused by reciprocal rank, near-duplicates removed.

The default mode, ``reranked``, reorders the fused candidates with the learned reranker
(``assistant/rerank.py``); ``hybrid`` is the fusion alone.

In hybrid mode a third ranking joins the fusion when the question has a type whose answer has
a recognisable form (``assistant/data/question_types.yaml``): "how common is it?" is answered by
"up to 14 % of ...", which shares no word with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.errors import ConfigError
from assistant.lexical import (
    BM25Index,
    load_question_types,
    overlap,
    question_types_in,
    tokenize,
    weighted_query,
)
from assistant.records import Chunk, Passage
from assistant.rerank import DEPTH, Reranker
from assistant.store import VectorIndex
from assistant.units import UnitIndex

Mode = Literal["reranked", "hybrid", "bm25", "dense"]
MODES: tuple[Mode, ...] = ("reranked", "hybrid", "bm25", "dense")

CANDIDATES = 30  # depth of each ranking before fusion
RRF_K = 20  # small corpus: a lower constant lets the top ranks of each retriever count more
# BM25 with lay-term expansion beats MiniLM on patients' wording here (evals/report.md), so
# the dense ranking counts half as much in the fusion. A convex combination of normalised
# scores was measured too (131 questions): slightly better hit@5 (97.7% vs 96.2%) but worse
# gold-in-citations of the final answers (86.3% vs 88.5%), so rank fusion stays.
# The question-type ranking holds only passages with the answer's form (a few per type), so it
# counts as much as BM25: at 0.5, "how common" questions still missed the prevalence passage
# (gold cited 378/408 and 142/155 follow-ups; at 1.0, 380/408 and 142/155).
# The sentence ranking orders passages by their best single sentence's cosine to the question: a
# long passage about diagnosis whose last sentence answers "what else should I do once the
# injection has worked?" is far from the question as a whole, but close by that sentence.
# At weight 0.25 (refitted reranker), gold evidence cited rose from 877 to 881 of 928 answerable
# eval questions and 323 to 325 of 350 follow-ups (882 once typed questions went without it); at
# 0.5 it fell to 873, at 1.0 to 859.
WEIGHTS = {"bm25": 1.0, "dense": 0.5, "type": 1.0, "sentence": 0.25}
# A passage of the answer's form must also score this share of the best BM25 score for the rest
# of the question. At 0.5, "how common is it in people with long term back pain" lost the
# prevalence passage ("stubborn lumbosacral aches"); at 0.3 no eval case changes against no
# filter, and "is it common to feel numb after the injection?" is no longer given it.
TYPE_REST_SHARE = 0.3
DUPLICATE_OVERLAP = 0.6  # token Jaccard above which a passage repeats a better one
DUPLICATE_COSINE = 0.95


class HybridSearch:
    """Ranks corpus chunks for a query by BM25, dense similarity, or both fused."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        index: VectorIndex,
        chunk_vectors: np.ndarray,
        reranker: Reranker | None = None,
        sentences: UnitIndex | None = None,
    ) -> None:
        """Index the chunks for BM25 and hold the dense index.

        Args:
            chunks: Every chunk in the index.
            index: The Chroma index holding their embeddings.
            chunk_vectors: Their unit-length embeddings, row i for ``chunks[i]`` (for dedup).
            reranker: Reorders hybrid candidates in ``reranked`` mode.
            sentences: The corpus's answer units (``UnitIndex``), for the sentence ranking in
                hybrid mode; None to fuse without it.
        """
        if len(chunks) != len(chunk_vectors):
            raise ConfigError(
                f"chunk_vectors must have one row per chunk. Currently, {len(chunk_vectors)} "
                f"rows for {len(chunks)} chunks."
            )
        self.chunks = list(chunks)
        self.index = index
        self.vectors = chunk_vectors
        self.reranker = reranker
        self._position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self._sentences = sentences
        if sentences is not None:
            owner = np.full(len(sentences.units), -1, dtype=np.int64)
            for chunk_id, rows in sentences.by_chunk.items():
                if chunk_id in self._position:
                    owner[rows] = self._position[chunk_id]
            self._sentence_owner = owner
        self._bm25 = BM25Index().fit([c.embedding_text() for c in self.chunks])
        self._tokens = [set(tokenize(c.text)) for c in self.chunks]
        self._typed = {
            name: [i for i, c in enumerate(self.chunks) if qtype.answers(c.text)]
            for name, qtype in load_question_types().types.items()
        }

    def typed(self, query: str, scores: dict[int, float], k: int = CANDIDATES) -> list[tuple[int, float]]:
        """Passages whose form answers the question's type ("how common" -> "14 % of"), by BM25.

        When the question says more than its type ("is it common to feel numb after the
        injection?"), a passage of that form counts only if BM25 also finds it about the rest
        (at least ``TYPE_REST_SHARE`` of the best passage's score for those words).

        Args:
            query: The (rewritten) question.
            scores: The question's BM25 score per chunk position, which orders the passages.
            k: Most passages to return.
        """
        asked = question_types_in(query)
        if not asked:
            return []
        matching: set[int] = set()
        for typed in asked:
            candidates = self._typed.get(typed.name, [])
            if typed.rest:
                about = self._bm25.scores(weighted_query(typed.rest))
                floor = TYPE_REST_SHARE * max(about.values(), default=0.0)
                candidates = [i for i in candidates if about.get(i, 0.0) >= floor and about.get(i, 0.0) > 0]
            matching.update(candidates)
        ranked = sorted(matching, key=lambda i: (-scores.get(i, 0.0), i))
        return [(i, scores.get(i, 0.0)) for i in ranked[:k]]

    def by_sentence(self, query_vector: Sequence[float], k: int = CANDIDATES) -> list[tuple[int, float]]:
        """Passages ranked by their best sentence's cosine to the question."""
        if self._sentences is None or not len(self._sentences.vectors):
            return []
        similarity = self._sentences.vectors @ np.asarray(query_vector, dtype=np.float32)
        best = np.full(len(self.chunks), -np.inf)
        known = self._sentence_owner >= 0
        np.maximum.at(best, self._sentence_owner[known], similarity[known])
        order = [int(i) for i in np.argsort(-best)[:k] if np.isfinite(best[i])]
        return [(i, float(best[i])) for i in order]

    def dense(self, query_vector: Sequence[float], k: int = CANDIDATES) -> list[tuple[int, float]]:
        """Dense ranking from Chroma as ``(chunk position, cosine)``."""
        hits = self.index.search(query_vector, k)
        return [(self._position[i], s) for i, s in hits if i in self._position]

    def search(
        self, query: str, query_vector: Sequence[float] | None, k: int, mode: Mode = "hybrid"
    ) -> list[Passage]:
        """The ``k`` best distinct passages for a query.

        Args:
            query: The (rewritten) question.
            query_vector: Its embedding (needed unless ``mode`` is ``"bm25"``).
            k: How many passages to return.
            mode: ``"reranked"``, ``"hybrid"``, ``"bm25"`` or ``"dense"``.

        Returns:
            Passages, best first, with per-retriever ranks and raw scores in ``signals``.
        """
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}. Currently, it is {mode!r}.")
        if k <= 0:
            raise ConfigError(f"k must be greater than 0. Currently, k is {k}.")
        if mode == "reranked":
            if self.reranker is None:
                raise ConfigError("The 'reranked' mode needs a reranker; use 'hybrid' without one.")
            if query_vector is None:
                raise ConfigError("query_vector is required for reranked retrieval.")
            candidates = self.search(query, query_vector, max(k, DEPTH), "hybrid")
            return self.reranker.rerank(query, np.asarray(query_vector), candidates)[:k]
        rankings: dict[str, list[tuple[int, float]]] = {}
        if mode in ("hybrid", "bm25"):
            scores = self._bm25.scores(weighted_query(query))
            rankings["bm25"] = BM25Index.rank(scores, CANDIDATES)
        if mode == "hybrid":
            typed = self.typed(query, scores)
            if typed:
                rankings["type"] = typed
        if mode in ("hybrid", "dense"):
            if query_vector is None:
                raise ConfigError("query_vector is required for dense or hybrid retrieval.")
            rankings["dense"] = self.dense(query_vector)
        # A question of a known type ("how common is it?") is answered by a form of sentence the
        # type ranking finds; sentences merely close in meaning would crowd it out.
        if (
            mode == "hybrid"
            and self._sentences is not None
            and query_vector is not None
            and "type" not in rankings
        ):
            rankings["sentence"] = self.by_sentence(query_vector)
        fused: dict[int, float] = {}
        ranks: dict[int, dict[str, int]] = {}
        signals: dict[int, dict[str, float]] = {}
        for name, ranking in rankings.items():
            for rank, (pos, score) in enumerate(ranking, start=1):
                fused[pos] = fused.get(pos, 0.0) + WEIGHTS[name] / (RRF_K + rank)
                ranks.setdefault(pos, {})[name] = rank
                signals.setdefault(pos, {})[name] = score
        order = sorted(fused, key=lambda p: (-fused[p], p))
        kept: list[int] = []
        for pos in order:
            if any(self._is_duplicate(pos, other) for other in kept):
                continue
            kept.append(pos)
            if len(kept) == k:
                break
        return [Passage(self.chunks[p], fused[p], ranks[p], signals[p]) for p in kept]

    def _is_duplicate(self, a: int, b: int) -> bool:
        if overlap(self._tokens[a], self._tokens[b]) >= DUPLICATE_OVERLAP:
            return True
        return float(self.vectors[a] @ self.vectors[b]) >= DUPLICATE_COSINE


class CorpusRetriever(BaseRetriever):
    """LangChain retriever over the hybrid search, for use in LangChain chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    search_engine: Any
    embed_query: Any
    k: int = 5
    mode: str = "reranked"

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        vector = None if self.mode == "bm25" else self.embed_query(query)
        passages = self.search_engine.search(query, vector, self.k, self.mode)
        return [
            LCDocument(
                page_content=p.chunk.text,
                id=p.chunk.chunk_id,
                metadata={
                    "chunk_id": p.chunk.chunk_id,
                    "source": p.chunk.doc_id,
                    "title": p.chunk.title,
                    "section": p.chunk.section_path,
                    "score": p.score,
                },
            )
            for p in passages
        ]
