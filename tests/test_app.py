"""The web app's callbacks, escaping, rendering and FAQ, without a server.

Fast tests use the session's fake-embedder assistant (``fake_assistant`` in conftest); tests
that need real answers use the real MiniLM assistant and are marked slow.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from assistant import ui
from assistant.faq import FaqEntry, build_faq, entries_for
from assistant.ingest import parse_document
from assistant.records import Answer, Citation
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
RED_FLAG = "since this morning i cant pee and my bum is numb"


class RecordingAssistant:
    """Wraps a real assistant and records every call the app makes to it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.corpus = inner.corpus
        self.asked: list[tuple[Any, Any]] = []

    def ask(self, question: Any, history: Any = None) -> Answer:
        self.asked.append((question, history))
        return self.inner.ask(question, history)

    def retrieve(self, query: str, k: int | None = None) -> Any:
        return self.inner.retrieve(query, k)

    def status(self) -> Any:
        return self.inner.status()


@pytest.fixture
def recorder(fake_assistant: Any) -> RecordingAssistant:
    return RecordingAssistant(fake_assistant)


@pytest.fixture
def calls(recorder: RecordingAssistant) -> ui.Callbacks:
    return ui.Callbacks(recorder)


def no_markup(rendered: str) -> bool:
    """True when none of the user's angle brackets survived as markup."""
    return "<script" not in rendered and "<img" not in rendered and "onerror=" not in rendered


# --- escaping -------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [*PAYLOADS, "${alert(1)}", "{{constructor}}", "**bold** [x](y) $$x$$"])
def test_user_text_is_escaped_and_round_trips(payload: str) -> None:
    shown = ui.as_text(payload)
    assert not re.search(r"[<>*\[\]{}$`]", shown)
    assert html.unescape(shown) == payload


def test_non_ascii_text_is_kept_readable() -> None:
    assert ui.as_text("douleur à la fesse — 3–5 cm") == "douleur à la fesse — 3–5 cm"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_payload_in_chat_is_shown_as_text(calls: ui.Callbacks, payload: str) -> None:
    chat, conversation, _sources, banner, textbox = calls.respond(payload, [])
    user = chat[0]
    assert user["role"] == "user"
    assert no_markup(user["content"])
    assert html.unescape(user["content"]) == payload
    assert conversation[0][0] == payload  # the assistant sees the user's own words
    assert textbox == "" and banner == ""


def test_answer_markers_are_bold_and_the_rest_escaped() -> None:
    result = Answer("Nerve <b>blocks</b> help [1][2].")
    shown = ui.answer_html(result)
    assert '<span class="cite">[1]</span><span class="cite">[2]</span>' in shown
    assert "<b>" not in shown


def test_sources_panel_escapes_titles_and_quotes() -> None:
    cite = Citation(1, "doc", "<img src=x onerror=alert(1)>", "c1", "text <script>", "S > T", ("q <i>\n- x",))
    panel = ui.sources_html(Answer("A [1].", citations=[cite]))
    assert no_markup(panel) and "<i>" not in panel
    assert "q &#60;i&#62;<br>&#45; x" in panel  # list lines stay lines
    assert 'id="source-1"' in panel and "[1]" in panel and "Section: S &#62; T" in panel


