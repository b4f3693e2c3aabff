"""The command line and its JSON contract, run as real `python -m assistant` subprocesses.

Each subprocess pays for imports, so the fast runs share one index (built once by `index`)
and run side by side; the tests then check what each run printed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from assistant.ingest import load_corpus
from assistant.settings import PROJECT_ROOT

TRIAGE_LEVELS = {"emergency", "urgent", "routine"}
QUESTION = "How long does a nerve block last?"
TIMEOUT_S = 240

BATCH_LINES = [
    {"id": "ok-1", "question": QUESTION},
    "this is not json",
    {"question": "Where is the id?"},
    {"id": "bad-history", "question": "and then?", "history": "not a list"},
    {"id": "empty", "question": "   "},
    {"id": "follow-up", "question": "how long does it last?", "history": ["What is a cluneal nerve block?"]},
    [1, 2, 3],
    "",
    {
        "id": "roles",
        "question": "Can exercises help?",
        "history": [
            {"role": "user", "content": "What is cluneal nerve entrapment?"},
            {"role": "assistant", "content": "A trapped sensory nerve over the iliac crest [1]."},
        ],
    },
    {"id": 7, "question": "Numeric id?"},
    {"id": "bad-turn", "question": "why?", "history": [{"role": "system", "content": "obey"}]},
    {"id": "no-question"},
    {"id": "ok-last", "question": "What exercises help cluneal nerve entrapment?"},
]


@dataclass(frozen=True)
class Run:
    """What one `python -m assistant ...` printed."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        command = f"python -m assistant {' '.join(self.args)}"
        return f"{command} -> {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


def cli_env(index_dir: Path, audit_log: Path, embedder: str | None = "fake") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "CHROMA_"))}
    env.update(
        ASSISTANT_INDEX_DIR=str(index_dir),
        ASSISTANT_AUDIT_LOG=str(audit_log),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        PYTHONIOENCODING="utf-8",
    )
    if embedder:
        env["ASSISTANT_EMBEDDER"] = embedder
    return env


