"""Answer stage (embedded default, no LLM): compose an answer from cited corpus units.

Only corpus text and the fixed, reviewed phrases in ``assistant.prompts`` appear in an
answer, so nothing can be made up. Every unit is followed by its citation marker ``[n]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant import prompts
from assistant.lexical import BM25Index, tokenize, weighted_query
from assistant.records import Citation, Passage
from assistant.units import Unit, UnitIndex

MIN_PASSAGES_CONSIDERED = 4
REDUNDANT_COSINE = 0.82
# Two symptom lists share most of their words ("numbness", "pain", "tingling") and so sit close
# in meaning even when one is about this condition and the other about nerve entrapment in
# general: lists are redundant only when nearly the same.
REDUNDANT_LISTS_COSINE = 0.9
RELATIVE_FLOOR = 0.72  # a unit must score at least this share of the best unit
MIN_UNIT_WORDS = 3
SOURCE_FLOOR = 0.4  # a passage's best unit joins the answer if it scores 0.4 of the best unit
# The first two units always join; later ones only while the answer stays within the word
# budget (ASSISTANT_MAX_ANSWER_WORDS), so a fifth source can be cited without a long answer.
ALWAYS_TAKEN = 2
# A neighbouring condition one document describes for comparison: its symptoms are not this
# condition's, so they are quoted only when the question names it ("can I still run?" was
# answered with the superior gluteal nerve's symptom list).
OTHER_SUBJECT = re.compile(r"\bsuperior gluteal\b|\bSGNE\b|\bgluteal nerve\b", re.IGNORECASE)
# Words that turn a question around ("what should I avoid", "what makes it worse") count double
# in choosing sentences, so the answer says what to avoid rather than what helps.
POLARITY_TERMS = frozenset({"avoid", "wors", "aggravat", "exacerbat"})  # stemmed
POLARITY_BOOST = 2.0
# A list cut to fit the answer keeps the items that match the question at least half as well as
# the best item ("pain" alone does not keep an item when "tingling or numbness" is asked about).
CUT_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Selection:
    """Units chosen for an answer, each with the passage it came from."""

    units: list[tuple[Unit, Passage]]
    best_score: float


def _term_weights(query: str, idf: BM25Index) -> dict[str, float]:
    """The query's terms weighted by rarity; lay-term expansions count as they do in BM25.

    Scoring units with the expansions too ("will it go away" -> recovery) lifted gold evidence
    in the answers' citations from 93.9% to 94.9% of answerable eval questions.
    """
    weights = {t: w * max(idf.idf(t), 0.1) for t, w in weighted_query(query).items()}
    for term in POLARITY_TERMS & weights.keys():
        weights[term] *= POLARITY_BOOST
    return weights


def select_units(
    query: str,
    query_vector: np.ndarray,
    passages: Sequence[Passage],
    unit_index: UnitIndex,
    idf: BM25Index,
    max_units: int,
    max_words: int | None = None,
) -> Selection:
    """Choose the units that answer the query: relevant, covering its parts, not redundant.

    Args:
        query: The (rewritten) question.
        query_vector: Its unit-length embedding.
        passages: Retrieved passages, best first.
        unit_index: Units and their embeddings.
        idf: BM25 statistics, to weight the query's terms.
        max_units: Most units to choose.
        max_words: Word budget: beyond the first two units, a unit joins only if the chosen
            units stay within it (``None``: no budget).

    Returns:
        The chosen units in selection order, and the best unit's score.
    """
    weights = _term_weights(query, idf)
    total = sum(weights.values()) or 1.0
    candidates: list[tuple[float, int, Passage]] = []
    names_other = bool(OTHER_SUBJECT.search(query))
    # Answers may draw on as many passages as they have sentences (ASSISTANT_MAX_ANSWER_SENTENCES),
    # so a longer setting also cites more widely; sentences are chosen from one passage more than
    # there are sentences, and at least the top four (a sixth passage joins a five-sentence
    # answer when one of the first five adds nothing: 1,031 -> 1,033 of 1,088 answerable
    # questions with gold evidence cited, against the top five).
    considered = passages[: max(max_units + 1, MIN_PASSAGES_CONSIDERED)]
    for rank, passage in enumerate(considered):
        section_is_other = bool(OTHER_SUBJECT.search(passage.chunk.section_path))
        for u in unit_index.by_chunk.get(passage.chunk.chunk_id, []):
            unit = unit_index.units[u]
            if len(unit.text.split()) < MIN_UNIT_WORDS and not unit.is_list:
                continue
            if not names_other and (section_is_other or OTHER_SUBJECT.search(unit.text)):
                continue
            dense = float(unit_index.vectors[u] @ query_vector)
            lexical = sum(w for t, w in weights.items() if t in unit_index.tokens[u]) / total
            prior = 1.0 / (1.0 + 0.35 * rank)
            candidates.append((0.55 * dense + 0.35 * lexical + 0.10 * prior, u, passage))
    if not candidates:
        return Selection([], 0.0)
    candidates.sort(key=lambda c: -c[0])
    best = candidates[0][0]
    chosen: list[tuple[int, Passage]] = []
    covered: set[str] = set()
    shown: dict[int, Unit] = {}  # lists cut to fit the word budget

    def tokens_of(u: int, unit: Unit) -> set[str]:
        return set(tokenize(" ".join(unit.quotes))) if unit.partial else unit_index.tokens[u]

    def take(u: int, passage: Passage, unit: Unit) -> None:
        chosen.append((u, passage))
        if unit.partial:
            shown[u] = unit
        covered.update(tokens_of(u, unit) & weights.keys())

    def fitting(u: int) -> Unit | None:
        """The unit as it fits the word budget: whole, cut to its items on the question, or not."""
        unit = unit_index.units[u]
        if max_words is None or len(chosen) < ALWAYS_TAKEN:
            return unit
        room = max_words - sum(shown.get(c, unit_index.units[c]).words for c, _ in chosen)
        if unit.words <= room:
            return unit
        cut = _cut_list(unit, weights)
        return cut if cut is not None and cut.words <= room else None

    # 1. Each of the top passages contributes its best unit, so the answer draws on several
    #    sources (as a careful reader would) rather than one passage's neighbouring sentences.
    for passage in considered:
        own = [c for c in candidates if c[2] is passage]
        fits = own and own[0][0] >= SOURCE_FLOOR * best and len(chosen) < max_units
        if fits and not any(_redundant(unit_index, own[0][1], c) for c, _ in chosen):
            shown_as = fitting(own[0][1])
            if shown_as is not None:
                take(own[0][1], passage, shown_as)
    # 2. Fill up with the best remaining units that add something.
    for score, u, passage in candidates:
        if len(chosen) >= max_units or score < RELATIVE_FLOOR * best:
            break
        if any(c == u or _redundant(unit_index, u, c) for c, _ in chosen):
            continue
        shown_as = fitting(u)
        if shown_as is None:
            continue
        if not (tokens_of(u, shown_as) & weights.keys()) - covered:
            continue  # adds nothing the answer does not already cover
        take(u, passage, shown_as)
    score_of = {u: sc for sc, u, _ in candidates}
    chosen.sort(key=lambda up: -score_of[up[0]])
    chosen = _complete_announcements(chosen, unit_index, score_of, max_units)
    return Selection([(shown.get(u, unit_index.units[u]), p) for u, p in chosen], best)


def _cut_list(unit: Unit, weights: dict[str, float]) -> Unit | None:
    """A list too long for the answer, cut to the items that best match the question's words.

    "Is tingling part of this?" may quote "Tingling or numbness in the affected area" from a
    list of eight symptoms when the whole list would not fit; the sources panel has the rest.

    Returns:
        The cut list (its lead and those items, in document order), or None when no item, or
        every item, matches.
    """
    if not unit.is_list:
        return None
    scores = [sum(weights.get(t, 0.0) for t in set(tokenize(item))) for item in unit.items]
    best = max(scores)
    keep = tuple(item for item, sc in zip(unit.items, scores, strict=True) if sc and sc >= CUT_SHARE * best)
    if not keep or len(keep) == len(unit.items):
        return None
    return replace(unit, items=keep, partial=True)


# A sentence announcing what follows ("several self-management techniques can help") says
# little on its own: the sentence after it in the same passage joins the answer with it.
_ANNOUNCES = re.compile(
    r"\b(?:several|the following|a few|a number of|various|many|some)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:techniques|strategies|options|steps|ways|measures|methods|treatments|approaches|"
    r"exercises|tips|changes|things)\b",
    re.IGNORECASE,
)


def _complete_announcements(
    chosen: list[tuple[int, Passage]], unit_index: UnitIndex, score: dict[int, float], max_units: int
) -> list[tuple[int, Passage]]:
    """Add the sentence that follows each announcing sentence, dropping the weakest if full."""
    result = list(chosen)
    for u, passage in chosen:
        unit = unit_index.units[u]
        if unit.is_list or not _ANNOUNCES.search(unit.text):
            continue
        siblings = unit_index.by_chunk.get(passage.chunk.chunk_id, [])
        position = siblings.index(u) if u in siblings else -1
        if position < 0 or position + 1 >= len(siblings):
            continue
        follower = siblings[position + 1]
        if any(f == follower for f, _ in result):
            continue
        if len(result) >= max_units:
            weakest = min(
                (up for up in result if up[0] != u), key=lambda up: score.get(up[0], 0.0), default=None
            )
            if weakest is None:
                continue
            if score.get(u, 0.0) <= score.get(weakest[0], 0.0):
                # The announcement is the answer's weakest sentence: it goes, rather than a
                # better one making room for it ("if I leave it, will it get worse?").
                result.remove((u, passage))
                continue
            result.remove(weakest)
        result.append((follower, passage))
    return result


def _redundant(unit_index: UnitIndex, a: int, b: int) -> bool:
    """Whether two units say the same thing: close in meaning, about the same nerves and numbers.

    "The most commonly damaged ... is the Superior Cluneal Nerve group" and "Injury to the
    Inferior Cluneal Nerve is the next most common" are close in meaning (cosine 0.86) but
    answer "which one is hurt most?" differently, so both may be quoted.
    """
    lists = unit_index.units[a].is_list and unit_index.units[b].is_list
    if float(unit_index.vectors[a] @ unit_index.vectors[b]) < (
        REDUNDANT_LISTS_COSINE if lists else REDUNDANT_COSINE
    ):
        return False
    return _specifics(unit_index.tokens[a]) == _specifics(unit_index.tokens[b])


# Words that tell apart statements otherwise alike: the nerve groups, and numbers.
_GROUPS = frozenset({"superior", "middl", "middle", "inferior", "scn", "mcn", "icn"})


def _specifics(tokens: set[str]) -> frozenset[str]:
    return frozenset(t for t in tokens if t in _GROUPS or any(c.isdigit() for c in t))


def number_citations(
    selection: Sequence[tuple[Unit, Passage]],
) -> tuple[list[tuple[Unit, int]], list[Citation]]:
    """Give each cited passage a number, in order of first use, and order units readably.

    Units are grouped by passage (in the order passages are first used) and kept in
    document order within a passage.
    """
    numbers: dict[str, int] = {}
    passages: dict[str, Passage] = {}
    for _, passage in selection:
        cid = passage.chunk.chunk_id
        if cid not in numbers:
            numbers[cid] = len(numbers) + 1
            passages[cid] = passage
    ordered = sorted(selection, key=lambda up: (numbers[up[1].chunk.chunk_id], up[0].start))
    quotes: dict[str, list[str]] = {}
    for unit, passage in ordered:
        quotes.setdefault(passage.chunk.chunk_id, []).extend(unit.quotes)
    citations = [
        Citation(
            n=n,
            source=passages[cid].chunk.doc_id,
            title=passages[cid].chunk.title,
            chunk_id=cid,
            text=passages[cid].chunk.text,
            section=passages[cid].chunk.section_path,
            quotes=tuple(quotes[cid]),
        )
        for cid, n in numbers.items()
    ]
    return [(u, numbers[p.chunk.chunk_id]) for u, p in ordered], citations


def render_unit(unit: Unit, n: int) -> str:
    """A unit with its citation marker: a sentence, or a lead-in and its list."""
    if unit.is_list:
        lead = " ".join(unit.lead.split("\n"))
        items = "\n".join(f"- {item}" for item in unit.items)
        return f"{lead} [{n}]\n{items}" if lead else f"[{n}]\n{items}"
    return f"{unit.text} [{n}]"


def render_answer(numbered: Sequence[tuple[Unit, int]], intro: str = prompts.INTRO) -> str:
    """The answer text: a fixed intro, then each unit with its marker."""
    body: list[str] = []
    prose: list[str] = []
    for unit, n in numbered:
        if unit.is_list:
            if prose:
                body.append(" ".join(prose))
                prose = []
            body.append(render_unit(unit, n))
        else:
            prose.append(render_unit(unit, n))
    if prose:
        body.append(" ".join(prose))
    return "\n\n".join([intro, *body]) if intro else "\n\n".join(body)
