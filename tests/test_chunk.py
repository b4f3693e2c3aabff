"""Chunking invariants: the model's token window, verbatim spans, sections, stable content-hash ids."""

from __future__ import annotations

import itertools
import random
from functools import cache

import pytest

from assistant.chunk import chunk_corpus, chunk_document, chunk_id, split_sentences
from assistant.embed import MAX_TOKENS, count_tokens
from assistant.errors import ConfigError
from assistant.ingest import load_corpus, parse_document
from assistant.records import Chunk, Document
from assistant.settings import PROJECT_ROOT

CORPUS_DIR = PROJECT_ROOT / "corpus"


@cache
def _documents() -> tuple[Document, ...]:
    return tuple(load_corpus(CORPUS_DIR))


@cache
def _chunks() -> tuple[Chunk, ...]:
    return tuple(chunk_corpus(_documents()))


def by_doc() -> dict[str, Document]:
    return {d.doc_id: d for d in _documents()}


def long_document() -> Document:
    """A synthetic document with a paragraph far beyond the window and one with no sentence breaks."""
    rng = random.Random(7)
    vocab = "nerve block pain buttock iliac crest fascia relief injection surgery sitting numbness".split()
    sentences = " ".join(" ".join(rng.choice(vocab) for _ in range(18)).capitalize() + "." for _ in range(60))
    run_on = " ".join(rng.choice(vocab) for _ in range(1200))
    raw = f"Long Test\nMany Sentences Here\n{sentences}\nOne Endless Sentence\n{run_on}\nShort\nDone.\n"
    return parse_document(raw, "long-test", "long-test.txt", title="Long Test")


def test_corpus_produces_a_reasonable_number_of_chunks() -> None:
    chunks = _chunks()
    assert 30 <= len(chunks) <= 300
    assert {c.doc_id for c in chunks} == set(by_doc())


def test_every_chunk_fits_the_model_window_by_the_model_tokenizer() -> None:
    for chunk in _chunks():
        assert count_tokens(chunk.embedding_text()) <= MAX_TOKENS, chunk.chunk_id
        assert chunk.n_tokens == count_tokens(chunk.embedding_text())


def test_oversized_paragraphs_are_split_to_fit_the_window() -> None:
    document = long_document()
    chunks = chunk_document(document)
    assert len(chunks) > 5
    for chunk in chunks:
        assert count_tokens(chunk.embedding_text()) <= MAX_TOKENS
        assert document.text[chunk.start : chunk.end] == chunk.text
    # Nothing is lost: every word of the document is in some chunk.
    covered = sorted((c.start, c.end) for c in chunks)
    words_in_chunks = " ".join(document.text[s:e] for s, e in covered).split()
    body_words = [
        w for b in document.blocks if b.kind != "heading" for w in document.text[b.start : b.end].split()
    ]
    assert words_in_chunks == body_words


def test_token_counter_counts_special_tokens_and_wordpieces() -> None:
    assert count_tokens("") == 2  # [CLS] [SEP]
    assert count_tokens("nerve") == 3
    assert count_tokens("thoracolumbar") > 3  # split into word pieces, not counted as one word


def test_chunk_text_is_verbatim_span_of_cleaned_document() -> None:
    documents = by_doc()
    for chunk in _chunks():
        document = documents[chunk.doc_id]
        assert document.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip()
        assert chunk.title == document.title


def test_chunk_never_crosses_a_section() -> None:
    documents = by_doc()
    for chunk in _chunks():
        inside = [b for b in documents[chunk.doc_id].blocks if b.start < chunk.end and b.end > chunk.start]
        assert inside
        assert {b.section for b in inside} == {chunk.section}, chunk.chunk_id
        assert all(b.kind != "heading" for b in inside), "a heading is the chunk's section, not its text"


def test_embedding_text_starts_with_the_section_path() -> None:
    chunk = next(
        c
        for c in _chunks()
        if c.section == ("4. Evidence-Based Treatment Ladder", "4.2 Image-Guided Nerve Blocks")
    )
    assert chunk.embedding_text() == (
        "4. Evidence-Based Treatment Ladder > 4.2 Image-Guided Nerve Blocks\n" + chunk.text
    )


def test_chunks_follow_document_order_without_overlap() -> None:
    for doc_id in by_doc():
        spans = [(c.start, c.end) for c in _chunks() if c.doc_id == doc_id]
        assert spans == sorted(spans)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))


def test_lead_in_line_stays_with_the_items_it_introduces() -> None:
    for chunk in _chunks():
        assert not chunk.text.endswith(":"), chunk.text[-80:]


def test_faq_question_and_answer_are_in_one_chunk() -> None:
    chunk = next(c for c in _chunks() if "Is it common in runners?" in c.text)
    assert "Long-distance runners with low body-fat" in chunk.text


def test_chunk_ids_are_stable_for_the_same_input() -> None:
    again = chunk_corpus(load_corpus(CORPUS_DIR))
    assert [c.chunk_id for c in again] == [c.chunk_id for c in _chunks()]
    ids = [c.chunk_id for c in _chunks()]
    assert len(ids) == len(set(ids))


