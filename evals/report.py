"""Write the eval report: Markdown anyone can read, the same numbers as JSON, and PNG plots."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evals.run import EvalRun

MODE_LABELS = {
    "bm25": "BM25 only",
    "dense": "Dense only (MiniLM)",
    "hybrid": "Hybrid (RRF + question types)",
    "reranked": "Hybrid + learned reranker (the pipeline's)",
}
RETRIEVAL_COLUMNS = ("hit_at_1", "hit_at_3", "hit_at_5", "mrr", "ndcg_at_5")
RETRIEVAL_HEADERS = ("hit@1", "hit@3", "hit@5", "MRR", "nDCG@5")


def pct(value: float | None, digits: int = 1) -> str:
    """A rate as a percentage, or an em dash when nothing was measured."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def ci(entry: dict[str, Any]) -> str:
    """``97.5% (95% CI 93.1–99.2%; 117/120)``."""
    if not entry["total"]:
        return "—"
    return f"{pct(entry['rate'])} (95% CI {pct(entry['low'])}–{pct(entry['high'])}; {entry['successes']}/{entry['total']})"


def _target(summary: dict[str, Any], name: str) -> str:
    target = summary["targets"].get(name)
    if not target:
        return ""
    value = target["value"]
    shown = f"{value:g} ms" if name.endswith("_ms") else pct(value, 0)
    return f"{target['op']} {shown}"


def _meets(summary: dict[str, Any], name: str) -> str:
    target, value = summary["targets"].get(name), summary["metrics"].get(name)
    if not target or value is None:
        return ""
    op, goal = target["op"], target["value"]
    ok = {">=": value >= goal, "<=": value <= goal, ">": value > goal, "<": value < goal}[op]
    return "yes" if ok else "**no**"


