"""Render the benchmark results as Markdown (the same numbers are in ``bench/report.json``)."""

from __future__ import annotations

from typing import Any

LATENCY_TARGETS = {"p50": 50.0, "p95": 150.0}  # issue #3 §7, warm answer on 2 CPU cores
GUARD_TARGET_MS = 1.0  # issue #4 §6


def _row(label: str, d: dict[str, Any], digits: int = 1) -> str:
    return (
        f"| {label} | {d['n']} | {d['p50']:.{digits}f} | {d['p95']:.{digits}f} | "
        f"{d['mean']:.{digits}f} | {d['max']:.{digits}f} |"
    )


def _runs(entry: dict[str, Any]) -> str:
    return f"{entry['median_s']:.2f} s (runs: {', '.join(f'{s:.2f}' for s in entry['runs_s'])})"


def _scaling(scaling: dict[str, Any]) -> list[str]:
    lines = [
        "## Scaling on a synthetic corpus",
        "",
        "Seeded cluneal-like text (`bench/synthetic.py`), one chunk per section, real MiniLM and Chroma, "
        "all sizes in this one process. *Build* = load, clean, chunk, embed and write to Chroma (the "
        "model already loaded; median of the runs shown). *Assistant load* = opening that index and "
        "embedding each distinct answer unit (sentence) once, which the unit cache then keeps (the "
        "synthetic text repeats sentences). Query timings "
        f"are {next(iter(scaling.values()))['answer_ms']['n']} eval questions, warm; *retrieve* is hybrid "
        "search with a precomputed query vector.",
        "",
        "| Chunks | Units | Build | Chunks/s | Assistant load | Answer p50 / p95 | Retrieve p50 / p95 | RSS after "
        "| Load avg before → after |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for entry in scaling.values():
        a, r = entry["answer_ms"], entry["retrieve_ms"]
        lines.append(
            f"| {entry['chunks']:,} | {entry['units']:,} | {_runs(entry['build'])} | "
            f"{entry['build_chunks_per_s']:.0f} | {entry['assistant_load_s']:.1f} s | "
            f"{a['p50']:.1f} / {a['p95']:.1f} ms | {r['p50']:.1f} / {r['p95']:.1f} ms | "
            f"{entry['rss_mb_after']:.0f} MiB | {entry['load_average_1min'][0]} → {entry['load_average_1min'][1]} |"
        )
    lines += [
        "",
        "Growth relative to the smallest corpus (1.0 = no growth):",
        "",
        "| Chunks | × chunks | × build | × assistant load | × answer p50 | × answer p95 | × retrieve p50 |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in scaling.values():
        g = entry["growth_vs_smallest"]
        lines.append(
            f"| {entry['chunks']:,} | {g['chunks']:.1f} | {g['build']:.2f} | {g['assistant_load']:.2f} | "
            f"{g['answer_p50']:.2f} | {g['answer_p95']:.2f} | {g['retrieve_p50']:.2f} |"
        )
    return [*lines, ""]


def render_markdown(results: dict[str, Any]) -> str:
    env = results["environment"]
    warm, guard, cold, build = (
        results["warm"],
        results["guard"],
        results["cold_start"],
        results["index_build"],
    )
    answer = warm["answer"]
    met = {q: "yes" if answer[q] <= goal else "**no**" for q, goal in LATENCY_TARGETS.items()}
    lines = [
        "# Benchmark report",
        "",
        f"`python -m bench.run` at {env['started_at']}, Python {env['python']}, {env['cpus']} CPUs, "
        f"{results['seconds'] / 60:.1f} min. Load average (1/5/15 min) {env['load_average_start']} at "
        f"start, {env['load_average_end']} at end: other work on the machine inflates timings.",
        "",
        "## Headline",
        "",
        "| Measure | Value | Target |",
        "|---|---:|---|",
        f"| Cold start: process start to first answer (median of {len(cold['runs_s'])}) | {cold['median_s']:.2f} s | |",
        f"| Index build, real corpus, fresh folder (median of {len(build['runs_s'])}) | {build['median_s']:.2f} s | |",
        f"| Warm answer p50 | {answer['p50']:.1f} ms | ≤ 50 ms ({met['p50']}) |",
        f"| Warm answer p95 | {answer['p95']:.1f} ms | ≤ 150 ms ({met['p95']}) |",
        f"| Query embedding p50 / p95 (the floor) | {warm['embed']['p50']:.1f} / {warm['embed']['p95']:.1f} ms | |",
        *(
            [
                f"| Embedding step as `ask` runs it, p50 / p95 | {warm['embed_step']['p50']:.1f} / "
                f"{warm['embed_step']['p95']:.1f} ms | |"
            ]
            if "embed_step" in warm
            else []
        ),
        f"| Guard per message, mean / p95 | {guard['mean']:.3f} / {guard['p95']:.3f} ms | ≤ {GUARD_TARGET_MS:g} ms "
        f"({'yes' if guard['mean'] <= GUARD_TARGET_MS else '**no**'}) |",
        f"| Peak RSS, this process before scaling | {results['memory']['peak_rss_mb_this_process']:.0f} MiB | |",
        f"| Peak RSS, a CLI cold-start process | {cold['peak_rss_mb']:.0f} MiB | |",
        "",
        "## Start-up and index build",
        "",
        f'- Cold start (`python -m assistant ask --json "…"` on an existing index, fresh process, until it '
        f"exits): {_runs(cold)}.",
        f"- Index build (`build_index`, as `python -m assistant index`, into a fresh folder; {build['chunks']} "
        f"chunks; includes {build['includes']}): {_runs(build)}.",
        f"- First in-process `Assistant` load after a build (also embeds and caches the answer units): "
        f"{results['assistant_first_load_s']:.1f} s.",
        "",
        "## Warm latency",
        "",
        f"{answer['n']} asks of eval questions (answerable, follow-ups with their history, scope), after a "
        f"warm-up, repeated {answer['rounds']} times; each statistic is the median over the rounds.",
        "",
        "| Step | n | p50 ms | p95 ms | mean ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
        _row("Whole answer (`Assistant.ask`)", answer),
        _row("Query embedding alone (`Assistant.embed`): the floor", warm["embed"]),
        *(
            [
                _row(
                    "Embedding step (`Assistant.embed_question`: the question and its lay terms spelt out)",
                    warm["embed_step"],
                )
            ]
            if "embed_step" in warm
            else []
        ),
        _row("Hybrid retrieval alone (vector given)", warm["retrieve"]),
        "",
        "## Guard",
        "",
        f"`Guard.check` on {guard['n']:,} messages: every case message plus the red-flag generator's output "
        f"for several seeds, each seen for the first time by a warmed-up guard; median over {guard['rounds']} "
        "rounds. The guard remembers messages it has seen (a conversation re-checks its history each "
        "turn): the second row is the same messages again.",
        "",
        "| Step | n | p50 ms | p95 ms | mean ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
        _row("Guard per new message", guard, 3),
        _row("Guard per repeated message (remembered)", guard["repeated_message"], 3),
        "",
        f"A {guard['long_message']['chars']:,}-character message (over the question limit; the guard still "
        f"reads it): {guard['long_message']['median_ms']:.1f} ms.",
        "",
        "## Memory",
        "",
        f"- RSS with the assistant loaded: {results['memory']['rss_mb_assistant_loaded']:.0f} MiB.",
        f"- Peak RSS of this process before scaling: {results['memory']['peak_rss_mb_this_process']:.0f} MiB"
        + (
            f"; after the scaling runs: {results['memory']['peak_rss_mb_after_scaling']:.0f} MiB."
            if "peak_rss_mb_after_scaling" in results["memory"]
            else "."
        ),
        f"- Peak RSS of a CLI cold-start process: {cold['peak_rss_mb']:.0f} MiB.",
        "",
    ]
    if "scaling" in results:
        lines += _scaling(results["scaling"])
    return "\n".join(lines)
