"""Thresholds: the committed floor (or ceiling) of each eval metric, checked by a test.

``evals/thresholds.json`` maps a metric name (a key of the report's ``metrics``) to
``{"min": value}`` or ``{"max": value}`` and a ``note``. Raise them as the system improves; lower
one only with the reason in the commit message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

THRESHOLDS_FILE = Path(__file__).resolve().parent / "thresholds.json"


def load_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, dict[str, Any]]:
    """Read the thresholds file, checking that each entry has exactly one bound.

    Raises:
        ValueError: An entry has no bound, both bounds, or a non-numeric bound.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    thresholds = {name: entry for name, entry in data.items() if not name.startswith("_")}
    for name, entry in thresholds.items():
        bounds = [k for k in ("min", "max") if k in entry]
        if len(bounds) != 1 or not isinstance(entry[bounds[0]], int | float):
            raise ValueError(
                f"Threshold {name!r} must have exactly one numeric 'min' or 'max'. Currently, it is {entry}."
            )
    return thresholds


def violations(metrics: dict[str, float | None], thresholds: dict[str, dict[str, Any]]) -> list[str]:
    """Every metric on the wrong side of its threshold, as readable lines.

    A metric that was not measured (missing or None) is a violation too: a threshold that
    silently stops being checked is worse than a failing one.
    """
    problems = []
    for name, entry in thresholds.items():
        value = metrics.get(name)
        if value is None:
            problems.append(f"{name}: not measured (threshold {entry})")
        elif "min" in entry and value < entry["min"]:
            problems.append(f"{name} = {value:.4f} is below its minimum {entry['min']}")
        elif "max" in entry and value > entry["max"]:
            problems.append(f"{name} = {value:.4f} is above its maximum {entry['max']}")
    return problems
