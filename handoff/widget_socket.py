"""The chat widget's live channel: one WebSocket per open page, on the web service.

Every message of a conversation (the shopper's, the bot's, an agent's, handoff
notices) is numbered in the Redis outbox (bot.outbox), and a socket only ever sends
what the outbox holds after the last number its page saw. So a reconnecting page gets
exactly what it missed, a reload gets the whole conversation, and a message written by
another process (the bot's replies, stored by the Rasa server) reaches the shopper the
same way as an agent's. The protocol is in docs/widget-protocol.md.

The socket lives here and not in the Rasa server so that a message between shopper
and agent never waits behind the model: a Rasa worker's event loop is busy with other
conversations' inference, and with the socket there a relay took 100-500 ms under load.
The bot's turn is one internal call to the Rasa server (bot/channels/widget.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import time
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio
from sanic import Blueprint, response
from sanic.exceptions import WebsocketClosed
from sanic.request import Request
from sanic.response import HTTPResponse
from websockets.exceptions import ConnectionClosed

from bot.channels.handoff_relay import relay_to_agents
from bot.outbox import NOTIFY_CHANNEL, Outbox
from bot.server_metadata import with_server_metadata
from handoff.audit import masked_id
from handoff.config import WidgetConfig
from handoff.context import HandoffContext
from handoff.notices import notice
from handoff.queue import HANDED_OFF
from handoff.rasa_api import RasaUnavailable
from handoff.rate_limits import RateLimiter, too_many_requests
from handoff.relay import TYPING_CHANNEL
from handoff.web_security import client_ip
from handoff.widget_frames import FrameError, ShopperMessage, error_frame, parse_frame
from handoff.widget_ids import WidgetIds

logger = logging.getLogger(__name__)

SOCKET_PATH = "/webhooks/widget/socket"
# A page pings every few seconds; without it a queued shopper is still "here" as long
# as the socket is open, which the handoff queue learns from this heartbeat.
PRESENCE_SECONDS = 30
SEEN_CLIENT_IDS_SECONDS = 24 * 3600
# The page counts in JavaScript numbers. A larger last_seq is no seq of ours, and past
# 2**64 it is no Redis stream id either: the replay's XRANGE failed and ended the socket.
MAX_LAST_SEQ = 2**53 - 1


def allowed_origins(config: WidgetConfig) -> frozenset[str]:
    extra = os.environ.get("WIDGET_ALLOWED_ORIGINS", "")
    added = {origin.strip().rstrip("/") for origin in extra.split(",") if origin.strip()}
    return config.allowed_origins | added


def origin_allowed(config: WidgetConfig, origin: str | None) -> bool:
    # Browsers always send Origin; other clients (the shop's servers, tests) cannot
    # be stopped by it anyway, so only a browser page from elsewhere is refused.
    return origin is None or origin.rstrip("/") in allowed_origins(config)


def widget_seen_key(session_id: str, client_id: str) -> str:
    """Set once a message's client id was stored, so a resend is not answered twice."""
    return f"eva:widget:seen:{session_id}:{client_id}"


def widget_rate_key(session_id: str, window: str) -> str:
    """The conversation's message count in one minute's window."""
    return f"eva:widget:rate:{session_id}:{window}"


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
        self.outbox = outbox
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

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()

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
                await _quietly(connection.catch_up(self.outbox))
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


