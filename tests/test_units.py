"""Answer units: every sentence and list item of a chunk is quotable, verbatim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.chunk import chunk_document
from assistant.embed import HashEmbeddings
from assistant.ingest import parse_document
from assistant.units import Unit, UnitIndex, units_for_chunk

DOC = """Guide

Self-care toolkit
- Soft waistband and avoid tight belts.
- Lumbar support cushion while sitting.
- Foam-roller release twice daily.

Typical causes:
- Blunt trauma
- Long car rides

Blocks help many people. They can be repeated when the relief is temporary.
"""


def _units() -> tuple[str, list[Unit]]:
    doc = parse_document(DOC, "guide", "guide.txt", title="Guide")
    units = [
        u
        for chunk in chunk_document(doc, counter=lambda t: len(t.split()))
        for u in units_for_chunk(doc, chunk)
    ]
    return doc.text, units


def test_a_bullet_list_without_lead_in_keeps_its_first_item() -> None:
    _, units = _units()
    lists = [u for u in units if u.is_list and not u.lead]
    assert lists and lists[0].items[0] == "Soft waistband and avoid tight belts."
    assert len(lists[0].items) == 3


def test_a_lead_in_stays_with_its_list() -> None:
    _, units = _units()
    causes = next(u for u in units if u.lead)
    assert causes.lead == "Typical causes:" and causes.items == ("Blunt trauma", "Long car rides")


def test_every_unit_is_a_verbatim_span_and_no_line_is_lost() -> None:
    text, units = _units()
    assert all(text[u.start : u.end] == u.text for u in units)
    quoted = " ".join(u.text for u in units)
    for line in ("Soft waistband", "Foam-roller", "Blunt trauma", "Blocks help", "They can be repeated"):
        assert line in quoted


class _CountingEmbeddings(HashEmbeddings):
    """The hash fake, counting the texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return super().embed_documents(texts)


def _corpus(tmp_path: Path, extra: bool = False) -> tuple[list[Any], list[Any]]:
    docs = [parse_document(DOC, "guide", "guide.txt", title="Guide")]
    if extra:
        docs.append(
            parse_document(
                "Extra\n\nA new page about seat cushions. It has two sentences.\n", "extra", "extra.txt"
            )
        )
    chunks = [c for d in docs for c in chunk_document(d, counter=lambda t: len(t.split()))]
    return docs, chunks


def test_unit_embeddings_are_cached_and_only_new_units_are_embedded(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _CountingEmbeddings()
    docs, chunks = _corpus(tmp_path)
    index = UnitIndex(docs, chunks, first, cache)
    assert len(first.embedded) == len({u.text for u in index.units})

    again = _CountingEmbeddings()
    reloaded = UnitIndex(docs, chunks, again, cache)
    assert again.embedded == [] and np.array_equal(reloaded.vectors, index.vectors)

    grown = _CountingEmbeddings()
    docs, chunks = _corpus(tmp_path, extra=True)
    bigger = UnitIndex(docs, chunks, grown, cache)
    assert sorted(grown.embedded) == ["A new page about seat cushions.", "It has two sentences."]
    expected = np.asarray(HashEmbeddings().embed_documents([u.text for u in bigger.units]), dtype=np.float32)
    assert np.allclose(bigger.vectors, expected)


def test_an_unreadable_unit_cache_is_recomputed_not_trusted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    docs, chunks = _corpus(tmp_path)
    UnitIndex(docs, chunks, HashEmbeddings(), cache)
    (cached,) = cache.glob("units-*.npz")
    cached.write_bytes(b"not a numpy file")
    counting = _CountingEmbeddings()
    index = UnitIndex(docs, chunks, counting, cache)
    assert counting.embedded and "unreadable" in caplog.text
    expected = np.asarray(HashEmbeddings().embed_documents([u.text for u in index.units]), dtype=np.float32)
    assert np.allclose(index.vectors, expected)
    assert not list(cache.glob("*.tmp"))


def test_withheld_sentences_and_items_are_never_answer_units() -> None:
    raw = "Guide\n\nTips\n- Rest well.\n- Sciatica reaches the toes.\n- Use a cushion.\n\nBlocks help. Blocks cure everyone. Ice helps.\n"
    doc = parse_document(
        raw, "g", "g.txt", title="Guide", withheld=["Blocks cure everyone.", "Sciatica reaches the toes."]
    )
    units = [
        u for c in chunk_document(doc, counter=lambda t: len(t.split())) for u in units_for_chunk(doc, c)
    ]
    quoted = " ".join(u.text for u in units)
    assert "Blocks help." in quoted and "Ice helps." in quoted and "Rest well." in quoted
    assert "cure everyone" not in quoted and "toes" not in quoted
    assert "Blocks cure everyone." in doc.text  # still part of the verbatim text


def test_a_sentence_announcing_what_follows_brings_the_next_sentence() -> None:
    from assistant.answer import _complete_announcements
    from assistant.records import Passage

    raw = "Guide\n\nFlares\nWhen pain flares, several techniques can help. Ice the sore spot for fifteen minutes. Rest well.\n"
    doc = parse_document(raw, "g", "g.txt", title="Guide")
    chunks = chunk_document(doc, counter=lambda t: len(t.split()))
    index = UnitIndex([doc], chunks, HashEmbeddings())
    passage = Passage(chunks[0], 1.0)
    lead = next(i for i, u in enumerate(index.units) if u.text.startswith("When pain flares"))
    completed = _complete_announcements([(lead, passage)], index, {lead: 1.0}, max_units=4)
    assert [index.units[u].text for u, _ in completed] == [
        "When pain flares, several techniques can help.",
        "Ice the sore spot for fifteen minutes.",
    ]
    # Full: the weakest other sentence makes room; the announcement is never left alone.
    other = next(i for i, u in enumerate(index.units) if u.text == "Rest well.")
    full = _complete_announcements(
        [(lead, passage), (other, passage)], index, {lead: 1.0, other: 0.5}, max_units=2
    )
    assert [index.units[u].text for u, _ in full][-1] == "Ice the sore spot for fifteen minutes."
    assert len(full) == 2
    # Full, and the announcement is itself the weakest: it goes, rather than a better sentence.
    weakest_lead = _complete_announcements(
        [(other, passage), (lead, passage)], index, {lead: 0.3, other: 0.5}, max_units=2
    )
    assert [index.units[u].text for u, _ in weakest_lead] == ["Rest well."]
