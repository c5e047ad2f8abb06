"""The widget's live channel inside the real Rasa server: replay without gaps or
duplicates, resent messages handled once, origin check, limits and malformed frames."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from websockets.exceptions import InvalidStatusCode

from bot.api_auth import bearer_headers, mint
from shop.identity import sign_customer_token
from tests.conftest import TOKEN_SECRET, RunningBot
from tests.http import post_json, send_json
from tests.widget_client import WidgetClient, messages


def client(bot: RunningBot, origin: str | None = None) -> WidgetClient:
    return WidgetClient(bot.web_url, origin=origin)


def test_reconnect_replays_exactly_what_was_missed(bot: RunningBot) -> None:
    async def scenario() -> None:
        page = client(bot)
        await page.connect(language="en")
        await page.say("hello")
        await page.message("bot")
        await page.say("thanks")
        await page.message("bot")
        seen = [frame["seq"] for frame in messages(page.frames)]
        assert seen == list(range(1, len(seen) + 1))
        await page.close()

        again = WidgetClient(bot.web_url, page.session_token)
        welcome = await again.connect(last_seq=2)
        assert welcome["last_seq"] == seen[-1]
        replayed = [await again.wait_for(lambda f: f["type"] == "message") for _ in seen[2:]]
        assert [frame["seq"] for frame in replayed] == seen[2:]
        await again.close()

        reloaded = WidgetClient(bot.web_url, page.session_token)
        await reloaded.connect(last_seq=0)
        history = [await reloaded.wait_for(lambda f: f["type"] == "message") for _ in seen]
        assert [(f["seq"], f["role"]) for f in history] == [
            (f["seq"], f["role"]) for f in messages(page.frames)
        ]
        await reloaded.close()

    asyncio.run(scenario())


def test_a_resent_message_is_stored_and_answered_once(bot: RunningBot) -> None:
    async def scenario() -> None:
        page = client(bot)
        await page.connect(language="ko")
        frame = {"type": "message", "text": "안녕하세요", "client_id": "same-id-1"}
        await page.send(frame)
        first_ack = await page.wait_for(lambda f: f["type"] == "ack")
        await page.message("bot")
        await page.send(frame)
        second_ack = await page.wait_for(lambda f: f["type"] == "ack")
        assert first_ack["seq"] == 1 and second_ack["seq"] is None
        await page.send({"type": "ping"})
        await page.wait_for(lambda f: f["type"] == "pong")
        assert len(messages(page.frames, "user")) == 1
        assert len(messages(page.frames, "bot")) == 1
        await page.close()

    asyncio.run(scenario())


def test_pages_from_other_origins_are_refused(bot: RunningBot) -> None:
    async def scenario() -> None:
        with pytest.raises(InvalidStatusCode) as refused:
            await client(bot, origin="https://evil.example").connect()
        assert refused.value.status_code == 403
        allowed = client(bot, origin=bot.web_url)
        await allowed.connect()
        await allowed.close()

    asyncio.run(scenario())


def test_malformed_frames_get_errors_and_the_socket_stays_usable(bot: RunningBot) -> None:
    async def scenario() -> None:
        page = client(bot)
        await page.connect(language="en")
        for raw in ["not json", "[]", json.dumps({"type": "dance"}), "{" * 10_000]:
            await page.socket.send(raw)
            error = await page.wait_for(lambda f: f["type"] == "error")
            assert error["message"]["ko"] and error["message"]["en"]
        await page.send({"type": "message", "text": 42, "client_id": "x"})
        assert (await page.wait_for(lambda f: f["type"] == "error"))["code"] == "bad_frame"
        await page.send({"type": "message", "text": "a" * 1001, "client_id": "long-1"})
        too_long = await page.wait_for(lambda f: f["type"] == "error")
        assert too_long["code"] == "too_long" and too_long["client_id"] == "long-1"
        await page.say("hello")
        assert (await page.message("bot"))["text"]
        await page.close()

    asyncio.run(scenario())


def test_a_message_before_hello_and_a_bad_hello_are_refused(bot: RunningBot) -> None:
    async def scenario() -> None:
        page = client(bot)
        await page.open()
        await page.say("hello")
        assert (await page.wait_for(lambda f: f["type"] == "error"))["code"] == "not_ready"
        await page.send({"type": "hello", "last_seq": -1})
        assert (await page.wait_for(lambda f: f["type"] == "error"))["code"] == "bad_frame"
        await page.hello(last_seq=0)
        await page.close()

    asyncio.run(scenario())


def test_too_many_messages_a_minute_are_refused_politely(bot: RunningBot) -> None:
    async def scenario() -> None:
        page = client(bot)
        await page.connect(language="ko")
        for index in range(30):
            await page.send({"type": "message", "text": "", "client_id": f"burst-{index}"})
            await page.wait_for(lambda f: f["type"] == "ack")
        await page.send({"type": "message", "text": "", "client_id": "burst-30"})
        refused = await page.wait_for(lambda f: f["type"] == "error")
        assert refused["code"] == "rate_limited" and refused["client_id"] == "burst-30"
        await page.close()

    asyncio.run(scenario())


def test_the_shops_customer_token_in_hello_proves_the_order(bot: RunningBot) -> None:
    # KO_SHIPPED of the demo store belongs to customer c-100772.
    token = sign_customer_token(
        "c-100772", TOKEN_SECRET, datetime.now(timezone.utc) + timedelta(hours=1)
    )

    async def scenario() -> None:
        page = client(bot)
        await page.connect(language="ko", customer_token=token)
        await page.say("주문 8174420965301178 어디쯤 왔어요?")
        answer = await page.message("bot")
        # No e-mail or phone question: the token already proved the order.
        assert "LP00628471935502" in answer["text"], answer
        await page.close()

    asyncio.run(scenario())


def test_only_the_web_service_may_ask_the_rasa_server_for_a_widget_turn(bot: RunningBot) -> None:
    async def issued() -> str:
        page = client(bot)
        await page.connect()
        await page.close()
        assert page.session_token
        return page.session_token

    token = asyncio.run(issued())
    session = token.split(".")[0]
    url = f"{bot.rasa_url}/webhooks/widget/turn"
    body = {"session_id": session, "message": "hello", "metadata": {"language": "en"}}
    secret = bot.stack.rasa_api_token
    assert bot.post(url, body)[0] == 401
    # The secret itself, in the URL (where Rasa's own token went) or in the header, is no
    # credential: only a JWT it signed, unexpired.
    assert bot.post(f"{url}?token={secret}", body)[0] == 401
    assert post_json(url, body, headers={"Authorization": f"Bearer {secret}"})[0] == 401
    expired = {"Authorization": f"Bearer {mint(secret, lifetime=-3600)}"}
    assert post_json(url, body, headers=expired)[0] == 401
    forged = bearer_headers("not-the-secret-but-long-enough-to-sign")
    status, refusal = post_json(url, body, headers=forged)
    assert status == 401 and refusal["message"]["ko"] and refusal["message"]["en"], refusal

    def turn(payload: Any) -> tuple[int, Any]:
        return post_json(url, payload, headers=bearer_headers(secret))

    for bad in ({**body, "session_id": "bad id!"}, {**body, "message": 42}):
        status, error = turn(bad)
        assert status == 400 and error["message"]["ko"] and error["message"]["en"], error
    status, reply = turn(body)
    assert status == 200 and reply["seqs"], reply

    async def replayed() -> None:
        # The turn's replies were stored for the shopper's socket, numbered as returned.
        page = WidgetClient(bot.web_url, token)
        await page.connect(last_seq=0)
        frames = [await page.wait_for(lambda f: f["type"] == "message") for _ in reply["seqs"]]
        assert [frame["seq"] for frame in frames] == reply["seqs"]
        assert all(frame["role"] == "bot" and frame["text"] for frame in frames)
        await page.close()

    asyncio.run(replayed())


def test_rest_callers_cannot_write_into_a_widget_conversation(bot: RunningBot) -> None:
    """A widget conversation belongs to the widget: its raw id (seen in the inbox or the
    console, or guessed) is no way in over REST, and a REST conversation's sender is no
    widget session."""

    async def talked() -> str:
        page = client(bot)
        await page.connect(language="en")
        await page.say("hello")
        await page.message("bot")
        await page.close()
        return page.session_id

    session = asyncio.run(talked())
    rest = f"{bot.rasa_url}/webhooks/rest/webhook"
    status, refusal = bot.post(rest, {"sender": session, "message": "cancel my order"})
    assert status == 403 and refusal["message"]["ko"] and refusal["message"]["en"], refusal

    # The REST caller's words went nowhere: the conversation holds the widget's only.
    status, tracker = send_json(
        "GET",
        f"{bot.rasa_url}/conversations/{session}/tracker",
        raw=b"",
        headers=bearer_headers(bot.stack.rasa_api_token),
    )
    assert status == 200, tracker
    texts = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    assert texts == ["hello"], texts

    sender = "rest-conversation-0001"
    assert bot.post(rest, {"sender": sender, "message": "hi"})[0] == 200
    url = f"{bot.rasa_url}/webhooks/widget/turn"
    body = {"session_id": sender, "message": "hello", "metadata": {"language": "en"}}
    status, refusal = post_json(url, body, headers=bearer_headers(bot.stack.rasa_api_token))
    assert status == 403 and refusal["message"]["ko"] and refusal["message"]["en"], refusal
