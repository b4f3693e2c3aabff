"""Benchmarks: cold start, index build, warm latency beside the embedding floor, guard speed,
memory, and scaling on a synthetic corpus. ``python -m bench.run`` writes ``bench/report.md`` and
``bench/report.json``.

Everything runs in this one process (except the cold starts, which must be fresh processes), so
growth ratios compare like with like. Timings are medians of repeated runs where that is cheap.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import resource
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from bench import measure as m
from bench.report import render_markdown
from bench.synthetic import write_corpus

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = Path(__file__).resolve().parent
COLD_START_QUESTION = "why does the top of my butt hurt when i stand?"
BUILD_REPEATS = 3
COLD_REPEATS = 3
WARM_ASKS = 200
WARM_ROUNDS = 3
GUARD_SEEDS = range(8)  # 8 x 320 generated messages, plus every case message, deduplicated
GUARD_ROUNDS = 3
SCALING_SIZES = (1000, 3000, 10000)
SCALING_BUILD_REPEATS = {1000: 3, 3000: 1, 10000: 1}
SCALING_QUERIES = 100
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "ASSISTANT_LOG_LEVEL": "WARNING",
}


def _check(guard: Any, message: tuple[str, list[str]]) -> Any:
    """One guard check of ``(text, history)``."""
    return guard.check(message[0], message[1])


def _retrieve(assistant: Any, vectors: dict[str, list[float]], query: str) -> Any:
    """Hybrid retrieval alone, with the query's vector computed beforehand."""
    return assistant.retrieve(query, query_vector=vectors[query])


def _questions() -> list[tuple[str, list[Any]]]:
    """Patient questions (with their histories) from the eval cases, for latency runs."""
    from evals.dataset import load_cases

    cases = load_cases("fast")
    rows = cases.answerable + cases.followups + cases.scope
    return [(row["question"], row["history"]) for row in rows]


def _guard_messages() -> list[tuple[str, list[str]]]:
    """Every case message plus generated red-flag paraphrases and calm look-alikes from several seeds."""
    from evals import generate_redflags
    from evals.dataset import load_cases

    cases = load_cases("full")
    messages: list[tuple[str, list[str]]] = []
    for row in cases.answerable + cases.followups + cases.scope + cases.adversarial:
        if isinstance(row.get("question"), str) and row["question"].strip():
            history = [h if isinstance(h, str) else h["content"] for h in row["history"]]
            messages.append((row["question"], history))
    for row in cases.triage:  # a turn may be a string or a {"role", "content"} object
        messages.append((row["message"], [h if isinstance(h, str) else h["content"] for h in row["history"]]))
    for seed in GUARD_SEEDS:
        messages += [(row["message"], list(row["history"])) for row in generate_redflags.generate(seed=seed)]
    # A repeated message would be timed as a remembered one: keep first sightings only.
    unique = {(text, tuple(history)): (text, history) for text, history in messages}
    return list(unique.values())


def bench_index_build(tmp: Path) -> tuple[dict[str, Any], Path]:
    """``python -m assistant index`` on the real corpus into fresh folders (median of runs)."""
    from assistant.pipeline import build_index
    from assistant.settings import load_settings

    seconds = []
    index_dir = tmp
    for run in range(BUILD_REPEATS):
        index_dir = tmp / f"index-{run}"
        settings = load_settings(index_dir=index_dir, audit_log=tmp / "audit.jsonl")
        elapsed, report = m.time_once(partial(build_index, settings, progress=False))
        seconds.append(elapsed)
        m.log(f"index build {run + 1}/{BUILD_REPEATS}: {elapsed:.1f}s ({report.added} chunks)")
    return {
        **m.repeated(seconds),
        "chunks": report.added,
        "includes": "model load, chunking, embedding, Chroma writes; the first run also imports torch and reads the model from disk, later runs find both warm",
    }, index_dir


def bench_cold_start(index_dir: Path, tmp: Path) -> dict[str, Any]:
    """Fresh ``python -m assistant ask --json`` processes on an existing index (median of runs)."""
    env = {
        **OFFLINE_ENV,
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "ASSISTANT_AUDIT_LOG": str(tmp / "audit.jsonl"),
    }
    seconds = []
    for run in range(COLD_REPEATS):
        elapsed, done = m.run_cli(["ask", "--json", COLD_START_QUESTION], env, ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"cold-start run failed ({done.returncode}): {done.stderr[-500:]}")
        answer = json.loads(done.stdout)
        seconds.append(elapsed)
        m.log(f"cold start {run + 1}/{COLD_REPEATS}: {elapsed:.1f}s ({len(answer['citations'])} citations)")
    return {**m.repeated(seconds), "peak_rss_mb": m.peak_rss_mb(resource.RUSAGE_CHILDREN)}