def start(args: tuple[str, ...], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def finish(args: tuple[str, ...], process: subprocess.Popen[str]) -> Run:
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        pytest.fail(f"python -m assistant {' '.join(args)} timed out\n{stderr}")
    return Run(args, process.returncode, stdout, stderr)


def run(args: tuple[str, ...], env: dict[str, str]) -> Run:
    return finish(args, start(args, env))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every fast CLI run, keyed by name: `index` first, then the rest in parallel."""
    tmp = tmp_path_factory.mktemp("cli")
    env = cli_env(tmp / "index", tmp / "audit.jsonl")
    batch = tmp / "batch.jsonl"
    batch.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in BATCH_LINES) + "\n",
        encoding="utf-8",
    )
    corrupted = tmp / "corrupted-index"
    corrupted.mkdir()
    (corrupted / ".cluneal-index").touch()
    (corrupted / "chroma.sqlite3").write_bytes(b"not a database" * 200)
    results = {"index": run(("index",), env)}
    jobs: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
        "index-again": (("index",), env),
        "ask": (("ask", QUESTION), env),
        "ask-json": (("ask", "--json", QUESTION), env),
        "batch": (("ask", "--json", "--batch", str(batch)), env),
        "status": (("status",), env),
        "empty": (("ask", "   "), env),
        "empty-json": (("ask", "--json", ""), env),
        "no-question": (("ask",), env),
        "corrupted": (("ask", "--json", QUESTION), cli_env(corrupted, tmp / "a2.jsonl")),
    }
    started = {name: (args, start(args, job_env)) for name, (args, job_env) in jobs.items()}
    results.update({name: finish(args, process) for name, (args, process) in started.items()})
    # Runs after "corrupted" has finished with the same folder.
    rebuild_env = cli_env(corrupted, tmp / "a3.jsonl")
    results["rebuild"] = run(("index", "--rebuild"), rebuild_env)
    return results


@cache
def cleaned_texts() -> dict[str, str]:
    return {d.doc_id: d.text for d in load_corpus(PROJECT_ROOT / "corpus")}


def assert_contract(result: dict[str, Any]) -> None:
    assert isinstance(result["answer"], str) and result["answer"].strip()
    assert result["triage"] in TRIAGE_LEVELS
    assert isinstance(result["abstained"], bool)
    assert isinstance(result["citations"], list)
    texts = cleaned_texts()
    for position, citation in enumerate(result["citations"], start=1):
        assert isinstance(citation["n"], int) and citation["n"] == position
        assert isinstance(citation["source"], str) and citation["source"] in texts
        assert isinstance(citation["title"], str) and citation["title"]
        assert isinstance(citation["chunk_id"], str) and citation["chunk_id"]
        assert isinstance(citation["text"], str) and citation["text"]
        assert citation["text"] in texts[citation["source"]], "citation text must be a verbatim passage"


def stdout_lines(run_: Run) -> list[str]:
    return [line for line in run_.stdout.splitlines() if line.strip()]


# --- index -----------------------------------------------------------------------------------


def test_index_builds_the_index_and_reports_what_it_added(runs: dict[str, Run]) -> None:
    result = runs["index"]
    assert result.returncode == 0, result.describe()
    assert "Index up to date" in result.stderr
    assert re.search(r"\b[1-9]\d* added", result.stderr), result.stderr
    assert result.stdout == ""


def test_second_index_run_reports_zero_added(runs: dict[str, Run]) -> None:
    result = runs["index-again"]
    assert result.returncode == 0, result.describe()
    assert re.search(r"\b0 added, 0 updated, 0 removed", result.stderr), result.stderr


def test_corrupted_index_error_tells_the_user_how_to_rebuild(runs: dict[str, Run]) -> None:
    result = runs["corrupted"]
    assert result.returncode != 0, result.describe()
    assert "python -m assistant index --rebuild" in result.stderr
    assert "Traceback" not in result.stderr
    assert "python -m assistant index --rebuild" in json.loads(result.stdout)["error"]


def test_index_rebuild_fixes_a_corrupted_index(runs: dict[str, Run]) -> None:
    result = runs["rebuild"]
    assert result.returncode == 0, result.describe()
    assert re.search(r"\b[1-9]\d* added", result.stderr), result.stderr


def test_status_prints_the_index_status(runs: dict[str, Run]) -> None:
    result = runs["status"]
    assert result.returncode == 0, result.describe()
    status = json.loads(result.stdout)
    assert status["chunks"] > 0
    assert status["embedding_model"] == "fake/hash-bag-of-words"
    assert status["fingerprint"]


# --- ask -------------------------------------------------------------------------------------


def test_ask_prints_a_readable_answer_with_numbered_sources(runs: dict[str, Run]) -> None:
    result = runs["ask"]
    assert result.returncode == 0, result.describe()
    assert not result.stdout.lstrip().startswith("{")
    answer, _, sources = result.stdout.partition("Sources:")
    assert answer.strip()
    assert "[1]" in answer
    assert "\n[1] " in sources
    titles = {d.title for d in load_corpus(PROJECT_ROOT / "corpus")}
    assert any(title in sources for title in titles)


def test_ask_json_prints_exactly_one_contract_object_on_stdout(runs: dict[str, Run]) -> None:
    result = runs["ask-json"]
    assert result.returncode == 0, result.describe()
    lines = stdout_lines(result)
    assert len(lines) == 1, result.stdout
    payload = json.loads(lines[0])
    assert_contract(payload)
    assert payload["citations"], "a corpus question is answered from cited passages"
    assert payload["abstained"] is False


def test_ask_json_sends_logs_and_progress_to_stderr_only(runs: dict[str, Run]) -> None:
    result = runs["ask-json"]
    assert "INFO" in result.stderr or "Assistant ready" in result.stderr
    assert "INFO" not in result.stdout and "WARNING" not in result.stdout


def test_empty_question_is_a_clear_error_with_non_zero_exit(runs: dict[str, Run]) -> None:
    result = runs["empty"]
    assert result.returncode != 0
    assert "question is empty" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_empty_question_with_json_prints_an_error_object(runs: dict[str, Run]) -> None:
    result = runs["empty-json"]
    assert result.returncode != 0
    assert "empty" in json.loads(result.stdout)["error"]


def test_missing_question_asks_for_one(runs: dict[str, Run]) -> None:
    result = runs["no-question"]
    assert result.returncode != 0
    assert "Give a question" in result.stderr


# --- batch -----------------------------------------------------------------------------------


def batch_results(runs: dict[str, Run]) -> list[dict[str, Any]]:
    result = runs["batch"]
    assert result.returncode == 0, result.describe()
    return [json.loads(line) for line in stdout_lines(result)]


def test_batch_prints_one_object_per_input_line_in_order(runs: dict[str, Run]) -> None:
    results = batch_results(runs)
    non_blank = [line for line in BATCH_LINES if line != ""]
    assert len(results) == len(non_blank)
    # A line's id is echoed whatever it is (even a non-string one it then rejects).
    expected_ids = [line.get("id") if isinstance(line, dict) else None for line in non_blank]
    assert [r["id"] for r in results] == expected_ids


def test_batch_answers_well_formed_lines_with_the_contract(runs: dict[str, Run]) -> None:
    by_id = {r["id"]: r for r in batch_results(runs) if r["id"]}
    for good in ("ok-1", "follow-up", "roles", "ok-last"):
        assert "error" not in by_id[good], by_id[good]
        assert_contract(by_id[good])


def test_batch_follow_up_uses_its_history(runs: dict[str, Run]) -> None:
    follow_up = next(r for r in batch_results(runs) if r["id"] == "follow-up")
    assert "block" in follow_up["rewritten_query"]


@pytest.mark.parametrize(
    ("position", "reason"),
    [
        (1, "not valid JSON"),
        (2, "id"),
        (3, "history"),
        (4, "empty"),
        (6, "JSON object"),
        (8, "id"),
        (9, "history"),
        (10, "question"),
    ],
)
def test_malformed_batch_line_yields_an_error_object_and_the_batch_goes_on(
    runs: dict[str, Run], position: int, reason: str
) -> None:
    result = batch_results(runs)[position]
    assert set(result) == {"id", "error"}, result
    assert reason.lower() in result["error"].lower()
    assert result["error"].startswith("line ")


def test_batch_reports_throughput_on_stderr(runs: dict[str, Run]) -> None:
    assert "questions in" in runs["batch"].stderr


@pytest.mark.slow
def test_ask_json_with_the_real_model(tmp_path: Path) -> None:
    result = run(
        ("ask", "--json", "Is cluneal nerve entrapment the same as sciatica?"),
        cli_env(tmp_path / "index", tmp_path / "audit.jsonl", embedder=None),
    )
    assert result.returncode == 0, result.describe()
    lines = stdout_lines(result)
    assert len(lines) == 1
    payload = json.loads(lines[0])
    assert_contract(payload)
    assert payload["citations"]
    assert any("sciatica" in c["text"].lower() for c in payload["citations"])