def test_chunk_id_is_a_content_hash() -> None:
    assert chunk_id("doc", "some text") == chunk_id("doc", "some text")
    assert chunk_id("doc", "some text") != chunk_id("doc", "some text!")
    assert chunk_id("doc", "some text") != chunk_id("other", "some text")
    assert chunk_id("doc", "some text", 0) != chunk_id("doc", "some text", 1)


def test_editing_one_paragraph_changes_only_the_ids_of_chunks_containing_it() -> None:
    raw = (CORPUS_DIR / "cluneal-self-management.txt").read_text(encoding="utf-8")
    old_sentence = "Applying ice to the area of localized tenderness for 15 to 20 minutes"
    assert old_sentence in raw
    edited_raw = raw.replace(
        old_sentence, "Applying ice to the area of localized tenderness for 10 to 15 minutes"
    )
    before = chunk_document(parse_document(raw, "sm", "sm.txt", title="T"))
    after = chunk_document(parse_document(edited_raw, "sm", "sm.txt", title="T"))
    changed_before = {c.chunk_id for c in before if old_sentence in c.text}
    assert len(changed_before) == 1
    assert {c.chunk_id for c in before} - {c.chunk_id for c in after} == changed_before
    new_ids = {c.chunk_id for c in after} - {c.chunk_id for c in before}
    assert len(new_ids) == 1
    (new_chunk,) = [c for c in after if c.chunk_id in new_ids]
    assert "10 to 15 minutes" in new_chunk.text


def test_editing_one_document_leaves_other_documents_chunk_ids_alone() -> None:
    documents = list(_documents())
    overview = next(d for d in documents if d.doc_id == "cluneal-overview")
    edited = parse_document(
        (CORPUS_DIR / overview.source_file)
        .read_text(encoding="utf-8")
        .replace("electric jab", "electric stab"),
        overview.doc_id,
        overview.source_file,
        title=overview.title,
    )
    others = [d for d in documents if d.doc_id != overview.doc_id]
    assert [c.chunk_id for c in chunk_corpus(others)] == [
        c.chunk_id for c in _chunks() if c.doc_id != overview.doc_id
    ]
    changed = {c.chunk_id for c in chunk_document(edited)} ^ {
        c.chunk_id for c in _chunks() if c.doc_id == overview.doc_id
    }
    assert len(changed) == 2  # the old and the new version of the one chunk holding the edit


def test_smaller_target_gives_more_chunks_within_the_same_limit() -> None:
    # Blocks are packed up to the target; a block that fits the window is never split.
    document = by_doc()["cluneal-overview"]
    small = chunk_document(document, target_tokens=40)
    default = chunk_document(document)
    assert len(small) > len(default)
    assert all(c.n_tokens <= MAX_TOKENS for c in small)


@pytest.mark.parametrize("target", [0, -1, MAX_TOKENS + 1])
def test_invalid_target_tokens_is_a_config_error_stating_the_value(target: int) -> None:
    with pytest.raises(ConfigError, match=f"Currently, it is {target}"):
        chunk_document(by_doc()["cluneal-overview"], target_tokens=target)


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_split_sentences_keeps_faq_question_with_its_answer() -> None:
    text = "Is it common in runners? Long-distance runners with low body-fat are at higher risk. Rest helps."
    assert sentences(text) == [
        "Is it common in runners? Long-distance runners with low body-fat are at higher risk.",
        "Rest helps.",
    ]


def test_split_sentences_does_not_split_on_eg() -> None:
    text = "Avoid some moves, e.g. Lumbar extension or bending. Then rest."
    assert sentences(text) == ["Avoid some moves, e.g. Lumbar extension or bending.", "Then rest."]


def test_split_sentences_does_not_split_on_eg_inside_brackets() -> None:
    text = "Use provocative maneuvers (e.g. Lumbar extension or bending). Then rest."
    assert sentences(text) == ["Use provocative maneuvers (e.g. Lumbar extension or bending).", "Then rest."]


def test_split_sentences_does_not_split_on_initials_or_titles() -> None:
    text = "The article by David S. Klein explains it. Dr. Klein treats the nerve. It helps."
    assert sentences(text) == [
        "The article by David S. Klein explains it.",
        "Dr. Klein treats the nerve.",
        "It helps.",
    ]


def test_split_sentences_does_not_split_after_a_section_number() -> None:
    assert sentences("8. FAQs in Patient Language") == ["8. FAQs in Patient Language"]
    assert sentences("4.1 First-Line: Conservative Measures") == ["4.1 First-Line: Conservative Measures"]


def test_split_sentences_splits_each_line_and_offsets_spans() -> None:
    text = "First line. Second sentence.\nNext line."
    spans = split_sentences(text, offset=100)
    assert [text[a - 100 : b - 100] for a, b in spans] == ["First line.", "Second sentence.", "Next line."]
    assert spans[0][0] == 100


def test_split_sentences_ignores_blank_lines() -> None:
    assert sentences("One.\n\n   \nTwo.") == ["One.", "Two."]
