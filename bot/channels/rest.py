"""Rasa's REST channel with the checks a public endpoint needs.

Same URL and JSON as stock (`POST /webhooks/rest/webhook` with sender, message
and optional metadata), but a malformed request gets a JSON error in Korean and
English instead of an HTML page, a crash or an empty reply list, a request
without a sender is refused instead of joining the shared "default" conversation,
each caller is a REST integration with its token and writes only into the
conversations it started (handoff.yml `rest`, handoff/rest_integrations.py; 401 and
403 otherwise), and each IP and each sender gets only so many messages a window
(handoff.yml `rate_limits.rest`; 429 with Retry-After beyond them).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.handoff_relay import relay_to_agents
from bot.channels.json_requests import bilingual_error, json_object
from bot.production import Bilingual, is_production, refuse_to_start
from bot.redis_server import RedisSettings
from bot.server_metadata import with_server_metadata
from handoff.config import HandoffConfig, HandoffConfigError, LiveConfig, config_path
from handoff.passwords import bearer_token
from handoff.queue import HandoffQueue
from handoff.rate_limits import RateLimiter, RateLimits, too_many_requests
from handoff.rest_integrations import RestOwners, RestSettings, caller, production_problems
from handoff.retention import RetentionSettings
from handoff.web_security import client_ip

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
# Metadata is a few flat keys (language, timezone, customer_token). Deeper nesting only
# breaks later: the tracker is saved and sent to the action server as JSON inside Rasa's
# own deep call stack, where a 160-level document already overflowed the recursion limit.
MAX_METADATA_DEPTH = 8
# JSON's \ud800-style escapes let a client send half of a UTF-16 pair, which no text
# encoding can write: the tokenizer, the tracker store and the action call all failed on it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

ERRORS = {
    "invalid_sender": (
        f"sender는 1~{MAX_SENDER_CHARS}자의 문자열이어야 해요.",
        f"sender must be a string of 1 to {MAX_SENDER_CHARS} characters.",
    ),
    "invalid_message": (
        "message는 문자열이어야 해요.",
        "message must be a string.",
    ),
    "invalid_metadata": (
        f"metadata는 {MAX_METADATA_DEPTH}단계 이하의 JSON 객체여야 하고, "
        "올바른 문자만 담아야 해요.",
        f"metadata must be a JSON object nested at most {MAX_METADATA_DEPTH} levels deep, "
        "with valid text only.",
    ),
    "token_required": (
        "REST 연동 토큰이 필요해요. Authorization: Bearer <토큰> 헤더로 보내 주세요.",
        "A REST integration token is required: send it as Authorization: Bearer <token>.",
    ),
    "invalid_token": (
        "REST 연동 토큰이 올바르지 않아요.",
        "The REST integration token is not valid.",
    ),
    "not_your_conversation": (
        "이 sender의 대화는 다른 연동이 시작해서 이 토큰으로는 쓸 수 없어요.",
        "This sender's conversation was started by another integration; this token cannot "
        "write into it.",
    ),
}


COMPONENT = Bilingual("Rasa 서버(REST 채널)", "Rasa server (REST channel)")


def error_response(
    code: str, status: int = 400, headers: dict[str, str] | None = None
) -> HTTPResponse:
    answer = bilingual_error(code, *ERRORS[code], status=status)
    answer.headers.update(headers or {})
    return answer


def _plain_json(value: Any, depth: int = 1) -> bool:
    """Whether a parsed JSON value nests at most MAX_METADATA_DEPTH levels and holds no
    lone surrogate in a key or a string."""
    if depth > MAX_METADATA_DEPTH:
        return False
    if isinstance(value, str):
        return not _LONE_SURROGATE.search(value)
    if isinstance(value, list):
        return all(_plain_json(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(
            _plain_json(key, depth) and _plain_json(item, depth + 1) for key, item in value.items()
        )
    return True


def checked_body(request: Request) -> dict[str, Any] | HTTPResponse:
    """The request's JSON with a usable sender and a text message, or an error."""
    body = json_object(request, '{"sender": "...", "message": "..."}')
    if isinstance(body, HTTPResponse):
        return body
    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if (
        not isinstance(sender, str)
        or not sender.strip()
        or len(sender) > MAX_SENDER_CHARS
        or _LONE_SURROGATE.search(sender)
    ):
        return error_response("invalid_sender")
    message = body.get("message")
    if message is None:
        # Answered like an empty message: the shopper is asked to type something.
        message = ""
    if not isinstance(message, str):
        return error_response("invalid_message")
    # Unreadable, not refused: the bot explains it like any other unreadable character.
    message = _LONE_SURROGATE.sub("\ufffd", message)
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and not _plain_json(metadata):
        return error_response("invalid_metadata")
    return {
        **body,
        "sender": sender,
        "message": message,
        # The client's IP is set here, from the connection: one sent in the body would
        # let a guesser pass for many addresses (the per-IP limit on identity checks).
        "metadata": with_server_metadata(
            metadata if isinstance(metadata, dict) else None, client_ip(request)
        ),
        # Stock Rasa takes the channel's name from the body; a client must not pass for
        # another channel, nor send a name that is no string.
        "input_channel": ShopRestInput.name(),
    }