# --- alerts ---------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("level", ["emergency", "urgent"])
def test_alert_colours_meet_wcag_aa_and_match_the_css(level: str) -> None:
    style = ui.ALERT_STYLES[level]
    light, dark = sorted((_luminance(style["fg"]), _luminance(style["bg"])), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5
    rule = re.search(rf"\.alert-{level} \{{([^}}]*)\}}", ui.CSS)
    assert rule and style["bg"] in rule.group(1) and style["fg"] in rule.group(1)


@pytest.mark.parametrize("level", ["emergency", "urgent"])
def test_alert_has_icon_heading_and_role_not_colour_alone(level: str) -> None:
    shown = ui.banner_html(Answer("Call <now>.", triage=level))  # type: ignore[arg-type]
    assert f'class="alert alert-{level}"' in shown and 'role="alert"' in shown
    assert 'class="alert-icon"' in shown
    assert ui.as_text(ui.ALERT_STYLES[level]["heading"]) in shown
    assert "<now>" not in shown


def test_red_flag_message_gets_the_emergency_alert(calls: ui.Callbacks) -> None:
    chat, _conversation, sources, banner, _ = calls.respond(RED_FLAG, [])
    assert "alert-emergency" in chat[1]["content"]
    assert 'class="alert alert-emergency" role="alert"' in banner  # announced once, by the banner
    assert 'role="alert"' not in chat[1]["content"]
    assert "safety alert" in sources


def test_banner_clears_when_the_next_answer_is_routine(calls: ui.Callbacks) -> None:
    *_, banner, _ = calls.respond(RED_FLAG, [])
    assert banner
    *_, banner, _ = calls.respond("hello", [])
    assert banner == ""


# --- conversation ---------------------------------------------------------------------------


def test_conversation_is_sent_as_history_for_follow_ups(
    calls: ui.Callbacks, recorder: RecordingAssistant
) -> None:
    _, conversation, *_ = calls.respond("What causes cluneal nerve pain?", [])
    calls.respond("how long does it last?", conversation)
    question, history = recorder.asked[-1]
    assert question == "how long does it last?"
    assert history[0] == {"role": "user", "content": "What causes cluneal nerve pain?"}
    assert history[1]["role"] == "assistant" and history[1]["content"] == conversation[0][1].answer


def test_example_buttons_send_their_question(calls: ui.Callbacks, recorder: RecordingAssistant) -> None:
    chat, *_ = calls.asking(ui.EXAMPLE_QUESTIONS[0])([])
    assert recorder.asked[-1][0] == ui.EXAMPLE_QUESTIONS[0]
    assert html.unescape(chat[0]["content"]) == ui.EXAMPLE_QUESTIONS[0]


def test_empty_message_changes_nothing(calls: ui.Callbacks) -> None:
    outputs = calls.respond("   ", [])
    assert all(isinstance(o, type(gr.skip())) for o in outputs)


def test_clear_resets_chat_history_and_sources(calls: ui.Callbacks) -> None:
    chat, conversation, sources, banner, textbox = calls.clear()
    assert chat == [] and conversation == [] and banner == "" and textbox == ""
    assert sources == ui.sources_html(None)


# --- front desk -----------------------------------------------------------------------------


def test_highlight_marks_query_terms_and_escapes_the_rest() -> None:
    stems = ui.query_stems("nerve blocks")
    shown = ui.highlight("A <b>nerve</b> & two Nerves; a block.", stems)
    assert shown.count("<mark>") == 3
    assert "<mark>nerve</mark>" in shown and "<mark>Nerves</mark>" in shown and "<mark>block</mark>" in shown
    assert "<b>" not in shown and "&#38;" in shown


def test_highlight_never_matches_inside_an_escape_sequence() -> None:
    assert "<mark>" not in ui.highlight("salt & pepper", ui.query_stems("amp 38"))


def test_front_desk_search_shows_marked_passages_and_a_copy_ready_answer(calls: ui.Callbacks) -> None:
    passages, answer = calls.search("nerve block")
    assert passages.count("<li>") >= 1 and "<mark>" in passages and "Section:" in passages
    assert answer and "<" not in answer.split("\n")[0][:1]


def test_front_desk_search_escapes_the_query(calls: ui.Callbacks) -> None:
    passages, _ = calls.search("<img src=x onerror=alert(1)> nerve")
    assert no_markup(passages)


def test_front_desk_empty_search_says_what_to_do(calls: ui.Callbacks) -> None:
    passages, answer = calls.search("")
    assert "empty" in passages and answer == ""


def test_copy_ready_answer_is_plain_text_with_sources() -> None:
    cite = Citation(1, "doc", "Title", "c1", "text", "Section")
    assert ui.copy_ready(Answer("Blocks help [1].", citations=[cite])) == (
        "Blocks help [1].\n\nSources:\n[1] Title — Section"
    )


# --- API ------------------------------------------------------------------------------------


def test_api_returns_exactly_the_cli_json_contract(calls: ui.Callbacks, fake_assistant: Any) -> None:
    result = calls.ask_api("What causes cluneal nerve pain?", [])
    assert result == fake_assistant.ask("What causes cluneal nerve pain?", []).to_json() | {
        "timings_ms": result["timings_ms"]
    }


@pytest.mark.parametrize(
    ("question", "history", "message"),
    [
        ("", [], "empty"),
        ("x" * 100_000, [], "too long"),
        ("\x00\x01\x02\x7f", [], "empty"),
        (123, [], "must be text"),
        (None, [], "must be text"),
        (["a list"], [], "must be text"),
        ("What is it?", "not a list", "history must be a list"),
        ("What is it?", {"role": "user"}, "history must be a list"),
        ("What is it?", [1, 2], "history[0]"),
        ("What is it?", [{"role": "system", "content": "x"}], "history[0]"),
    ],
)
def test_api_malformed_input_raises_a_clear_error(
    calls: ui.Callbacks, question: Any, history: Any, message: str
) -> None:
    with pytest.raises(gr.Error, match=re.escape(message)):
        calls.ask_api(question, history)


def test_api_accepts_missing_history(calls: ui.Callbacks) -> None:
    assert calls.ask_api("What causes cluneal nerve pain?")["triage"] == "routine"


# --- app wiring -----------------------------------------------------------------------------


def test_app_exposes_only_ask_as_a_public_api(fake_assistant: Any) -> None:
    app = ui.build_app(fake_assistant, load_settings(environ={}))
    public = {fn.api_name for fn in app.fns.values() if fn.api_visibility == "public"}
    assert public == {"ask"}


def test_patient_chat_is_the_first_tab(fake_assistant: Any) -> None:
    app = ui.build_app(fake_assistant, load_settings(environ={}))
    tabs = [b for b in app.blocks.values() if isinstance(b, gr.Tab)]
    assert [t.label for t in tabs] == ["Patient chat", "Front desk", "Sources"]


def test_password_setting_turns_on_login_for_the_whole_app() -> None:
    assert ui.launch_options(load_settings(environ={}))["auth"] is None
    secured = ui.launch_options(load_settings(environ={}, frontdesk_password="s3cret"))
    assert secured["auth"] == ("frontdesk", "s3cret")


def test_app_py_launches_locally_without_share(monkeypatch: pytest.MonkeyPatch, fake_assistant: Any) -> None:
    import assistant.pipeline

    spec = importlib.util.spec_from_file_location("app", ROOT / "app.py")
    assert spec and spec.loader
    app_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app_module)

    launched: dict[str, Any] = {}
    monkeypatch.setattr(assistant.pipeline, "Assistant", lambda settings, progress: fake_assistant)
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: launched.update(kw))
    assert app_module.main(["--port", "7999"]) == 0
    assert launched["share"] is False and launched["run_history"] is False
    assert (launched["server_name"], launched["server_port"]) == ("127.0.0.1", 7999)
    assert launched["css"] == ui.CSS
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


