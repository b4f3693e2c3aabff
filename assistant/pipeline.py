"""The assistant: every stage wired in order. Guard first, then scope, retrieval and answer.

``Assistant.ask`` is the one code path used by the CLI, the web app, the API and the evals.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant import answer as compose
from assistant import prompts
from assistant.audit import AuditLog
from assistant.chunk import chunk_corpus
from assistant.conversation import (
    MAX_QUESTION_CHARS,
    Turn,
    parse_history,
    rewrite,
    user_messages,
    validate_question,
)
from assistant.disagreement import corpus_disagreements, find_disagreements
from assistant.embed import make_embedder
from assistant.guard import Guard, TriageDecision
from assistant.ingest import load_corpus
from assistant.lexical import BM25Index, dense_query, load_lay_terms, stem, words
from assistant.records import Answer, Chunk, Citation, Document, Passage
from assistant.relevance import RelevanceGate
from assistant.rerank import Reranker
from assistant.retrieve import HybridSearch, Mode
from assistant.scope import classify
from assistant.screen import RULE_ID, RedFlagScreen
from assistant.settings import Settings
from assistant.spelling import EnglishWords, QuerySpeller
from assistant.store import IndexStatus, SyncReport, VectorIndex
from assistant.units import UnitIndex

log = logging.getLogger(__name__)

VECTOR_CACHE_SIZE = 64
SMALL_TALK = {"greeting": prompts.GREETING, "thanks": prompts.THANKS, "goodbye": prompts.GOODBYE}


def tqdm_progress(total: int, description: str) -> Any:
    """A progress bar on stderr (the JSON contract keeps stdout clean)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="text", file=sys.stderr, leave=False)


@dataclass
class Corpus:
    """The cleaned documents and their chunks."""

    documents: list[Document]
    chunks: list[Chunk]
    by_doc: dict[str, Document] = field(init=False)

    def __post_init__(self) -> None:
        self.by_doc = {d.doc_id: d for d in self.documents}


def build_index(settings: Settings, rebuild: bool = False, progress: bool = True) -> SyncReport:
    """Build or update the index incrementally (``python -m assistant index``)."""
    from assistant.store import remove_local_index

    if rebuild and not settings.uses_server:
        remove_local_index(settings.index_dir)
    corpus = Corpus(documents := load_corpus(settings.corpus_dir), chunk_corpus(documents))
    embedder = make_embedder(settings.embedder)
    index = VectorIndex(settings, embedder, embedder.name)
    if rebuild and settings.uses_server:
        index.clear()
    return index.sync(corpus.chunks, tqdm_progress if progress else None)