class WidgetSession:
    """One socket from hello to close."""

    def __init__(
        self, ctx: HandoffContext, live: LiveConnections, ids: WidgetIds, ws: Any, ip: str
    ) -> None:
        self.ctx = ctx
        self.live = live
        self.ids = ids
        self.outbox = live.outbox
        self.ws = ws
        self.ip = ip
        self.settings = ctx.config.get().widget
        self.connection: Connection | None = None
        self.metadata: dict[str, Any] = {}
        # Bot turns run one after another, in the order the messages came, but apart
        # from reading the socket: a shopper's next message is stored and relayed to
        # an agent at once, not after the bot's turn for the one before.
        self._turns: asyncio.Queue[tuple[str, ShopperMessage]] = asyncio.Queue()
        self._turn_runner: asyncio.Task[None] | None = None

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
                    frame = parse_frame(raw, self.settings.max_frame_bytes)
                    await self.handle(frame)
                except FrameError as error:
                    await self.send(error_frame(error.code, error.client_id, error.retry_after))
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
            await self.ctx.queue.touch(self.connection.session_id)
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
        last_seq = frame.get("last_seq", 0)
        if (
            not isinstance(last_seq, int)
            or isinstance(last_seq, bool)
            or not 0 <= last_seq <= MAX_LAST_SEQ
        ):
            raise FrameError("bad_frame")
        if self.connection is not None:
            self.live.remove(self.connection)
        # A new hello is a new widget session: an order verified on an earlier socket
        # (the previous user of a shared browser's) is asked for again.
        self.metadata = with_server_metadata(
            {
                key: frame[key]
                for key in ("language", "customer_token", "timezone")
                if isinstance(frame.get(key), str)
            },
            self.ip,
            connection=secrets.token_urlsafe(16),
        )
        session_id, token, how = self._conversation(frame)
        if how != "kept":
            # A new conversation starts at seq 0, whatever the page showed before.
            last_seq = 0
        handoff = await self.ctx.queue.get(session_id)
        await self.send(
            {
                "type": "welcome",
                "session_id": session_id,
                "session_token": token,
                "renewed": how == "renewed",
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

    def _conversation(self, frame: dict[str, Any]) -> tuple[str, str, str]:
        """The conversation id, its signed token, and "kept" (the page's signed id),
        "new" (it had none) or "renewed" (it presented an id we did not sign)."""
        presented = frame.get("session_token")
        session_id = self.ids.verify(presented)
        if session_id is not None:
            return session_id, str(presented), "kept"
        # Never attached to the conversation of the id it names: that id may be someone
        # else's, read off a screen or guessed. An older page's own id comes as session_id.
        unsigned = presented if presented is not None else frame.get("session_id")
        if unsigned is not None:
            # A warning: a forged or borrowed id is worth an operator's look (a stale one
            # after WIDGET_ID_SECRET changed is one line per page; sockets are rate limited).
            logger.warning(
                "a widget hello presented an id we did not sign (%s): a new conversation",
                masked_id(str(unsigned)),
            )
        session_id, token = self.ids.issue()
        return session_id, token, "new" if unsigned is None else "renewed"

    async def message(self, message: ShopperMessage) -> None:
        assert self.connection is not None
        session_id = self.connection.session_id
        client = self.ctx.client
        seen_key = widget_seen_key(session_id, message.client_id)
        if not await client.set(seen_key, "1", nx=True, ex=SEEN_CLIENT_IDS_SECONDS):
            # A resend after a reconnect: the first copy was stored and answered.
            await self.send({"type": "ack", "client_id": message.client_id, "seq": None})
            return
        if not await self._within_rate(session_id):
            await client.delete(seen_key)
            raise FrameError("rate_limited", message.client_id)
        if (wait := await _over_ip_limit(self.ctx, self.ip)) is not None:
            await client.delete(seen_key)
            raise FrameError("rate_limited", message.client_id, wait)
        seq = await self.outbox.append(session_id, message.stored_body())
        await self.send({"type": "ack", "client_id": message.client_id, "seq": seq})
        await relay_to_agents(self.ctx.queue, session_id, message.text, seq)
        self._turns.put_nowait((session_id, message))
        if self._turn_runner is None or self._turn_runner.done():
            self._turn_runner = asyncio.create_task(self._answer_in_order())

    async def _answer_in_order(self) -> None:
        # Goes on after the page closes: the turns of stored messages are still taken,
        # and the next socket of the conversation gets their replies from the outbox.
        while not self._turns.empty():
            session_id, message = self._turns.get_nowait()
            try:
                await self.answer(session_id, message)
            except Exception:  # one failed turn (say, Redis away) must not drop the next
                logger.exception("the bot's turn for a widget message failed")

    async def answer(self, session_id: str, message: ShopperMessage) -> None:
        """The bot's turn; the Rasa server stores its replies in the outbox."""
        await _quietly(self.send({"type": "typing", "role": "bot", "on": True}))
        try:
            await self.ctx.rasa.widget_turn(
                session_id, message.payload or message.text, self.metadata
            )
        except RasaUnavailable as error:
            # The shopper's message is stored (and an agent has it); say so instead of
            # leaving the page waiting for an answer that will not come.
            logger.warning("no bot turn for a widget message: %s", error)
            language = str(self.metadata.get("language") or "ko")
            await self.outbox.append(
                session_id,
                {
                    "role": "system",
                    "event": "bot_unavailable",
                    "text": notice("bot_unavailable", language),
                    "timestamp": time.time(),
                },
            )
        finally:
            await _quietly(self.send({"type": "typing", "role": "bot", "on": False}))

    async def typing(self, on: bool) -> None:
        assert self.connection is not None
        session_id = self.connection.session_id
        if await self.ctx.queue.state(session_id) in HANDED_OFF:
            await self.ctx.queue.publish(
                {"type": "typing", "conversation_id": session_id, "who": "shopper", "on": on}
            )

    async def _within_rate(self, session_id: str) -> bool:
        window = int(time.time() // 60)
        key = widget_rate_key(session_id, str(window))
        count = await self.ctx.client.incr(key)
        if count == 1:
            await self.ctx.client.expire(key, 120)
        return int(count) <= self.settings.messages_per_minute


async def _over_ip_limit(ctx: HandoffContext, ip: str) -> int | None:
    """Counts a socket opening or a message from `ip` (handoff.yml rate_limits.widget:
    one address may be many shoppers, so this is far above one conversation's limit)."""
    limits = ctx.config.get().rate_limits
    return await RateLimiter(ctx.client, "widget").retry_after(limits, limits.widget, ip=ip)


def blueprint() -> Blueprint:
    widget = Blueprint("widget_socket")

    @widget.middleware("request")
    async def check_origin(request: Request) -> HTTPResponse | None:
        if not request.path.startswith(SOCKET_PATH):
            return None
        ctx: HandoffContext = request.app.ctx.handoff
        if not origin_allowed(ctx.config.get().widget, request.headers.get("origin")):
            return response.json({"error": "origin_not_allowed"}, status=403)
        # Before the upgrade, so a flood of sockets from one address costs no socket.
        if (wait := await _over_ip_limit(ctx, client_ip(request))) is not None:
            return too_many_requests(wait)
        return None

    @widget.websocket(SOCKET_PATH)
    async def socket(request: Request, ws: Any) -> None:
        session = WidgetSession(
            request.app.ctx.handoff,
            request.app.ctx.widget_live,
            request.app.ctx.widget_ids,
            ws,
            client_ip(request),
        )
        await session.run()

    return widget
