"""The widget's bot turns, inside the Rasa server: POST /webhooks/widget/turn.

The shopper's socket lives on the web service (handoff/widget_socket.py), which stores
and acknowledges each message and relays it to agents before it asks for the bot's
turn here. This runs the turn as the `widget` channel and stores the replies in the
shopper's outbox (bot.outbox), from where the socket sends them. Only the web service
may call it: like Rasa's own HTTP API, the call carries a short-lived JWT signed with
RASA_API_TOKEN in its Authorization header (bot/api_auth.py), never a token in the URL.
"""

from __future__ import annotations

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

from bot import api_auth
from bot.channels.json_requests import bilingual_error, json_object, unauthorised
from bot.outbox import Outbox
from bot.redis_server import RedisSettings
from handoff.config import HandoffConfigError, LiveConfig, config_path
from handoff.rest_integrations import WIDGET, RestOwners
from handoff.retention import RetentionSettings

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_MESSAGE_CHARS = 1000
BODY_EXAMPLE = '{"session_id": "...", "message": "...", "metadata": {...}}'


class WidgetInput(InputChannel):
    """`widget` channel: the bot's side of the chat widget."""

    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WidgetInput:
        return cls(os.environ.get(api_auth.TOKEN_ENV) or None)

    def __init__(self, secret: str | None) -> None:
        self.secret = secret
        self._client: redis.asyncio.Redis | None = None
        self._outbox: Outbox | None = None
        self._owners: RestOwners | None = None
        # The same file as the web service's, re-read when it changes (retention days).
        self._config = LiveConfig(config_path())

    def _redis(self) -> redis.asyncio.Redis:
        # Made on first use: the Redis client must belong to the server's event loop.
        if self._client is None:
            self._client = RedisSettings.from_environment().async_client()
        return self._client

    def _store(self) -> Outbox:
        if self._outbox is None:
            self._outbox = Outbox(self._redis())
        return self._outbox

    async def _claimed(self, session_id: str) -> bool:
        """Whether the conversation is the widget's: claimed for it on its first turn, so
        that no REST caller writes into it by its raw id (bot/channels/rest.py)."""
        if self._owners is None:
            self._owners = RestOwners(self._redis())
        try:
            keep = self._config.get().retention.seconds
        except HandoffConfigError:
            keep = RetentionSettings().seconds
        return await self._owners.owner(session_id, WIDGET, keep) == WIDGET

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("widget_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/turn", methods=["POST"])
        async def turn(request: Request) -> HTTPResponse:
            # Without a secret nobody may write into conversations through here.
            if not api_auth.authorised(request.headers, self.secret):
                return unauthorised()
            body = json_object(request, BODY_EXAMPLE)
            if isinstance(body, HTTPResponse):
                return body
            session_id = body.get("session_id")
            text = body.get("message")
            metadata = body.get("metadata")
            if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
                return bilingual_error(
                    "bad_session",
                    "session_id는 영문자, 숫자, _, -로 된 8~64자여야 해요.",
                    "session_id must be 8 to 64 letters, digits, _ or -.",
                )
            if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
                return bilingual_error(
                    "bad_message",
                    f"message는 {MAX_MESSAGE_CHARS}자 이하의 문자열이어야 해요.",
                    f"message must be a string of at most {MAX_MESSAGE_CHARS} characters.",
                )
            if not await self._claimed(session_id):
                return bilingual_error(
                    "not_a_widget_conversation",
                    "이 session_id의 대화는 위젯 대화가 아니에요.",
                    "This session_id's conversation is not a widget conversation.",
                    status=403,
                )
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
