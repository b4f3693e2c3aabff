"""End to end in headless Chromium (Debian's ``chromium`` package) driven by Playwright.

The app runs in a background thread on a free loopback port with the real MiniLM assistant.
Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from assistant import ui

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
RED_FLAG = "since this morning i cant pee and my bum is numb"
QUESTION = "What are the symptoms of cluneal nerve entrapment?"
WAIT_MS = 30_000


def chromium_path() -> str:
    """Debian's chromium; missing is a skip on a workstation but a failure in CI."""
    path = shutil.which("chromium")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: CI must run `make browser` (apt-get install chromium).")
    pytest.skip(
        "chromium is not installed: run `make browser` (apt-get install chromium) to run these tests."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def url(real_assistant: Any) -> Iterator[str]:
    settings = real_assistant.settings
    app = ui.build_app(real_assistant, settings)
    port = free_port()
    app.launch(
        server_name="127.0.0.1", server_port=port, share=False, prevent_thread_lock=True, quiet=True,
        **ui.launch_options(settings),
    )  # fmt: skip
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Page:
    """A fresh page on the app that records any JavaScript dialog (an XSS would open one)."""

    def __init__(self, browser: Any, url: str, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.goto(url)
        self.page.get_by_label("Your question").wait_for(timeout=WAIT_MS)

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def send(self, text: str) -> Any:
        """Type a chat message, press Enter and wait for its answer; returns the answer element."""
        bot = self.page.locator('#chat [data-testid="bot"]')
        before = bot.count()
        box = self.page.get_by_label("Your question")
        box.fill(text)
        box.press("Enter")
        expect(bot).to_have_count(before + 1, timeout=WAIT_MS)
        return bot.last

    def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(browser: Any, url: str) -> Iterator[Page]:
    opened = Page(browser, url)
    yield opened
    opened.context.close()


def test_question_gets_a_cited_answer_and_visible_sources(page: Page) -> None:
    answer = page.send(QUESTION)
    assert answer.locator(".cite").first.is_visible()
    sources = page.page.locator("#sources li")
    assert sources.count() >= 1 and sources.first.is_visible()
    first = sources.first.inner_text()
    assert first.startswith("[1]") and "Section:" in first
    page.shot("chat_cited_answer")


def test_red_flag_message_shows_the_alert(page: Page) -> None:
    answer = page.send(RED_FLAG)
    banner = page.page.locator("#alert-banner .alert-emergency[role=alert]")
    assert banner.is_visible() and answer.locator(".alert-emergency").is_visible()
    assert ui.ALERT_STYLES["emergency"]["heading"] in banner.inner_text()
    colours = banner.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]")
    assert colours == ["rgb(176, 0, 32)", "rgb(255, 255, 255)"]
    opacity = answer.locator(".alert").evaluate("e => getComputedStyle(e.closest('.md')).opacity")
    assert opacity == "1"  # not dimmed: the contrast stays as designed
    page.shot("chat_emergency_alert")


def test_html_payloads_are_shown_as_text(page: Page) -> None:
    for payload in PAYLOADS:
        page.send(payload)
        shown = page.page.locator('#chat [data-testid="user"]').last.inner_text().strip()
        assert shown == payload
    page.page.wait_for_timeout(500)  # give an injected handler time to fire
    assert page.dialogs == []
    assert page.page.locator('#chat img[src="x"], #chat script').count() == 0
    page.shot("chat_html_payloads")


def test_front_desk_search_finds_marked_passages_and_a_copy_ready_answer(page: Page) -> None:
    page.page.get_by_role("tab", name="Front desk").click()
    box = page.page.get_by_label("Search the documents")
    box.fill("how long does a nerve block last")
    box.press("Enter")
    marks = page.page.locator("#fd-passages mark")
    marks.first.wait_for(timeout=WAIT_MS)
    assert "block" in marks.first.inner_text().lower() or marks.count() > 1
    answer = page.page.locator("#fd-answer textarea")
    assert "Sources:" in answer.input_value()
    page.page.get_by_text("Questions the documents answer").click()
    faq = page.page.locator("#faq summary")
    faq.first.click()
    assert page.page.locator("#faq details[open] p").first.is_visible()
    page.shot("front_desk_search")


def test_sources_tab_lists_documents_and_index_status(page: Page, real_assistant: Any) -> None:
    page.page.get_by_role("tab", name="Sources").click()
    first_title = real_assistant.corpus.documents[0].title
    assert page.page.get_by_text(first_title).first.is_visible()
    assert page.page.get_by_text("Embedding model").is_visible()
    page.shot("sources_tab")


def test_keyboard_only_use_reaches_the_question_box_and_sends(page: Page) -> None:
    keyboard = page.page.keyboard
    for _ in range(40):
        keyboard.press("Tab")
        if page.page.evaluate("document.activeElement.closest('#question') !== null"):
            break
    else:
        pytest.fail("the question box cannot be reached with the Tab key")
    keyboard.type("How is it diagnosed?")
    keyboard.press("Enter")
    expect(page.page.locator('#chat [data-testid="bot"]')).to_have_count(1, timeout=WAIT_MS)


def test_phone_width_390_is_usable(browser: Any, url: str) -> None:
    phone = Page(browser, url, width=390, height=844)
    try:
        phone.send(QUESTION)
        phone.page.locator("#sources li").first.wait_for(timeout=WAIT_MS)
        width = phone.page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390, f"horizontal scrolling at 390 px ({width} px wide)"
        assert phone.page.get_by_role("button", name="Send").is_visible()
        phone.shot("phone_390_answer")
        phone.send(RED_FLAG)
        heading = phone.page.locator("#alert-banner .alert-heading")
        expect(heading).to_be_in_viewport()
        phone.page.screenshot(path=str(ARTIFACTS / "phone_390_alert.png"))
        assert phone.dialogs == []
    finally:
        phone.context.close()
