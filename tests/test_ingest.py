"""Ingestion: the real corpus comes out clean and structured; the corpus folder's rules hold."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.ingest import INTRODUCTION, load_corpus, parse_document
from assistant.records import Document
from assistant.settings import PROJECT_ROOT

CORPUS_DIR = PROJECT_ROOT / "corpus"
SEEDS_DIR = Path("/work/shared/seeds")


@cache
def _corpus() -> dict[str, Document]:
    return {d.doc_id: d for d in load_corpus(CORPUS_DIR)}


def doc(doc_id: str) -> Document:
    return _corpus()[doc_id]


def lines_of(document: Document) -> list[str]:
    return document.text.split("\n")


def blocks_of(document: Document, kind: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(document.text[b.start : b.end], b.section) for b in document.blocks if b.kind == kind]


def write_corpus(folder: Path, files: dict[str, str], manifest: list[dict[str, str]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    if manifest is not None:
        (folder / "manifest.json").write_text(json.dumps({"documents": manifest}), encoding="utf-8")
    return folder


# --- the corpus folder -----------------------------------------------------------------------


def test_corpus_has_the_four_manifest_documents() -> None:
    assert set(_corpus()) == {
        "cluneal-overview",
        "klein-cluneal-back-pain",
        "cluneal-self-management",
        "scne-common-symptoms",
    }


def test_corpus_files_on_disk_are_verbatim_copies_of_the_seeds() -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"{SEEDS_DIR} not present on this machine")
    manifest = json.loads((CORPUS_DIR / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert len(manifest) == 4
    for entry in manifest:
        corpus_bytes = (CORPUS_DIR / entry["file"]).read_bytes()
        assert corpus_bytes == (SEEDS_DIR / entry["original_file"]).read_bytes(), entry["file"]


def test_ingestion_does_not_modify_corpus_files() -> None:
    before = {p.name: p.read_bytes() for p in CORPUS_DIR.iterdir() if p.is_file()}
    load_corpus(CORPUS_DIR)
    after = {p.name: p.read_bytes() for p in CORPUS_DIR.iterdir() if p.is_file()}
    assert before == after


def test_manifest_title_and_author_are_used() -> None:
    klein = doc("klein-cluneal-back-pain")
    assert klein.title.startswith("Back Pain Due to Cluneal Nerve")
    assert klein.author == "David S. Klein, MD FACA FACPM"
    assert klein.source_file == "klein-cluneal-back-pain.txt"
    assert not klein.warnings


# --- cleaning on the real documents ----------------------------------------------------------

MARKER_FRAGMENTS = [
    "NCBI+1",
    "PubMed+1",
    "SpringerOpen",
    "Surgical Neurology International",
    "Neurospine+",
    "wpain.com.au",
    "PMC+",
    "ResearchGate",
    "Wiley Online Library",
    "Orthopedic Reviews",
    "SpringerLink",
    "ScienceDirect",
]


@pytest.mark.parametrize("fragment", MARKER_FRAGMENTS)
def test_no_web_scrape_marker_survives_in_answerable_text(fragment: str) -> None:
    for document in _corpus().values():
        assert fragment not in document.text, document.doc_id


def test_pain_physician_marker_is_stripped_but_the_sentence_kept() -> None:
    text = doc("klein-cluneal-back-pain").text
    assert "lateral bending to the contralateral side)." in text
    assert "side).Pain Physician" not in text
    assert "Pain Physician" not in text


def test_sentence_ends_survive_marker_stripping() -> None:
    text = doc("klein-cluneal-back-pain").text
    assert "the spine itself may be structurally normal." in text
    assert "identifies the symptomatic nerve group." in text
    assert "with minimal sensory loss limited to a small patch of buttock skin." in text


def test_numbered_in_text_references_are_removed_from_the_overview() -> None:
    text = doc("cluneal-overview").text
    assert re.search(r"\(\d\)", text) is None
    assert "as they snake over the iliac crest. Because routine MRIs" in text
    assert "cut daily pain scores by 40 % in six weeks." in text
    # Numbers in brackets that are measurements stay.
    assert "1–2 mL of 1 % lidocaine" in text


def test_emoji_are_removed_from_the_tips() -> None:
    text = doc("scne-common-symptoms").text
    assert "Differentiation Tip: SCNE involves sensory symptoms" in text
    assert "Note: Lack of symptom relief" in text
    for ch in text:
        assert unicodedata.category(ch) != "So" or ch in "±×→", f"symbol {ch!r} left in text"


def test_byline_date_and_reading_time_are_kept_out_of_text() -> None:
    klein = doc("klein-cluneal-back-pain")
    for fragment in ("min read", "days ago", "David S. Klein", "FACPM"):
        assert fragment not in klein.text
    assert klein.byline == ("David S. Klein, MD FACA FACPM", "4 days ago", "6 min read")


def test_title_is_not_repeated_in_the_text() -> None:
    for document in _corpus().values():
        assert document.title not in lines_of(document), document.doc_id


def test_reference_list_is_kept_out_of_text_but_recorded() -> None:
    klein = doc("klein-cluneal-back-pain")
    assert "References" not in lines_of(klein)
    assert "StatPearls" not in klein.text
    assert "Paracha U" not in klein.text
    assert len(klein.references) == 10
    assert klein.references[0].startswith("Paracha U, Freeman K. Cluneal Neuralgia.")
    assert klein.references[-1].startswith("Özüberk B")


def test_reference_entries_lose_their_markers_but_keep_volume_and_pages() -> None:
    references = doc("klein-cluneal-back-pain").references
    anderson = next(r for r in references if r.startswith("Anderson D"))
    assert anderson.endswith("Orthop Rev (Pavia). 2022;14(1):53–62.")
    assert not any(r.endswith(("NCBI", "PMC", "ResearchGate", "+1")) for r in references)


def test_clinic_address_phone_and_fax_footer_is_kept_out_of_text_and_references() -> None:
    klein = doc("klein-cluneal-back-pain")
    for fragment in (
        "Boothe Circle",
        "Suite 171",
        "Longwood",
        "32750",
        "407-679-3337",
        "407-678-7246",
        "Fax",
    ):
        assert fragment not in klein.text
        assert not any(fragment in r for r in klein.references)


def test_breadcrumb_and_duplicated_caption_are_dropped() -> None:
    scne = doc("scne-common-symptoms")
    assert "HomeEducation" not in scne.text
    assert "Superior Cluneal Nerve Entrapment" not in lines_of(scne)
    assert scne.text.startswith("Superior cluneal nerve entrapment (SCNE) is an underdiagnosed condition")


def test_cleaned_text_has_no_blank_lines_or_edge_whitespace() -> None:
    for document in _corpus().values():
        for line in lines_of(document):
            assert line and line == line.strip(), (document.doc_id, line)


# --- structure: headings, lists, tables, sections --------------------------------------------


def test_numbered_headings_nest_subsections_under_their_parent() -> None:
    headings = dict(blocks_of(doc("cluneal-overview"), "heading"))
    assert headings["4. Evidence-Based Treatment Ladder"] == ("4. Evidence-Based Treatment Ladder",)
    assert headings["4.2 Image-Guided Nerve Blocks"] == (
        "4. Evidence-Based Treatment Ladder",
        "4.2 Image-Guided Nerve Blocks",
    )
    assert headings["5. At-Home Self-Care Toolkit"] == ("5. At-Home Self-Care Toolkit",)


def test_numbered_heading_nests_under_the_unnumbered_heading_above_it() -> None:
    headings = dict(blocks_of(doc("klein-cluneal-back-pain"), "heading"))
    assert headings["2. Diagnostic nerve blocks"] == ("Diagnosis", "2. Diagnostic nerve blocks")
    assert headings["Treatment strategies"] == ("Treatment strategies",)


def test_question_headings_are_recognised() -> None:
    headings = [text for text, _ in blocks_of(doc("scne-common-symptoms"), "heading")]
    assert "What Is Superior Cluneal Nerve Entrapment?" in headings
    assert "How to Release Cluneal Nerve Entrapment?" in headings


def test_plain_short_headings_are_recognised_in_unmarked_prose() -> None:
    headings = [text for text, _ in blocks_of(doc("cluneal-self-management"), "heading")]
    assert headings == [
        "What Causes Cluneal Nerve Pain",
        "Immediate Self-Management Techniques",
        "Targeted Physical Therapy and Manual Release Strategies",
        "When Conservative Treatment Fails",
    ]


def test_faq_lines_and_lead_ins_are_not_headings() -> None:
    overview_headings = [t for t, _ in blocks_of(doc("cluneal-overview"), "heading")]
    assert not any(
        t.startswith("Is cluneal nerve entrapment the same as sciatica?") for t in overview_headings
    )
    klein_headings = [t for t, _ in blocks_of(doc("klein-cluneal-back-pain"), "heading")]
    assert "Typical Causes:" not in klein_headings
    assert "References" not in klein_headings


def test_bullet_markers_are_stripped_and_items_are_bullets() -> None:
    bullets = blocks_of(doc("scne-common-symptoms"), "bullet")
    texts = [t for t, _ in bullets]
    assert "Originates from dorsal rami of T11–L4 spinal nerves" in texts
    assert not any(t.startswith(("•", "-", "*")) for t in texts)
    overview = [t for t, _ in blocks_of(doc("cluneal-overview"), "bullet")]
    assert "Topical lidocaine patches or capsaicin cream." in overview


def test_numbered_list_items_are_bullets_not_headings() -> None:
    bullets = [t for t, _ in blocks_of(doc("klein-cluneal-back-pain"), "bullet")]
    assert "Swelling following lumbar surgery" in bullets
    assert "Motor vehicle injury." in bullets


def test_pipe_table_rows_carry_header_labels_and_separators_are_gone() -> None:
    overview = doc("cluneal-overview")
    rows = blocks_of(overview, "table_row")
    assert len(rows) == 5 + 4
    assert "---" not in overview.text and "|" not in overview.text
    assert "Classic Feature | What Patients Describe" not in overview.text
    tender = next(t for t, _ in rows if t.startswith("Tender trigger point"))
    assert tender == (
        "Tender trigger point you can pinch — What Patients Describe: Positive Tinel sign; "
        "Why It Happens: Nerve hypersensitivity."
    )
    assert all(section == ("2. Hallmark Symptoms & Red-Flag Patterns",) for _, section in rows[:5])
    assert all(section == ("6. Preventing Recurrence",) for _, section in rows[5:])
    assert all("Mitigation: " in t for t, _ in rows[5:])


def test_flattened_comparison_table_becomes_rows_of_five_labelled_cells() -> None:
    scne = doc("scne-common-symptoms")
    rows = blocks_of(scne, "table_row")
    assert [section for _, section in rows] == [("Key Comparisons and Clinical Clues",)] * 3
    labels = ["Sensory Involvement: ", "Location of Pain: ", "Motor Deficit: ", "Key Diagnostic Tool: "]
    for text, _ in rows:
        lead, _, rest = text.partition(" — ")
        assert lead.endswith(("Entrapment", "(general)"))
        assert [part.split(": ")[0] + ": " for part in rest.rstrip(".").split("; ")] == labels
    assert rows[0][0] == (
        "Superior Cluneal Nerve Entrapment — Sensory Involvement: Yes; Location of Pain: Iliac crest, "
        "upper buttock; Motor Deficit: No; Key Diagnostic Tool: Cluneal nerve block."
    )
    assert "ConditionSensory Involvement" not in scne.text


@pytest.mark.parametrize("doc_id", sorted(_corpus()))
def test_every_block_knows_its_section(doc_id: str) -> None:
    document = doc(doc_id)
    assert document.blocks
    current: tuple[str, ...] = (INTRODUCTION,)
    for block in document.blocks:
        assert block.section, block
        assert document.text[block.start : block.end].strip()
        if block.kind == "heading":
            current = block.section
            assert block.section[-1] == document.text[block.start : block.end]
        else:
            assert block.section == current


@pytest.mark.parametrize("doc_id", sorted(_corpus()))
def test_blocks_tile_the_cleaned_text_in_order(doc_id: str) -> None:
    document = doc(doc_id)
    assert "\n".join(document.text[b.start : b.end] for b in document.blocks) == document.text


def test_text_before_the_first_heading_is_in_the_introduction() -> None:
    first = doc("cluneal-self-management").blocks[0]
    assert first.kind == "paragraph"
    assert first.section == (INTRODUCTION,)


# --- synthetic documents ---------------------------------------------------------------------


def test_markdown_headings_nest_by_level() -> None:
    raw = (
        "# Guide\n\nIntro text here.\n\n## Causes\n\nSome causes.\n\n"
        "### Sitting\n\nSitting hurts.\n\n## Care\n\n- Rest\n"
    )
    document = parse_document(raw, "guide", "guide.md", title="Guide")
    sections = {document.text[b.start : b.end]: b.section for b in document.blocks}
    assert sections["Sitting hurts."] == ("Causes", "Sitting")
    assert sections["Rest"] == ("Care",)
    assert sections["Intro text here."] == (INTRODUCTION,)


def test_first_paragraph_is_answerable_text_not_a_byline() -> None:
    raw = (
        "Cluneal Nerve Basics\n"
        "What do the cluneal nerves do? They carry feeling from the skin of the upper buttock.\n"
        "Causes\n"
        "Sitting for long periods can press on them.\n"
    )
    document = parse_document(raw, "basics", "basics.txt", title="Cluneal Nerve Basics")
    assert "They carry feeling from the skin of the upper buttock." in document.text
    assert document.author == ""


# --- the corpus folder's rules ---------------------------------------------------------------


def test_document_without_manifest_entry_gets_title_from_first_line_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_corpus(
        tmp_path / "corpus",
        {
            "known.txt": "Known Doc\nSome text about nerves.\n",
            "new-guide.txt": "Sitting and Cluneal Pain\nLong sitting presses the nerve.\nMore text here.\n",
        },
        manifest=[{"id": "known", "file": "known.txt", "title": "Known Doc"}],
    )
    with caplog.at_level(logging.WARNING, logger="assistant.ingest"):
        documents = {d.doc_id: d for d in load_corpus(folder)}
    new = documents["new-guide"]
    assert new.title == "Sitting and Cluneal Pain"
    assert new.text.startswith("Long sitting presses the nerve.")
    assert any("new-guide.txt" in w and "manifest" in w for w in new.warnings)
    assert any("new-guide.txt" in r.getMessage() for r in caplog.records)
    assert not documents["known"].warnings


def test_long_first_line_without_manifest_is_shortened_into_a_title_and_kept_in_text(tmp_path: Path) -> None:
    first = "The experience of persistent lower back and buttock pain often stems from cluneal nerve " * 2
    folder = write_corpus(tmp_path / "corpus", {"prose.txt": first.strip() + ".\nSecond paragraph.\n"})
    (document,) = load_corpus(folder)
    assert len(document.title) <= 120
    assert document.title.startswith("The experience of persistent")
    assert document.text.startswith("The experience of persistent")


def test_markdown_document_is_supported(tmp_path: Path) -> None:
    folder = write_corpus(
        tmp_path / "corpus",
        {"care-tips.md": "# Care Tips\n\nRest helps most people.\n\n## Ice\n\n* Ice for 15 minutes.\n"},
    )
    (document,) = load_corpus(folder)
    assert document.doc_id == "care-tips"
    assert document.source_file == "care-tips.md"
    assert "Rest helps most people." in document.text
    assert ("Ice for 15 minutes.", ("Ice",)) in blocks_of(document, "bullet")


def test_markdown_title_taken_from_first_line_has_no_hash_marks(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "corpus", {"care-tips.md": "# Care Tips\n\nRest helps most people.\n"})
    (document,) = load_corpus(folder)
    assert document.title == "Care Tips"


def test_readme_and_other_file_types_are_not_documents(tmp_path: Path) -> None:
    folder = write_corpus(
        tmp_path / "corpus",
        {
            "README.md": "# How to add documents\n\nDrop files here.\n",
            "notes.pdf": "x",
            "a.txt": "A\nText.\n",
        },
    )
    assert [d.source_file for d in load_corpus(folder)] == ["a.txt"]


def test_author_comes_from_the_byline_when_the_manifest_has_none(tmp_path: Path) -> None:
    raw = "A Title\n- Jane Roe, MD\n- 6 min read\nBody text that is long enough.\nMore body.\n"
    folder = write_corpus(tmp_path / "corpus", {"a.txt": raw})
    (document,) = load_corpus(folder)
    assert document.author == "Jane Roe, MD"
    assert "min read" not in document.text
    assert "Jane Roe" not in document.text


def test_duplicate_document_ids_are_an_error(tmp_path: Path) -> None:
    folder = write_corpus(
        tmp_path / "corpus", {"nerve block.txt": "A\nText.\n", "nerve-block.md": "B\nText.\n"}
    )
    with pytest.raises(CorpusError, match="nerve-block"):
        load_corpus(folder)


def test_duplicate_manifest_ids_are_an_error(tmp_path: Path) -> None:
    folder = write_corpus(
        tmp_path / "corpus",
        {"a.txt": "A\nText.\n", "b.txt": "B\nText.\n"},
        manifest=[
            {"id": "same", "file": "a.txt", "title": "A"},
            {"id": "same", "file": "b.txt", "title": "B"},
        ],
    )
    with pytest.raises(CorpusError, match="same"):
        load_corpus(folder)


WITHHELD = "Sciatica ALWAYS presents with pain all the way to the toes."


def test_the_real_manifest_withholds_a_reviewed_sentence_without_editing_the_document() -> None:
    klein = next(d for d in load_corpus(CORPUS_DIR) if d.doc_id == "klein-cluneal-back-pain")
    assert klein.withheld == (WITHHELD,)
    assert WITHHELD in klein.text  # the text stays verbatim, so citations still match the file
    assert not klein.warnings


def test_a_withheld_sentence_that_is_not_in_the_document_is_a_warning(tmp_path: Path) -> None:
    folder = write_corpus(
        tmp_path / "corpus",
        {"a.txt": "A\nText here.\n"},
        manifest=[{"id": "a", "file": "a.txt", "title": "A", "withheld": [{"text": "Gone.", "reason": "x"}]}],  # type: ignore[dict-item]
    )
    (doc,) = load_corpus(folder)
    assert any("withheld sentence not found" in w for w in doc.warnings)


def test_a_malformed_withheld_list_is_a_corpus_error(tmp_path: Path) -> None:
    folder = write_corpus(
        tmp_path / "corpus",
        {"a.txt": "A\nText.\n"},
        manifest=[{"id": "a", "file": "a.txt", "title": "A", "withheld": ["no text key"]}],  # type: ignore[dict-item]
    )
    with pytest.raises(CorpusError, match="withheld"):
        load_corpus(folder)


def test_empty_corpus_folder_is_a_helpful_error(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    message = str(info.value)
    assert str(folder) in message
    assert ".txt" in message and ".md" in message
    assert "make index" in message


def test_missing_corpus_folder_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="ASSISTANT_CORPUS_DIR"):
        load_corpus(tmp_path / "nowhere")


def test_invalid_manifest_is_a_corpus_error_showing_the_expected_shape(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "corpus", {"a.txt": "A\nText.\n"})
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match="documents"):
        load_corpus(folder)


def test_non_utf8_document_is_a_corpus_error(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "latin.txt").write_bytes("Caf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(CorpusError, match="UTF-8"):
        load_corpus(folder)
