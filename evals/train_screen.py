"""Fit the learned red-flag screen on the eval cases and measure it on batches it did not see.

    python -m evals.train_screen [--check] [--show] [--l2 0.1] [--threshold 0.5] [--out assistant/data/redflag_screen.json]

Examples are the handwritten eval cases: every triage message (red flag: urgent or emergency;
calm: routine), and every answerable, follow-up and scope question as an ordinary message that
must stay routine. The generated triage cases are left out: they are templates, and would teach
the screen their template. Three L2-regularised logistic regressions (``assistant.screen.HEADS``)
are fitted by Newton's method in numpy. The messages' vectors and labels are written beside the
weights (``redflag_examples.npz``) for the screen's neighbour veto.

Leave-one-batch-out cross-validation refits them once per author batch with that batch left
out and screens the batch with those weights. The figures printed (and stored in the weights
file) are for messages by authors the screen never saw:

- sensitivity: red flags escalated to at least their level by the screen alone;
- the same, among the red flags the rules miss cannot be measured here (the rules were widened
  on these very cases), so it is measured on new held-out sets instead;
- calm kept: routine triage messages (negations, idioms, old injuries ...) the screen leaves routine;
- ordinary flagged: answerable, follow-up and scope questions it would escalate.

``--check`` fits and reports without writing the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evals.dataset import load_cases
from evals.train_reranker import _commit, fit_logistic

LEVEL_RANK = {"routine": 0, "urgent": 1, "emergency": 2}
SELF_HARM_CATEGORIES = frozenset({"self_harm", "passive_ideation"})  # the crisis-line reason


@dataclass
class Examples:
    """Messages with their features, labels and author batch."""

    ids: list[str]
    messages: list[str]
    kind: np.ndarray  # "triage" or "ordinary"
    expect: np.ndarray  # 0 routine, 1 urgent, 2 emergency
    self_harm: np.ndarray  # bool
    batch: np.ndarray
    features: np.ndarray


def _batch(case: dict[str, Any]) -> str:
    return str(case.get("batch") or ("own" if case.get("author") != "independent" else "1-2"))


def collect(embed: Any) -> Examples:
    """Every handwritten eval message, featurised as the screen does."""
    from assistant.screen import batch_features

    cases = load_cases("full")
    rows: list[tuple[str, str, str, int, bool, str]] = []
    for case in cases.triage:
        rows.append(
            (case["id"], case["message"], "triage", LEVEL_RANK[case["expect"]],
             case["category"] in SELF_HARM_CATEGORIES, _batch(case))
        )  # fmt: skip
    for case in [*cases.answerable, *cases.followups, *cases.scope]:
        rows.append((case["id"], case["question"], "ordinary", 0, False, _batch(case)))
    messages = [r[1] for r in rows]
    features = np.concatenate(
        [batch_features(messages[i : i + 64], embed) for i in range(0, len(messages), 64)]
    )
    return Examples(
        ids=[r[0] for r in rows],
        messages=messages,
        kind=np.array([r[2] for r in rows]),
        expect=np.array([r[3] for r in rows]),
        self_harm=np.array([r[4] for r in rows]),
        batch=np.array([r[5] for r in rows]),
        features=features,
    )


def fit_heads(ex: Examples, rows: np.ndarray, l2: float) -> dict[str, np.ndarray]:
    """The three heads fitted on the examples selected by ``rows``."""
    x, red = ex.features[rows], ex.expect[rows] > 0
    return {
        "red": fit_logistic(x, red.astype(float), l2),
        "emergency": fit_logistic(x[red], (ex.expect[rows][red] == 2).astype(float), l2),
        "self_harm": fit_logistic(x[red], ex.self_harm[rows][red].astype(float), l2),
    }


def levels(
    weights: dict[str, np.ndarray],
    features: np.ndarray,
    threshold: float,
    examples: np.ndarray,
    example_red: np.ndarray,
) -> np.ndarray:
    """The level (0-2) the screen gives each row of ``features``, decided by ``RedFlagScreen``.

    ``examples`` and ``example_red`` are the labelled message vectors the neighbour veto uses.
    """
    from assistant.screen import RedFlagScreen

    return RedFlagScreen(weights, threshold, "", examples, example_red).levels(features)


def message_vectors(ex: Examples) -> np.ndarray:
    """Each example's own message vector (the first half of its features)."""
    return ex.features[:, : ex.features.shape[1] // 2]


def figures(ex: Examples, got: np.ndarray) -> dict[str, float]:
    """Sensitivity, calm kept and ordinary flagged for the levels ``got``."""
    red = ex.expect > 0
    calm = (ex.kind == "triage") & ~red
    ordinary = ex.kind == "ordinary"
    return {
        "sensitivity": float((got[red] >= ex.expect[red]).mean()),
        "calm_kept": float((got[calm] == 0).mean()),
        "ordinary_flagged": float((got[ordinary] > 0).mean()),
        "red_flags": int(red.sum()),
        "calm": int(calm.sum()),
        "ordinary": int(ordinary.sum()),
    }


def leave_one_batch_out(ex: Examples, l2: float, threshold: float) -> tuple[dict[str, float], np.ndarray]:
    """Figures of heads fitted without each message's own batch, and those levels."""
    got = np.zeros(len(ex.ids), dtype=int)
    for batch in np.unique(ex.batch):
        held = ex.batch == batch
        got[held] = levels(
            fit_heads(ex, ~held, l2), ex.features[held], threshold,
            message_vectors(ex)[~held], ex.expect[~held] > 0,
        )  # fmt: skip
    return figures(ex, got), got


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, cross-validate, report, and (unless ``--check``) write the weights file."""
    from assistant.pipeline import Assistant
    from assistant.screen import EXAMPLES_FILE, HEADS, MODEL_FILE
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="weights file to write")
    parser.add_argument("--l2", type=float, default=0.1, help="L2 penalty on the weights")
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="red-flag probability from which to escalate"
    )
    parser.add_argument("--check", action="store_true", help="report only; do not write the file")
    parser.add_argument("--show", action="store_true", help="list the held-out messages it gets wrong")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    # The screen itself is off while fitting: it may not exist yet, and is not used here.
    assistant = Assistant(load_settings(redflag_screen=False), progress=True)
    print("Embedding every handwritten eval message ...", file=sys.stderr)
    ex = collect(assistant.embed_many)
    lobo, got = leave_one_batch_out(ex, args.l2, args.threshold)
    weights = fit_heads(ex, np.ones(len(ex.ids), dtype=bool), args.l2)
    vectors, red = message_vectors(ex), ex.expect > 0
    in_sample = figures(ex, levels(weights, ex.features, args.threshold, vectors, red))
    print(
        f"{len(ex.ids)} messages in {len(np.unique(ex.batch))} batches: {lobo['red_flags']} red flags, "
        f"{lobo['calm']} calm triage messages, {lobo['ordinary']} ordinary questions"
    )
    print(f"{'screen alone':28s} {'sensitivity':>12s} {'calm kept':>10s} {'ordinary flagged':>17s}")
    for name, f in (("leave-one-batch-out", lobo), ("in-sample", in_sample)):
        print(f"{name:28s} {f['sensitivity']:12.3f} {f['calm_kept']:10.3f} {f['ordinary_flagged']:16.2%} ")
    if args.show:
        for i in np.flatnonzero((got > 0) & (ex.expect == 0)):
            print(f"  flagged (held out): {ex.ids[i]}: {ex.messages[i][:150]!r}")
    if args.check:
        return 0
    model = {
        "about": {
            "trained": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
            "commit": _commit(),
            "messages": len(ex.ids),
            "batches": sorted(np.unique(ex.batch).tolist()),
            "l2": args.l2,
            "leave_one_batch_out": {k: round(v, 4) for k, v in lobo.items()},
            "in_sample": {k: round(v, 4) for k, v in in_sample.items()},
        },
        "model": assistant.embedding_model,
        "threshold": args.threshold,
        "weights": {h: [round(float(v), 5) for v in weights[h]] for h in HEADS},
    }
    args.out.write_text(json.dumps(model) + "\n", encoding="utf-8")
    examples = args.out.with_name(EXAMPLES_FILE.name)
    np.savez_compressed(examples, vectors=vectors.astype(np.float16), red=red)
    print(f"Wrote {args.out} and {examples}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
