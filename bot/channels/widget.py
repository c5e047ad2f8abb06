"""The chat widget's live channel: one WebSocket per open page, inside the Rasa server.

Every message of a conversation (the shopper's, the bot's, an agent's, handoff
notices) is numbered in the Redis outbox (bot.outbox), and a socket only ever sends
what the outbox holds after the last number its page saw. So a reconnecting page gets
exactly what it missed, a reload gets the whole conversation, and a message written by
another process (an agent's reply from the handoff service) reaches the shopper the
same way as the bot's own replies. The protocol is in docs/widget-protocol.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import WebsocketClosed
from sanic.request import Request
from sanic.response import HTTPResponse
from websockets.exceptions import ConnectionClosed

from bot.channels.handoff_relay import relay_to_agents
from bot.channels.widget_frames import (
    FrameError,
    ShopperMessage,
    error_frame,
    parse_frame,
)
from bot.outbox import NOTIFY_CHANNEL, Outbox
from bot.redis_server import RedisSettings
from handoff.queue import HANDED_OFF, HandoffQueue
from handoff.relay import TYPING_CHANNEL

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A page pings every few seconds; without it a queued shopper is still "here" as long
# as the socket is open, which the handoff queue learns from this heartbeat.
PRESENCE_SECONDS = 30
SEEN_CLIENT_IDS_SECONDS = 24 * 3600


@dataclass(frozen=True)
class WidgetSettings:
    allowed_origins: frozenset[str]
    messages_per_minute: int = 30
    max_frame_bytes: int = 8192


@dataclass(eq=False)
class Connection:
    """One open socket and how far its page has been sent."""

    socket: Any
    session_id: str
    last_sent: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(frame, ensure_ascii=False))

    async def catch_up(self, outbox: Outbox) -> None:
        # Serialised per socket: a notification and a replay must not send one twice.
        async with self.lock:
            for stored in await outbox.after(self.session_id, self.last_sent):
                await self.send(stored.frame())
                self.last_sent = stored.seq


class LiveConnections:
    """The sockets of this process, woken by Redis when any process writes a message."""

    def __init__(self, client: redis.asyncio.Redis, outbox: Outbox) -> None:
        self._client = client
        self._outbox = outbox
        self._by_session: dict[str, set[Connection]] = defaultdict(set)
        self._listener: asyncio.Task[None] | None = None

    def add(self, connection: Connection) -> None:
        self._by_session[connection.session_id].add(connection)
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen())

    def remove(self, connection: Connection) -> None:
        connections = self._by_session.get(connection.session_id)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._by_session[connection.session_id]

    async def _listen(self) -> None:
        pubsub = self._client.pubsub()
        await pubsub.subscribe(NOTIFY_CHANNEL, TYPING_CHANNEL)
        try:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
                if message is not None:
                    await self._dispatch(message["channel"], message["data"])
        finally:
            await pubsub.close()

    async def _dispatch(self, channel: str, data: str) -> None:
        if channel == NOTIFY_CHANNEL:
            for connection in list(self._by_session.get(data, ())):
                await _quietly(connection.catch_up(self._outbox))
            return
        typing = json.loads(data)
        frame = {"type": "typing", "role": typing["role"], "on": bool(typing["on"])}
        for connection in list(self._by_session.get(typing["session_id"], ())):
            await _quietly(connection.send(frame))


async def _quietly(coroutine: Awaitable[None]) -> None:
    """A socket that closed under us is cleaned up by its own handler."""
    try:
        await coroutine
    except Exception as error:  # one dead socket must not stop the others
        logger.debug("could not write to a widget socket: %s", error)


class WidgetInput(InputChannel):
    """`widget` channel: ws://<rasa>/webhooks/widget/socket."""

    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WidgetInput:
        credentials = credentials or {}
        origins = set(credentials.get("allowed_origins") or [])
        extra = os.environ.get("WIDGET_ALLOWED_ORIGINS", "")
        origins.update(origin.strip() for origin in extra.split(",") if origin.strip())
        return cls(
            WidgetSettings(
                allowed_origins=frozenset(origins),
                messages_per_minute=int(credentials.get("messages_per_minute", 30)),
                max_frame_bytes=int(credentials.get("max_frame_bytes", 8192)),
            )
        )

    def __init__(self, settings: WidgetSettings) -> None:
        self.settings = settings
        self._client: redis.asyncio.Redis | None = None
        self._outbox: Outbox | None = None
        self._queue: HandoffQueue | None = None
        self._live: LiveConnections | None = None

    def _connect(self) -> tuple[redis.asyncio.Redis, Outbox, HandoffQueue, LiveConnections]:
        # Made on first use: the Redis client must belong to the server's event loop.
        if self._client is None:
            self._client = RedisSettings.from_environment().async_client()
            self._outbox = Outbox(self._client)
            self._queue = HandoffQueue(self._client)
            self._live = LiveConnections(self._client, self._outbox)
        assert self._outbox and self._queue and self._live
        return self._client, self._outbox, self._queue, self._live

    def origin_allowed(self, origin: str | None) -> bool:
        # Browsers always send Origin; other clients (the shop's servers, tests) cannot
        # be stopped by it anyway, so only a browser page from elsewhere is refused.
        return origin is None or origin in self.settings.allowed_origins

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("widget_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.middleware("request")
        async def check_origin(request: Request) -> HTTPResponse | None:
            if self.origin_allowed(request.headers.get("origin")):
                return None
            return response.json({"error": "origin_not_allowed"}, status=403)

        @blueprint.websocket("/socket")
        async def socket(request: Request, ws: Any) -> None:
            await WidgetSession(self, ws, on_new_message).run()

        return blueprint


class WidgetSession:
    """One socket from hello to close."""

    def __init__(
        self,
        channel: WidgetInput,
        ws: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        self.channel = channel
        self.ws = ws
        self.on_new_message = on_new_message
        self.client, self.outbox, self.queue, self.live = channel._connect()
        self.connection: Connection | None = None
        self.metadata: dict[str, Any] = {}

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame, ensure_ascii=False))

    async def run(self) -> None:
        heartbeat: asyncio.Task[None] | None = None
        try:
            while True:
                raw = await self.ws.recv()
                if raw is None:
                    return
                try:
                    frame = parse_frame(raw, self.channel.settings.max_frame_bytes)
                    await self.handle(frame)
                except FrameError as error:
                    await self.send(error_frame(error.code, error.client_id))
                if heartbeat is None and self.connection is not None:
                    heartbeat = asyncio.create_task(self._heartbeat())
        except (ConnectionClosed, WebsocketClosed):
            # The page went away; its messages are safe in the outbox for the next socket.
            pass
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
            if self.connection is not None:
                self.live.remove(self.connection)

    async def _heartbeat(self) -> None:
        assert self.connection is not None
        while True:
            await self.queue.touch(self.connection.session_id)
            await asyncio.sleep(PRESENCE_SECONDS)

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "hello":
            await self.hello(frame)
        elif self.connection is None:
            raise FrameError("not_ready")
        elif kind == "message":
            await self.message(ShopperMessage.from_frame(frame))
        elif kind == "typing":
            await self.typing(bool(frame.get("on")))
        else:
            raise FrameError("bad_frame")

    async def hello(self, frame: dict[str, Any]) -> None:
        session_id = frame.get("session_id")
        last_seq = frame.get("last_seq", 0)
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
            raise FrameError("bad_session")
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
            raise FrameError("bad_frame")
        if self.connection is not None:
            self.live.remove(self.connection)
        self.metadata = {
            key: frame[key]
            for key in ("language", "customer_token", "timezone")
            if isinstance(frame.get(key), str)
        }
        handoff = await self.queue.get(session_id)
        await self.send(
            {
                "type": "welcome",
                "session_id": session_id,
                "last_seq": await self.outbox.last_seq(session_id),
                "handoff": (
                    {"state": handoff.state, "agent": handoff.agent_name or None}
                    if handoff and handoff.state in HANDED_OFF
                    else None
                ),
            }
        )
        self.connection = Connection(self.ws, session_id, last_seq)
        self.live.add(self.connection)
        await self.connection.catch_up(self.outbox)

    async def message(self, message: ShopperMessage) -> None:
        assert self.connection is not None
        session_id = self.connection.session_id
        seen_key = f"eva:widget:seen:{session_id}:{message.client_id}"
        if not await self.client.set(seen_key, "1", nx=True, ex=SEEN_CLIENT_IDS_SECONDS):
            # A resend after a reconnect: the first copy was stored and answered.
            await self.send({"type": "ack", "client_id": message.client_id, "seq": None})
            return
        if not await self._within_rate(session_id):
            await self.client.delete(seen_key)
            raise FrameError("rate_limited", message.client_id)
        seq = await self.outbox.append(session_id, message.stored_body())
        await self.send({"type": "ack", "client_id": message.client_id, "seq": seq})
        await relay_to_agents(self.queue, session_id, message.text, seq)
        await self.answer(session_id, message)

    async def answer(self, session_id: str, message: ShopperMessage) -> None:
        collector = CollectingOutputChannel()
        await self.send({"type": "typing", "role": "bot", "on": True})
        try:
            await self.on_new_message(
                UserMessage(
                    message.payload or message.text,
                    collector,
                    session_id,
                    input_channel=WidgetInput.name(),
                    metadata=self.metadata,
                )
            )
        finally:
            await self.send({"type": "typing", "role": "bot", "on": False})
        for body in _bot_bodies(collector.messages):
            await self.outbox.append(session_id, body)

    async def typing(self, on: bool) -> None:
        assert self.connection is not None
        session_id = self.connection.session_id
        if await self.queue.state(session_id) in HANDED_OFF:
            await self.queue.publish(
                {"type": "typing", "conversation_id": session_id, "who": "shopper", "on": on}
            )

    async def _within_rate(self, session_id: str) -> bool:
        window = int(time.time() // 60)
        key = f"eva:widget:rate:{session_id}:{window}"
        count = await self.client.incr(key)
        if count == 1:
            await self.client.expire(key, 120)
        return int(count) <= self.channel.settings.messages_per_minute


def _bot_bodies(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa's replies as the widget shows them.

    A custom `{"handoff": {...}}` reply (actions/handoff.py) is not a message of its own:
    it turns the notice before it into a system notice the widget understands.
    """
    bodies: list[dict[str, Any]] = []
    for reply in replies:
        handoff = (reply.get("custom") or {}).get("handoff")
        if isinstance(handoff, dict) and bodies:
            bodies[-1].update(
                role="system",
                event=str(handoff.get("event", "")),
                queue={
                    "position": handoff.get("position"),
                    "eta_minutes": handoff.get("eta_minutes"),
                },
            )
        elif reply.get("text") or reply.get("image") or reply.get("buttons"):
            bodies.append(_bot_body(reply))
    return bodies


def _bot_body(reply: dict[str, Any]) -> dict[str, Any]:
    """A Rasa reply as the widget shows it: text, buttons, image, nothing else."""
    body: dict[str, Any] = {
        "role": "bot",
        "text": reply.get("text") or "",
        "timestamp": time.time(),
    }
    buttons = reply.get("buttons")
    if buttons:
        body["buttons"] = [
            {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
            for button in buttons
            if isinstance(button, dict)
        ]
    if isinstance(reply.get("image"), str):
        body["image"] = reply["image"]
    return body
