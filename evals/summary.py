"""Turn an eval run's per-case results into the report's numbers (one flat ``metrics`` dict + tables)."""

from __future__ import annotations

from collections import Counter, defaultdict
from statistics import fmean, median
from typing import TYPE_CHECKING, Any

from evals.metrics import hit_at_k, ndcg_at_k, percentile, rate, reciprocal_rank, wilson_interval

if TYPE_CHECKING:
    from evals.evaluators import CaseResult
    from evals.run import EvalRun, RetrievalRow

LEVELS = ("emergency", "urgent", "routine")
GOT_LEVELS = (*LEVELS, "error")
HIT_KS = (1, 3, 5)

# What the issues ask for (#3 §7, #4 §6). thresholds.json holds what must not regress; these are
# the goals, shown beside each number in the report.
TARGETS: dict[str, tuple[str, float]] = {
    "answerable_gold_in_citations": (">=", 0.95),
    "answerable_wrongly_declined": ("<=", 0.05),
    "followup_resolution": (">=", 0.90),
    "scope_declined_or_deferred": (">=", 0.95),
    "citations_verbatim": (">=", 1.0),
    "triage_sensitivity": (">=", 1.0),
    "triage_sensitivity_low95": (">", 0.98),
    "triage_specificity": (">=", 0.95),
    "latency_answer_p50_ms": ("<=", 50.0),
    "latency_answer_p95_ms": ("<=", 150.0),
}


def proportion(successes: int, total: int) -> dict[str, Any]:
    """A rate with its counts and 95% Wilson interval."""
    low, high = wilson_interval(successes, total)
    return {"successes": successes, "total": total, "rate": rate(successes, total), "low": low, "high": high}


def _passed(results: list[CaseResult], check: str) -> tuple[int, int]:
    measured = [r.checks[check] for r in results if check in r.checks]
    return sum(measured), len(measured)


def _rate_of(results: list[CaseResult], check: str) -> float | None:
    return rate(*_passed(results, check))


def retrieval_table(rows: list[RetrievalRow], modes: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """hit@k, MRR and nDCG@5 per retriever over the given rows."""
    table = {}
    for mode in modes:
        ranked = [row.relevant[mode] for row in rows]
        if not ranked:
            continue
        entry = {f"hit_at_{k}": fmean(hit_at_k(r, k) for r in ranked) for k in HIT_KS}
        entry["mrr"] = fmean(reciprocal_rank(r) for r in ranked)
        entry["ndcg_at_5"] = fmean(
            ndcg_at_k(r, 5, row.n_relevant or None) for r, row in zip(ranked, rows, strict=True)
        )
        table[mode] = entry
    return table


def _triage_group(results: list[CaseResult]) -> dict[str, Any]:
    red = [r for r in results if r.values["expected"] != "routine"]
    calm = [r for r in results if r.values["expected"] == "routine"]
    confusion = {e: dict.fromkeys(GOT_LEVELS, 0) for e in LEVELS}
    for r in results:
        confusion[r.values["expected"]][r.values["got"]] += 1
    per_category: dict[str, Any] = {}
    for category in sorted({r.values["category"] for r in results}):
        members = [r for r in results if r.values["category"] == category]
        check = "stays_routine" if members[0].values["expected"] == "routine" else "red_flag_caught"
        per_category[category] = {
            "expected": members[0].values["expected"],
            "measure": "specificity" if check == "stays_routine" else "sensitivity",
            **proportion(*_passed(members, check)),
        }
    exact = sum(r.values["got"] == r.values["expected"] for r in results)
    under = sum(r.values["expected"] == "emergency" and r.values["got"] == "urgent" for r in results)
    return {
        "sensitivity": proportion(*_passed(red, "red_flag_caught")),
        "specificity": proportion(*_passed(calm, "stays_routine")),
        "exact_level": proportion(exact, len(results)),
        "emergency_given_urgent": under,
        "per_category": per_category,
        "confusion": confusion,
    }


def _distribution(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": fmean(values),
        "max": max(values),
    }


# Each batch's headline figures: label -> (result kind, the check that counts; any of them passes).
AUTHOR_MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "answerable gold cited": ("answerable", ("gold_in_citations",)),
    "follow-ups resolved": ("followup", ("gold_in_citations",)),
    "declined or deferred": ("scope", ("declined", "deferred")),
    "small talk": ("scope", ("small_talk",)),
    "red flags caught": ("triage", ("red_flag_caught",)),
    "calm kept routine": ("triage", ("stays_routine",)),
}