class Assistant:
    """Loads models and the index once; answers many questions."""

    def __init__(self, settings: Settings, embeddings: Any | None = None, progress: bool = True) -> None:
        """Load the corpus, open (and if needed build or refresh) the index, load the models.

        Args:
            settings: The settings.
            embeddings: An embedder to use instead of the one named in the settings (tests).
            progress: Show a progress bar when the index has to be built.
        """
        started = time.perf_counter()
        self.settings = settings
        self.corpus = Corpus(documents := load_corpus(settings.corpus_dir), chunk_corpus(documents))
        self.embeddings = embeddings if embeddings is not None else make_embedder(settings.embedder)
        self.embedding_model: str = getattr(self.embeddings, "name", type(self.embeddings).__name__)
        self._vector_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.index = VectorIndex(settings, self.embeddings, self.embedding_model)
        if not self.index.is_current(self.corpus.chunks):
            state = "missing" if self.index.status() is None else "out of date"
            log.warning("Index %s at %s: building it now.", state, self.index.location)
            report = self.index.sync(self.corpus.chunks, tqdm_progress if progress else None)
            log.warning("Index ready: %s.", report.summary())
        cache = None if settings.uses_server else settings.index_dir / "cache"
        self.units = UnitIndex(
            self.corpus.documents,
            self.corpus.chunks,
            self.embeddings,
            cache,
            progress=tqdm_progress if progress else None,
        )
        self.idf = BM25Index().fit([c.text for c in self.corpus.chunks])
        self.search = HybridSearch(
            self.corpus.chunks,
            self.index,
            self._chunk_vectors(),
            Reranker(self.units, self.idf),
            sentences=self.units,
        )
        self.disagreements = corpus_disagreements(self.units.units)
        self.vocabulary = {w for c in self.corpus.chunks for w in words(c.embedding_text())}
        # The corpus's words and their stems: a follow-up's subject may use another form of one.
        self.topical = self.vocabulary | {stem(w) for w in self.vocabulary}
        self.gate = RelevanceGate(self.vocabulary)
        self.speller = self._make_speller()
        self.guard = Guard(emergency_number_text=settings.emergency_number_text)
        self.screen = self._load_screen()
        self.audit = AuditLog(settings.audit_log, store_text=settings.audit_store_text)
        self.generator: Any = None
        if settings.generator != "extractive":
            from assistant.generate import make_generator

            self.generator = make_generator(settings, self)
        log.info("Assistant ready in %.1fs.", time.perf_counter() - started)

    def _make_speller(self) -> QuerySpeller:
        """Corrects questions' misspelt words to corpus words (English words are left alone)."""
        known = EnglishWords(self.topical | {w for key in load_lay_terms() for w in key})
        return QuerySpeller((w for c in self.corpus.chunks for w in words(c.text)), known, stem)

    def _load_screen(self) -> RedFlagScreen | None:
        """The learned red-flag screen, when it is on and fitted for this embedding model."""
        if not self.settings.redflag_screen:
            return None
        screen = RedFlagScreen.load()
        if screen.model != self.embedding_model:
            log.info(
                "Red-flag screen off: its weights are for %s, the embedder is %s.",
                screen.model,
                self.embedding_model,
            )
            return None
        return screen

    def _chunk_vectors(self) -> np.ndarray:
        ids = [c.chunk_id for c in self.corpus.chunks]
        got = self.index.collection.get(ids=ids, include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"], strict=False))
        return np.asarray([by_id[i] for i in ids], dtype=np.float32)

    def status(self) -> IndexStatus | None:
        """What the index holds."""
        return self.index.status()

    def embed(self, text: str) -> np.ndarray:
        """A query's unit-length embedding."""
        return self.embed_many([text])[0]

    def embed_many(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings of texts, one forward pass for those not embedded lately.

        The red-flag screen embeds a message before the answer stage embeds the same text as
        its query: the last ``VECTOR_CACHE_SIZE`` texts are remembered, so that costs one pass.
        """
        known = {t: self._vector_cache[t] for t in texts if t in self._vector_cache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            vectors = np.asarray(self.embeddings.embed_documents(missing), dtype=np.float32)
            known.update(zip(missing, vectors, strict=True))
        for text in texts:
            self._vector_cache[text] = known[text]
            self._vector_cache.move_to_end(text)
        while len(self._vector_cache) > VECTOR_CACHE_SIZE:
            self._vector_cache.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def embed_question(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """The question's own embedding, and the one dense search uses (lay terms spelt out).

        Both come from one forward pass. The expansions only find passages: the relevance gate
        and the choice of answer sentences keep the question's own embedding, so spelling out
        "leg" as "thigh" cannot bring an off-topic question closer, and "what exercises should
        I avoid?" still quotes what to avoid rather than the exercises "exercise" expands to.
        """
        searched = dense_query(query)
        if searched == query:
            vector = self.embed(query)
            return vector, vector
        both = self.embed_many([query, searched])
        return both[0], both[1]

    def retrieve(
        self,
        query: str,
        k: int | None = None,
        mode: Mode | None = None,
        query_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        """The best passages for a query (the front desk's passage finder uses this)."""
        mode = mode or self.settings.retrieval_mode  # type: ignore[assignment]
        if query_vector is None and mode != "bm25":
            query_vector = self.embed(dense_query(query))
        return self.search.search(query, query_vector, k or self.settings.top_k, mode)  # type: ignore[arg-type]

    def ask(self, question: Any, history: Any = None) -> Answer:
        """Answer one user turn.

        Args:
            question: The user's message.
            history: Earlier turns in the CLI batch format (strings or role/content dicts).

        Returns:
            The answer, with triage, citations and whether it abstained.

        Raises:
            InputError: The question or history is malformed (message safe to show).
        """
        started = time.perf_counter()
        turns = parse_history(history)
        raw = question if isinstance(question, str) else None
        # The guard sees every message first, even one too long to answer.
        decision = self.triage(raw, user_messages(turns)) if raw is not None else None
        try:
            text = validate_question(question)
        except Exception:
            if decision is not None and decision.level != "routine":
                return self._escalate(decision, raw or "", started)
            raise
        assert decision is not None
        if decision.level != "routine":
            return self._escalate(decision, text, started)
        result = self._answer(text, turns)
        result.timings_ms["total"] = (time.perf_counter() - started) * 1000
        return result

    def triage(self, message: str, history: Sequence[str] = ()) -> TriageDecision:
        """The guard's rules, then (if they find nothing) the learned red-flag screen.

        The screen reads only the new message (a red flag raised earlier in the conversation
        was escalated when it was said, and the rules keep it raised), and skips small talk.
        """
        decision = self.guard.check(message, history)
        if decision.level != "routine" or self.screen is None or not message.strip():
            return decision
        if classify(message).intent in SMALL_TALK:  # "thank you, goodbye!" needs no second look
            return decision
        verdict = self.screen.check(message[:MAX_QUESTION_CHARS], self.embed_many)
        if verdict.level == "routine":
            return decision
        return TriageDecision(
            verdict.level,
            (RULE_ID,),
            (verdict.category,),
            self.guard.alert(verdict.level, [verdict.category]),
        )

    def _escalate(self, decision: TriageDecision, text: str, started: float) -> Answer:
        self.audit.record(decision, text)
        return Answer(
            answer=decision.message,
            triage=decision.level,
            abstained=True,
            intent="triage",
            triage_rules=list(decision.rule_ids),
            timings_ms={"total": (time.perf_counter() - started) * 1000},
        )

    def _answer(self, text: str, turns: Sequence[Turn]) -> Answer:
        intent = classify(text).intent
        if intent in SMALL_TALK:
            return Answer(answer=SMALL_TALK[intent], abstained=True, intent=intent)
        if intent == "task":
            return Answer(answer=prompts.DECLINE, abstained=True, intent="out_of_scope")
        if intent == "other_language":
            return Answer(answer=prompts.OTHER_LANGUAGE, abstained=True, intent="out_of_scope")
        query = self.speller.correct(rewrite(text, turns, self.topical))
        t0 = time.perf_counter()
        vector, search_vector = self.embed_question(query)
        t1 = time.perf_counter()
        passages = self.retrieve(query, query_vector=search_vector)
        t2 = time.perf_counter()
        timings = {"embed": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000}
        rewritten = query if query != text else ""
        decline = self.gate.reason_to_decline(query, self._closest(vector))
        relevant = decline is None
        if intent == "personal_decision":
            if not relevant:
                return Answer(prompts.DEFER_NOTHING_FOUND, abstained=True, intent="personal_decision")
            result = self._compose(query, vector, passages, prompts.INTRO_DEFER)
            result.intent = "personal_decision"
        elif not relevant:
            message = {"admin": prompts.ADMIN}.get(decline or "", prompts.DECLINE)
            return Answer(
                message, abstained=True, intent="out_of_scope", rewritten_query=rewritten, timings_ms=timings
            )
        else:
            result = self._compose(query, vector, passages, prompts.INTRO)
        result.rewritten_query = rewritten
        result.timings_ms.update(timings)
        return result

    def _closest(self, vector: np.ndarray) -> float:
        """Cosine similarity of the query to the closest answer sentence in the corpus.

        Sentences, not whole passages: a short question about one line of a long table
        ("what is a Tinel sign?") is far from the passage but close to its sentence.
        """
        if len(self.units.vectors):
            return float(np.max(self.units.vectors @ vector))
        return float(np.max(self.search.vectors @ vector))

    def _compose(self, query: str, vector: np.ndarray, passages: list[Passage], intro: str) -> Answer:
        disagreements = find_disagreements(query, self.units.units, self.disagreements)
        if disagreements:
            return self._render_disagreement(disagreements, passages)
        selection = compose.select_units(
            query,
            vector,
            passages,
            self.units,
            self.idf,
            self.settings.max_answer_sentences,
            self.settings.max_answer_words,
        )
        if not selection.units:
            return Answer(prompts.NOT_FOUND, abstained=True, intent="out_of_scope")
        numbered, citations = compose.number_citations(selection.units)
        extractive = Answer(compose.render_answer(numbered, intro), citations=citations)
        if self.generator is not None:
            return self.generator.answer(query, passages, extractive, intro=intro)
        return extractive

    def _render_disagreement(self, disagreements: list[Any], passages: list[Passage]) -> Answer:
        by_chunk = {c.chunk_id: c for c in self.corpus.chunks}
        selection = []
        for d in disagreements:
            for _, unit in d.versions:
                chunk = by_chunk[unit.chunk_id]
                selection.append((unit, Passage(chunk, 0.0)))
        numbered, citations = compose.number_citations(selection)
        body = compose.render_answer(numbered, intro="")
        text = "\n\n".join([prompts.DISAGREEMENT_INTRO, body, prompts.DISAGREEMENT_OUTRO])
        return Answer(text, citations=citations, disagreement=True)

    def citation_for(self, passage: Passage, n: int) -> Citation:
        """A citation quoting a whole passage (the front desk's passage list)."""
        c = passage.chunk
        return Citation(n, c.doc_id, c.title, c.chunk_id, c.text, c.section_path)
