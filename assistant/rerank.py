"""Rerank stage: reorder the hybrid search's candidates with a small learned linear model.

Reciprocal rank fusion only sees each retriever's ranks. The reranker also sees how well the
best single sentence of a passage matches the question, which ranks alone cannot: a long
passage that mentions the question's words once loses to one whose sentence answers it.

Each candidate gets seven features, z-scored within the candidate list so that only how a
passage compares with the other candidates counts (the scale of BM25 scores differs from one
question to the next):

- ``fused``: the hybrid search's reciprocal-rank-fusion score;
- ``bm25``: its BM25 score for the question (with lay-term expansions);
- ``dense``: the passage's cosine similarity to the question;
- ``sentence_dense``: the best cosine similarity of one of its sentences to the question;
- ``sentence_terms``: the largest share of the question's terms, weighted by rarity, in one sentence;
- ``passage_terms``: that share in the whole passage;
- ``typed``: whether the passage has the form the question's type asks for ("14 % of").
  Such passages keep their fused place (see ``Reranker.rerank``), so at answer time this
  feature shifts every other candidate alike; in training it keeps them from skewing the rest.

The weights live in ``assistant/data/reranker.json``, written by ``python -m evals.train_reranker``
from the eval cases, with the leave-one-batch-out figures that justify them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ConfigError
from assistant.lexical import BM25Index, weighted_query
from assistant.records import Passage
from assistant.units import UnitIndex

FEATURES: tuple[str, ...] = (
    "fused",
    "bm25",
    "dense",
    "sentence_dense",
    "sentence_terms",
    "passage_terms",
    "typed",
)
MODEL_FILE = Path(__file__).resolve().parent / "data" / "reranker.json"
DEPTH = 12  # hybrid candidates the reranker reorders
MIN_IDF = 0.1


@dataclass(frozen=True, slots=True)
class RerankModel:
    """A linear scoring model over ``FEATURES``; ``about`` records how it was trained."""

    weights: Mapping[str, float]
    about: Mapping[str, Any] = field(default_factory=dict)

    def vector(self) -> np.ndarray:
        """The weights in ``FEATURES`` order."""
        return np.asarray([float(self.weights.get(name, 0.0)) for name in FEATURES])


def load_model(path: Path = MODEL_FILE) -> RerankModel:
    """Read the reranker's weights.

    Raises:
        ConfigError: The file is missing, not JSON, or names a feature the reranker lacks.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {str(k): float(v) for k, v in data["weights"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"The reranker's weights at {path} could not be read ({exc}). "
            "Restore the file from git or rerun `python -m evals.train_reranker`."
        ) from None
    unknown = sorted(set(weights) - set(FEATURES))
    if unknown:
        raise ConfigError(
            f"The reranker's weights at {path} name unknown features {unknown}. "
            f"Known features: {', '.join(FEATURES)}."
        )
    return RerankModel(weights, data.get("about", {}))


def _zscore(values: np.ndarray) -> np.ndarray:
    spread = float(values.std())
    return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)


class Reranker:
    """Scores hybrid candidates by the learned model, using their sentences as well."""

    def __init__(self, units: UnitIndex, idf: BM25Index, model: RerankModel | None = None) -> None:
        """Hold the units (sentences and their embeddings) and the term statistics.

        Args:
            units: Every unit of the corpus, with embeddings and tokens.
            idf: BM25 statistics, to weight the question's terms by rarity.
            model: The weights; read from ``assistant/data/reranker.json`` when omitted.
        """
        self.units = units
        self.idf = idf
        self.model = model or load_model()
        self._weights = self.model.vector()

    def features(self, query: str, query_vector: np.ndarray, passages: Sequence[Passage]) -> np.ndarray:
        """The ``len(passages) x len(FEATURES)`` feature matrix, z-scored within the candidates.

        Args:
            query: The (rewritten) question.
            query_vector: The embedding dense search used.
            passages: The hybrid search's candidates, with their signals.
        """
        terms = {t: w * max(self.idf.idf(t), MIN_IDF) for t, w in weighted_query(query).items()}
        total = sum(terms.values()) or 1.0
        dense_seen = [p.signals["dense"] for p in passages if "dense" in p.signals]
        dense_floor = min(dense_seen, default=0.0)  # not in dense's candidates: below all of them
        rows = []
        for p in passages:
            ids = self.units.by_chunk.get(p.chunk.chunk_id, [])
            sentence_dense = float(np.max(self.units.vectors[ids] @ query_vector)) if ids else 0.0
            sentence_terms = max(
                (sum(w for t, w in terms.items() if t in self.units.tokens[u]) / total for u in ids),
                default=0.0,
            )
            passage_tokens = set().union(*(self.units.tokens[u] for u in ids)) if ids else set()
            passage_terms = sum(w for t, w in terms.items() if t in passage_tokens) / total
            rows.append(
                [
                    p.score,
                    p.signals.get("bm25", 0.0),
                    p.signals.get("dense", dense_floor),
                    sentence_dense,
                    sentence_terms,
                    passage_terms,
                    1.0 if "type" in p.ranks else 0.0,
                ]
            )
        matrix = np.asarray(rows, dtype=np.float64).reshape(len(passages), len(FEATURES))
        return (
            np.column_stack([_zscore(matrix[:, j]) for j in range(len(FEATURES))])
            if len(passages)
            else matrix
        )

    def rerank(self, query: str, query_vector: np.ndarray, passages: Sequence[Passage]) -> list[Passage]:
        """The candidates best first by the model's score (ties keep the hybrid order).

        Passages found by the question-type ranking ("up to 14 % of ..." for "how common is
        it?") keep their places: they share no word with the question, and such questions are
        too few among the training cases for the model to weigh the type well (unpinned, the
        weights lost the prevalence passage on three of the eval's prevalence questions).
        """
        if len(passages) < 2:
            return list(passages)
        scores = self.features(query, query_vector, passages) @ self._weights
        pinned = [i for i, p in enumerate(passages) if "type" in p.ranks]
        return [passages[i] for i in ranked_order(scores, pinned)]


def ranked_order(scores: Sequence[float] | np.ndarray, pinned: Sequence[int] = ()) -> list[int]:
    """Candidate positions best first by score; pinned positions keep their place.

    Args:
        scores: The model's score per candidate, in hybrid order.
        pinned: Positions that stay where the hybrid search put them.
    """
    fixed = set(pinned)
    order = sorted((i for i in range(len(scores)) if i not in fixed), key=lambda i: (-scores[i], i))
    for i in sorted(fixed):
        order.insert(i, i)
    return order