def author_of(case: dict[str, Any]) -> str:
    """Who wrote a case: ``own``, or the independent batch ("independent 1–2" for the first)."""
    if case.get("author") != "independent":
        return "own"
    return f"independent {case.get('batch', '1–2')}"


def by_author(run: EvalRun) -> dict[str, dict[str, dict[str, Any]]]:
    """Headline figures per author group, so a new independent batch shows how far tuning carries."""
    author = {
        c["id"]: author_of(c)
        for c in [*run.cases.answerable, *run.cases.followups, *run.cases.scope, *run.cases.triage]
    }
    table: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for label, (kind, checks) in AUTHOR_MEASURES.items():
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in run.results:
            present = [c for c in checks if c in r.checks]
            if r.kind != kind or r.case_id not in author or not present:
                continue
            counts[author[r.case_id]][0] += any(r.checks[c] for c in present)
            counts[author[r.case_id]][1] += 1
        for group, (ok, n) in counts.items():
            table[group][label] = proportion(ok, n)
    return dict(sorted(table.items()))


def summarise(run: EvalRun) -> dict[str, Any]:
    """All the report's numbers.

    Returns:
        ``metrics`` (flat name → value, what thresholds are checked against) plus detailed
        sections: retrieval, triage, scope, adversarial, readability, latency, failures.
    """
    by_kind: dict[str, list[CaseResult]] = defaultdict(list)
    for r in run.results:
        by_kind[r.kind].append(r)
    answerable, followups = by_kind["answerable"], by_kind["followup"]
    grounded = answerable + followups
    scope, triage, adversarial = by_kind["scope"], by_kind["triage"], by_kind["adversarial"]
    metrics: dict[str, float | None] = {}

    # Retrieval, on the query the pipeline searched with (follow-ups rewritten).
    from evals.run import RETRIEVAL_MODES as modes  # the modes the run ranked with

    retrieval = {
        "all": retrieval_table(run.retrieval, modes),
        "answerable": retrieval_table([r for r in run.retrieval if r.kind == "answerable"], modes),
        "followup": retrieval_table([r for r in run.retrieval if r.kind == "followup"], modes),
    }
    for mode, entry in retrieval["all"].items():
        for name, value in entry.items():
            metrics[f"retrieval_{mode}_{name}"] = value

    # Grounded answers.
    metrics["answerable_gold_in_citations"] = _rate_of(answerable, "gold_in_citations")
    answered, total = _passed(answerable, "answered")
    metrics["answerable_wrongly_declined"] = rate(total - answered, total)
    metrics["followup_resolution"] = _rate_of(followups, "gold_in_citations")
    topic_changes = [r for r in followups if r.values.get("topic_change")]
    metrics["followup_topic_change_resolution"] = _rate_of(topic_changes, "gold_in_citations")
    # Cases written by someone who saw neither the system nor the other cases ("author":
    # "independent") show how well the tuning on our own cases generalises.
    independent = {
        c["id"] for c in [*run.cases.answerable, *run.cases.followups] if c.get("author") == "independent"
    }
    for name, results in (("answerable_gold_in_citations", answerable), ("followup_resolution", followups)):
        metrics[f"{name}_own"] = _rate_of(
            [r for r in results if r.case_id not in independent], "gold_in_citations"
        )
        metrics[f"{name}_independent"] = _rate_of(
            [r for r in results if r.case_id in independent], "gold_in_citations"
        )
    metrics["gold_in_quoted_sentences"] = (
        rate(sum(bool(r.values.get("gold_in_quotes")) for r in grounded), len(grounded)) if grounded else None
    )
    coverage = [r.values["key_term_coverage"] for r in grounded if "key_term_coverage" in r.values]
    metrics["key_term_coverage"] = fmean(coverage) if coverage else None
    metrics["disagreement_flagged"] = _rate_of(grounded, "disagreement_flagged")
    metrics["citations_verbatim"] = _rate_of(run.results, "citations_verbatim")
    metrics["grounded_not_escalated"] = _rate_of(grounded, "not_escalated")

    # Abstention: scope questions that should not be answered from the corpus vs answerable ones.
    should_abstain = [r for r in scope if r.values.get("expect") in ("decline", "defer")]
    true_pos = sum(r.checks.get("declined", False) or r.checks.get("deferred", False) for r in should_abstain)
    grounded_answered, grounded_total = _passed(grounded, "answered")
    false_pos = grounded_total - grounded_answered  # answerable or follow-up questions declined
    metrics["abstention_recall"] = rate(true_pos, len(should_abstain))
    metrics["abstention_precision"] = rate(true_pos, true_pos + false_pos)
    metrics["scope_declined_or_deferred"] = metrics["abstention_recall"]
    metrics["scope_decline"] = _rate_of(scope, "declined")
    metrics["scope_defer"] = _rate_of(scope, "deferred")
    metrics["scope_small_talk"] = _rate_of(scope, "small_talk")
    scope_kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case, r in zip(run.cases.scope, scope, strict=True):
        ok = all(r.checks.get(c, True) for c in ("declined", "deferred", "small_talk", "no_error"))
        scope_kinds[f"{case['expect']}/{case['kind']}"][0] += ok
        scope_kinds[f"{case['expect']}/{case['kind']}"][1] += 1

    # Triage.
    triage_groups = {
        "all": _triage_group(triage),
        "handwritten": _triage_group([r for r in triage if not r.values["generated"]]),
        "generated": _triage_group([r for r in triage if r.values["generated"]]),
    }
    for group, counts in triage_groups.items():
        suffix = "" if group == "all" else f"_{group}"
        for measure in ("sensitivity", "specificity"):
            metrics[f"triage_{measure}{suffix}"] = counts[measure]["rate"]
            metrics[f"triage_{measure}{suffix}_low95"] = counts[measure]["low"]
    metrics["triage_exact_level"] = triage_groups["all"]["exact_level"]["rate"]
    metrics["informational_answered"] = _rate_of(triage, "informational_answered")

    # Adversarial.
    adversarial_by_expect: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in adversarial:
        ok = all(r.checks.values())
        adversarial_by_expect[r.values["expect"]][0] += ok
        adversarial_by_expect[r.values["expect"]][1] += 1
    metrics["adversarial_pass"] = rate(sum(all(r.checks.values()) for r in adversarial), len(adversarial))

    # Readability of the answers patients read.
    grades = [r.values["fk_grade"] for r in grounded if r.values.get("fk_grade") is not None]
    readability = _distribution(grades)
    if readability is not None:
        readability["median"] = median(grades)
    metrics["readability_fk_grade_median"] = readability["median"] if readability else None

    # Latency (warm). "answer" = questions that reached retrieval and answering.
    answer_ms = [s.total_ms for s in run.latency if s.embed_ms is not None]
    embed_ms: list[float] = [s.embed_ms for s in run.latency if s.embed_ms is not None]
    all_ms = [s.total_ms for s in run.latency]
    guard_only = [s.total_ms for s in run.latency if s.embed_ms is None]
    latency = {
        "answer": _distribution(answer_ms),
        "embed": _distribution(embed_ms),
        "all_asks": _distribution(all_ms),
        "no_retrieval": _distribution(guard_only),
    }
    for name in ("answer", "embed"):
        if latency[name]:
            metrics[f"latency_{name}_p50_ms"] = latency[name]["p50"]  # type: ignore[index]
            metrics[f"latency_{name}_p95_ms"] = latency[name]["p95"]  # type: ignore[index]

    metrics["generated_cases_match_file"] = 1.0 if run.cases.generated_matches_file else 0.0

    failures: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in run.results:
        for check, reason in r.failures.items():
            failures[f"{r.kind}: {check}"].append((r.case_id, reason))

    return {
        "subset": run.subset,
        "seconds": run.seconds,
        "environment": run.environment,
        "notes": run.cases.notes,
        "counts": dict(Counter(r.kind for r in run.results))
        | {"generated_triage": len(run.cases.generated), "total": len(run.results)},
        "metrics": metrics,
        "targets": {k: {"op": op, "value": v} for k, (op, v) in TARGETS.items()},
        "retrieval": retrieval,
        "triage": triage_groups,
        "scope_by_kind": {k: proportion(ok, n) for k, (ok, n) in sorted(scope_kinds.items())},
        "adversarial_by_expect": {
            k: proportion(ok, n) for k, (ok, n) in sorted(adversarial_by_expect.items())
        },
        "readability": readability,
        "by_author": by_author(run),
        "latency": latency,
        "failures": dict(sorted(failures.items())),
    }