def test_sources_tab_lists_documents_and_index_status(fake_assistant: Any) -> None:
    docs = ui.documents_html(fake_assistant.corpus.documents, {})
    for doc in fake_assistant.corpus.documents:
        assert ui.as_text(doc.title) in docs and ui.as_text(doc.description) in docs
    status = ui.status_html(fake_assistant.status())
    assert "Embedding model" in status and "Built" in status
    assert "make index" in ui.status_html(None)


# --- FAQ ------------------------------------------------------------------------------------

FAQ_DOC = """Guide
What Is Nerve Entrapment?
A nerve pinched where it passes through a tight tunnel.
More detail here.
1. Self-Care at Home
Seek help if you have:
- Night pain
- Fever
2. FAQs
Can yoga help? Yes, gentle programs reduce irritation.
Final Thoughts
Thanks for reading.
"""


def _faq_entries() -> list[FaqEntry]:
    return entries_for(parse_document(FAQ_DOC, "guide", "guide.txt", title="Guide"))


def test_faq_reads_question_headings_with_their_first_paragraph() -> None:
    entry = next(e for e in _faq_entries() if e.origin == "question_heading")
    assert entry.question == "What Is Nerve Entrapment?"
    assert entry.answer == "A nerve pinched where it passes through a tight tunnel."


