"""Agents' reading scope (issue #21, medium 9): an agent reads the conversations they
hold or held and their teams' queues, a supervisor reads everything, another agent's
chat answers 403, and every transcript read leaves an audit line without the id.

On the real stack (the `bot` fixture): a shopper asks for a person through the widget,
agents read through the agent API with their bearer tokens.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from websockets.client import connect as websocket_connect

from handoff.audit import masked_id
from handoff.reading_scope import AUDIT_KEY
from tests.conftest import RunningBot
from tests.handoff_setup import AGENTS
from tests.widget_client import WidgetClient


class Agent:
    def __init__(self, bot: RunningBot, agent_id: str) -> None:
        self.base = f"{bot.web_url}/api"
        self.headers = {"Authorization": f"Bearer {AGENTS[agent_id].token}"}
        self.web_url = bot.web_url

    async def call(self, method: str, path: str) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as session:
            async with session.request(method, self.base + path, headers=self.headers) as reply:
                return reply.status, await reply.json()

    async def read(self, conversation_id: str) -> int:
        status, body = await self.call("GET", f"/conversations/{conversation_id}")
        if status == 403:
            assert body["error"] == "forbidden"
            assert body["message"]["ko"] and body["message"]["en"]
        return status

    async def feed(self) -> Any:
        url = self.web_url.replace("http://", "ws://") + "/agent/socket"
        return await websocket_connect(url, extra_headers=self.headers)


async def _until(feed: Any, kind: str, conversation_id: str) -> list[dict[str, Any]]:
    """Every event of the feed up to the first of `kind` for the conversation."""
    received: list[dict[str, Any]] = []
    while True:
        event = json.loads(await asyncio.wait_for(feed.recv(), 30))
        received.append(event)
        if event.get("type") == kind and event.get("conversation_id") == conversation_id:
            return received


async def _queued(bot: RunningBot) -> WidgetClient:
    shopper = WidgetClient(bot.web_url)
    await shopper.connect(language="ko")
    await shopper.say("", payload="/request_agent")
    await shopper.queued()
    return shopper


def _audit(bot: RunningBot, conversation_id: str) -> list[dict[str, Any]]:
    client = bot.stack.redis_settings.client()  # type: ignore[union-attr]
    try:
        lines = [bytes(line).decode("utf-8") for line in client.lrange(AUDIT_KEY, 0, -1)]
    finally:
        client.close()
    assert all(conversation_id not in line for line in lines)
    found = [json.loads(line) for line in lines]
    return [line for line in found if line["conversation"] == masked_id(conversation_id)]


def test_agents_read_only_what_they_hold_held_or_their_queue(bot: RunningBot) -> None:
    asyncio.run(_scope(bot))


async def _scope(bot: RunningBot) -> None:
    sam, minji, jisoo, lead = (Agent(bot, name) for name in ("sam", "minji", "jisoo", "lead"))
    shopper = await _queued(bot)
    conversation = shopper.session_id
    try:
        # Waiting in the Korean queue: the Korean team reads it to decide; the English-only
        # supervisor reads it as a supervisor.
        assert [await a.read(conversation) for a in (minji, sam, lead)] == [200, 200, 200]

        assert (await sam.call("POST", f"/conversations/{conversation}/claim"))[0] == 200
        # Sam's chat now: his teammates in the Korean team may no longer read it.
        assert await minji.read(conversation) == 403
        assert await jisoo.read(conversation) == 403
        assert await sam.read(conversation) == 200
        assert await lead.read(conversation) == 200

        assert (await sam.call("POST", f"/conversations/{conversation}/handback"))[0] == 200
        # Held once: still Sam's to read; never the others'.
        assert await sam.read(conversation) == 200
        assert await minji.read(conversation) == 403
    finally:
        await shopper.close()

    audit = _audit(bot, conversation)
    # Newest first: every read above, allowed or not, by whom.
    seen = [(line["agent"], line["allowed"]) for line in reversed(audit)]
    assert seen == [
        ("minji", True),
        ("sam", True),
        ("lead", True),
        ("minji", False),
        ("jisoo", False),
        ("sam", True),
        ("lead", True),
        ("sam", True),
        ("minji", False),
    ]


def test_the_console_feed_carries_no_words_of_another_agents_chat(bot: RunningBot) -> None:
    asyncio.run(_feed(bot))


async def _feed(bot: RunningBot) -> None:
    sam, minji = Agent(bot, "sam"), Agent(bot, "minji")
    shopper = await _queued(bot)
    conversation = shopper.session_id
    feed, sams_feed = await minji.feed(), await sam.feed()
    try:
        assert (await sam.call("POST", f"/conversations/{conversation}/claim"))[0] == 200
        await shopper.say("제 주소는 서울시 비밀구 1번지예요")
        # Published once Sam has it; then a message minji may read (a shopper waiting in
        # her queue): her feed is in publish order, so whatever she was sent about Sam's
        # chat came before that one.
        await _until(sams_feed, "shopper_message", conversation)
        marker = await _queued(bot)
        await marker.say("마커 메시지")
        received = await _until(feed, "shopper_message", marker.session_id)
        await marker.close()
        # Out of the queue again, so no later test finds a stranger waiting there.
        assert (await sam.call("POST", f"/conversations/{marker.session_id}/claim"))[0] == 200
        await sam.call("POST", f"/conversations/{marker.session_id}/handback")
        words = [event for event in received if event.get("conversation_id") == conversation]
        assert all(event.get("type") not in ("shopper_message", "typing") for event in words)
        assert all("비밀구" not in json.dumps(event, ensure_ascii=False) for event in received)
        await sam.call("POST", f"/conversations/{conversation}/handback")
    finally:
        await feed.close()
        await sams_feed.close()
        await shopper.close()
