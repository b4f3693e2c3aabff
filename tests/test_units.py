"""Answer units: every sentence and list item of a chunk is quotable, verbatim."""

from __future__ import annotations

from assistant.chunk import chunk_document
from assistant.ingest import parse_document
from assistant.units import Unit, units_for_chunk

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
