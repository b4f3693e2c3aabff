"""Learned red-flag screen: a second look at the messages the rule guard calls routine.

The rules in ``data/red_flags.yaml`` are precise but brittle: each new red-team set written in
wording they had not seen got 17-40% of its red flags past them before it was read and the
rules were widened. The screen reads meaning instead of words. Three logistic regressions over
the message's MiniLM embedding, beside the element-wise largest of its sentences' embeddings
(so a red flag buried in a long message still counts), say:

- ``red``: how likely the message is a red flag at all;
- ``emergency``: given that it is one, how likely it needs emergency care rather than care today;
- ``self_harm``: given that it is one, how likely it is about suicide or self-harm, so that the
  alert offers a crisis line.

A high ``red`` probability is not enough on its own: at least ``MIN_RED_NEIGHBOURS`` of the
message's ``NEIGHBOURS`` nearest labelled examples (by cosine similarity of the message vectors)
must be red flags too. Across held-out author batches (first fit, 2,650 messages), that veto
kept the screen off 97.8% of the calm triage messages instead of 85.6%, and off all but 0.07% of
ordinary questions instead of 2.4%, for 13 points of the screen's own sensitivity (84.3% ->
71.3%); the rules come first, so what counts is what it adds to them. ``python -m
evals.train_screen`` prints the current figures and stores them in the weights file.

It can only raise the level, never lower one, and it runs only when the rules found nothing.
A message it flags gets the urgent or emergency alert, with a reason that says the assistant
cannot tell for sure. The weights live in ``data/redflag_screen.json``, written by
``python -m evals.train_screen`` from the eval cases, with the leave-one-batch-out figures that
justify them; they belong to one embedding model, and the screen is off under any other.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.chunk import split_sentences
from assistant.errors import ConfigError
from assistant.records import TriageLevel

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).resolve().parent / "data" / "redflag_screen.json"
EXAMPLES_FILE = MODEL_FILE.with_name("redflag_examples.npz")
NEIGHBOURS = 5
MIN_RED_NEIGHBOURS = 4
HEADS: tuple[str, ...] = ("red", "emergency", "self_harm")
MAX_SENTENCES = 16  # a very long message is screened on its first sentences (and as a whole)
RULE_ID = "learned_screen"
CATEGORY = "possible_red_flag"
LEVELS: tuple[TriageLevel, ...] = ("routine", "urgent", "emergency")

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class ScreenVerdict:
    """The screen's probabilities for one message, and the level it calls for."""

    red: float
    emergency: float
    self_harm: float
    red_neighbours: int  # of the NEIGHBOURS nearest examples (counted only when red is high)
    level: TriageLevel
    category: str


def screen_texts(message: str) -> list[str]:
    """The texts embedded to screen a message: the message, then its sentences (if several)."""
    sentences = [message[s:e].strip() for s, e in split_sentences(message)]
    sentences = [s for s in sentences if s][:MAX_SENTENCES]
    return [message, *sentences] if len(sentences) > 1 else [message]


def screen_features(vectors: np.ndarray) -> np.ndarray:
    """The message's vector beside the element-wise maximum of its sentences' vectors."""
    sentences = vectors[1:] if len(vectors) > 1 else vectors
    return np.concatenate([vectors[0], sentences.max(axis=0)])


