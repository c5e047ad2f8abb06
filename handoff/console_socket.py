"""The console's live feed: handoff events from Redis, pushed to each agent's browser.

Every web service process subscribes to the same Redis channel, so an agent sees a
shopper's message or a colleague's claim whichever process served it. The caller's
access is checked again every few seconds: a feed outlives neither a logout, nor an
expired session, nor an account or role removed from handoff.yml (issue #21).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from handoff.auth import Forbidden, Unauthenticated, authenticate
from handoff.config import AgentConfig
from handoff.context import HandoffContext
from handoff.queue import EVENTS_CHANNEL
from handoff.reading_scope import may_read
from handoff.web_security import CSRF_REFUSED, from_our_pages

logger = logging.getLogger(__name__)

SOCKET_PATH = "/agent/socket"
MAX_FRAME_BYTES = 4096
# How often an open feed checks that its caller may still have it: a Redis GET for a
# cookie session, a lookup in the loaded config for a token.
ACCESS_CHECK_SECONDS = 5.0
# Close codes the console's page reads (web/agent): sign in again.
CLOSE_UNAUTHENTICATED = 4401


# Events that carry a conversation's words: only for those who may read it.
TEXT_EVENTS = frozenset({"shopper_message", "agent_message", "typing"})


async def concerns(ctx: HandoffContext, agent: AgentConfig, event: dict[str, Any]) -> bool:
    """A conversation's words for those who may read its transcript (reading_scope);
    other events of the agent's teams, or of a chat the agent has (say, after a
    transfer)."""
    conversation_id = str(event.get("conversation_id"))
    if event.get("type") in TEXT_EVENTS:
        handoff = await ctx.queue.get(conversation_id)
        return handoff is not None and await may_read(ctx.queue, agent, handoff)
    if event.get("team") in agent.teams:
        return True
    return await ctx.queue.has_chat(agent.id, conversation_id)


async def _forward(ctx: HandoffContext, agent: AgentConfig, ws: Any) -> None:
    pubsub = ctx.client.pubsub()
    await pubsub.subscribe(EVENTS_CHANNEL)
    try:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
            if message is None:
                continue
            event = json.loads(message["data"])
            if event.get("type") == "shopper_message" or event.get("type") == "typing":
                handoff = await ctx.queue.get(str(event.get("conversation_id")))
                event["team"] = handoff.team if handoff else None
            if await concerns(ctx, agent, event):
                await ws.send(json.dumps(event, ensure_ascii=False))
    finally:
        await pubsub.close()


async def _receive(ctx: HandoffContext, agent: AgentConfig, ws: Any) -> None:
    """The console only sends typing flags; anything else is ignored."""
    while True:
        raw = await ws.recv()
        if raw is None:
            return
        if len(raw) > MAX_FRAME_BYTES:
            continue
        try:
            frame = json.loads(raw)
            if frame.get("type") == "typing":
                await ctx.service.typing(
                    agent, str(frame["conversation_id"]), bool(frame.get("on"))
                )
        except Exception as error:  # a bad frame must not end the feed
            logger.debug("ignored console frame: %s", error)


async def _watch_access(ctx: HandoffContext, request: Request, ws: Any) -> None:
    """Returns, after closing the feed, once its caller may no longer have it."""
    while True:
        await asyncio.sleep(ACCESS_CHECK_SECONDS)
        try:
            await authenticate(ctx.client, ctx.config.get(), request, "agent")
        except (Unauthenticated, Forbidden):
            await ws.close(code=CLOSE_UNAUTHENTICATED, reason="unauthenticated")
            return


def blueprint() -> Blueprint:
    socket = Blueprint("handoff_console_socket")

    @socket.middleware("request")
    async def check_origin(request: Request) -> HTTPResponse | None:
        # Before the upgrade: a page of another site must not open an agent's feed with
        # the agent's cookie (browsers send Origin on every WebSocket handshake). A
        # bearer token is no browser's doing and is checked by the handler alone.
        if request.path != SOCKET_PATH or request.headers.get("authorization"):
            return None
        if from_our_pages(request):
            return None
        return response.json({"error": "origin_not_allowed", "message": CSRF_REFUSED}, status=403)

    @socket.websocket(SOCKET_PATH)
    async def feed(request: Request, ws: Any) -> None:
        ctx: HandoffContext = request.app.ctx.handoff
        try:
            agent = await authenticate(ctx.client, ctx.config.get(), request, "agent")
        except (Unauthenticated, Forbidden):
            await ws.close(code=CLOSE_UNAUTHENTICATED, reason="unauthenticated")
            return
        tasks = [
            asyncio.create_task(_forward(ctx, agent, ws)),
            asyncio.create_task(_receive(ctx, agent, ws)),
            asyncio.create_task(_watch_access(ctx, request, ws)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()

    return socket
