"""The triage audit log: one JSON line per escalation, private by default, never raising."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.audit import AuditLog
from assistant.guard import TriageDecision

EMERGENCY = TriageDecision("emergency", ("ces_incontinence",), ("cauda_equina",), "⚠️ Emergency: ...")
URGENT = TriageDecision(
    "urgent", ("infection_fever", "night_pain"), ("infection", "night_pain"), "⚠️ Urgent: ..."
)
ROUTINE = TriageDecision("routine", (), (), "")


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_escalation_is_recorded_as_one_json_line(tmp_path: Path) -> None:
    path = tmp_path / "triage.jsonl"
    AuditLog(path).record(EMERGENCY, "I wet myself")
    [entry] = _lines(path)
    assert entry["level"] == "emergency"
    assert entry["rule_ids"] == ["ces_incontinence"]
    assert entry["categories"] == ["cauda_equina"]
    assert set(entry) == {"time", "level", "rule_ids", "categories"}


def test_message_text_is_not_stored_by_default(tmp_path: Path) -> None:
    path = tmp_path / "triage.jsonl"
    AuditLog(path).record(EMERGENCY, "I wet myself at the office")
    raw = path.read_text(encoding="utf-8")
    assert "text" not in _lines(path)[0]
    assert "office" not in raw


def test_message_text_is_stored_when_opted_in(tmp_path: Path) -> None:
    path = tmp_path / "triage.jsonl"
    AuditLog(path, store_text=True).record(URGENT, "fièvre et mal au dos — 39°C")
    assert _lines(path)[0]["text"] == "fièvre et mal au dos — 39°C"


def test_routine_decision_is_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "triage.jsonl"
    AuditLog(path, store_text=True).record(ROUTINE, "what stretches help?")
    assert not path.exists()


def test_time_is_iso_8601_utc(tmp_path: Path) -> None:
    path = tmp_path / "triage.jsonl"
    AuditLog(path).record(URGENT, "fever")
    recorded = datetime.fromisoformat(str(_lines(path)[0]["time"]))
    assert recorded.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - recorded) < timedelta(minutes=5)


def test_escalations_are_appended_in_order(tmp_path: Path) -> None:
    path = tmp_path / "triage.jsonl"
    log = AuditLog(path)
    log.record(EMERGENCY, "a")
    log.record(ROUTINE, "b")
    log.record(URGENT, "c")
    assert [entry["level"] for entry in _lines(path)] == ["emergency", "urgent"]
    assert _lines(path)[1]["rule_ids"] == ["infection_fever", "night_pain"]


def test_existing_log_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "triage.jsonl"
    path.write_text('{"level": "urgent"}\n', encoding="utf-8")
    AuditLog(path).record(EMERGENCY, "x")
    assert len(_lines(path)) == 2


def test_parent_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "nested" / "triage.jsonl"
    AuditLog(path).record(EMERGENCY, "x")
    assert path.is_file()


def test_write_failure_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="assistant.audit"):
        AuditLog(blocker / "triage.jsonl").record(EMERGENCY, "x")
    assert "Could not write the triage audit log" in caplog.text


def test_log_path_that_is_a_folder_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.audit"):
        AuditLog(tmp_path).record(URGENT, "x")
    assert "Could not write" in caplog.text


def test_accepts_a_string_path(tmp_path: Path) -> None:
    path = tmp_path / "triage.jsonl"
    AuditLog(str(path)).record(EMERGENCY, "x")  # type: ignore[arg-type]
    assert path.is_file()
