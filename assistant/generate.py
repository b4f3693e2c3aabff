"""Optional generative backends (Ollama, OpenAI-compatible): a verified, cited rewrite of the passages.

The model sees only the numbered passages and must cite them. Its answer reaches a patient
only after ``assistant.verify`` has removed every sentence its passages do not support; when
too little survives, or the backend fails or is slow, the extractive answer is returned
instead and ``Answer.generator`` says why. Triage and abstention are decided before this
stage runs, so a backend can never change them.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant import prompts
from assistant.errors import BackendError, ConfigError
from assistant.lexical import BM25Index
from assistant.records import Answer, Citation, Passage
from assistant.settings import Settings
from assistant.units import UnitIndex
from assistant.verify import SentenceCheck, VerificationReport, Verifier

log = logging.getLogger(__name__)

PROVIDERS = ("ollama", "openai")
NOT_IN_DOCUMENTS = "NOT_IN_DOCUMENTS"  # what SYSTEM_PROMPT tells the model to reply when it can't answer
MIN_KEPT_SENTENCES = 1
# Below half, the removed sentences were most of what the model meant to say; what is left
# may read as a confident but partial answer, so the reviewed extractive answer is better.
MIN_KEPT_SHARE = 0.5
# Intros the extractive answer may open with; a generated answer keeps the same one, so a
# personal-decision question still starts by sending the patient to their clinician.
INTROS = (prompts.INTRO_DEFER, prompts.INTRO)


class Grounding(Protocol):
    """What the answerer needs from the assistant: its embedder, corpus units and term statistics."""

    @property
    def embeddings(self) -> Any: ...  # noqa: D102

    @property
    def units(self) -> UnitIndex | None: ...  # noqa: D102

    @property
    def idf(self) -> BM25Index | None: ...  # noqa: D102


class GenerationFailed(Exception):
    """The backend gave no usable answer; the message is the reason shown in ``generator``."""


@dataclass(frozen=True, slots=True)
class Draft:
    """The model's raw answer and the verifier's verdict on each sentence."""

    text: str
    report: VerificationReport


def format_passages(passages: Sequence[Passage], withheld: Sequence[str] = ()) -> str:
    """The numbered passages as the model sees them: ``[n] Title > Section`` then the text.

    Sentences a reviewer withheld from answers are left out, so the model cannot repeat them.
    """
    blocks = []
    for n, passage in enumerate(passages, start=1):
        chunk = passage.chunk
        heading = " > ".join(part for part in (chunk.title, chunk.section_path) if part)
        text = chunk.text
        for sentence in withheld:
            text = text.replace(sentence, "")
        blocks.append(f"[{n}] {heading}\n{text}")
    return "\n\n".join(blocks)


def _invoke_with_timeout(model: BaseChatModel, messages: list[BaseMessage], timeout_s: float) -> Any:
    # A daemon thread, so a hung server can delay neither this answer nor the process's exit;
    # the client's own timeout (set by make_generator) ends the request itself.
    results: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

    def work() -> None:
        try:
            results.put((True, model.invoke(messages)))
        except Exception as exc:  # reported to the caller's thread below
            results.put((False, exc))

    threading.Thread(target=work, name="generate", daemon=True).start()
    try:
        ok, value = results.get(timeout=timeout_s)
    except queue.Empty:
        raise GenerationFailed(f"timed out after {timeout_s:g}s") from None
    if not ok:
        raise value
    return value


class GenerativeAnswerer:
    """Answers from numbered passages with any LangChain chat model, then verifies the answer."""

    def __init__(
        self,
        model: BaseChatModel,
        grounding: Grounding,
        name: str = "",
        timeout_s: float = 20.0,
        min_kept_share: float = MIN_KEPT_SHARE,
        verifier: Verifier | None = None,
    ) -> None:
        """Set up the backend.

        Args:
            model: The chat model (a fake one in tests).
            grounding: The assistant, or anything with its ``embeddings``, ``units`` and ``idf``.
            name: What ``Answer.generator`` reports, e.g. ``"ollama/llama3.2"``.
            timeout_s: Seconds before the extractive answer is returned instead.
            min_kept_share: Share of the model's sentences that must pass verification.
            verifier: The verifier to use instead of one built from ``grounding``.
        """
        if timeout_s <= 0:
            raise ConfigError(f"llm_timeout_s must be greater than 0. Currently, it is {timeout_s}.")
        if not 0 <= min_kept_share <= 1:
            raise ConfigError(f"min_kept_share must be between 0 and 1. Currently, it is {min_kept_share}.")
        self.model = model
        self.name = name or f"{type(model).__name__}"
        self.timeout_s = timeout_s
        self.min_kept_share = min_kept_share
        self.verifier = verifier or Verifier(
            grounding.embeddings, getattr(grounding, "units", None), getattr(grounding, "idf", None)
        )
        corpus = getattr(grounding, "corpus", None)
        self.withheld = tuple(w for d in getattr(corpus, "documents", ()) for w in d.withheld)

    def messages(self, question: str, passages: Sequence[Passage]) -> list[BaseMessage]:
        """The prompt: instructions, then the numbered passages and the question as plain text."""
        user = prompts.USER_PROMPT.format(
            passages=format_passages(passages, self.withheld), question=question
        )
        return [SystemMessage(prompts.SYSTEM_PROMPT), HumanMessage(user)]

    def draft(self, question: str, passages: Sequence[Passage]) -> Draft:
        """Ask the model and verify its answer.

        Raises:
            GenerationFailed: The model timed out, failed, replied NOT_IN_DOCUMENTS or with nothing.
        """
        try:
            reply = _invoke_with_timeout(self.model, self.messages(question, passages), self.timeout_s)
        except GenerationFailed:
            raise
        except Exception as exc:
            log.warning("Generative backend %s failed: %r", self.name, exc)
            raise GenerationFailed(f"backend error ({type(exc).__name__})") from exc
        text = str(getattr(reply, "text", reply)).strip()
        if NOT_IN_DOCUMENTS in text:
            raise GenerationFailed("the model found no answer in the passages")
        if not text:
            raise GenerationFailed("empty reply")
        return Draft(text, self.verifier.verify(text, passages))

    def answer(
        self, question: str, passages: Sequence[Passage], extractive: Answer, intro: str | None = None
    ) -> Answer:
        """The verified generated answer, or ``extractive`` with the reason it was used.

        Args:
            question: The (rewritten) question; the guard and scope checks have already passed it.
            passages: Retrieved passages, best first; passage ``i`` is shown as ``[i + 1]``.
            extractive: The embedded answerer's answer, the fallback.
            intro: The fixed phrase that opens the answer (None: the one the extractive answer uses).

        Returns:
            An answer whose every sentence passed verification, with citations numbered in
            order of use, or the extractive answer with ``generator`` saying why.
        """
        started = time.perf_counter()
        timings = dict(extractive.timings_ms)
        try:
            draft = self.draft(question, passages)
        except GenerationFailed as exc:
            timings["generate"] = (time.perf_counter() - started) * 1000
            return self._fallback(extractive, str(exc), timings)
        timings["generate"] = (time.perf_counter() - started) * 1000
        report = draft.report
        for check in report.removed:
            log.info("Removed a generated sentence: %s.", check.reason)
        if len(report.kept) < MIN_KEPT_SENTENCES or report.kept_share < self.min_kept_share:
            reason = f"only {len(report.kept)} of {len(report.checks)} sentences verified"
            return self._fallback(extractive, reason, timings)
        if intro is None:
            intro = next((i for i in INTROS if extractive.answer.startswith(i)), "")
        text, citations = render(report.kept, passages, intro)
        return dataclasses.replace(
            extractive, answer=text, citations=citations, generator=self.name, timings_ms=timings
        )

    def _fallback(self, extractive: Answer, reason: str, timings: dict[str, float]) -> Answer:
        log.info("Generative backend %s not used: %s.", self.name, reason)
        return dataclasses.replace(
            extractive, generator=f"extractive (fallback: {reason})", timings_ms=timings
        )


def render(
    kept: Sequence[SentenceCheck], passages: Sequence[Passage], intro: str = ""
) -> tuple[str, list[Citation]]:
    """The verified sentences with markers renumbered to the passages they actually cite.

    Citations are numbered in order of first use and quote, verbatim, the passage sentences
    closest to the generated sentences they back. Bullet lines stay bullets.
    """
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    blocks: list[tuple[str, int, list[str]]] = []  # (kind, line, pieces)
    for check in kept:
        for old in check.supporting:
            numbers.setdefault(old, len(numbers) + 1)
        for old, quote in check.quotes:
            if quote not in quotes.setdefault(old, []):
                quotes[old].append(quote)
        markers = "".join(f"[{numbers[old]}]" for old in check.supporting)
        kind = "bullet" if check.sentence.bullet else "prose"
        piece = f"- {check.claim} {markers}" if kind == "bullet" else f"{check.claim} {markers}"
        last = blocks[-1] if blocks else None
        if last and last[0] == kind and (kind == "bullet" or last[1] == check.sentence.line):
            last[2].append(piece)
        else:
            blocks.append((kind, check.sentence.line, [piece]))
    body = ["\n".join(p) if kind == "bullet" else " ".join(p) for kind, _, p in blocks]
    citations = []
    for old, n in numbers.items():
        chunk = passages[old - 1].chunk
        ordered = sorted(quotes.get(old, []), key=chunk.text.find)
        citations.append(
            Citation(
                n, chunk.doc_id, chunk.title, chunk.chunk_id, chunk.text, chunk.section_path, tuple(ordered)
            )
        )
    return "\n\n".join([intro, *body] if intro else body), citations


def _chat_model(provider: str, model: str, settings: Settings) -> BaseChatModel:
    if provider == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:
            raise BackendError(
                "The Ollama backend is not installed: run pip install 'cluneal-assistant[ollama]', "
                "or set ASSISTANT_GENERATOR=extractive."
            ) from exc
        options: dict[str, Any] = {"client_kwargs": {"timeout": settings.llm_timeout_s}}
        if settings.llm_base_url:
            options["base_url"] = settings.llm_base_url
        return ChatOllama(model=model, temperature=0, **options)
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise BackendError(
            "The OpenAI-compatible backend is not installed: run pip install "
            "'cluneal-assistant[openai]', or set ASSISTANT_GENERATOR=extractive."
        ) from exc
    if not (settings.llm_api_key or settings.llm_base_url):
        raise ConfigError(
            f"generator {settings.generator!r} needs ASSISTANT_LLM_API_KEY, or ASSISTANT_LLM_BASE_URL "
            "for a local OpenAI-compatible server."
        )
    options = {"base_url": settings.llm_base_url} if settings.llm_base_url else {}
    # Local OpenAI-compatible servers ignore the key, but the client insists on one; passing
    # it explicitly also stops the client from reading OPENAI_API_KEY behind the settings' back.
    return ChatOpenAI(
        model=model,
        api_key=settings.llm_api_key or "not-needed",
        timeout=settings.llm_timeout_s,
        max_retries=1,
        temperature=0,
        **options,
    )


def make_generator(settings: Settings, grounding: Grounding) -> GenerativeAnswerer:
    """Build the backend named by ``settings.generator``: ``"ollama/<model>"`` or ``"openai/<model>"``.

    Args:
        settings: The settings (generator, llm_base_url, llm_api_key, llm_timeout_s).
        grounding: The assistant whose embedder, units and term statistics verify the answers.

    Raises:
        ConfigError: Unknown provider or no model name (the message lists the valid choices).
        BackendError: The provider's LangChain package is not installed (the message says how).
    """
    provider, _, model = settings.generator.partition("/")
    choices = ", ".join(f"'{p}/<model>'" for p in PROVIDERS)
    if provider not in PROVIDERS:
        raise ConfigError(
            f"Unknown generator {settings.generator!r}: choose 'extractive' or one of {choices}."
        )
    if not model.strip():
        raise ConfigError(
            f"generator {settings.generator!r} names no model: use {choices}, e.g. 'ollama/llama3.2'."
        )
    chat_model = _chat_model(provider, model.strip(), settings)
    return GenerativeAnswerer(
        chat_model, grounding, name=settings.generator, timeout_s=settings.llm_timeout_s
    )
