"""Load test of the web app's ``/ask`` API: ``python -m bench.load [--clients N] [--requests N]``.

Starts ``app.py`` as a separate process on a free loopback port (so its memory is measured on
its own), sends a fixed mix of questions from concurrent gradio_client clients, and writes
bench/load_report.md and bench/load_report.json. Bounded in count and time; loopback only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
REPORT_MD = ROOT / "bench" / "load_report.md"
REPORT_JSON = ROOT / "bench" / "load_report.json"
STARTUP_TIMEOUT_S = 300  # first start may build the index
REQUEST_TIMEOUT_S = 120
RUN_DEADLINE_S = 900

# (question, history): what patients ask, including follow-ups, small talk, off-topic and red flags.
MIX: list[tuple[str, list[Any]]] = [
    ("What are the symptoms of cluneal nerve entrapment?", []),
    ("How is cluneal nerve entrapment diagnosed?", []),
    ("how long does it last?", ["What is a cluneal nerve block?"]),
    ("What can I do at home to ease the pain?", []),
    ("Is it the same as sciatica?", []),
    ("what exercises help?", [{"role": "user", "content": "I have cluneal nerve pain"}]),
    ("hello", []),
    ("What is the capital of France?", []),
    ("since this morning i cant pee and my bum is numb", []),
    ("I have a fever and my back is red and swollen after the injection", []),
]


@dataclass
class Result:
    """What the load run measured."""

    clients: int
    requests: int
    ok: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    throughput_rps: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    server_total_ms_p50: float = 0.0
    rss_mb: dict[str, float] = field(default_factory=dict)
    rss_after_round_mb: list[float] = field(default_factory=list)
    rounds: int = 1
    triage_counts: dict[str, int] = field(default_factory=dict)
    cpu_count: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, audit_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    env["ASSISTANT_AUDIT_LOG"] = str(audit_dir / "triage.jsonl")  # keep the clinic's audit log clean
    log = (audit_dir / "server.log").open("wb")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"app.py exited with code {server.returncode} before serving")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"app.py did not answer on {url} within {STARTUP_TIMEOUT_S}s")


def rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / 2**20


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(clients: int, requests: int, rounds: int) -> Result:
    from gradio_client import Client

    result = Result(clients=clients, requests=requests, rounds=rounds, cpu_count=os.cpu_count() or 0)
    with tempfile.TemporaryDirectory(prefix="cluneal-load-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        server = start_server(port, Path(tmp))
        try:
            wait_until_up(url, server)
            process = psutil.Process(server.pid)
            warm = Client(url, verbose=False)
            for question, history in MIX:  # first calls warm caches; memory is measured after
                warm.predict(question, history, api_name="/ask")
            result.rss_mb["before"] = rss_mb(process)
            latencies: list[float] = []
            server_totals: list[float] = []
            lock = threading.Lock()
            peak = [result.rss_mb["before"]]
            stop = threading.Event()

            def sample_memory() -> None:
                while not stop.wait(0.5):
                    peak[0] = max(peak[0], rss_mb(process))

            sessions = [Client(url, verbose=False) for _ in range(clients)]  # one per simulated user

            def client_loop(worker: int, first: int, last: int) -> None:
                client = sessions[worker]
                for i in range(first + worker, last, clients):
                    if time.monotonic() - started > RUN_DEADLINE_S:
                        with lock:
                            result.errors += 1
                            result.error_samples.append("run deadline exceeded")
                        return
                    question, history = MIX[i % len(MIX)]
                    t0 = time.perf_counter()
                    try:
                        job = client.submit(question, history, api_name="/ask")
                        answer = job.result(timeout=REQUEST_TIMEOUT_S)
                        ok = isinstance(answer, dict) and "triage" in answer
                    except Exception as exc:  # any failure is an error in the report
                        answer, ok = {"error": f"{type(exc).__name__}: {exc}"}, False
                    elapsed = (time.perf_counter() - t0) * 1000
                    with lock:
                        if ok:
                            result.ok += 1
                            latencies.append(elapsed)
                            server_totals.append(answer["timings_ms"].get("total", 0.0))
                            result.triage_counts[answer["triage"]] = (
                                result.triage_counts.get(answer["triage"], 0) + 1
                            )
                        else:
                            result.errors += 1
                            if len(result.error_samples) < 5:
                                result.error_samples.append(str(answer)[:300])

            sampler = threading.Thread(target=sample_memory, daemon=True)
            sampler.start()
            started = time.monotonic()
            bounds = [requests * r // rounds for r in range(rounds + 1)]
            for first, last in itertools.pairwise(bounds):
                with ThreadPoolExecutor(max_workers=clients) as pool:
                    list(pool.map(lambda w, a=first, b=last: client_loop(w, a, b), range(clients)))
                result.rss_after_round_mb.append(rss_mb(process))
            result.wall_s = time.monotonic() - started
            stop.set()
            result.rss_mb["after"] = result.rss_after_round_mb[-1]
            result.rss_mb["peak"] = peak[0]
            result.rss_mb["growth"] = result.rss_mb["after"] - result.rss_mb["before"]
            if rounds > 1:  # once queues and caches have grown to their working size, memory is flat
                result.rss_mb["last_round_growth"] = (
                    result.rss_after_round_mb[-1] - result.rss_after_round_mb[-2]
                )
            result.throughput_rps = result.ok / result.wall_s if result.wall_s else 0.0
            if latencies:
                result.latency_ms = {
                    "p50": statistics.median(latencies),
                    "p95": percentile(latencies, 95),
                    "p99": percentile(latencies, 99),
                    "max": max(latencies),
                    "mean": statistics.fmean(latencies),
                }
                result.server_total_ms_p50 = statistics.median(server_totals)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return result


def write_report(result: Result) -> None:
    REPORT_JSON.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    lat = result.latency_ms
    lines = [
        "# Load test: the `/ask` API",
        "",
        f"`python -m bench.load` on {result.cpu_count} CPU(s): app.py in its own process on 127.0.0.1, "
        f"{result.clients} concurrent gradio_client clients, {result.requests} requests in {result.rounds} "
        f"rounds from a fixed mix "
        f"of {len(MIX)} questions (answers, follow-ups, small talk, off-topic, red flags).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| requests ok / errors | {result.ok} / {result.errors} |",
        f"| wall time | {result.wall_s:.1f} s |",
        f"| throughput | {result.throughput_rps:.1f} requests/s |",
        f"| latency p50 / p95 / p99 / max (client) | {lat.get('p50', 0):.0f} / {lat.get('p95', 0):.0f} / "
        f"{lat.get('p99', 0):.0f} / {lat.get('max', 0):.0f} ms |",
        f"| server time per answer, p50 | {result.server_total_ms_p50:.1f} ms |",
        f"| server RSS before / after / peak | {result.rss_mb.get('before', 0):.0f} / "
        f"{result.rss_mb.get('after', 0):.0f} / {result.rss_mb.get('peak', 0):.0f} MB |",
        f"| server RSS after each round | {' / '.join(f'{m:.0f}' for m in result.rss_after_round_mb)} MB |",
        f"| RSS growth over the run / in the last round | {result.rss_mb.get('growth', 0):+.1f} / "
        f"{result.rss_mb.get('last_round_growth', 0):+.1f} MB |",
        f"| triage of answers | {', '.join(f'{k}: {v}' for k, v in sorted(result.triage_counts.items()))} |",
        "",
        "Requests queue behind one model worker (the tokenizer is not thread-safe), so client latency is "
        "mostly queueing: about clients x server time. Memory: the server's RSS rises during the first "
        "rounds, then levels off; the last rounds' growth is the figure to watch (flat is ~0 MB).",
    ]
    if result.error_samples:
        lines += ["", "## Error samples", "", *[f"- `{e}`" for e in result.error_samples]]
    REPORT_MD.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--requests", type=int, default=2080, help="total requests (default 2080)")
    parser.add_argument(
        "--rounds", type=int, default=8, help="rounds, memory measured after each (default 8)"
    )
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 100 and 1 <= args.requests <= 5000 and 1 <= args.rounds <= 20):
        parser.error("clients must be 1..100, requests 1..5000 and rounds 1..20")
    result = run(args.clients, args.requests, args.rounds)
    write_report(result)
    print(REPORT_MD.read_text(encoding="utf-8"))
    return 0 if result.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
