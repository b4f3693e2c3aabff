"""Validate the eval case files in evals/cases/ and the seeded red-flag generator.

These tests check the data, not the assistant: schemas, unique ids, minimum counts, and that every
gold evidence phrase is a verbatim span of the document it names. No network, no models.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "evals" / "cases"
CORPUS = ROOT / "corpus"
GENERATOR_PATH = ROOT / "evals" / "generate_redflags.py"

HANDWRITTEN = {
    # file stem: (id prefix, minimum number of cases)
    "answerable": ("ans-", 60),
    "followups": ("fu-", 20),
    "scope": ("scope-", 35),
    "triage": ("tri-", 60),
    "adversarial": ("adv-", 15),
}
MIN_HANDWRITTEN_TOTAL = 150

TRIAGE_CATEGORIES = {
    "emergency": {
        "cauda_equina",
        "motor_weakness",
        "self_harm",
        "cardiorespiratory",
        "severe_trauma",
        "stroke",
        "overdose",
    },
    "urgent": {
        "infection",
        "post_procedure",
        "trauma",
        "cancer",
        "weight_loss",
        "immunosuppression",
        "night_pain",
        "spreading_numbness",
        "passive_ideation",  # a wish to be dead without a plan (the guard escalates it further)
    },
    "routine": {"ordinary", "negated", "third_person", "expected_after_effect", "informational"},
}
RED_FLAG_CATEGORIES = TRIAGE_CATEGORIES["emergency"] | TRIAGE_CATEGORIES["urgent"]
# Categories the red-team batches added (22-23): written by hand only; the generator has no
# templates for them yet.
HANDWRITTEN_ONLY = {"stroke", "overdose", "passive_ideation"}
MIN_GENERATED_PER_RED_CATEGORY = 12
SCOPE_EXPECTS = {"decline", "defer", "smalltalk"}
ADVERSARIAL_EXPECTS = {"decline", "answer", "error", "emergency"}
# Web-scrape citation markers glued to sentence ends in the corpus, e.g. "NCBI+1".
REFERENCE_MARKER = re.compile(r"[A-Za-z]\+\d")


def load_jsonl(path: Path) -> list[dict]:
    """Read a JSON Lines file; every non-final line must hold one JSON object."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), f"{path.name} must end with a newline"
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        assert line.strip(), f"{path.name}:{number} is blank"
        row = json.loads(line)
        assert isinstance(row, dict), f"{path.name}:{number} is not a JSON object"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    return {doc["id"]: (CORPUS / doc["file"]).read_text(encoding="utf-8") for doc in manifest["documents"]}


@pytest.fixture(scope="module")
def cases() -> dict[str, list[dict]]:
    return {stem: load_jsonl(CASES / f"{stem}.jsonl") for stem in HANDWRITTEN}


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_redflags", GENERATOR_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_redflags", module)
    # evals/ is not a package; keep the import from leaving a __pycache__ folder beside the cases.
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
    return module


def grounded(cases: dict[str, list[dict]]) -> list[dict]:
    return cases["answerable"] + cases["followups"]


def normalise(text: str) -> str:
    """Lowercase and drop the punctuation the generator's typo step may drop."""
    text = re.sub(r"[,.?!;:']", "", text.lower())
    return re.sub(r"\s+", " ", text).strip()


# --- all files --------------------------------------------------------------------------------------


def test_ids_are_unique_across_all_case_files(cases: dict[str, list[dict]]) -> None:
    generated = load_jsonl(CASES / "generated_triage.jsonl")
    ids = [row["id"] for rows in cases.values() for row in rows] + [row["id"] for row in generated]
    duplicates = [case_id for case_id, count in Counter(ids).items() if count > 1]
    assert not duplicates


def test_ids_carry_their_file_prefix(cases: dict[str, list[dict]]) -> None:
    for stem, (prefix, _) in HANDWRITTEN.items():
        wrong = [row["id"] for row in cases[stem] if not re.fullmatch(rf"{prefix}\d{{3,}}", row["id"])]
        assert not wrong, f"{stem}: {wrong}"


def test_handwritten_counts_meet_the_minimums(cases: dict[str, list[dict]]) -> None:
    for stem, (_, minimum) in HANDWRITTEN.items():
        assert len(cases[stem]) >= minimum, f"{stem} has {len(cases[stem])} cases, needs {minimum}"
    assert sum(len(rows) for rows in cases.values()) >= MIN_HANDWRITTEN_TOTAL


