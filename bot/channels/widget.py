"""The widget's bot turns, inside the Rasa server: POST /webhooks/widget/turn.

The shopper's socket lives on the web service (handoff/widget_socket.py), which stores
and acknowledges each message and relays it to agents before it asks for the bot's
turn here. This runs the turn as the `widget` channel and stores the replies in the
shopper's outbox (bot.outbox), from where the socket sends them. Only the web service
may call it: the request carries RASA_API_TOKEN, like Rasa's own HTTP API.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.outbox import Outbox
from bot.redis_server import RedisSettings

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_MESSAGE_CHARS = 1000


class WidgetInput(InputChannel):
    """`widget` channel: the bot's side of the chat widget."""

    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WidgetInput:
        return cls(os.environ.get("RASA_API_TOKEN") or None)

    def __init__(self, token: str | None) -> None:
        self.token = token
        self._outbox: Outbox | None = None

    def _store(self) -> Outbox:
        # Made on first use: the Redis client must belong to the server's event loop.
        if self._outbox is None:
            client: redis.asyncio.Redis = RedisSettings.from_environment().async_client()
            self._outbox = Outbox(client)
        return self._outbox

    def authorised(self, request: Request) -> bool:
        given = request.args.get("token") or ""
        # Without a token nobody may write into conversations through here.
        return self.token is not None and hmac.compare_digest(given, self.token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("widget_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/turn", methods=["POST"])
        async def turn(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json if request.body else None
            session_id = body.get("session_id") if isinstance(body, dict) else None
            text = body.get("message") if isinstance(body, dict) else None
            metadata = body.get("metadata") if isinstance(body, dict) else None
            if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
                return response.json({"error": "bad_session"}, status=400)
            if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
                return response.json({"error": "bad_message"}, status=400)
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    session_id,
                    input_channel=self.name(),
                    metadata=metadata if isinstance(metadata, dict) else {},
                )
            )
            outbox = self._store()
            seqs = [
                await outbox.append(session_id, body) for body in _bot_bodies(collector.messages)
            ]
            return response.json({"seqs": seqs})

        return blueprint


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
