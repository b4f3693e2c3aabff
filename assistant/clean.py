"""Line-level cleaning rules for scraped patient documents (the corpus files stay verbatim).

Each rule is a small function with its own tests; ``ingest`` applies them while it
recognises the document's structure.
"""

from __future__ import annotations

import re
import unicodedata

# A web-scrape reference marker glued to a sentence end: "normal.NCBI+1",
# "side).Pain Physician", "options.Neurospine+2wpain.com.au+2". It runs to the end of the
# line, follows closing punctuation with no space, and is made only of source names
# (capitalised words or domains) and "+N" counts, so real words are never eaten.
_SOURCE_WORD = r"(?:[A-Z][\w\-]+(?:\.[\w\-]+)*|[a-z][\w\-]*(?:\.[a-z]{2,})+)"
_SOURCE_NAME = rf"{_SOURCE_WORD}(?: {_SOURCE_WORD})*"
_MARKER_RE = re.compile(rf"(?<=[.!?)\]”\"’])(?:{_SOURCE_NAME}(?:\+\d+)?)+\s*$")
_PLUS_COUNT_RE = re.compile(r"\+\d+")
_SOURCE_SHAPED_RE = re.compile(r"^(?:[A-Z]{3,}|[A-Z][a-z]+[A-Z]\w*)$")

# Numbered in-text references "(1)" to "(99)" with no reference list: "crest (1)." -> "crest."
_NUMERIC_REF_RE = re.compile(r"(?:\s+|(?<=[.,;:!?]))\(\d{1,2}\)(?=[\s.,;:]|$)")

_EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]+\\s*",
)

_BYLINE_RE = re.compile(
    r",\s*(?:MD|M\.D\.|DO|PhD|MBBS|DPT|PT|RN|NP|PA-C|FACA|FACPM|FRCS)\b"
    r"|\b\d+\s+(?i:min|minute)s?\s+(?i:read)\b"
    r"|\b\d+\s+(?i:second|minute|hour|day|week|month|year)s?\s+(?i:ago)\b"
    r"|^(?:By|Written by|Reviewed by)\s+[A-Z][a-z]+"
    r"|^(?:Updated|Published|Posted)\b.{0,20}\d{4}"
    r"|^(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}$",
)
BYLINE_MAX_WORDS = 12

_FOOTER_RE = re.compile(
    r"^(?i:tel|phone|fax|call|email|e-mail)\s*[:.]"
    r"|\b\d{3}[-.\s)]+\d{3}[-.\s]\d{4}\b"
    r"|^\d{1,6}\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*\s+"
    r"(?:Circle|Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Drive|Lane|Way|Court|Parkway)\b"
    r"|\bSuite\s+\d+\b"
    r"|^[A-Z][A-Za-z .]+,\s*[A-Z][A-Za-z]+\s+\d{5}(?:-\d{4})?$",
)
_REFERENCES_HEADING_RE = re.compile(
    r"^(?:references|sources|bibliography|works cited|citations)\s*:?$", re.IGNORECASE
)
_BREADCRUMB_RE = re.compile(r"^(?:[A-Z][a-z]+){2,}$")
_CAMEL_BOUNDARY_RE = re.compile(r"(?<=[a-z)])(?=[A-Z])")
_PIPE_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def strip_reference_markers(line: str) -> str:
    """Remove web-scrape source markers glued to the end of a sentence.

    Args:
        line: One line of a document.

    Returns:
        The line without a trailing marker such as ``NCBI+1`` or ``Pain Physician``.
    """
    match = _MARKER_RE.search(line)
    if not match:
        return line
    marker = match.group(0).strip()
    # A marker is counted ("+1"), several source words, or one word shaped like a source
    # name (NCBI, SpringerOpen); a plain capitalised word glued after a full stop ("It was
    # fine.Then") could be prose, so it stays.
    if not (_PLUS_COUNT_RE.search(marker) or " " in marker or _SOURCE_SHAPED_RE.match(marker)):
        return line
    return line[: match.start()].rstrip()


def strip_numeric_references(line: str) -> str:
    """Remove numbered in-text references such as ``(1)`` that have no reference list."""
    return _NUMERIC_REF_RE.sub("", line)


def strip_emoji(line: str) -> str:
    """Remove decorative emoji (and their joiners) that scraped pages put before tips."""
    return _EMOJI_RE.sub("", line)


def clean_line(line: str) -> str:
    """Apply every inline cleaning rule to one line and normalise its spacing."""
    line = unicodedata.normalize("NFC", line).replace("\u00a0", " ")
    line = strip_emoji(line)
    line = strip_reference_markers(line.rstrip())
    line = strip_numeric_references(line)
    return re.sub(r"[ \t]+", " ", line).strip()


def is_byline(line: str) -> bool:
    """Whether a line near the top is an author, date or reading-time byline."""
    text = line.lstrip("-•* ").strip()
    return len(text.split()) <= BYLINE_MAX_WORDS and bool(_BYLINE_RE.search(text))


def is_footer(line: str) -> bool:
    """Whether a short line is a clinic address, phone or fax line."""
    return len(line) < 90 and bool(_FOOTER_RE.search(line))


def is_references_heading(line: str) -> bool:
    """Whether a line opens a reference list."""
    return bool(_REFERENCES_HEADING_RE.match(line))


def is_breadcrumb(line: str) -> bool:
    """Whether a line is a scraped navigation breadcrumb such as ``HomeEducation``."""
    return bool(_BREADCRUMB_RE.match(line))


def is_pipe_separator(line: str) -> bool:
    """Whether a line is a Markdown table separator such as ``---|---|``."""
    return bool(_PIPE_SEPARATOR_RE.match(line))


def split_pipe_row(line: str) -> list[str] | None:
    """Split a pipe-table row into cells, or return None when the line is not one."""
    if line.count("|") < 2:
        return None
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return cells if len(cells) >= 2 and all(cells) else None


def split_flattened_row(line: str) -> list[str]:
    """Split a table row whose cells were glued together by a scraper.

    ``ConditionSensory InvolvementLocation of Pain`` has lost its separators; a lowercase
    letter (or closing bracket) directly followed by a capital marks a cell boundary.
    """
    return [c.strip() for c in _CAMEL_BOUNDARY_RE.split(line) if c.strip()]


def render_table_row(header: list[str], cells: list[str]) -> str:
    """Flatten a table row into one readable, answerable sentence.

    The first cell names the row; the others are labelled with their column headers.
    """
    parts = [f"{h}: {c}" for h, c in zip(header[1:], cells[1:], strict=False)]
    lead = cells[0].rstrip(".")
    return f"{lead} — {'; '.join(parts)}." if parts else f"{lead}."