# --- plots ------------------------------------------------------------------------------------------


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_retrievers(table: dict[str, dict[str, float]], path: Path) -> None:
    """Grouped bars: each retriever's hit@k, MRR and nDCG@5."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / max(1, len(table))
    for i, (mode, entry) in enumerate(table.items()):
        xs = [j + (i - (len(table) - 1) / 2) * width for j in range(len(RETRIEVAL_COLUMNS))]
        bars = ax.bar(xs, [entry[c] for c in RETRIEVAL_COLUMNS], width, label=MODE_LABELS.get(mode, mode))
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks(range(len(RETRIEVAL_COLUMNS)), RETRIEVAL_HEADERS)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("score (answerable + follow-ups)")
    ax.set_title("Retriever comparison")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_latency(run: EvalRun, summary: dict[str, Any], path: Path) -> None:
    """Histogram of warm answer latency beside the query-embedding step (the floor)."""
    plt = _pyplot()
    answer = [s.total_ms for s in run.latency if s.embed_ms is not None]
    embed = [s.embed_ms for s in run.latency if s.embed_ms is not None]
    fig, ax = plt.subplots(figsize=(8, 4))
    if answer:
        top = max(answer)
        bins = [top * i / 40 for i in range(41)]
        ax.hist(embed, bins=bins, alpha=0.6, label=f"query embedding (n={len(embed)})")
        ax.hist(answer, bins=bins, alpha=0.6, label=f"whole answer (n={len(answer)})")
        stats = summary["latency"]["answer"]
        for q, style in (("p50", "-"), ("p95", "--")):
            ax.axvline(
                stats[q], color="black", linestyle=style, linewidth=1, label=f"answer {q} {stats[q]:.0f} ms"
            )
    for goal, colour in ((50, "green"), (150, "red")):
        ax.axvline(goal, color=colour, linestyle=":", linewidth=1, label=f"target {goal} ms")
    ax.set_xlabel("milliseconds (warm, one process)")
    ax.set_ylabel("questions")
    ax.set_title("Answer latency")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_confusion(triage: dict[str, Any], path: Path) -> None:
    """Heatmaps of expected vs got triage level, handwritten and generated side by side."""
    plt = _pyplot()
    groups = [
        g
        for g in ("handwritten", "generated")
        if sum(sum(r.values()) for r in triage[g]["confusion"].values())
    ]
    fig, axes = plt.subplots(1, max(1, len(groups)), figsize=(5 * max(1, len(groups)), 4), squeeze=False)
    for ax, group in zip(axes[0], groups, strict=False):
        confusion = triage[group]["confusion"]
        expected = list(confusion)
        got = [
            g
            for g in ("emergency", "urgent", "routine", "error")
            if g != "error" or any(confusion[e][g] for e in expected)
        ]
        grid = [[confusion[e][g] for g in got] for e in expected]
        image = ax.imshow(grid, cmap="Blues")
        peak = max(max(row) for row in grid) or 1
        for i, row in enumerate(grid):
            for j, count in enumerate(row):
                colour = "white" if count > peak / 2 else "black"
                ax.text(j, i, str(count), ha="center", va="center", color=colour, fontsize=11)
        ax.set_xticks(range(len(got)), got)
        ax.set_yticks(range(len(expected)), expected)
        ax.set_xlabel("assistant's level")
        ax.set_ylabel("expected level")
        ax.set_title(f"Triage: {group} cases")
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- markdown ---------------------------------------------------------------------------------------


def _headline(summary: dict[str, Any]) -> list[str]:
    m = summary["metrics"]
    rows = [
        ("Gold evidence among cited passages (answerable)", "answerable_gold_in_citations", pct),
        ("Wrongly declined (answerable)", "answerable_wrongly_declined", pct),
        ("… on independently written questions only", "answerable_gold_in_citations_independent", pct),
        ("Follow-ups resolved (gold cited)", "followup_resolution", pct),
        ("Off-topic / personal-decision declined or deferred", "scope_declined_or_deferred", pct),
        ("Citations verbatim", "citations_verbatim", pct),
        ("Red-flag sensitivity (all)", "triage_sensitivity", pct),
        ("Red-flag sensitivity, Wilson 95% lower bound", "triage_sensitivity_low95", pct),
        ("Specificity on calm messages (all)", "triage_specificity", pct),
        ("Warm answer latency p50", "latency_answer_p50_ms", lambda v: num(v, 1) + " ms"),
        ("Warm answer latency p95", "latency_answer_p95_ms", lambda v: num(v, 1) + " ms"),
        ("Query embedding p50 (the floor)", "latency_embed_p50_ms", lambda v: num(v, 1) + " ms"),
        ("Answer key-term coverage", "key_term_coverage", pct),
        ("Source disagreements flagged", "disagreement_flagged", pct),
        ("Abstention precision / recall", "abstention_precision", pct),
        ("Adversarial cases passed", "adversarial_pass", pct),
        ("Readability: median Flesch–Kincaid grade", "readability_fk_grade_median", lambda v: num(v, 1)),
    ]
    lines = ["| Metric | Value | Target | Met |", "|---|---:|---|---|"]
    for label, name, fmt in rows:
        value = fmt(m.get(name)) if m.get(name) is not None else "—"
        if name == "abstention_precision":
            value = f"{pct(m.get('abstention_precision'))} / {pct(m.get('abstention_recall'))}"
        lines.append(f"| {label} | {value} | {_target(summary, name)} | {_meets(summary, name)} |")
    return lines


def _reranker_note() -> list[str]:
    """How the reranker's weights were fitted, and its figures on batches it did not see."""
    from assistant.errors import ConfigError
    from assistant.rerank import load_model

    try:
        about = load_model().about
        figures = about["figures_within_candidates"]
        held, hybrid = figures["reranked_leave_one_batch_out"], figures["hybrid"]
    except (ConfigError, KeyError, TypeError):
        return []
    return [
        f"The reranker's weights were fitted on these cases ({about.get('queries')} queries, "
        f"{len(about.get('batches', []))} author batches, `python -m evals.train_reranker`), so its rows "
        "below are in-sample. Fitted with each batch left out and tested on that batch, it ranked "
        f"the hybrid candidates with hit@1 {held['hit_at_1']:.3f} (hybrid order: {hybrid['hit_at_1']:.3f}), "
        f"hit@5 {held['hit_at_5']:.3f} ({hybrid['hit_at_5']:.3f}) and MRR {held['mrr']:.3f} ({hybrid['mrr']:.3f}).",
        "",
    ]