def test_faq_reads_question_and_answer_lines() -> None:
    entry = next(e for e in _faq_entries() if e.origin == "faq")
    assert (entry.question, entry.answer) == ("Can yoga help?", "Yes, gentle programs reduce irritation.")


def test_faq_lists_section_topics_with_their_list_as_one_sentence() -> None:
    entry = next(e for e in _faq_entries() if e.origin == "section")
    assert entry.question == "Self-Care at Home"  # numbering removed
    assert entry.answer == "Seek help if you have: Night pain; Fever."


def test_faq_skips_generic_headings_and_sections_made_of_faq_lines() -> None:
    questions = {e.question for e in _faq_entries()}
    assert "Final Thoughts" not in questions and "FAQs" not in questions


def test_faq_from_the_corpus_has_questions_first_and_no_duplicates(fake_assistant: Any) -> None:
    faq = build_faq(fake_assistant.corpus.documents)
    questions = [e.question for e in faq]
    assert "Is cluneal nerve entrapment the same as sciatica?" in questions
    assert "How Do You Diagnose Cluneal Nerve Entrapment?" in questions
    assert len(questions) == len({q.casefold() for q in questions})
    origins = [e.origin for e in faq]
    assert origins.index("section") > max(i for i, o in enumerate(origins) if o != "section")
    for entry in faq:  # every answer is quoted from its document
        doc = fake_assistant.corpus.by_doc[entry.doc_id]
        for part in re.split(r"; |(?<=:) ", entry.answer.removesuffix(" …")):
            assert part.rstrip(".")[:30] in doc.text


def test_faq_list_is_escaped_and_keyboard_browsable() -> None:
    shown = ui.faq_html([FaqEntry("<b>Q?</b>", "A <i>", "d", "T", "S", "faq")])
    assert "<details><summary>" in shown and "<b>" not in shown and "<i>" not in shown


# --- real answers (MiniLM) ------------------------------------------------------------------


@pytest.mark.slow
def test_symptom_question_gets_a_cited_answer_with_its_sources(real_assistant: Any) -> None:
    calls = ui.Callbacks(real_assistant)
    chat, conversation, sources, *_ = calls.respond("What are the symptoms of cluneal nerve entrapment?", [])
    result = conversation[0][1]
    assert result.citations and not result.abstained
    assert '<span class="cite">[1]</span>' in chat[1]["content"]
    for cite in result.citations:
        assert f'id="source-{cite.n}"' in sources and ui.as_text(cite.title) in sources


@pytest.mark.slow
def test_follow_up_uses_the_conversation(real_assistant: Any) -> None:
    calls = ui.Callbacks(real_assistant)
    _, conversation, *_ = calls.respond("What is a cluneal nerve block?", [])
    _, conversation, *_ = calls.respond("how long does it last?", conversation)
    assert conversation[1][1].rewritten_query  # the follow-up was resolved against the history


@pytest.mark.slow
def test_front_desk_search_for_real(real_assistant: Any) -> None:
    passages, answer = ui.Callbacks(real_assistant).search("how long does a nerve block last")
    assert "<mark>block</mark>" in passages.lower() or "<mark>blocks</mark>" in passages.lower()
    assert "Sources:" in answer
