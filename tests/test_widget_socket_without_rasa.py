"""The widget's socket when the Rasa server cannot answer: the shopper's message is kept
and the page is told so politely, in the page's language."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.redis_server import RedisSettings
from tests.web_service import web_service
from tests.widget_client import WidgetClient, messages


@pytest.mark.parametrize(
    ("language", "expected"), [("ko", "죄송해요"), ("en", "Sorry, the chatbot cannot answer")]
)
def test_a_message_the_bot_cannot_answer_is_kept_and_explained(
    redis_settings: RedisSettings, tmp_path: Path, language: str, expected: str
) -> None:
    with web_service(redis_settings, tmp_path, {}) as port:

        async def scenario() -> None:
            page = WidgetClient(f"http://127.0.0.1:{port}")
            await page.connect(language=language)
            await page.say("hello?")
            notice = await page.message("system")
            assert notice["event"] == "bot_unavailable"
            assert expected in notice["text"]
            await page.close()

            reloaded = WidgetClient(f"http://127.0.0.1:{port}", page.session_token)
            await reloaded.connect(last_seq=0)
            stored = [await reloaded.wait_for(lambda f: f["type"] == "message") for _ in range(2)]
            assert (stored[0]["role"], stored[0]["text"]) == ("user", "hello?")
            assert messages(stored, "system")
            await reloaded.close()

        asyncio.run(scenario())