@dataclass(frozen=True, slots=True)
class RedFlagScreen:
    """Three linear heads over ``screen_features`` (each weight vector has its bias last).

    Args:
        weights: One weight vector per head in ``HEADS``.
        threshold: The ``red`` probability from which a message is escalated.
        model: The embedding model the weights were fitted with.
        examples: The training messages' unit-length vectors (one row each), for the veto.
        example_red: Whether each of them is a red flag.
        about: How the weights were fitted (kept for reports).
    """

    weights: Mapping[str, np.ndarray]
    threshold: float
    model: str
    examples: np.ndarray
    example_red: np.ndarray
    about: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = MODEL_FILE, examples_path: Path = EXAMPLES_FILE) -> RedFlagScreen:
        """Read the weights file and the labelled examples' vectors.

        Raises:
            ConfigError: A file is missing, unreadable or malformed.
        """
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            weights = {h: np.asarray(raw["weights"][h], dtype=np.float64) for h in HEADS}
            threshold, model = float(raw["threshold"]), str(raw["model"])
            with np.load(examples_path, allow_pickle=False) as data:
                examples = data["vectors"].astype(np.float32)
                example_red = data["red"].astype(bool)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"The red-flag screen cannot be read from {path.parent}: {exc!r}") from None
        sizes = {len(w) for w in weights.values()}
        if (
            len(sizes) != 1
            or not 0.0 < threshold < 1.0
            or len(examples) != len(example_red)
            or len(examples) < NEIGHBOURS
            or examples.shape[1] * 2 + 1 not in sizes
        ):
            raise ConfigError(
                f"The red-flag screen in {path.parent} is malformed: heads of sizes {sorted(sizes)}, "
                f"threshold {threshold}, examples {examples.shape}, labels {example_red.shape}."
            )
        return cls(weights, threshold, model, examples, example_red, raw.get("about", {}))

    def red_neighbours(self, vector: np.ndarray) -> int:
        """How many of the ``NEIGHBOURS`` examples closest to a message vector are red flags."""
        similarity = self.examples @ np.asarray(vector, dtype=np.float32)
        nearest = np.argpartition(-similarity, NEIGHBOURS - 1)[:NEIGHBOURS]
        return int(self.example_red[nearest].sum())

    def _probability(self, head: str, features: np.ndarray) -> float:
        w = self.weights[head]
        if len(w) != len(features) + 1:
            raise ConfigError(
                f"The red-flag screen expects {len(w) - 1} features and got {len(features)}: "
                "its weights belong to another embedding model."
            )
        return float(1.0 / (1.0 + np.exp(-(features @ w[:-1] + w[-1]))))

    def verdict(self, vectors: np.ndarray, threshold: float | None = None) -> ScreenVerdict:
        """Screen one message from the embeddings of ``screen_texts(message)``.

        Args:
            vectors: Those embeddings, in that order.
            threshold: Overrides the fitted threshold.
        """
        features = screen_features(np.asarray(vectors, dtype=np.float64))
        red, emergency, self_harm = (self._probability(h, features) for h in HEADS)
        cut = self.threshold if threshold is None else threshold
        neighbours = self.red_neighbours(vectors[0]) if red >= cut else 0
        level = LEVELS[int(self.levels(features[None, :], cut)[0])]
        category = "self_harm" if self_harm >= 0.5 else CATEGORY
        return ScreenVerdict(red, emergency, self_harm, neighbours, level, category)

    def levels(self, features: np.ndarray, threshold: float | None = None) -> np.ndarray:
        """The level (0 routine, 1 urgent, 2 emergency) of each row of ``screen_features``.

        The one place the screen's decision is made: ``verdict`` uses it for one message, and
        ``evals.train_screen`` for many at once.
        """
        cut = self.threshold if threshold is None else threshold
        design = np.column_stack([features, np.ones(len(features))])
        red = 1.0 / (1.0 + np.exp(-(design @ self.weights["red"])))
        emergency = 1.0 / (1.0 + np.exp(-(design @ self.weights["emergency"])))
        similarity = features[:, : self.examples.shape[1]] @ self.examples.T  # message vectors first
        nearest = np.argpartition(-similarity, NEIGHBOURS - 1, axis=1)[:, :NEIGHBOURS]
        backed = self.example_red[nearest].sum(axis=1) >= MIN_RED_NEIGHBOURS
        return np.where((red >= cut) & backed, np.where(emergency >= 0.5, 2, 1), 0)

    def check(self, message: str, embed: Embed, threshold: float | None = None) -> ScreenVerdict:
        """Screen one message, embedding it with ``embed`` (texts -> unit-length vectors)."""
        return self.verdict(embed(screen_texts(message)), threshold)


def batch_features(messages: Sequence[str], embed: Embed) -> np.ndarray:
    """``screen_features`` of many messages, embedding all their texts in one call."""
    texts = [screen_texts(m) for m in messages]
    flat = embed([t for group in texts for t in group])
    out, at = [], 0
    for group in texts:
        out.append(screen_features(flat[at : at + len(group)]))
        at += len(group)
    return np.array(out)
