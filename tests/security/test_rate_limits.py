"""Rate limits (issue #21, medium 8): the REST channel, the widget's socket and the
agent API each allow only so many requests per IP and per conversation in a window,
as handoff.yml `rate_limits` says, and answer 429 with Retry-After and a Korean and
English message beyond them (the widget's messages: an error frame with retry_after).

On the real stack (the `bot` fixture), with low limits written into its handoff.yml
(the servers re-read it). Each test comes from an address of its own in 127.0.0.0/8,
so the counts are its own.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import pytest
from websockets.client import connect as websocket_connect
from websockets.exceptions import InvalidStatusCode

from handoff.rate_limits import TOO_MANY_REQUESTS
from tests.conftest import RunningBot
from tests.handoff_setup import AGENTS

WINDOW = 600
LIMITS = {
    "window_seconds": WINDOW,
    "rest": {"per_ip": 4, "per_conversation": 2},
    "widget": {"per_ip": 3},
    "api": {"per_ip": 3, "per_conversation": 2},
}


@pytest.fixture
def low_limits(bot: RunningBot) -> Iterator[None]:
    saved = bot.handoff_config.data["rate_limits"]
    bot.handoff_config.data["rate_limits"] = LIMITS
    bot.handoff_config.write()
    try:
        yield
    finally:
        bot.handoff_config.data["rate_limits"] = saved
        bot.handoff_config.write()


def an_address() -> str:
    """A loopback address no other test uses: the servers see it as the client's IP."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def _assert_limited(status: int, retry_after: str | None, body: Any) -> None:
    assert status == 429
    assert retry_after is not None and retry_after.isdigit()
    assert 1 <= int(retry_after) <= WINDOW
    assert body["error"] == "rate_limited"
    assert body["message"] == TOO_MANY_REQUESTS


@contextmanager
def _rest(bot: RunningBot, ip: str) -> Iterator[Any]:
    def say(sender: str) -> tuple[int, str | None, Any]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", bot.stack.config.rasa_port, timeout=60, source_address=(ip, 0)
        )
        try:
            body = json.dumps({"sender": sender, "message": "안녕하세요"})
            connection.request(
                "POST",
                "/webhooks/rest/webhook",
                body=body,
                headers={"Content-Type": "application/json"},
            )
            answer = connection.getresponse()
            return answer.status, answer.getheader("Retry-After"), json.loads(answer.read())
        finally:
            connection.close()

    yield say


def test_rest_is_limited_per_sender_and_per_ip(bot: RunningBot, low_limits: None) -> None:
    one, two = f"rl-{uuid.uuid4().hex}", f"rl-{uuid.uuid4().hex}"
    with _rest(bot, an_address()) as say:
        assert say(one)[0] == 200
        assert say(one)[0] == 200
        # The sender's third in the window; refused ones count too.
        _assert_limited(*say(one))
        # Another sender from the same address: its first is the address's fourth.
        assert say(two)[0] == 200
        _assert_limited(*say(two))
    with _rest(bot, an_address()) as say:
        # Somewhere else, nobody is held back by that address.
        assert say(f"rl-{uuid.uuid4().hex}")[0] == 200


def test_the_agent_api_is_limited_per_conversation_and_per_ip(
    bot: RunningBot, low_limits: None
) -> None:
    asyncio.run(_api(bot))


async def _api(bot: RunningBot) -> None:
    headers = {"Authorization": f"Bearer {AGENTS['minji'].token}"}
    base = f"http://127.0.0.1:{bot.stack.config.web_port}/api"

    async def call(ip: str, path: str) -> tuple[int, str | None, Any]:
        connector = aiohttp.TCPConnector(local_addr=(ip, 0))
        async with aiohttp.ClientSession(connector=connector) as session:
            async with session.get(base + path, headers=headers) as reply:
                return reply.status, reply.headers.get("Retry-After"), await reply.json()

    ip = an_address()
    conversation = f"/conversations/rl-{uuid.uuid4().hex}"
    assert (await call(ip, conversation))[0] == 404
    assert (await call(ip, conversation))[0] == 404
    _assert_limited(*await call(ip, conversation))
    # Its fourth call, about no conversation: the address's limit.
    _assert_limited(*await call(ip, "/me"))
    assert (await call(an_address(), "/me"))[0] == 200


def test_the_widget_is_limited_per_ip(bot: RunningBot, low_limits: None) -> None:
    asyncio.run(_widget(bot))


async def _widget(bot: RunningBot) -> None:
    url = f"ws://127.0.0.1:{bot.stack.config.web_port}/webhooks/widget/socket"
    ip = an_address()
    # The opening counts: one, then two messages make three.
    socket = await websocket_connect(url, local_addr=(ip, 0))
    try:
        await socket.send(json.dumps({"type": "hello", "last_seq": 0, "language": "ko"}))
        refused: dict[str, Any] | None = None
        for n in range(3):
            await socket.send(json.dumps({"type": "message", "text": "hi", "client_id": str(n)}))
        while refused is None:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 60))
            if frame.get("type") == "error":
                refused = frame
        assert refused["code"] == "rate_limited" and refused["client_id"] == "2"
        assert 1 <= refused["retry_after"] <= WINDOW
        assert refused["message"]["ko"] and refused["message"]["en"]
    finally:
        await socket.close()

    with pytest.raises(InvalidStatusCode) as opening:
        await websocket_connect(url, local_addr=(ip, 0))
    assert opening.value.status_code == 429
    assert opening.value.headers["Retry-After"].isdigit()

    elsewhere = await websocket_connect(url, local_addr=(an_address(), 0))
    await elsewhere.close()