def test_history_turns_are_strings_or_role_content_dicts(cases: dict[str, list[dict]]) -> None:
    for rows in cases.values():
        for row in rows:
            assert isinstance(row["history"], list), row["id"]
            for turn in row["history"]:
                if isinstance(turn, str):
                    assert turn.strip(), row["id"]
                else:
                    assert set(turn) == {"role", "content"}, row["id"]
                    assert turn["role"] in {"user", "assistant"}, row["id"]
                    assert turn["content"].strip(), row["id"]


# --- answerable and follow-ups ------------------------------------------------------------------------


def test_grounded_cases_have_question_gold_and_key_terms(
    cases: dict[str, list[dict]], documents: dict[str, str]
) -> None:
    for row in grounded(cases):
        assert row.get("author", "own") in {"own", "independent"}, row["id"]
        assert isinstance(row["question"], str) and row["question"].strip(), row["id"]
        assert row["gold"], row["id"]
        for gold in row["gold"]:
            assert set(gold) == {"doc", "phrase"}, row["id"]
            assert gold["doc"] in documents, f"{row['id']}: unknown doc {gold['doc']!r}"
        terms = row["key_terms"]
        assert 1 <= len(terms) <= 4, row["id"]
        for term in terms:
            assert isinstance(term, str) and term == term.lower() and term.strip(), row["id"]


@pytest.fixture(scope="module")
def cleaned_documents() -> dict[str, str]:
    from assistant.ingest import load_corpus

    return {doc.doc_id: doc.text for doc in load_corpus(CORPUS)}


def test_every_gold_phrase_is_verbatim_in_its_document(
    cases: dict[str, list[dict]], documents: dict[str, str], cleaned_documents: dict[str, str]
) -> None:
    # Verbatim in the file as written, or in its cleaned text where cleaning restored a table
    # row whose cells the file had run together ("...EntrapmentNoPosterolateral hipYes...").
    missing = [
        f"{row['id']}: {gold['phrase']!r} not in {gold['doc']}"
        for row in grounded(cases)
        for gold in row["gold"]
        if gold["phrase"] not in documents[gold["doc"]]
        and gold["phrase"] not in cleaned_documents[gold["doc"]]
    ]
    assert not missing, "\n".join(missing)


def test_gold_phrases_are_short_one_line_spans_without_reference_markers(
    cases: dict[str, list[dict]],
) -> None:
    for row in grounded(cases):
        for gold in row["gold"]:
            phrase = gold["phrase"]
            assert 4 <= len(phrase.split()) <= 15, f"{row['id']}: {phrase!r}"
            assert "\n" not in phrase and phrase == phrase.strip(), f"{row['id']}: {phrase!r}"
            assert not REFERENCE_MARKER.search(phrase), f"{row['id']}: {phrase!r}"


def test_answerable_cases_draw_on_every_document(
    cases: dict[str, list[dict]], documents: dict[str, str]
) -> None:
    cited = Counter(gold["doc"] for row in cases["answerable"] for gold in row["gold"])
    assert set(cited) == set(documents)
    assert min(cited.values()) >= 15


def test_disagreement_cases_show_more_than_one_document(cases: dict[str, list[dict]]) -> None:
    flagged = [row for row in grounded(cases) if row.get("disagreement")]
    assert len(flagged) >= 3
    for row in flagged:
        assert len({gold["doc"] for gold in row["gold"]}) >= 2, row["id"]


def test_followups_have_history_and_a_few_topic_changes(cases: dict[str, list[dict]]) -> None:
    assert all(row["history"] for row in cases["followups"])
    topic_changes = [row for row in cases["followups"] if "topic_change" in row]
    assert all(row["topic_change"] is True for row in topic_changes)
    assert 3 <= len(topic_changes) <= len(cases["followups"]) // 4


# --- scope, triage, adversarial --------------------------------------------------------------------


def test_scope_cases_cover_decline_defer_and_smalltalk(cases: dict[str, list[dict]]) -> None:
    for row in cases["scope"]:
        assert row["question"].strip(), row["id"]
        assert row["expect"] in SCOPE_EXPECTS, row["id"]
        assert isinstance(row["kind"], str) and row["kind"], row["id"]
    assert {row["expect"] for row in cases["scope"]} == SCOPE_EXPECTS


def check_triage_row(row: dict) -> None:
    assert isinstance(row["message"], str) and row["message"].strip(), row["id"]
    assert row["expect"] in TRIAGE_CATEGORIES, row["id"]
    assert row["category"] in TRIAGE_CATEGORIES[row["expect"]], f"{row['id']}: {row['category']}"


def test_triage_cases_use_known_levels_and_categories(cases: dict[str, list[dict]]) -> None:
    for row in cases["triage"]:
        check_triage_row(row)
        assert "generated" not in row, row["id"]


