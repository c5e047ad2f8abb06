"""The review inbox end to end in a real browser (Debian's chromium via Playwright),
against the real stack: a shopper's nonsense message is not understood (our model calls
gibberish out_of_scope rather than falling back; the inbox takes both), the event broker
puts it in the inbox, an editor signs in at /editor, labels it and accepts, and the
training file gains it. The stack's web service writes to a copy of the data
(EVA_DATA_DIR)."""

from __future__ import annotations

import asyncio
import secrets
import string
import time
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect, sync_playwright

from bot.inbox.store import InboxItem, InboxStore
from tests.browser import launch_chromium
from tests.conftest import RunningBot
from tests.handoff_setup import AGENTS

CAPTURE_SECONDS = 20.0


def _data_dir(bot: RunningBot) -> Path:
    value = bot.stack.config.extra_env.get("EVA_DATA_DIR")
    if not value:
        pytest.fail(
            "the test stack must give the web service a copy of the data: set EVA_DATA_DIR "
            "in tests/conftest.py (bot fixture, extra_env), or the editor would write to data/"
        )
    return Path(value)


def _nonsense() -> str:
    # Unique per run: an editor's earlier decision on the same text hides it for good.
    suffix = "".join(secrets.choice("qxzjvw") for _ in range(5))
    return f"qwzx blorp fnord {suffix}"


def _captured(bot: RunningBot, language: str, text: str) -> InboxItem:
    settings = bot.stack.redis_settings
    assert settings is not None

    async def find() -> InboxItem | None:
        store = InboxStore(settings.async_client())
        try:
            return next((i for i in await store.items(language) if i.text == text), None)  # type: ignore[arg-type]
        finally:
            await store.client.close()

    deadline = time.monotonic() + CAPTURE_SECONDS
    while (item := asyncio.run(find())) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"{text!r} never reached the inbox; see {bot.stack.log_dir}/rasa.log")
        time.sleep(0.2)
    return item


def test_an_editor_labels_a_missed_message_and_the_training_file_gains_it(bot: RunningBot) -> None:
    data_dir = _data_dir(bot)
    text = _nonsense()
    sender = "inbox-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
    assert bot.say(sender, text, {"language": "en"}), "the bot did not answer"
    item = _captured(bot, "en", text)
    # Personal data arrives masked.
    bot.say(
        sender + "-2",
        "what is the weather in Seoul tomorrow kim.minji@example.com",
        {"language": "en"},
    )
    _captured(bot, "en", "what is the weather in Seoul tomorrow <email>")

    editor = AGENTS["editor"]
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{bot.web_url}/editor?lang=en")
            expect(page).to_have_url(f"{bot.web_url}/editor/login")
            page.get_by_test_id("login-id").fill(editor.id)
            page.get_by_test_id("login-password").fill(editor.password)
            page.get_by_test_id("login-submit").click()
            expect(page.get_by_test_id("editor-name")).to_have_text(editor.name)

            english = page.get_by_test_id("inbox-section-en")
            expect(english).to_contain_text("what is the weather in Seoul tomorrow <email>")
            assert "kim.minji@example.com" not in page.content()

            row = english.locator(f'[data-testid="inbox-item"][data-item-id="{item.id}"]')
            expect(row.get_by_test_id("inbox-text")).to_have_text(text)
            # Accepting without a label is explained, and nothing is sent.
            row.get_by_test_id("inbox-accept").click()
            expect(page.get_by_test_id("editor-alert")).to_contain_text("Please choose")

            row.get_by_test_id("inbox-label").select_option("intent:out_of_scope")
            row.get_by_test_id("inbox-accept").click()
            expect(page.get_by_test_id("status")).to_contain_text(
                "Added to data/nlu/en/inbox.yml as an example of out_of_scope"
            )
            expect(row).to_have_count(0)

            page.reload()
            expect(page.get_by_test_id("inbox-section-en")).not_to_contain_text(text)
        finally:
            browser.close()

    document = yaml.safe_load((data_dir / "nlu" / "en" / "inbox.yml").read_text("utf-8"))
    examples = {item["intent"]: item["examples"].splitlines() for item in document["nlu"]}
    assert f"- {text}" in examples["out_of_scope"]
