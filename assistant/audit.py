"""Audit log of triage escalations: one JSON line per escalation, no message text unless opted in."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.guard import TriageDecision

log = logging.getLogger(__name__)


class AuditLog:
    """Appends each escalation (time, level, rule ids, categories) to a JSON Lines file.

    Routine decisions are not recorded. Message text is stored only when ``store_text`` is
    set (patient privacy). Writing never raises: a failure is logged as a warning, because
    the alert must still reach the patient.

    Args:
        path: The JSON Lines file; its folder is created on first write.
        store_text: Also store the message text (opt-in).
    """

    def __init__(self, path: Path, store_text: bool = False) -> None:
        self.path = Path(path)
        self.store_text = store_text

    def record(self, decision: TriageDecision, message: str) -> None:
        """Append one line for an escalation; do nothing for a routine decision.

        Args:
            decision: The guard's decision.
            message: The user's message (written only when ``store_text`` is set).
        """
        if decision.level == "routine":
            return
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "level": decision.level,
            "rule_ids": list(decision.rule_ids),
            "categories": list(decision.categories),
        }
        if self.store_text:
            entry["text"] = message
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError as exc:
            log.warning("Could not write the triage audit log %s: %s", self.path, exc)
