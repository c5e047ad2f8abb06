"""Widget conversation ids are issued and signed by the server (issue #21): an id the
page chose, read off a screen or tampered with never opens a conversation. A real web
service (no Rasa server needed: each message is kept with a "bot unavailable" notice,
which is history enough to replay).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.redis_server import RedisSettings
from handoff.audit import masked_id
from handoff.widget_ids import SECRET_ENV
from tests.web_service import web_service
from tests.widget_client import Frame, WidgetClient, messages

SECRET = "widget-ids-test-secret-" + "x" * 20


@pytest.fixture(scope="module")
def web(
    redis_settings: RedisSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The web service's address and its log."""
    run_dir = tmp_path_factory.mktemp("widget-ids")
    with web_service(redis_settings, run_dir, {SECRET_ENV: SECRET}) as port:
        yield f"http://127.0.0.1:{port}", run_dir / "web.log"


async def conversation(web_url: str, text: str) -> WidgetClient:
    """A closed page that said `text`: its conversation holds two messages."""
    page = WidgetClient(web_url)
    welcome = await page.connect(language="en")
    assert welcome["renewed"] is False and page.session_token
    await page.say(text)
    await page.message("system")
    await page.close()
    return page


def id_and_signature(page: WidgetClient) -> tuple[str, str]:
    assert page.session_token is not None
    session_id, signature = page.session_token.split(".")
    return session_id, signature


async def replayed(page: WidgetClient) -> list[Frame]:
    """The messages the page was sent after its hello, up to the answer to a ping."""
    await page.send({"type": "ping"})
    await page.wait_for(lambda frame: frame["type"] == "pong")
    return messages(page.frames)


def test_a_client_chosen_id_is_not_accepted_as_a_conversation(web: tuple[str, Path]) -> None:
    web_url, _ = web

    async def scenario() -> None:
        chosen = "my-own-chosen-id-0123456789"
        page = WidgetClient(web_url)
        await page.open()
        await page.send({"type": "hello", "session_id": chosen, "last_seq": 0})
        welcome = await page.wait_for(lambda frame: frame["type"] == "welcome")
        assert welcome["session_id"] != chosen and welcome["renewed"] is True
        page.session_token = welcome["session_token"]
        await page.close()
        # Nor does a made-up id in the token's place get its own conversation.
        again = WidgetClient(web_url, chosen)
        welcome = await again.connect()
        assert welcome["session_id"] != chosen and welcome["renewed"] is True
        await again.close()

    asyncio.run(scenario())


def test_a_tampered_signature_is_refused(web: tuple[str, Path]) -> None:
    web_url, _ = web

    async def scenario() -> None:
        session_id, signature = id_and_signature(await conversation(web_url, "my order is 1"))
        other_id, _ = id_and_signature(await conversation(web_url, "another page"))
        flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
        for forged in (f"{session_id}.{flipped}", f"{other_id}.{signature}", session_id + "."):
            page = WidgetClient(web_url, forged)
            welcome = await page.connect(last_seq=0)
            assert welcome["session_id"] not in (session_id, other_id), forged
            assert welcome["renewed"] is True and welcome["last_seq"] == 0
            assert await replayed(page) == []
            await page.close()

    asyncio.run(scenario())


def test_the_issued_id_reconnects_and_replays(web: tuple[str, Path]) -> None:
    web_url, _ = web

    async def scenario() -> None:
        first = await conversation(web_url, "where is my parcel?")
        reloaded = WidgetClient(web_url, first.session_token)
        welcome = await reloaded.connect(last_seq=0)
        assert welcome["session_id"] == first.session_id and welcome["renewed"] is False
        assert welcome["session_token"] == first.session_token
        replayed = [await reloaded.message(role) for role in ("user", "system")]
        assert replayed[0]["text"] == "where is my parcel?"
        assert [frame["seq"] for frame in replayed] == [1, 2]
        await reloaded.close()

    asyncio.run(scenario())


def test_someones_raw_id_without_its_signature_gets_nothing(web: tuple[str, Path]) -> None:
    web_url, log = web

    async def scenario() -> None:
        victim = await conversation(web_url, "my address is 12 Secret Street")
        raw = victim.session_id
        for hello in ({"session_id": raw}, {"session_token": raw}):
            intruder = WidgetClient(web_url)
            await intruder.open()
            await intruder.send({"type": "hello", "last_seq": 0, **hello})
            welcome = await intruder.wait_for(lambda frame: frame["type"] == "welcome")
            assert welcome["session_id"] != raw and welcome["last_seq"] == 0
            assert await replayed(intruder) == []
            await intruder.say("I am writing into your conversation")
            await intruder.message("system")
            await intruder.close()
        # The victim's conversation has only the victim's messages.
        again = WidgetClient(web_url, victim.session_token)
        welcome = await again.connect(last_seq=0)
        assert welcome["last_seq"] == 2
        history = await replayed(again)
        assert [frame["text"] for frame in messages(history, "user")] == [
            "my address is 12 Secret Street"
        ]
        await again.close()
        # The refused id is logged masked, never whole.
        logged = log.read_text(encoding="utf-8", errors="replace")
        assert masked_id(raw) in logged and raw not in logged

    asyncio.run(scenario())
