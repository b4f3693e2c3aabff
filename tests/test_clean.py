"""Line-level cleaning rules: each rule on the real scrape artifacts, and the prose it must leave alone."""

from __future__ import annotations

import pytest

from assistant.clean import (
    clean_line,
    is_breadcrumb,
    is_byline,
    is_footer,
    is_pipe_separator,
    is_references_heading,
    render_table_row,
    split_flattened_row,
    split_pipe_row,
    strip_emoji,
    strip_numeric_references,
    strip_reference_markers,
)

# (scraped line, what should remain) for every marker shape in klein-cluneal-back-pain.txt.
MARKER_CASES = [
    ("the spine itself may be structurally normal.NCBI+1", "the spine itself may be structurally normal."),
    ("sometimes diagnosed as “pseudo-sciatica.”PubMed+1", "sometimes diagnosed as “pseudo-sciatica.”"),
    (
        "identifies the symptomatic nerve group.SpringerOpen+2Neurospine+2",
        "identifies the symptomatic nerve group.",
    ),
    ("or SI joint pain.Surgical Neurology International+1", "or SI joint pain."),
    ("to the contralateral side).Pain Physician", "to the contralateral side)."),
    (
        "ready for ablative or surgical options.Neurospine+2wpain.com.au+2",
        "ready for ablative or surgical options.",
    ),
    ("for severe sitting pain syndromes.Pure+3Neurospine+3PMC+3", "for severe sitting pain syndromes."),
    ("with low complication rates.PMC+2ResearchGate+2", "with low complication rates."),
    ("though evidence remains limited.Wiley Online Library", "though evidence remains limited."),
    ("rarely resolve focal entrapment alone.Orthopedic Reviews+1", "rarely resolve focal entrapment alone."),
    ("Pain Physician. 2020;23(5):E481–E490.ResearchGate", "Pain Physician. 2020;23(5):E481–E490."),
]


@pytest.mark.parametrize(("scraped", "expected"), MARKER_CASES, ids=[c[0][-28:] for c in MARKER_CASES])
def test_marker_glued_to_sentence_end_is_stripped(scraped: str, expected: str) -> None:
    assert strip_reference_markers(scraped) == expected
    assert clean_line(scraped) == expected


@pytest.mark.parametrize(
    "prose",
    [
        "It was fine.Then",
        "It was fine. Then we went home.",
        "The U.S. National Library",
        "The U.S. National Library of Medicine keeps the record.",
        "Relief was reported in a few (1 %) of cases.",
        "Orthop Rev (Pavia). 2022;14(1):53–62.",
        "He works at NASA.",
        "Made in the U.S.A.",
        "I met Dr. Smith.",
        "Ask your doctor (NHS).",
    ],
)
def test_real_words_are_not_eaten_as_markers(prose: str) -> None:
    assert strip_reference_markers(prose) == prose
    assert clean_line(prose) == prose


def test_marker_in_the_middle_of_a_line_is_left_alone() -> None:
    # Markers are glued to the END of a scraped line; mid-line text is prose.
    line = "Cited by NCBI+1 and others in the review."
    assert strip_reference_markers(line) == line


@pytest.mark.parametrize(
    ("scraped", "expected"),
    [
        (
            "snake over the iliac crest (1). Because routine MRIs",
            "snake over the iliac crest. Because routine MRIs",
        ),
        ("boasts 80 % diagnostic accuracy. (2)", "boasts 80 % diagnostic accuracy."),
        ("cut daily pain scores by 40 % in six weeks.(3)", "cut daily pain scores by 40 % in six weeks."),
        ("Repeat every 2–3 months if effective.(4)", "Repeat every 2–3 months if effective."),
        ("average VAS from 8.6 to 2.4 at three months.(6)", "average VAS from 8.6 to 2.4 at three months."),
        ("as shown in 2020 (3), the study", "as shown in 2020, the study"),
    ],
)
def test_numbered_in_text_reference_is_removed(scraped: str, expected: str) -> None:
    assert clean_line(scraped) == expected


@pytest.mark.parametrize(
    "prose",
    [
        "use 1–2 mL of 1 % lidocaine",
        "relief in (1 %) of cases",
        "Orthop Rev (Pavia). 2022;14(1):53–62.",
        "Pain Med. 2022;23(8):1444–1451.",
        "Insights Imaging. 2023;14(1):54.",
        "J Orthop Surg Res. 2016;11:119.",
        "a three-digit code (123) stays",
    ],
)
def test_numbers_in_brackets_that_are_not_references_are_kept(prose: str) -> None:
    assert strip_numeric_references(prose) == prose


@pytest.mark.parametrize(
    ("scraped", "expected"),
    [
        (
            "🔍 Differentiation Tip: SCNE involves sensory symptoms",
            "Differentiation Tip: SCNE involves sensory symptoms",
        ),
        ("⚠️ Note: Lack of symptom relief", "Note: Lack of symptom relief"),
        ("🧘 Tip: Avoid exercises", "Tip: Avoid exercises"),
    ],
)
def test_decorative_emoji_is_removed(scraped: str, expected: str) -> None:
    assert clean_line(scraped) == expected


def test_emoji_removal_keeps_medical_symbols() -> None:
    line = "Pain relief >50 % for ≥30 minutes; 0.5 % bupivacaine ± 10 mg → decompression, 2 × daily"
    assert strip_emoji(line) == line


def test_clean_line_normalises_spacing_and_non_breaking_spaces() -> None:
    assert clean_line("  •\u00a0Passes   through the\tfascia  ") == "• Passes through the fascia"


