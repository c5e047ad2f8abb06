"""The agent console in a real browser (Debian's chromium via Playwright), against the
real stack: an agent logs in, sees a waiting shopper, claims, reads the transcript and
replies; the shopper's socket receives the reply."""

from __future__ import annotations

import asyncio

from playwright.sync_api import expect, sync_playwright

from tests.browser import launch_chromium
from tests.conftest import RunningBot
from tests.handoff_setup import AGENTS
from tests.widget_client import WidgetClient


def _queue_a_shopper(bot: RunningBot, words: str) -> WidgetClient:
    shopper = WidgetClient(bot.web_url)

    async def ask() -> None:
        await shopper.connect(language="ko")
        await shopper.say(words)
        await shopper.say("상담원 연결해 주세요")
        await shopper.queued()
        await shopper.close()

    asyncio.run(ask())
    return shopper


def _agent_message_reaches(bot: RunningBot, shopper: WidgetClient, text: str) -> None:
    async def read() -> None:
        await shopper.connect()
        await shopper.wait_for(lambda f: f.get("role") == "agent" and f.get("text") == text)
        await shopper.close()

    asyncio.run(read())


def test_agent_logs_in_claims_and_replies(bot: RunningBot) -> None:
    words = "<b>배송</b>이 너무 늦어요"
    shopper = _queue_a_shopper(bot, words)
    agent = AGENTS["minji"]
    reply = "확인해 볼게요. 잠시만 기다려 주세요!"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{bot.web_url}/agent?lang=ko")
            page.get_by_test_id("login-id").fill(agent.id)
            page.get_by_test_id("login-password").fill(agent.password)
            page.get_by_test_id("login-submit").click()
            expect(page.get_by_test_id("agent-name")).to_have_text(agent.name)

            item = page.locator(
                f'[data-testid="queue-item"][data-conversation-id="{shopper.session_id}"]'
            )
            expect(item).to_be_visible()
            # The shopper's HTML is shown as text, never as markup.
            expect(item).to_contain_text(words)
            item.click()
            transcript = page.get_by_test_id("transcript")
            expect(transcript).to_contain_text(words)
            expect(transcript.locator("b")).to_have_count(0)

            page.get_by_test_id("claim-button").click()
            expect(page.get_by_test_id("reply-input")).to_be_enabled()
            page.get_by_test_id("reply-input").fill(reply)
            page.get_by_test_id("send-button").click()
            expect(
                transcript.locator('[data-testid="transcript-row"][data-role="agent"]')
            ).to_contain_text(reply)
        finally:
            browser.close()
    _agent_message_reaches(bot, shopper, reply)