def test_handwritten_triage_covers_every_category_and_persistence(cases: dict[str, list[dict]]) -> None:
    every_category = set().union(*TRIAGE_CATEGORIES.values())
    assert {row["category"] for row in cases["triage"]} == every_category
    persistent = [row for row in cases["triage"] if row["history"] and row["expect"] != "routine"]
    assert len(persistent) >= 2


def test_adversarial_cases_have_one_question_form_and_a_note(cases: dict[str, list[dict]]) -> None:
    for row in cases["adversarial"]:
        assert ("question" in row) != ("question_repeat" in row), row["id"]
        if "question_repeat" in row:
            repeat = row["question_repeat"]
            assert repeat["text"] and isinstance(repeat["times"], int) and repeat["times"] > 1, row["id"]
        else:
            assert isinstance(row["question"], str), row["id"]
        assert row["expect"] in ADVERSARIAL_EXPECTS, row["id"]
        assert row["note"].strip(), row["id"]
    assert {row["expect"] for row in cases["adversarial"]} == ADVERSARIAL_EXPECTS


def test_empty_and_whitespace_questions_expect_an_error(cases: dict[str, list[dict]]) -> None:
    blank = [row for row in cases["adversarial"] if row.get("question", "x").strip() == ""]
    assert len(blank) >= 2
    assert all(row["expect"] == "error" for row in blank)


# --- generator -------------------------------------------------------------------------------------


def test_generator_is_deterministic_for_a_seed(generator: ModuleType) -> None:
    assert generator.generate(seed=7) == generator.generate(seed=7)
    assert generator.generate(seed=7) != generator.generate(seed=8)


def test_committed_generated_file_matches_the_default_seed(generator: ModuleType) -> None:
    assert load_jsonl(CASES / "generated_triage.jsonl") == generator.generate()


def test_cli_writes_the_same_cases_as_generate(generator: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "generated.jsonl"
    assert generator.main(["--seed", "5", "--n", "150", "--n-calm", "40", "--out", str(out)]) == 0
    assert load_jsonl(out) == generator.generate(seed=5, n_red=150, n_calm=40)


def test_generated_cases_have_the_triage_schema(generator: ModuleType) -> None:
    generated = generator.generate()
    for row in generated:
        check_triage_row(row)
        assert row["generated"] is True
        assert re.fullmatch(r"gen-(red|calm)-\d{4}", row["id"]), row["id"]
        assert (row["expect"] == "routine") == row["id"].startswith("gen-calm-"), row["id"]
    assert len({(row["message"], tuple(row["history"])) for row in generated}) == len(generated)


@pytest.mark.parametrize("seed", [0, 13, 2024])
def test_generator_gives_every_red_flag_category_at_least_12_cases(generator: ModuleType, seed: int) -> None:
    generated = generator.generate(seed=seed)
    red = Counter(row["category"] for row in generated if row["expect"] != "routine")
    calm = Counter(row["category"] for row in generated if row["expect"] == "routine")
    assert set(red) == RED_FLAG_CATEGORIES - HANDWRITTEN_ONLY
    assert min(red.values()) >= MIN_GENERATED_PER_RED_CATEGORY
    assert set(calm) == TRIAGE_CATEGORIES["routine"]
    assert sum(red.values()) >= 150


def test_generator_levels_match_the_triage_categories(generator: ModuleType) -> None:
    for category, level in generator.RED_FLAG_LEVEL.items():
        assert category in TRIAGE_CATEGORIES[level]


@pytest.mark.parametrize("seed", [1, 13, 99])
def test_generated_red_flags_keep_their_key_symptom_words(generator: ModuleType, seed: int) -> None:
    for row in generator.generate(seed=seed):
        if row["expect"] == "routine":
            continue
        # A persistence case keeps its red flag in the history.
        text = normalise(" ".join([*row["history"], row["message"]]))
        keys = [
            normalise(text_part)
            for phrase in generator.RED_FLAG_PHRASES[row["category"]]
            for text_part, is_key in generator.split_key_spans(phrase)
            if is_key
        ]
        assert any(key in text for key in keys), f"{row['id']}: {row['message']!r}"


def test_typos_change_wrapper_words_but_never_key_segments(generator: ModuleType) -> None:
    segments = [
        ("please tell me whether stretching really helps, ", False),
        ("i can't pee", True),
        (" since yesterday", False),
    ]
    plain = normalise("".join(text for text, _ in segments))
    messages = [generator.add_typos(segments, random.Random(seed)) for seed in range(50)]
    assert all("i cant pee" in normalise(message) for message in messages)
    assert any(normalise(message) != plain for message in messages)


def test_generator_rejects_negative_counts(generator: ModuleType) -> None:
    with pytest.raises(ValueError, match="n_red"):
        generator.generate(n_red=-1)