@pytest.mark.parametrize(
    "line",
    ["- David S. Klein, MD FACA FACPM", "- 4 days ago", "- 6 min read", "By Jane Doe", "March 3, 2024"],
)
def test_byline_lines_are_recognised(line: str) -> None:
    assert is_byline(line)


@pytest.mark.parametrize(
    "line",
    [
        "Back pain that refuses to respond to “standard” spine care is often labeled nonspecific.",
        "Superior cluneal nerve pain",
        "Diagnosis",
    ],
)
def test_prose_and_headings_are_not_bylines(line: str) -> None:
    assert not is_byline(line)


@pytest.mark.parametrize(
    "line",
    [
        "What do the cluneal nerves do? They carry feeling from the upper buttock skin.",
        "Your PT can show you stretches that you should do daily.",
        "By bending forward, most patients feel the pain ease within minutes.",
    ],
)
def test_prose_sentence_with_a_credential_like_word_is_not_a_byline(line: str) -> None:
    # "do", "PT", "By ..." are everyday words in patient text, not a byline.
    assert not is_byline(line)


@pytest.mark.parametrize(
    "line",
    ["1917 Boothe Circle, Suite 171", "Longwood, Florida 32750", "Tel: 407-679-3337", "Fax: 407-678-7246"],
)
def test_clinic_address_phone_and_fax_lines_are_footer(line: str) -> None:
    assert is_footer(line)


@pytest.mark.parametrize(
    "line", ["Email: info@kleinpain.com", "E-mail: frontdesk@clinic.example", "Phone: (407) 679-3337"]
)
def test_clinic_contact_lines_with_a_capitalised_label_are_footer(line: str) -> None:
    assert is_footer(line)


@pytest.mark.parametrize(
    "line",
    [
        "Call your doctor if the pain spreads.",
        "Persistent pain > 6 months despite ≥2 successful blocks → open or endoscopic decompression.",
        "Middle Cluneal Nerves (MCN) branch off S1–S3.",
        "Walk down the street for ten minutes a day.",
    ],
)
def test_prose_is_not_a_footer(line: str) -> None:
    assert not is_footer(line)


@pytest.mark.parametrize("line", ["References", "references:", "Sources", "Bibliography"])
def test_reference_list_headings_are_recognised(line: str) -> None:
    assert is_references_heading(line)


def test_a_sentence_about_references_is_not_a_references_heading() -> None:
    assert not is_references_heading("References to the nerve appear in old texts.")


def test_breadcrumb_is_recognised_but_a_heading_is_not() -> None:
    assert is_breadcrumb("HomeEducation")
    assert not is_breadcrumb("Superior Cluneal Nerve Entrapment: Common Symptoms")
    assert not is_breadcrumb("Overview")


@pytest.mark.parametrize("line", ["---|---|---|", "|---|---|", "| :--- | ---: |", "---|---|"])
def test_pipe_table_separator_is_recognised(line: str) -> None:
    assert is_pipe_separator(line)


def test_a_dash_in_prose_is_not_a_table_separator() -> None:
    assert not is_pipe_separator("Lumbar support cushion—maintains slight flexion")
    assert not is_pipe_separator("1–2 mL - then 3 mL")


def test_pipe_row_with_trailing_pipe_splits_into_cells() -> None:
    row = "Classic Feature | What Patients Describe | Why It Happens |"
    assert split_pipe_row(row) == ["Classic Feature", "What Patients Describe", "Why It Happens"]


def test_line_with_one_pipe_is_not_a_table_row() -> None:
    assert split_pipe_row("either this | or that") is None


@pytest.mark.parametrize(
    ("flattened", "cells"),
    [
        (
            "ConditionSensory InvolvementLocation of PainMotor DeficitKey Diagnostic Tool",
            ["Condition", "Sensory Involvement", "Location of Pain", "Motor Deficit", "Key Diagnostic Tool"],
        ),
        (
            "Superior Cluneal Nerve EntrapmentYesIliac crest, upper buttockNoCluneal nerve block",
            [
                "Superior Cluneal Nerve Entrapment",
                "Yes",
                "Iliac crest, upper buttock",
                "No",
                "Cluneal nerve block",
            ],
        ),
        (
            "Superior Gluteal Nerve EntrapmentNoPosterolateral hipYesPhysical exam, EMG",
            ["Superior Gluteal Nerve Entrapment", "No", "Posterolateral hip", "Yes", "Physical exam, EMG"],
        ),
        (
            "Nerve Entrapment Syndrome (general)Yes/NoVaries by nerveSometimes"
            "Imaging, nerve conduction studies",
            [
                "Nerve Entrapment Syndrome (general)",
                "Yes/No",
                "Varies by nerve",
                "Sometimes",
                "Imaging, nerve conduction studies",
            ],
        ),
    ],
)
def test_flattened_comparison_row_splits_into_five_cells(flattened: str, cells: list[str]) -> None:
    assert split_flattened_row(flattened) == cells


def test_rendered_table_row_labels_each_cell_with_its_header() -> None:
    header = ["Risk Factor", "Mitigation"]
    assert (
        render_table_row(header, ["Postural sway & hyperlordosis", "Core & hip-abductor endurance"])
        == "Postural sway & hyperlordosis — Mitigation: Core & hip-abductor endurance."
    )


def test_rendered_row_with_a_single_cell_is_just_that_cell() -> None:
    assert render_table_row(["Only"], ["Something."]) == "Something."
