"""Timing and memory helpers for the benchmarks (medians of repeated runs, distributions, RSS)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from statistics import fmean, median
from typing import Any

from evals.metrics import percentile


def log(message: str) -> None:
    """Progress on stderr, with a timestamp (the report is the output)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def distribution(values_ms: Sequence[float]) -> dict[str, float]:
    """n, p50, p95, mean and max of timings in milliseconds."""
    return {
        "n": len(values_ms),
        "p50": percentile(values_ms, 50),
        "p95": percentile(values_ms, 95),
        "mean": fmean(values_ms),
        "max": max(values_ms),
    }


def repeated(seconds: Sequence[float]) -> dict[str, Any]:
    """The median of repeated whole-run timings, with every run kept."""
    return {"median_s": median(seconds), "runs_s": [round(s, 3) for s in seconds]}


def time_once(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call takes, and its result."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def time_each(action: Callable[[Any], Any], items: Sequence[Any]) -> list[float]:
    """Milliseconds of ``action(item)`` for each item, in order."""
    timings = []
    for item in items:
        started = time.perf_counter_ns()
        action(item)
        timings.append((time.perf_counter_ns() - started) / 1e6)
    return timings


def median_of_rounds(rounds: Sequence[dict[str, float]]) -> dict[str, Any]:
    """Median of each statistic over rounds of the same distribution measurement."""
    keys = ("p50", "p95", "mean", "max")
    merged: dict[str, Any] = {k: median(r[k] for r in rounds) for k in keys}
    merged["n"] = rounds[0]["n"]
    merged["rounds"] = len(rounds)
    merged["per_round"] = [{k: round(r[k], 3) for k in keys} for r in rounds]
    return merged


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size so far, in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


def current_rss_mb() -> float:
    """Resident set size now, in MiB."""
    import psutil

    return psutil.Process().memory_info().rss / (1024 * 1024)


def run_cli(
    args: Sequence[str], env: dict[str, str], cwd: Path
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``python -m assistant ...`` in a fresh process; seconds from spawn to exit."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, done
