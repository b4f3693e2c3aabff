"""Load the eval case files, and the generated red-flag cases fresh from their seeded generator."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals import generate_redflags

CASES_DIR = Path(__file__).resolve().parent / "cases"
GENERATED_FILE = CASES_DIR / "generated_triage.jsonl"
SUBSETS = ("full", "fast")
# The fast subset keeps every handwritten case and this many generated cases per category,
# so each red-flag and calm category is still measured.
FAST_GENERATED_PER_CATEGORY = 5


@dataclass
class CaseSet:
    """Every case of one eval run, by file."""

    answerable: list[dict[str, Any]]
    followups: list[dict[str, Any]]
    scope: list[dict[str, Any]]
    triage: list[dict[str, Any]]
    adversarial: list[dict[str, Any]]
    generated: list[dict[str, Any]]
    generated_matches_file: bool
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.answerable,
                self.followups,
                self.scope,
                self.triage,
                self.adversarial,
                self.generated,
            )
        )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSON Lines file of objects (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def question_of(case: dict[str, Any]) -> Any:
    """The question as sent to the assistant; ``question_repeat`` builds a very long one."""
    if "question_repeat" in case:
        repeat = case["question_repeat"]
        return repeat["text"] * int(repeat["times"])
    return case.get("question", case.get("message"))


def _fast(generated: list[dict[str, Any]]) -> list[dict[str, Any]]:
    taken: dict[str, int] = defaultdict(int)
    kept = []
    for case in generated:
        if taken[case["category"]] < FAST_GENERATED_PER_CATEGORY:
            taken[case["category"]] += 1
            kept.append(case)
    return kept


def load_cases(subset: str = "full", cases_dir: Path = CASES_DIR) -> CaseSet:
    """Load every case file.

    The generated triage cases come from ``evals/generate_redflags.py`` with its default seed,
    so the eval never trusts a stale file; whether the committed file matches is reported.

    Args:
        subset: ``"full"`` or ``"fast"`` (every handwritten case, a few generated per category).
        cases_dir: Folder of the ``*.jsonl`` case files.

    Raises:
        ValueError: For an unknown subset.
    """
    if subset not in SUBSETS:
        raise ValueError(f"subset must be one of {SUBSETS}. Currently, it is {subset!r}.")
    generated = generate_redflags.generate()
    committed = cases_dir / GENERATED_FILE.name
    matches = committed.exists() and read_jsonl(committed) == generated
    notes = []
    if not matches:
        notes.append(
            f"{committed.name} differs from the generator's default-seed output; the generator's "
            "output was used. Regenerate the file with `python evals/generate_redflags.py`."
        )
    if subset == "fast":
        generated = _fast(generated)
    return CaseSet(
        answerable=read_jsonl(cases_dir / "answerable.jsonl"),
        followups=read_jsonl(cases_dir / "followups.jsonl"),
        scope=read_jsonl(cases_dir / "scope.jsonl"),
        triage=read_jsonl(cases_dir / "triage.jsonl"),
        adversarial=read_jsonl(cases_dir / "adversarial.jsonl"),
        generated=generated,
        generated_matches_file=matches,
        notes=notes,
    )