def bench_warm(assistant: Any, questions: list[tuple[str, list[Any]]]) -> dict[str, Any]:
    """Warm ``ask`` latency beside the query-embedding floor and hybrid retrieval alone."""
    asks = [questions[i % len(questions)] for i in range(WARM_ASKS)]
    assistant.ask(COLD_START_QUESTION)  # warm-up
    vectors = {q: assistant.embed(q) for q, _ in asks}
    rounds: dict[str, list[dict[str, float]]] = {"answer": [], "embed": [], "embed_step": [], "retrieve": []}
    for r in range(WARM_ROUNDS):
        rounds["answer"].append(m.distribution(m.time_each(lambda qh: assistant.ask(*qh), asks)))
        rounds["embed"].append(m.distribution(m.time_each(lambda qh: assistant.embed(qh[0]), asks)))
        # As ask embeds: the question and, when it has lay terms, their spelling, in one batch.
        rounds["embed_step"].append(
            m.distribution(m.time_each(lambda qh: assistant.embed_question(qh[0]), asks))
        )
        rounds["retrieve"].append(
            m.distribution(
                m.time_each(lambda qh: assistant.retrieve(qh[0], query_vector=vectors[qh[0]]), asks)
            )
        )
        m.log(f"warm round {r + 1}/{WARM_ROUNDS}: answer p50 {rounds['answer'][-1]['p50']:.1f} ms")
    return {name: m.median_of_rounds(values) for name, values in rounds.items()}


