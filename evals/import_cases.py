"""Append an independently written case set to evals/cases/, renumbered to this suite's ids.

    python -m evals.import_cases FOLDER --batch 3

FOLDER holds any of answerable.jsonl, followups.jsonl, scope.jsonl and triage.jsonl, written by
an author who saw neither the code nor the other cases. Each case gets the next free id of its
file (``ans-260``...), keeps its own id as ``source_id``, is marked ``"author": "independent"``
and ``"batch"``, and a triage category written in the author's own words ("foot_drop") is
mapped to this suite's categories ("motor_weakness"). A case whose ``source_id`` is already
present is skipped, so importing twice adds nothing.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from evals.dataset import CASES_DIR, read_jsonl

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"

FILES = {"answerable": "ans-", "followups": "fu-", "scope": "scope-", "triage": "tri-"}
# Authors' own category words -> the suite's triage categories (tests/test_eval_cases.py).
CATEGORY_ALIASES = {
    "cauda_equina": (
        "cauda",
        "bladder",
        "bowel",
        "saddle",
        "retention",
        "incontinence",
        "bilateral",
        "sexual",
    ),
    "motor_weakness": ("foot_drop", "leg_weakness", "weakness"),
    "self_harm": ("suicid", "self_harm"),
    "cardiorespiratory": ("chest", "breath", "cardio", "aortic", "aneurysm"),
    "stroke": ("stroke",),
    "overdose": ("overdose", "poison"),
    "passive_ideation": ("passive",),
    "post_procedure": ("post_injection", "post_procedure", "after_injection"),
    "infection": ("fever", "infection", "chills"),
    "trauma": ("trauma", "fall", "crash", "accident"),
    "cancer": ("cancer",),
    "weight_loss": ("weight",),
    "immunosuppression": ("immun", "iv_drug", "drug_use", "steroid"),
    "night_pain": ("night",),
    "spreading_numbness": ("spreading", "progressive"),
}
ROUTINE_ALIASES = {
    "third_person": ("someone_else", "third_person", "other_person", "relative"),
    "expected_after_effect": ("expected", "post_block", "after_block"),
    "negated": ("negated", "denied", "resolved", "past", "old_"),
    "informational": ("general", "informational", "warning_signs", "question"),
    "ordinary": ("idiom", "ordinary", "calm"),
}


def canonical_category(category: str, expect: str) -> str:
    """The suite's category for an author's label, judged by the expected level first."""
    table = ROUTINE_ALIASES if expect == "routine" else CATEGORY_ALIASES
    label = category.lower().replace("-", "_").replace(" ", "_")
    for canonical, cues in table.items():
        if label == canonical or any(cue in label for cue in cues):
            # Trauma that needs an ambulance (cannot get up, confused) is its own category.
            return "severe_trauma" if canonical == "trauma" and expect == "emergency" else canonical
    return "ordinary" if expect == "routine" else label


MAX_PHRASE_WORDS = 15  # tests/test_eval_cases.py: gold phrases are short one-line spans
MIN_PHRASE_WORDS = 4  # shorter ones ("Pelvic tilts") would match passages by accident


def usable_gold(gold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gold phrases long enough to identify a passage; all of them if none is.

    A case whose every phrase is too short is kept as written, so the suite's case checks
    name it for a person to fix.
    """
    long_enough = [g for g in gold if len(str(g.get("phrase", "")).split()) >= MIN_PHRASE_WORDS]
    return long_enough or gold


def fit_phrase(phrase: str, raw: str) -> str:
    """A gold phrase as this suite keeps them: verbatim in the raw document, at most 15 words.

    Authors copy from the cleaned text, where a table row's cells are joined ("Normal lumbar
    MRI — What Patients Describe: Spine itself is fine"); the longest cell that is verbatim in
    the raw document is kept. A long phrase keeps its first 15 words (still verbatim).
    """
    if phrase not in raw:
        cells = [c.strip(" ;") for c in re.split(r" — |; |\w[\w ]*: ", phrase)]
        found = [c for c in cells if len(c.split()) >= 4 and c in raw]
        phrase = max(found, key=len) if found else _longest_line(phrase, raw)
    return " ".join(phrase.split()[:MAX_PHRASE_WORDS])


def _longest_line(phrase: str, raw: str) -> str:
    """The longest one-line piece of a phrase that runs over line breaks in the raw document.

    "Inferior cluneal nerve pain Focal pain in the lower buttock" is a heading and the start of
    the line under it; the line's part is kept. A phrase not found at all is returned as it is.
    """
    pattern = r"[\s•·*-]+".join(re.escape(w) for w in phrase.split())  # list bullets too
    match = re.search(pattern, raw, re.IGNORECASE) if pattern else None
    if match is None:
        return phrase
    pieces = [p.strip(" \t•·*-") for p in match.group(0).splitlines() if p.strip(" \t•·*-")]
    return max(pieces, key=lambda p: len(p.split()))


def _next_number(rows: list[dict[str, Any]], prefix: str) -> int:
    numbers = [int(m.group(1)) for r in rows if (m := re.fullmatch(rf"{prefix}(\d+)", r["id"]))]
    return max(numbers, default=0) + 1


def _raw_documents(corpus_dir: Path) -> dict[str, str]:
    manifest = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    return {d["id"]: (corpus_dir / d["file"]).read_text(encoding="utf-8") for d in manifest["documents"]}


def import_folder(
    folder: Path, batch: str, cases_dir: Path = CASES_DIR, corpus_dir: Path = CORPUS_DIR
) -> dict[str, int]:
    """Append the folder's cases to the suite; returns how many were added per file."""
    raw = _raw_documents(corpus_dir)
    added: dict[str, int] = {}
    for stem, prefix in FILES.items():
        source = folder / f"{stem}.jsonl"
        if not source.exists():
            continue
        target = cases_dir / f"{stem}.jsonl"
        existing = read_jsonl(target)
        known = {r.get("source_id") for r in existing}
        number = _next_number(existing, prefix)
        new_rows = []
        for row in read_jsonl(source):
            if row["id"] in known:
                continue
            fields = {k: v for k, v in row.items() if k not in {"id", "author", "batch"}}
            case = {"id": f"{prefix}{number:03d}", **fields}
            case.update(source_id=row["id"], author="independent", batch=batch)
            for gold in case.get("gold", []):
                gold["phrase"] = fit_phrase(gold["phrase"], raw.get(gold["doc"], ""))
            if "gold" in case:
                case["gold"] = usable_gold(case["gold"])
            if "key_terms" in case:
                case["key_terms"] = [str(t).lower() for t in case["key_terms"]]
            if stem == "triage":
                case["category"] = canonical_category(str(row.get("category", "")), str(row["expect"]))
            new_rows.append(case)
            number += 1
        with target.open("a", encoding="utf-8") as handle:
            for case in new_rows:
                handle.write(json.dumps(case, ensure_ascii=False) + "\n")
        added[stem] = len(new_rows)
    return added


def main(argv: list[str] | None = None) -> int:
    """Import one folder of independently written cases."""
    parser = argparse.ArgumentParser(prog="python -m evals.import_cases", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--batch", required=True, help="a label for this set, e.g. 3")
    args = parser.parse_args(argv)
    for stem, count in import_folder(args.folder, args.batch).items():
        print(f"{stem}: {count} added")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
