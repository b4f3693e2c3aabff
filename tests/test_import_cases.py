"""Importing an independently written case set: renumbered, marked, categories mapped, idempotent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evals.import_cases import canonical_category, fit_phrase, import_folder, usable_gold

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("label", "expect", "category"),
    [
        ("foot_drop", "emergency", "motor_weakness"),
        ("cauda_equina_saddle_numbness", "emergency", "cauda_equina"),
        ("suicidal_thoughts", "emergency", "self_harm"),
        ("fever_post_injection", "urgent", "post_procedure"),
        ("iv_drug_use", "urgent", "immunosuppression"),
        ("major-trauma", "urgent", "trauma"),
        ("major-trauma", "emergency", "severe_trauma"),
        ("progressive-neuro", "urgent", "spreading_numbness"),
        ("someone_else_cancer", "routine", "third_person"),
        ("expected_post_block_numbness", "routine", "expected_after_effect"),
        ("general_red_flags", "routine", "informational"),
    ],
)
def test_an_authors_category_maps_to_the_suites(label: str, expect: str, category: str) -> None:
    assert canonical_category(label, expect) == category


def test_a_table_row_phrase_keeps_its_longest_verbatim_cell() -> None:
    raw = "| Normal lumbar MRI & neuro exam | Spine itself is fine |"
    phrase = "Normal lumbar MRI & neuro exam — What Patients Describe: Spine itself is fine"
    assert fit_phrase(phrase, raw) == "Normal lumbar MRI & neuro exam"


def test_a_phrase_over_a_line_break_keeps_its_longest_line() -> None:
    raw = "Inferior cluneal nerve pain\n  • Focal pain in the lower buttock, aggravated by sitting\n"
    phrase = "Inferior cluneal nerve pain Focal pain in the lower buttock"
    assert fit_phrase(phrase, raw) == "Focal pain in the lower buttock"


def test_a_long_phrase_keeps_its_first_fifteen_words() -> None:
    text = " ".join(f"w{i}" for i in range(20))
    assert fit_phrase(text, text) == " ".join(f"w{i}" for i in range(15))


def test_import_renumbers_marks_and_skips_what_it_already_has(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    for stem in ("answerable", "followups", "scope", "triage"):
        shutil.copy(ROOT / "evals" / "cases" / f"{stem}.jsonl", cases)
    before = (cases / "triage.jsonl").read_text().count("\n")
    folder = tmp_path / "set99"
    folder.mkdir()
    row = {
        "id": "s99-tri-001",
        "message": "my legs went to jelly",
        "history": [],
        "expect": "emergency",
        "category": "leg_weakness",
    }
    (folder / "triage.jsonl").write_text(json.dumps(row) + "\n")
    assert import_folder(folder, "99", cases) == {"triage": 1}
    assert import_folder(folder, "99", cases) == {"triage": 0}
    lines = (cases / "triage.jsonl").read_text().splitlines()
    assert len(lines) == before + 1
    added = json.loads(lines[-1])
    assert added["source_id"] == "s99-tri-001" and added["author"] == "independent" and added["batch"] == "99"
    assert added["category"] == "motor_weakness" and added["id"].startswith("tri-")


def test_too_short_gold_phrases_are_dropped_when_a_longer_one_remains() -> None:
    short = {"doc": "scne-common-symptoms", "phrase": "Pelvic tilts"}
    long = {"doc": "cluneal-overview", "phrase": "graded core-stability exercises cut daily pain scores"}
    assert usable_gold([short, long]) == [long]
    assert usable_gold([short]) == [short]  # kept, so the case checks name it
