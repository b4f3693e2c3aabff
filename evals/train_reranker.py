"""Fit the reranker's weights on the eval cases and measure them on batches they did not see.

    python -m evals.train_reranker [--check] [--l2 1.0] [--out assistant/data/reranker.json]

For every answerable and follow-up case, the hybrid search's top ``DEPTH`` candidates for the
query the pipeline searches with (follow-ups rewritten) are labelled relevant when they hold a
gold phrase. A logistic regression (L2-regularised, fitted by Newton's method in numpy) learns
one weight per feature. Leave-one-batch-out cross-validation refits it once per author batch
with that batch left out and ranks the batch's candidates with those weights, so the figures
printed (and stored in the weights file) are for questions by authors the weights never saw.

``--check`` fits and reports without writing the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evals import evaluators as ev
from evals.dataset import load_cases

log = logging.getLogger("evals")


@dataclass
class Query:
    """One eval query's candidates: features, relevance labels, and its author batch."""

    case_id: str
    batch: str
    features: np.ndarray  # candidates x features, in hybrid order
    relevant: np.ndarray  # bool per candidate
    pinned: tuple[int, ...] = ()  # candidates that keep their place (found by the question type)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> np.ndarray:
    """Weights (bias last) of an L2-regularised logistic regression, by Newton's method.

    Args:
        x: Samples x features.
        y: 0/1 labels.
        l2: Strength of the penalty on the weights (not on the bias).
        iterations: Most Newton steps.
    """
    design = np.column_stack([x, np.ones(len(x))])
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w


def ranking_figures(queries: Sequence[Query], weights: np.ndarray | None) -> dict[str, float]:
    """hit@1, hit@4, hit@5 and MRR (within the candidates) of hybrid order or of ``weights``.

    With weights, candidates are ordered as the reranker orders them (pinned ones keep their place).
    """
    from assistant.rerank import ranked_order

    hits = {1: 0, 4: 0, 5: 0}
    reciprocal = 0.0
    for q in queries:
        if weights is None:
            order = np.arange(len(q.relevant))
        else:
            order = np.array(ranked_order(q.features @ weights, q.pinned), dtype=int)
        labels = q.relevant[order]
        for k in hits:
            hits[k] += bool(labels[:k].any())
        first = np.flatnonzero(labels)
        reciprocal += 1.0 / (first[0] + 1) if len(first) else 0.0
    n = max(len(queries), 1)
    return {f"hit_at_{k}": v / n for k, v in hits.items()} | {"mrr": reciprocal / n}


def leave_one_batch_out(queries: Sequence[Query], l2: float) -> dict[str, float]:
    """Ranking figures of weights fitted without each query's own batch."""
    totals: dict[str, float] = {}
    for batch in sorted({q.batch for q in queries}):
        train = [q for q in queries if q.batch != batch]
        held = [q for q in queries if q.batch == batch]
        w = fit_logistic(
            np.concatenate([q.features for q in train]),
            np.concatenate([q.relevant for q in train]).astype(float),
            l2,
        )[:-1]
        for name, value in ranking_figures(held, w).items():
            totals[name] = totals.get(name, 0.0) + value * len(held)
    return {name: value / len(queries) for name, value in totals.items()}


def collect(assistant: Any) -> list[Query]:
    """Every grounded eval case's hybrid candidates, featurised as the pipeline does."""
    from assistant.conversation import clean_text
    from assistant.rerank import DEPTH

    cases = load_cases("full")
    queries: list[Query] = []
    for case in [*cases.answerable, *cases.followups]:
        answer = assistant.ask(case["question"], case.get("history", []))
        query = answer.rewritten_query or clean_text(case["question"])
        _, vector = assistant.embed_question(query)
        candidates = assistant.search.search(query, vector, DEPTH, "hybrid")
        phrases = [g["phrase"] for g in case["gold"]]
        relevant = np.array([ev.is_relevant(p.chunk.text, phrases) for p in candidates], dtype=bool)
        features = assistant.search.reranker.features(query, vector, candidates)
        batch = str(case.get("batch") or ("own" if case.get("author") != "independent" else "1-2"))
        pinned = tuple(i for i, p in enumerate(candidates) if "type" in p.ranks)
        queries.append(Query(case["id"], batch, features, relevant, pinned))
    return queries


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, cross-validate, report, and (unless ``--check``) write the weights file."""
    from assistant.pipeline import Assistant
    from assistant.rerank import FEATURES, MODEL_FILE
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="weights file to write")
    parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty on the weights")
    parser.add_argument("--check", action="store_true", help="report only; do not write the file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    assistant = Assistant(load_settings(), progress=True)
    print("Ranking the hybrid candidates of every answerable and follow-up case ...", file=sys.stderr)
    queries = collect(assistant)
    x = np.concatenate([q.features for q in queries])
    y = np.concatenate([q.relevant for q in queries]).astype(float)
    weights = fit_logistic(x, y, args.l2)[:-1]
    figures = {
        "hybrid": ranking_figures(queries, None),
        "reranked_leave_one_batch_out": leave_one_batch_out(queries, args.l2),
        "reranked_in_sample": ranking_figures(queries, weights),
    }
    batches = sorted({q.batch for q in queries})
    print(
        f"{len(queries)} queries in {len(batches)} batches; candidates per query: up to {x.shape[0] // len(queries) + 1}"
    )
    print(f"{'ranking':32s} {'hit@1':>7s} {'hit@4':>7s} {'hit@5':>7s} {'MRR':>7s}")
    for name, f in figures.items():
        print(f"{name:32s} {f['hit_at_1']:7.3f} {f['hit_at_4']:7.3f} {f['hit_at_5']:7.3f} {f['mrr']:7.3f}")
    print("weights: " + ", ".join(f"{n}={w:+.3f}" for n, w in zip(FEATURES, weights, strict=True)))
    if args.check:
        return 0
    about = {
        "trained": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "commit": _commit(),
        "queries": len(queries),
        "batches": batches,
        "l2": args.l2,
        "figures_within_candidates": {k: {m: round(v, 4) for m, v in f.items()} for k, f in figures.items()},
    }
    model = {
        "about": about,
        "weights": {n: round(float(w), 4) for n, w in zip(FEATURES, weights, strict=True)},
    }
    args.out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
