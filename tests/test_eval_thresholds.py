"""The eval suite as a test: every metric must stay on the right side of evals/thresholds.json.

Runs the full eval (about a minute on 2 cores, model load and index build included) through the
real pipeline — MiniLM, Chroma, guard — on a temp index, exactly as `make eval` does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import load_settings

# `pytest` (unlike `python -m pytest`) does not put the project root, home of `evals`, on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.gate import load_thresholds, violations

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def eval_summary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from assistant.pipeline import Assistant
    from evals.run import run_eval
    from evals.summary import summarise

    tmp: Path = tmp_path_factory.mktemp("eval")
    # environ={}: the thresholds hold for the default settings, whatever the shell exports.
    settings = load_settings(environ={}, index_dir=tmp / "index", audit_log=tmp / "audit.jsonl")
    assistant = Assistant(settings, progress=False)
    yield summarise(run_eval(assistant, "full", progress=False))


def test_every_metric_meets_its_threshold(eval_summary: dict[str, Any]) -> None:
    problems = violations(eval_summary["metrics"], load_thresholds())
    assert not problems, (
        "Eval metrics regressed (see `python -m evals.run` for failing cases):\n" + "\n".join(problems)
    )
