"""The Rasa server's HTTP API, as the handoff service uses it.

Agent messages and the bot's pause/resume are written into the Rasa tracker, so the
conversation keeps one transcript whoever spoke; the API takes the conversation's
lock, so these writes never interleave with a turn the bot is processing.

Each call carries a fresh short-lived JWT signed with RASA_API_TOKEN in its
Authorization header (bot/api_auth.py); the secret itself never leaves this process.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import aiohttp

from bot import api_auth
from handoff.audit import masked_id

# A turn waits for the model and the action server, on a server that may be under load.
TURN_TIMEOUT_SECONDS = 60.0


class RasaUnavailable(Exception):
    pass


def _conversation_path(conversation_id: str, tail: str) -> tuple[str, str]:
    """A conversation's API path, and the same path as errors (and so logs) name it: with
    the id as a digest (handoff/audit.py)."""
    return (
        f"/conversations/{quote(conversation_id, safe='')}{tail}",
        f"/conversations/{masked_id(conversation_id)}{tail}",
    )


class RasaApi:
    def __init__(self, url: str, secret: str | None, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.secret = secret
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_environment(cls) -> RasaApi:
        return cls(
            os.environ.get("RASA_URL", "http://localhost:5005"),
            os.environ.get(api_auth.TOKEN_ENV) or None,
        )

    async def _request(
        self,
        method: str,
        path: str,
        payload: Any = None,
        params: dict[str, str] | None = None,
        timeout: float | None = None,
        shown: str | None = None,
    ) -> Any:
        """`shown`: the path as errors name it, when `path` holds a conversation id."""
        where = f"{method} {shown or path}"
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        # Per request only when given: aiohttp reads timeout=None as "wait forever".
        options = {"timeout": aiohttp.ClientTimeout(total=timeout)} if timeout else {}
        try:
            async with self._session.request(
                method,
                f"{self.url}{path}",
                json=payload,
                params=params,
                # Minted per call: each lives minutes, a session may live for days.
                headers=api_auth.bearer_headers(self.secret),
                **options,
            ) as reply:
                if reply.status >= 400:
                    raise RasaUnavailable(f"{where}: HTTP {reply.status}")
                return await reply.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(f"{where}: {error}") from error

    async def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        # The reply would be the whole tracker as JSON, which nobody here reads.
        path, shown = _conversation_path(conversation_id, "/tracker/events")
        await self._request("POST", path, events, {"include_events": "NONE"}, shown=shown)

    async def widget_turn(self, session_id: str, message: str, metadata: dict[str, Any]) -> None:
        """The bot's answer to a widget message; the Rasa server stores it in the outbox."""
        await self._request(
            "POST",
            "/webhooks/widget/turn",
            {"session_id": session_id, "message": message, "metadata": metadata},
            timeout=TURN_TIMEOUT_SECONDS,
        )

    async def events(self, conversation_id: str) -> list[dict[str, Any]]:
        path, shown = _conversation_path(conversation_id, "/tracker")
        tracker = await self._request("GET", path, params={"include_events": "ALL"}, shown=shown)
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return events if isinstance(events, list) else []

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