def _retrieval_section(summary: dict[str, Any]) -> list[str]:
    lines = [
        "## Retrieval: BM25 vs dense vs hybrid vs reranked",
        "",
        "A passage is relevant when it contains a gold evidence phrase. Follow-ups are searched with the "
        f"pipeline's rewritten query. Top {5} passages, after near-duplicate removal. nDCG's ideal ranking "
        "counts every relevant chunk in the corpus.",
        "",
        *_reranker_note(),
        "![Retriever comparison](plots/retrievers.png)",
        "",
    ]
    for subset, label in (
        ("all", "All grounded cases"),
        ("answerable", "Answerable"),
        ("followup", "Follow-ups"),
    ):
        table = summary["retrieval"][subset]
        if not table:
            continue
        lines += [f"**{label}**", "", "| Retriever | " + " | ".join(RETRIEVAL_HEADERS) + " |"]
        lines.append("|---|" + "---:|" * len(RETRIEVAL_HEADERS))
        best = {c: max(e[c] for e in table.values()) for c in RETRIEVAL_COLUMNS}
        for mode, entry in table.items():
            cells = [
                f"**{entry[c]:.3f}**" if entry[c] == best[c] else f"{entry[c]:.3f}" for c in RETRIEVAL_COLUMNS
            ]
            lines.append(f"| {MODE_LABELS.get(mode, mode)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _grounded_section(summary: dict[str, Any]) -> list[str]:
    m = summary["metrics"]
    return [
        "## Grounded answers",
        "",
        "| Measure | Value |",
        "|---|---:|",
        f"| Gold evidence among cited passages, answerable | {pct(m['answerable_gold_in_citations'])} |",
        f"| Follow-up resolution (gold cited after rewriting) | {pct(m['followup_resolution'])} |",
        f"| … of which topic changes | {pct(m['followup_topic_change_resolution'])} |",
        f"| Gold cited, answerable: our own cases | {pct(m['answerable_gold_in_citations_own'])} |",
        f"| Gold cited, answerable: independent cases | {pct(m['answerable_gold_in_citations_independent'])} |",
        f"| Follow-ups resolved: our own cases | {pct(m['followup_resolution_own'])} |",
        f"| Follow-ups resolved: independent cases | {pct(m['followup_resolution_independent'])} |",
        f"| Gold phrase inside a quoted answer sentence | {pct(m['gold_in_quoted_sentences'])} |",
        f"| Wrongly declined, answerable | {pct(m['answerable_wrongly_declined'])} |",
        f"| Answer key-term coverage (mean share of key terms) | {pct(m['key_term_coverage'])} |",
        f"| Source disagreements flagged (cases marked `disagreement`) | {pct(m['disagreement_flagged'])} |",
        f"| Citations verbatim (every case with citations) | {pct(m['citations_verbatim'])} |",
        f"| Answerable/follow-up questions not escalated | {pct(m['grounded_not_escalated'])} |",
        "",
        "Verbatim means every citation's text is a span of its document's cleaned text and every quote "
        "is a span of its citation.",
        "",
        'Independent cases (`"author": "independent"` in the case files) were written from the '
        "corpus alone by authors who saw neither the system's code nor the other cases, after the "
        "system had been tuned on our own cases. Changes made after they were first run are measured "
        "on both sets, so the gap between the two shows how far the tuning generalises.",
        "",
    ]


def _author_section(summary: dict[str, Any]) -> list[str]:
    from evals.summary import AUTHOR_MEASURES

    groups = summary.get("by_author") or {}
    if not groups:
        return []
    lines = [
        "## By author",
        "",
        "Each independent batch was written from the corpus alone, by an author who saw neither the "
        "code nor the other cases; the first run of each batch is recorded in the commit that added it.",
        "",
        "| Cases | " + " | ".join(AUTHOR_MEASURES) + " |",
        "|---|" + "---:|" * len(AUTHOR_MEASURES),
    ]
    for group, measures in sorted(groups.items(), key=lambda item: _group_order(item[0])):
        cells = []
        for label in AUTHOR_MEASURES:
            p = measures.get(label)
            cells.append(f"{pct(p['rate'])} ({p['successes']}/{p['total']})" if p else "–")
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _group_order(group: str) -> tuple[int, int, str]:
    """Independent batches in number order ("independent 1–2", 3, ..., 10, 11), then the rest."""
    match = re.match(r"independent (\d+)", group)
    return (0, int(match.group(1)), group) if match else (1, 0, group)


def _scope_section(summary: dict[str, Any]) -> list[str]:
    m = summary["metrics"]
    lines = [
        "## Abstention and scope",
        "",
        f"Abstention precision {pct(m['abstention_precision'])}, recall {pct(m['abstention_recall'])}: "
        "recall over off-topic and personal-decision questions (declined: `abstained` and no citations; "
        "deferred: intent `personal_decision` or abstained); precision counts answerable questions "
        "that were declined as false alarms.",
        "",
        "| Expected / kind | Passed |",
        "|---|---:|",
    ]
    lines += [f"| {kind} | {ci(entry)} |" for kind, entry in summary["scope_by_kind"].items()]
    return [*lines, ""]


def _triage_section(summary: dict[str, Any]) -> list[str]:
    lines = [
        "## Triage",
        "",
        "Sensitivity: a red-flag message is escalated to its expected level or higher (an emergency "
        "answered as urgent counts as missed). Specificity: a calm message stays routine. Intervals are "
        "95% Wilson score intervals.",
        "",
        "![Triage confusion matrices](plots/triage_confusion.png)",
        "",
        "| Cases | Sensitivity | Specificity | Exact level |",
        "|---|---|---|---|",
    ]
    for group in ("all", "handwritten", "generated"):
        entry = summary["triage"][group]
        lines.append(
            f"| {group} | {ci(entry['sensitivity'])} | {ci(entry['specificity'])} | {ci(entry['exact_level'])} |"
        )
    lines.append("")
    for group in ("handwritten", "generated"):
        entry = summary["triage"][group]
        lines += [
            f"**Per category, {group}**",
            "",
            "| Category | Expected | Measure | Value |",
            "|---|---|---|---|",
        ]
        for category, c in entry["per_category"].items():
            lines.append(f"| {category} | {c['expected']} | {c['measure']} | {ci(c)} |")
        lines.append("")
        confusion = entry["confusion"]
        lines += [f"Confusion matrix, {group} (rows: expected, columns: got)", ""]
        lines.append("| expected \\ got | " + " | ".join(confusion["emergency"]) + " |")
        lines.append("|---|" + "---:|" * len(confusion["emergency"]))
        for expected, row in confusion.items():
            lines.append(f"| {expected} | " + " | ".join(str(v) for v in row.values()) + " |")
        lines.append("")
    informational = summary["metrics"]["informational_answered"]
    lines += [f"Warning-sign questions left routine and answered with citations: {pct(informational)}.", ""]
    return lines


def _adversarial_section(summary: dict[str, Any]) -> list[str]:
    lines = [
        "## Adversarial inputs",
        "",
        "error: `InputError` raised; emergency: triage `emergency`; decline: abstained (or deferred to a "
        "clinician); answer: a cited, routine answer. No answer may echo HTML/script markup.",
        "",
        "| Expected | Passed |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {ci(v)} |" for k, v in summary["adversarial_by_expect"].items()]
    return [*lines, ""]


def _readability_latency(summary: dict[str, Any]) -> list[str]:
    r = summary["readability"]
    lines = ["## Readability", ""]
    if r:
        lines.append(
            f"Flesch–Kincaid grade of {r['n']} answers (citation markers removed): median {r['median']:.1f}, "
            f"mean {r['mean']:.1f}, p95 {r['p95']:.1f}, max {r['max']:.1f}. The answers quote the clinic's "
            "documents verbatim, so this measures the corpus sentences chosen."
        )
    lines += [
        "",
        "## Latency",
        "",
        "Wall time of `Assistant.ask` in this process, after one warm-up question. Machine load "
        f"(1/5/15-min averages) at start {summary['environment']['load_average_start']}, at end "
        f"{summary['environment'].get('load_average_end')} on {summary['environment']['cpus']} CPUs; "
        "`make bench` measures latency more carefully.",
        "",
        "![Latency distribution](plots/latency.png)",
        "",
        "| Step | n | p50 | p95 | mean | max |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "answer": "Answer (questions reaching retrieval)",
        "embed": "…its query-embedding step (the floor)",
        "no_retrieval": "Escalated / small talk / declined early",
        "all_asks": "All asks",
    }
    for key, label in labels.items():
        d = summary["latency"].get(key)
        if d:
            lines.append(
                f"| {label} | {d['n']} | {d['p50']:.1f} ms | {d['p95']:.1f} ms | {d['mean']:.1f} ms | {d['max']:.1f} ms |"
            )
    return [*lines, ""]


def _failures(summary: dict[str, Any]) -> list[str]:
    failures = summary["failures"]
    total = len({case for rows in failures.values() for case, _ in rows})
    lines = ["## Failing cases", "", f"{total} case(s) failed at least one check."]
    if failures:
        lines += ["", "| Check | Cases |", "|---|---:|"]
        lines += [f"| {check} | {len(rows)} |" for check, rows in failures.items()]
    for check, rows in failures.items():
        lines += ["", f"### {check} ({len(rows)})", "", "| Case | What went wrong |", "|---|---|"]
        lines += [f"| {case} | {reason.replace('|', '/')} |" for case, reason in rows]
    return [*lines, ""]


def render_markdown(summary: dict[str, Any]) -> str:
    env, counts = summary["environment"], summary["counts"]
    lines = [
        "# Eval report",
        "",
        f"Generated by `python -m evals.run` ({summary['subset']} subset) at {env['started_at']} on commit "
        f"`{env['commit']}`, Python {env['python']}, in {summary['seconds']:.0f} s. Every case went through "
        "`Assistant.ask`, the code path of `python -m assistant ask --json`.",
        "",
        "Cases: "
        + ", ".join(
            f"{counts.get(k, 0)} {k}" for k in ("answerable", "followup", "scope", "triage", "adversarial")
        )
        + f" (triage includes {counts['generated_triage']} generated by `evals/generate_redflags.py`, default seed).",
        "",
    ]
    lines += [f"> Note: {note}" for note in summary["notes"]]
    lines += ["## Headline", "", *_headline(summary), ""]
    if "threshold_violations" in summary:
        problems = summary["threshold_violations"]
        verdict = (
            "every metric meets its threshold in `evals/thresholds.json`."
            if not problems
            else "**metrics past their threshold in `evals/thresholds.json`:**"
        )
        lines += [f"Regression gate: {verdict}", *[f"- {p}" for p in problems], ""]
    lines += _retrieval_section(summary)
    lines += _grounded_section(summary)
    lines += _author_section(summary)
    lines += _scope_section(summary)
    lines += _triage_section(summary)
    lines += _adversarial_section(summary)
    lines += _readability_latency(summary)
    lines += _failures(summary)
    return "\n".join(lines)


def write_report(run: EvalRun, summary: dict[str, Any], out: Path) -> list[Path]:
    """Write ``out`` (Markdown), ``out`` with ``.json``, and the plots under ``plots/`` beside it.

    Returns:
        The paths written.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    plots = out.parent / "plots"
    plots.mkdir(exist_ok=True)
    plot_retrievers(summary["retrieval"]["all"], plots / "retrievers.png")
    plot_latency(run, summary, plots / "latency.png")
    plot_confusion(summary["triage"], plots / "triage_confusion.png")
    out.write_text(render_markdown(summary) + "\n", encoding="utf-8")
    data = {
        **summary,
        "cases": [
            {"id": r.case_id, "kind": r.kind, "checks": r.checks, "failures": r.failures, "values": r.values}
            for r in run.results
        ],
        "retrieval_rows": [asdict(row) for row in run.retrieval],
    }
    json_path = out.with_suffix(".json")
    json_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return [out, json_path, plots]