def bench_guard(assistant: Any, messages: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """Guard time per new message (the guard alone, as ``ask`` calls it first).

    The guard remembers messages it has seen (a conversation re-checks its history every turn),
    so each round uses a fresh guard, warmed up on other messages, to time first sightings.
    """
    from evals import generate_redflags

    warm_up = [(row["message"], list(row["history"])) for row in generate_redflags.generate(seed=1000)]
    settings = assistant.settings

    def fresh_guard() -> Any:
        guard = type(assistant.guard)(emergency_number_text=settings.emergency_number_text)
        for text, history in warm_up:  # compiled patterns, spelling index: warm, like a running app
            guard.check(text, history)
        return guard

    rounds = []
    for _ in range(GUARD_ROUNDS):
        guard = fresh_guard()
        rounds.append(m.distribution(m.time_each(partial(_check, guard), messages)))
    repeated_ms = m.distribution(m.time_each(partial(_check, guard), messages))
    long_message = "i cant pee and my back hurts. " * 2000
    long_guards = [fresh_guard() for _ in range(3)]
    long_ms = [m.time_each(partial(_check, g), [(long_message, [])])[0] for g in long_guards]
    result = m.median_of_rounds(rounds)
    result["repeated_message"] = repeated_ms
    result["long_message"] = {"chars": len(long_message), "median_ms": sorted(long_ms)[1]}
    m.log(f"guard: {len(messages)} messages, mean {result['mean']:.3f} ms, p95 {result['p95']:.3f} ms")
    return result


def bench_scaling(embedder: Any, questions: list[tuple[str, list[Any]]], tmp: Path) -> dict[str, Any]:
    """Build time and query latency on synthetic corpora of growing size, in this process."""
    from assistant.chunk import chunk_corpus
    from assistant.ingest import load_corpus
    from assistant.pipeline import Assistant
    from assistant.settings import load_settings
    from assistant.store import VectorIndex

    queries = [q for q, _ in questions[:SCALING_QUERIES]]
    embedder.embed_documents(["warm up the model"] * 8)
    sizes: dict[int, Any] = {}
    for n in SCALING_SIZES:
        corpus_dir = tmp / f"synthetic-{n}"
        write_corpus(corpus_dir, n)
        load_before = os.getloadavg()[0]
        builds = []
        index_dir = tmp
        for run in range(SCALING_BUILD_REPEATS.get(n, 1)):
            index_dir = tmp / f"synthetic-index-{n}-{run}"
            settings = load_settings(
                corpus_dir=corpus_dir, index_dir=index_dir, audit_log=tmp / "audit.jsonl"
            )

            def build(settings: Any = settings) -> int:
                chunks = chunk_corpus(load_corpus(settings.corpus_dir))
                VectorIndex(settings, embedder, embedder.name).sync(chunks)
                return len(chunks)

            elapsed, n_chunks = m.time_once(build)
            builds.append(elapsed)
            m.log(f"scaling {n}: build {run + 1}: {elapsed:.1f}s for {n_chunks} chunks")
        load_s, assistant = m.time_once(partial(Assistant, settings, embeddings=embedder, progress=False))
        m.log(
            f"scaling {n}: assistant load (answer-unit embeddings) {load_s:.1f}s, {len(assistant.units.units)} units"
        )
        assistant.ask(queries[0])
        vectors = {q: assistant.embed(q) for q in queries}
        answer = m.distribution(m.time_each(assistant.ask, queries))
        retrieve = m.distribution(m.time_each(partial(_retrieve, assistant, vectors), queries))
        sizes[n] = {
            "chunks": n_chunks,
            "units": len(assistant.units.units),
            "build": m.repeated(builds),
            "build_chunks_per_s": n_chunks / sorted(builds)[len(builds) // 2],
            "assistant_load_s": load_s,
            "answer_ms": answer,
            "retrieve_ms": retrieve,
            "rss_mb_after": m.current_rss_mb(),
            # Other work on the machine slows the big sizes most: keep the evidence beside them.
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
        m.log(f"scaling {n}: answer p50 {answer['p50']:.1f} ms, p95 {answer['p95']:.1f} ms")
        del assistant
        gc.collect()
    base = sizes[SCALING_SIZES[0]]
    for entry in sizes.values():
        entry["growth_vs_smallest"] = {
            "chunks": entry["chunks"] / base["chunks"],
            "build": entry["build"]["median_s"] / base["build"]["median_s"],
            "assistant_load": entry["assistant_load_s"] / base["assistant_load_s"],
            "answer_p50": entry["answer_ms"]["p50"] / base["answer_ms"]["p50"],
            "answer_p95": entry["answer_ms"]["p95"] / base["answer_ms"]["p95"],
            "retrieve_p50": entry["retrieve_ms"]["p50"] / base["retrieve_ms"]["p50"],
        }
    return {str(n): v for n, v in sizes.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR / "report.md", help="Markdown report path")
    parser.add_argument("--no-scaling", action="store_true", help="skip the synthetic-corpus scaling runs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s")
    os.environ.update({k: v for k, v in OFFLINE_ENV.items() if k != "ASSISTANT_LOG_LEVEL"})

    from assistant.pipeline import Assistant
    from assistant.settings import load_settings

    started = time.perf_counter()
    results: dict[str, Any] = {
        "environment": {
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "load_average_start": [round(x, 2) for x in os.getloadavg()],
            "started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        }
    }
    with tempfile.TemporaryDirectory(prefix="cluneal-bench-") as name:
        tmp = Path(name)
        m.log("building the real corpus index...")
        results["index_build"], index_dir = bench_index_build(tmp)
        settings = load_settings(index_dir=index_dir, audit_log=tmp / "audit.jsonl")
        load_s, assistant = m.time_once(lambda: Assistant(settings, progress=False))
        results["assistant_first_load_s"] = load_s  # computes and caches answer-unit embeddings
        m.log(f"assistant loaded in {load_s:.1f}s; cold starts...")
        results["cold_start"] = bench_cold_start(index_dir, tmp)
        questions = _questions()
        results["warm"] = bench_warm(assistant, questions)
        results["guard"] = bench_guard(assistant, _guard_messages())
        results["memory"] = {
            "rss_mb_assistant_loaded": m.current_rss_mb(),
            "peak_rss_mb_this_process": m.peak_rss_mb(),
        }
        embedder = assistant.embeddings
        del assistant
        gc.collect()
        if not args.no_scaling:
            results["scaling"] = bench_scaling(embedder, questions, tmp)
            results["memory"]["peak_rss_mb_after_scaling"] = m.peak_rss_mb()
    results["environment"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["seconds"] = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_markdown(results) + "\n", encoding="utf-8")
    json_path = args.out.with_suffix(".json")
    json_path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    m.log(f"done in {results['seconds'] / 60:.1f} min: {args.out}, {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
