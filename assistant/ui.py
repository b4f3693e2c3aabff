"""The web app: patient chat, front desk and sources tabs, and the ``/ask`` API (layout and callbacks).

Every piece of user or corpus text goes through :func:`as_text` before it reaches the page, so
it is always shown as text, never interpreted as HTML, Markdown, LaTeX or a template.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import gradio as gr

from assistant import prompts
from assistant.conversation import MAX_QUESTION_CHARS
from assistant.errors import InputError
from assistant.faq import FaqEntry, build_faq
from assistant.lexical import STOPWORDS, expand, normalise, stem, words
from assistant.records import Answer, Citation, Document, Passage
from assistant.settings import Settings
from assistant.store import IndexStatus

FRONTDESK_USER = "frontdesk"
EXAMPLE_QUESTIONS = (
    "What are the symptoms of cluneal nerve entrapment?",
    "How is it diagnosed?",
    "How long does a nerve block last?",
    "What can I do at home to ease the pain?",
    "Is it the same as sciatica?",
)
# Alert colours, checked against WCAG AA (contrast >= 4.5:1) in the tests.
ALERT_STYLES = {
    "emergency": {"heading": "Emergency: get help now", "fg": "#ffffff", "bg": "#b00020"},
    "urgent": {"heading": "Urgent: get medical advice today", "fg": "#1a1a1a", "bg": "#ffb300"},
}
CSS = """
.alert {border-radius: 8px; padding: 12px 16px; margin: 4px 0; border: 3px solid #1a1a1a;}
.alert-emergency {background: #b00020; color: #ffffff;}
.alert-urgent {background: #ffb300; color: #1a1a1a;}
.alert .alert-heading {font-weight: 700; font-size: 1.15em; margin: 0 0 6px; color: inherit;}
.alert p {color: inherit; margin: 0;}
/* The icon is drawn with CSS, not an emoji: it shows even where no emoji font is installed. */
.alert-icon {display: inline-block; width: 1.4em; height: 1.4em; line-height: 1.4em; border-radius: 50%;
  text-align: center; font-weight: 900; margin-right: 6px;}
.alert-icon::after {content: "!";}
.alert-emergency .alert-icon {background: #ffffff; color: #b00020;}
.alert-urgent .alert-icon {background: #1a1a1a; color: #ffb300;}
#chat .md:has(.alert) {opacity: 1 !important;}  /* Gradio dims bot text; an alert stays full strength */
.standing-note {border-left: 4px solid #1f5fbf; padding: 8px 12px; margin: 0;}
.cite {font-weight: 700;}
.sources, .passages, .faq {list-style: none; padding: 0; margin: 0;}
.sources li, .passages li {margin: 0 0 12px; overflow-wrap: anywhere;}
.sources blockquote, .passages blockquote {margin: 4px 0 0; padding-left: 10px; border-left: 3px solid #888;}
.where {font-size: 0.9em;}
mark {background: #fff176; color: #1a1a1a; padding: 0 2px;}
.faq details {margin: 0 0 6px;} .faq summary {cursor: pointer; font-weight: 600;}
:focus-visible {outline: 3px solid #1f5fbf !important; outline-offset: 2px;}
@media (max-width: 480px) {.gradio-container {padding: 4px !important;} .example-row button {flex: 1 1 100%;}}
"""

_MARKER_RE = re.compile(r"&#91;(\d+)&#93;")
_TOKEN_RE = re.compile(r"[^\W_]+")
Exchange = tuple[str, Answer]  # one question and its answer, in the order asked


def as_text(text: str) -> str:
    """Text made safe to show as text in HTML, Markdown or a template.

    Every ASCII character other than letters, digits and spaces becomes a numeric character
    reference, so ``<``, ``&``, ``*``, ``[``, ``$`` and ``{`` can never start markup.
    """
    return "".join(c if c.isalnum() or c in " \n" or ord(c) > 127 else f"&#{ord(c)};" for c in text)


def as_lines(text: str) -> str:
    """Text shown as text, its line breaks kept (document lists stay one item a line)."""
    return as_text(text).replace("\n", "<br>")


def alert_html(triage: str, message: str, announce: bool = False) -> str:
    """An alert nobody can miss: colour, icon and heading text (not colour alone).

    Args:
        triage: ``"emergency"`` or ``"urgent"``.
        message: The guard's fixed alert text.
        announce: Mark it ``role="alert"`` so screen readers read it at once (the banner only,
            so it is not announced twice).
    """
    role = ' role="alert"' if announce else ""
    return (
        f'<div class="alert alert-{triage}"{role}><p class="alert-heading">'
        f'<span class="alert-icon" aria-hidden="true"></span>{as_text(ALERT_STYLES[triage]["heading"])}</p>'
        f"<p>{as_lines(message)}</p></div>"
    )


def banner_html(result: Answer | None) -> str:
    """The alert banner above the chat, for an emergency or urgent latest answer; else empty.

    The chat scrolls to the end of a long reply, which can hide the alert's heading on a phone;
    the banner keeps it in view.
    """
    if result is None or result.triage not in ALERT_STYLES:
        return ""
    return alert_html(result.triage, result.answer, announce=True)


def answer_html(result: Answer) -> str:
    """An answer for the chat: the alert for emergency/urgent, else text with bold markers."""
    if result.triage in ALERT_STYLES:
        return alert_html(result.triage, result.answer)
    return _MARKER_RE.sub(r'<span class="cite">[\1]</span>', as_text(result.answer))


def _quote(citation: Citation) -> str:
    return " … ".join(citation.quotes) if citation.quotes else citation.text


def sources_html(result: Answer | None) -> str:
    """The numbered sources panel for the latest answer."""
    if result is None:
        return "<p>Sources for each answer appear here.</p>"
    if result.triage in ALERT_STYLES:
        return "<p>This reply is a safety alert, not an answer from the documents.</p>"
    if not result.citations:
        return "<p>No sources: the documents were not quoted in this reply.</p>"
    items = "".join(
        f'<li id="source-{c.n}"><strong>[{c.n}] {as_text(c.title)}</strong><br>'
        f'<span class="where">Section: {as_text(c.section or "—")}</span>'
        f"<blockquote>“{as_lines(_quote(c))}”</blockquote></li>"
        for c in result.citations
    )
    return f'<h3>Sources</h3><ul class="sources">{items}</ul>'


def chat_messages(conversation: list[Exchange]) -> list[dict[str, str]]:
    """The chat as shown: user text escaped, answers rendered."""
    return [
        message
        for question, result in conversation
        for message in (
            {"role": "user", "content": as_text(question)},
            {"role": "assistant", "content": answer_html(result)},
        )
    ]


def history_of(conversation: list[Exchange]) -> list[dict[str, str]]:
    """The conversation in the CLI batch format, for follow-up questions."""
    return [
        turn
        for question, result in conversation
        for turn in ({"role": "user", "content": question}, {"role": "assistant", "content": result.answer})
    ]


def query_stems(query: str) -> set[str]:
    """The stems of a query's words and of the document words its lay terms stand for."""
    terms = [w for w in words(query) if w not in STOPWORDS] + [w for t in expand(query) for w in words(t)]
    return {stem(w) for w in terms}


def highlight(text: str, stems: set[str]) -> str:
    """Passage text with the query's terms in ``<mark>``.

    The text is escaped piece by piece around each match (equivalent to escaping first, but a
    term can never match inside an escape sequence such as ``&amp;``).
    """
    out, last = [], 0
    for match in _TOKEN_RE.finditer(text):
        token = normalise(match.group())
        if token and stem(token) in stems:
            out += [as_text(text[last : match.start()]), f"<mark>{as_text(match.group())}</mark>"]
            last = match.end()
    out.append(as_text(text[last:]))
    return "".join(out).replace("\n", "<br>")


def passages_html(query: str, passages: list[Passage]) -> str:
    """The front desk's passage list: document, section, text with the query's terms marked."""
    if not passages:
        return "<p>No passages found.</p>"
    stems = query_stems(query)
    items = "".join(
        f"<li><strong>{n}. {as_text(p.chunk.title)}</strong><br>"
        f'<span class="where">Section: {as_text(p.chunk.section_path or "—")} · '
        f"score {p.score:.3f}</span><blockquote>{highlight(p.chunk.text, stems)}</blockquote></li>"
        for n, p in enumerate(passages, start=1)
    )
    return f'<ul class="passages">{items}</ul>'


def copy_ready(result: Answer) -> str:
    """A short answer in plain text the front desk can paste into a message."""
    lines = [result.answer]
    if result.citations:
        lines += ["", "Sources:"] + [
            f"[{c.n}] {c.title}" + (f" — {c.section}" if c.section else "") for c in result.citations
        ]
    return "\n".join(lines)


def faq_html(entries: list[FaqEntry]) -> str:
    """The browsable FAQ: one expandable item per question, with its document and section."""
    items = "".join(
        f"<li><details><summary>{as_text(e.question)}</summary><p>{as_text(e.answer)}</p>"
        f'<p class="where">{as_text(e.title)} — {as_text(e.section)}</p></details></li>'
        for e in entries
    )
    return f'<ul class="faq">{items}</ul>'


def documents_html(documents: list[Document], chunks_per_doc: Mapping[str, int]) -> str:
    """The corpus: each document's title, author, description and file."""
    rows = "".join(
        f"<li><strong>{as_text(d.title)}</strong>"
        + (f"<br>By {as_text(d.author)}" if d.author else "")
        + f"<br>{as_text(d.description or 'No description.')}"
        + f'<br><span class="where">File {as_text(d.source_file)} · '
        f"{chunks_per_doc.get(d.doc_id, 0)} passages</span></li>"
        for d in documents
    )
    return f'<ul class="sources">{rows}</ul>'


def status_html(status: IndexStatus | None) -> str:
    """The index status: chunks, embedding model and when it was built."""
    if status is None:
        return "<p>Index not built: run <code>make index</code>.</p>"
    rows = {
        "Passages (chunks)": str(status.chunks),
        "Embedding model": status.embedding_model,
        "Built": status.built_at,
        "Location": status.location,
    }
    body = "".join(
        f"<tr><th scope='row'>{as_text(k)}</th><td>{as_text(v)}</td></tr>" for k, v in rows.items()
    )
    return f"<table>{body}</table>"


class Callbacks:
    """The app's event handlers, plain functions of the assistant (tested without a server)."""

    def __init__(self, assistant: Any) -> None:
        """Args: assistant: a loaded :class:`assistant.pipeline.Assistant`."""
        self.assistant = assistant

    def respond(self, message: str, conversation: list[Exchange]) -> tuple[Any, ...]:
        """Answer a chat message; returns (chat, conversation, sources, alert banner, textbox)."""
        try:
            result = self.assistant.ask(message, history_of(conversation))
        except InputError as exc:
            if message and message.strip():
                gr.Warning(str(exc))
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        conversation = [*conversation, (message, result)]
        return chat_messages(conversation), conversation, sources_html(result), banner_html(result), ""

    def asking(self, text: str) -> Any:
        """A handler that sends a fixed (example) question."""

        def ask_example(conversation: list[Exchange]) -> tuple[Any, ...]:
            return self.respond(text, conversation)

        return ask_example

    def clear(self) -> tuple[Any, ...]:
        """Start a new conversation."""
        return [], [], sources_html(None), "", ""

    def search(self, query: str) -> tuple[str, str]:
        """Front desk search: (passages HTML, copy-ready answer)."""
        try:
            result = self.assistant.ask(query, [])
        except InputError as exc:
            return f"<p>{as_text(str(exc))}</p>", ""
        passages = self.assistant.retrieve(result.rewritten_query or query)
        return passages_html(query, passages), copy_ready(result)

    def ask_api(self, question: str, history: list | None = None) -> dict:
        """Answer one question from the clinic's documents, with citations and triage.

        Args:
            question: The user's message (at most 2,000 characters).
            history: Earlier turns, oldest first: strings (earlier user messages) or
                {"role": "user"|"assistant", "content": str}.

        Returns:
            The CLI JSON contract: answer, triage, abstained, citations, intent, generator,
            triage_rules, disagreement, rewritten_query, timings_ms.
        """
        try:
            return self.assistant.ask(question, [] if history is None else history).to_json()
        except InputError as exc:
            raise gr.Error(str(exc), print_exception=False) from None


def build_app(assistant: Any, settings: Settings) -> gr.Blocks:
    """The Blocks app: Patient chat (shown first), Front desk and Sources tabs, and ``/ask``.

    Every event that runs the model shares one concurrency group of size 1: the embedding
    model's tokenizer is not safe to call from two threads at once.
    """
    calls = Callbacks(assistant)
    model: dict[str, Any] = {"concurrency_id": "assistant", "concurrency_limit": 1}
    faq = build_faq(assistant.corpus.documents)
    chunks_per_doc = Counter(chunk.doc_id for chunk in assistant.corpus.chunks)

    with gr.Blocks(title="Cluneal Assistant", analytics_enabled=False) as app:
        gr.Markdown("# Cluneal Assistant")
        with gr.Tabs():
            with gr.Tab("Patient chat", id="chat"):
                note = f"<strong>Please note:</strong> {as_text(prompts.STANDING_NOTE)}"
                gr.HTML(f'<p class="standing-note" role="note">{note}</p>')
                conversation = gr.State([])
                banner = gr.HTML(elem_id="alert-banner")
                chat = gr.Chatbot(
                    label="Conversation", elem_id="chat", height=420, latex_delimiters=[],
                    feedback_options=None, buttons=[], sanitize_html=True,
                    placeholder="Ask about cluneal nerve pain. Answers quote the clinic's documents.",
                )  # fmt: skip
                with gr.Row():
                    question = gr.Textbox(
                        label="Your question", elem_id="question", max_length=MAX_QUESTION_CHARS,
                        placeholder="e.g. What causes buttock pain?", scale=4, min_width=260,
                    )  # fmt: skip
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80)
                gr.Markdown("**Example questions**")
                with gr.Row(elem_classes="example-row"):
                    examples = [gr.Button(q, size="sm") for q in EXAMPLE_QUESTIONS]
                clear = gr.Button("Clear conversation", variant="secondary")
                sources = gr.HTML(sources_html(None), elem_id="sources", padding=True)
            with gr.Tab("Front desk", id="frontdesk"):
                gr.Markdown("Search the clinic's documents: the best passages, and an answer to copy.")
                with gr.Row():
                    query = gr.Textbox(
                        label="Search the documents", elem_id="fd-query", scale=4, min_width=200
                    )
                    search = gr.Button("Search", variant="primary", scale=1, min_width=80)
                answer = gr.Textbox(label="Copy-ready answer", elem_id="fd-answer", lines=5, buttons=["copy"],
                                    interactive=False)  # fmt: skip
                passages = gr.HTML(elem_id="fd-passages", padding=True)
                with gr.Accordion(f"Questions the documents answer ({len(faq)})", open=False):
                    gr.HTML(faq_html(faq), elem_id="faq", padding=True)
            with gr.Tab("Sources", id="sources-tab"):
                gr.Markdown("## Documents")
                gr.HTML(documents_html(assistant.corpus.documents, chunks_per_doc), padding=True)
                gr.Markdown("## Index status")
                status = gr.HTML(status_html(assistant.status()), padding=True)

        chat_outputs = [chat, conversation, sources, banner, question]
        for trigger in (question.submit, send.click):
            trigger(calls.respond, [question, conversation], chat_outputs, api_visibility="private", **model)
        for button, text in zip(examples, EXAMPLE_QUESTIONS, strict=True):
            button.click(calls.asking(text), [conversation], chat_outputs, api_visibility="private", **model)
        for trigger in (clear.click, chat.clear):  # the button and the chat's own bin icon
            trigger(calls.clear, None, chat_outputs, api_visibility="private", queue=False)
        for trigger in (query.submit, search.click):
            trigger(calls.search, [query], [passages, answer], api_visibility="private", **model)
        app.load(lambda: status_html(assistant.status()), None, status, api_visibility="private")
        gr.api(calls.ask_api, api_name="ask", **model)
    return app


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``app.launch`` (Gradio 6 takes the theme and CSS there).

    When ``frontdesk_password`` is set, Gradio's login protects the whole app, patient chat and
    ``/ask`` included (Gradio has no per-tab login): user ``frontdesk``.
    """
    auth = (FRONTDESK_USER, settings.frontdesk_password) if settings.frontdesk_password else None
    return {
        "theme": gr.themes.Default(primary_hue="blue"),
        "css": CSS,
        "auth": auth,
        "auth_message": "Cluneal Assistant: log in as 'frontdesk' with the clinic's password.",
        "footer_links": ["api"],
        # Patient messages must not be kept in the browser's run history (a shared front-desk
        # computer) nor offered for upload to a Hugging Face bucket.
        "run_history": False,
    }
