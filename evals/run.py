"""Run every eval case through ``Assistant.ask`` (the CLI's code path) and write the report.

    python -m evals.run [--subset fast] [--out evals/report.md] [--check]

Models load once; each case is asked exactly as ``python -m assistant ask --json --batch`` would
ask it. The report (Markdown, JSON and PNG plots) goes next to ``--out``.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals import evaluators as ev
from evals.dataset import SUBSETS, CaseSet, load_cases, question_of

log = logging.getLogger("evals")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(__file__).resolve().parent / "report.md"
RETRIEVAL_MODES = ("bm25", "dense", "hybrid", "reranked")
RETRIEVAL_K = 5
WARM_UP_QUESTION = "why does the top of my butt hurt when i stand?"


@dataclass
class RetrievalRow:
    """Relevance of each retriever's top passages for one grounded case."""

    case_id: str
    kind: str  # answerable | followup
    query: str
    n_relevant: int  # chunks in the whole corpus holding a gold phrase (for ideal nDCG)
    relevant: dict[str, list[bool]] = field(default_factory=dict)


@dataclass
class LatencySample:
    """Wall time of one ``ask``, and its embedding step when the question reached retrieval."""

    case_id: str
    kind: str
    total_ms: float
    embed_ms: float | None


@dataclass
class EvalRun:
    """Everything one eval run measured, before it is summarised."""

    subset: str
    cases: CaseSet
    results: list[ev.CaseResult]
    retrieval: list[RetrievalRow]
    latency: list[LatencySample]
    seconds: float
    environment: dict[str, Any]


def _ask(assistant: Any, question: Any, history: Any) -> ev.Outcome:
    from assistant.errors import AssistantError

    started = time.perf_counter()
    try:
        answer = assistant.ask(question, history)
    except AssistantError as exc:
        return ev.Outcome(None, str(exc), type(exc).__name__, (time.perf_counter() - started) * 1000)
    except Exception as exc:  # a crash is a finding to report, not a reason to stop the eval
        log.exception("ask crashed")
        return ev.Outcome(None, str(exc), type(exc).__name__, (time.perf_counter() - started) * 1000)
    return ev.Outcome(answer.to_json(), latency_ms=(time.perf_counter() - started) * 1000)


def _retrieval_row(assistant: Any, case: dict[str, Any], kind: str, outcome: ev.Outcome) -> RetrievalRow:
    """Rank with each retriever for the query the pipeline actually searched with."""
    from assistant.conversation import clean_text

    phrases = [g["phrase"] for g in case["gold"]]
    query = (outcome.answer or {}).get("rewritten_query") or clean_text(case["question"])
    n_relevant = sum(ev.is_relevant(c.text, phrases) for c in assistant.corpus.chunks)
    row = RetrievalRow(case["id"], kind, query, n_relevant)
    vector = assistant.embed(query)
    for mode in RETRIEVAL_MODES:
        passages = assistant.retrieve(query, k=RETRIEVAL_K, mode=mode, query_vector=vector)
        row.relevant[mode] = [ev.is_relevant(p.chunk.text, phrases) for p in passages]
    return row


def _jobs(cases: CaseSet) -> Iterable[tuple[str, dict[str, Any]]]:
    for kind, rows in (
        ("answerable", cases.answerable),
        ("followup", cases.followups),
        ("scope", cases.scope),
        ("triage", cases.triage),
        ("triage", cases.generated),
        ("adversarial", cases.adversarial),
    ):
        for case in rows:
            yield kind, case


def _environment() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "assistant"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = "", False
    return {
        "commit": commit + ("+uncommitted changes in assistant/" if dirty else ""),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def run_eval(assistant: Any, subset: str = "full", progress: bool = True) -> EvalRun:
    """Ask every case and evaluate the answers.

    Args:
        assistant: A loaded ``assistant.pipeline.Assistant``.
        subset: ``"full"`` or ``"fast"`` (see :func:`evals.dataset.load_cases`).
        progress: Show a tqdm progress bar on stderr.

    Returns:
        The per-case results, retrieval rankings and latencies.
    """
    from tqdm import tqdm

    started = time.perf_counter()
    environment = _environment()
    cases = load_cases(subset)
    documents = {doc_id: doc.text for doc_id, doc in assistant.corpus.by_doc.items()}
    assistant.ask(WARM_UP_QUESTION)  # latencies below are warm
    results: list[ev.CaseResult] = []
    retrieval: list[RetrievalRow] = []
    latency: list[LatencySample] = []
    jobs = list(_jobs(cases))
    for kind, case in tqdm(jobs, desc="eval", unit="case", file=sys.stderr, disable=not progress):
        outcome = _ask(assistant, question_of(case), case.get("history", []))
        if outcome.latency_ms is not None and kind != "adversarial":  # adversarial sizes are extreme
            embed_ms = (outcome.answer or {}).get("timings_ms", {}).get("embed")
            latency.append(LatencySample(case["id"], kind, outcome.latency_ms, embed_ms))
        if kind in ("answerable", "followup"):
            results.append(ev.evaluate_grounded(case, kind, outcome, documents))
            retrieval.append(_retrieval_row(assistant, case, kind, outcome))
        elif kind == "scope":
            results.append(ev.evaluate_scope(case, outcome, documents))
        elif kind == "triage":
            results.append(ev.evaluate_triage(case, outcome, documents))
        else:
            results.append(ev.evaluate_adversarial(case, outcome, documents))
    environment["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return EvalRun(subset, cases, results, retrieval, latency, time.perf_counter() - started, environment)


def main(argv: list[str] | None = None) -> int:
    """Run the eval and write ``report.md``, ``report.json`` and ``plots/`` next to ``--out``."""
    parser = argparse.ArgumentParser(prog="python -m evals.run", description=__doc__.splitlines()[0])
    parser.add_argument("--subset", choices=SUBSETS, default="full", help="cases to run (default: full)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown report path")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a metric is past its evals/thresholds.json bound"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s")

    from assistant.pipeline import Assistant
    from assistant.settings import load_settings
    from evals.gate import load_thresholds, violations
    from evals.report import write_report
    from evals.summary import summarise

    loaded = time.perf_counter()
    # Eval escalations are not patient events: keep them out of the real audit log.
    with tempfile.TemporaryDirectory(prefix="cluneal-eval-audit-") as audit_dir:
        settings = load_settings(audit_log=Path(audit_dir) / "triage.jsonl")
        assistant = Assistant(settings, progress=not args.no_progress)
        print(f"Assistant loaded in {time.perf_counter() - loaded:.1f}s.", file=sys.stderr)
        run = run_eval(assistant, args.subset, progress=not args.no_progress)
    summary = summarise(run)
    summary["threshold_violations"] = violations(summary["metrics"], load_thresholds())
    paths = write_report(run, summary, args.out)
    headline = summary["metrics"]
    print(
        f"{len(run.results)} cases in {run.seconds:.0f}s. "
        f"gold in citations {headline['answerable_gold_in_citations']:.1%}, "
        f"triage sensitivity {headline['triage_sensitivity']:.1%}, "
        f"specificity {headline['triage_specificity']:.1%}. "
        f"Report: {', '.join(str(p) for p in paths)}",
        file=sys.stderr,
    )
    for problem in summary["threshold_violations"]:
        print(f"below threshold: {problem}", file=sys.stderr)
    if args.check and summary["threshold_violations"]:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
