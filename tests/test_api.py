"""The ``/ask`` API of a running app, called with gradio_client over loopback (real MiniLM)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant import ui
from assistant.settings import Settings

pytestmark = pytest.mark.slow

CONTRACT_KEYS = {
    "answer", "triage", "abstained", "citations", "intent", "generator", "triage_rules",
    "disagreement", "rewritten_query", "timings_ms",
}  # fmt: skip
CITATION_KEYS = {"n", "source", "title", "chunk_id", "text", "section", "quotes"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(assistant: Any, settings: Settings) -> Iterator[str]:
    """The app launched in a background thread on a free loopback port; yields its URL."""
    app = ui.build_app(assistant, settings)
    port = free_port()
    app.launch(
        server_name="127.0.0.1", server_port=port, share=False, prevent_thread_lock=True, quiet=True,
        **ui.launch_options(settings),
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def url(real_assistant: Any) -> Iterator[str]:
    with serving(real_assistant, real_assistant.settings) as address:
        yield address


@pytest.fixture(scope="module")
def client(url: str) -> Client:
    return Client(url, verbose=False)


def ask(client: Client, question: Any, history: Any) -> dict[str, Any]:
    return client.predict(question, history, api_name="/ask")  # type: ignore[no-any-return]


def test_ask_returns_the_cli_json_contract(client: Client) -> None:
    result = ask(client, "What are the symptoms of cluneal nerve entrapment?", [])
    assert set(result) == CONTRACT_KEYS
    assert result["triage"] == "routine" and result["abstained"] is False
    assert result["citations"], "a cited answer"
    for cite in result["citations"]:
        assert set(cite) == CITATION_KEYS
        assert f"[{cite['n']}]" in result["answer"]


def test_history_in_the_cli_batch_format_resolves_follow_ups(client: Client) -> None:
    history = ["What is a cluneal nerve block?", {"role": "assistant", "content": "It numbs the nerve."}]
    result = ask(client, "how long does it last?", history)
    assert result["rewritten_query"] and result["triage"] == "routine"


def test_red_flag_message_is_escalated(client: Client) -> None:
    result = ask(client, "since this morning i cant pee and my bum is numb", [])
    assert result["triage"] == "emergency" and result["citations"] == []


@pytest.mark.parametrize(
    ("question", "history", "message"),
    [
        ("", [], "The question is empty"),
        ("a" * 100_000, [], "The question is too long"),
        ("\x00\x01\x02\x1b\x7f", [], "The question is empty"),
        (123, [], "The question must be text"),
        (None, [], "The question must be text"),
        ({"question": "hi"}, [], "The question must be text"),
        ("What is it?", "not a list", "history must be a list"),
        ("What is it?", 42, "history must be a list"),
        ("What is it?", [None], "history[0] must be a string"),
        ("What is it?", [{"role": "doctor", "content": "x"}], "history[0] must be a string"),
    ],
)
def test_malformed_input_gets_a_clear_error(
    client: Client, question: Any, history: Any, message: str
) -> None:
    with pytest.raises(AppError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ask(client, question, history)


def test_control_characters_inside_a_question_are_cleaned_not_rejected(client: Client) -> None:
    result = ask(client, "What causes\x00 cluneal\x1b nerve pain?", [])
    assert result["triage"] == "routine" and result["citations"]


def test_raw_http_garbage_is_rejected_and_the_server_keeps_serving(url: str, client: Client) -> None:
    for body in ({"data": "not a list"}, {"nothing": 1}, {"data": [1, 2, 3, 4, 5]}):
        response = httpx.post(f"{url}gradio_api/call/ask", json=body, timeout=30)
        if response.status_code == 200:  # accepted into the queue: the event stream reports the error
            event_id = response.json()["event_id"]
            stream = httpx.get(f"{url}gradio_api/call/ask/{event_id}", timeout=30).text
            assert "event: error" in stream
        else:
            assert 400 <= response.status_code < 500
    assert ask(client, "What causes cluneal nerve pain?", [])["citations"]


def test_server_keeps_serving_after_malformed_requests(client: Client) -> None:
    for question, history in (("", []), (None, "x"), ("b" * 100_000, [])):
        with pytest.raises(AppError):
            ask(client, question, history)
    assert ask(client, "What causes cluneal nerve pain?", [])["citations"]


def test_front_desk_password_protects_the_api_too(real_assistant: Any) -> None:
    settings = real_assistant.settings.replace(frontdesk_password="s3cret")
    with serving(real_assistant, settings) as address:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises different types across versions
            Client(address, verbose=False)
        result = Client(address, auth=("frontdesk", "s3cret"), verbose=False).predict(
            "What causes cluneal nerve pain?", [], api_name="/ask"
        )
        assert result["citations"]