class ShopRestInput(RestInput):
    """`rest` channel: stock behaviour behind request validation."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self) -> None:
        self._queue: HandoffQueue | None = None
        self._limiter: RateLimiter | None = None
        self._owners: RestOwners | None = None
        # The same file as the web service's, re-read when it changes.
        self._config = LiveConfig(config_path())
        # Rasa makes its channels before it loads the model or listens: a refused start
        # costs no time and takes no request.
        if is_production():
            self._refuse_unsafe_start()

    def _refuse_unsafe_start(self) -> None:
        try:
            problems = production_problems(self._config.get().rest)
        except HandoffConfigError as error:
            problems = [
                Bilingual(
                    f"handoff.yml을 쓸 수 없어요: {error}", f"handoff.yml is unusable: {error}"
                )
            ]
        if problems:
            refuse_to_start(COMPONENT, problems)

    def _handoff_queue(self) -> HandoffQueue:
        # Made on first use: the Redis client must belong to the server's event loop.
        if self._queue is None:
            self._queue = HandoffQueue(RedisSettings.from_environment().async_client())
        return self._queue

    def _settings(self) -> HandoffConfig | None:
        try:
            return self._config.get()
        except HandoffConfigError as error:
            # A missing or broken file must not take the channel down: the defaults
            # (no integrations: only the demo's anonymous caller gets in).
            logger.error("REST channel settings from defaults: %s", error)
            return None

    async def _retry_after(
        self, request: Request, sender: str, settings: HandoffConfig | None
    ) -> int | None:
        if self._limiter is None:
            self._limiter = RateLimiter(self._handoff_queue().client, "rest")
        limits = settings.rate_limits if settings else RateLimits()
        return await self._limiter.retry_after(
            limits, limits.rest, ip=client_ip(request), conversation=sender
        )

    async def _owner(self, sender: str, integration: str, settings: HandoffConfig | None) -> str:
        if self._owners is None:
            self._owners = RestOwners(self._handoff_queue().client)
        retention = settings.retention if settings else RetentionSettings()
        return await self._owners.owner(sender, integration, retention.seconds)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def relayed(message: UserMessage) -> Any:
            await relay_to_agents(
                self._handoff_queue(), message.sender_id or "", message.text or ""
            )
            return await on_new_message(message)

        blueprint: Blueprint = super().blueprint(relayed)

        @blueprint.middleware("request")
        async def validate(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            settings = self._settings()
            token = bearer_token(request.headers.get("authorization"))
            integration = caller(settings.rest if settings else RestSettings(), token)
            if integration is None:
                code = "token_required" if token is None else "invalid_token"
                return error_response(code, 401, {"WWW-Authenticate": "Bearer"})
            body = checked_body(request)
            if isinstance(body, HTTPResponse):
                return body
            # Before the rate limits: another integration's refused requests must not
            # use up the owner's per-conversation allowance.
            if await self._owner(body["sender"], integration, settings) != integration:
                return error_response("not_your_conversation", 403)
            if (wait := await self._retry_after(request, body["sender"], settings)) is not None:
                return too_many_requests(wait)
            # The stock handler reads the checked body from here.
            request.parsed_json = body  # type: ignore[assignment]
            return None

        return blueprint
