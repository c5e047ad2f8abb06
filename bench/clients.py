"""Shoppers over HTTP: the REST channel, and Rasa's NLU parse endpoint."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from bench.script import Turn
from bot.api_auth import bearer_headers


def new_http_session() -> aiohttp.ClientSession:
    """One pool for a whole load: no connection limit, loopback only."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=120),
    )


class ReplyError(RuntimeError):
    pass


class RestShopper:
    """A shopper on the REST channel (`POST /webhooks/rest/webhook`)."""

    def __init__(self, http: aiohttp.ClientSession, rasa_url: str) -> None:
        self.http = http
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = f"bench-{uuid.uuid4().hex}"
        self.replies: list[dict[str, Any]] = []

    async def open(self, language: str) -> None:
        return None

    async def say(self, turn: Turn) -> None:
        payload = {
            "sender": self.sender,
            "message": turn.text,
            "metadata": {"language": turn.language},
        }
        async with self.http.post(self.url, json=payload) as response:
            body = await response.json(content_type=None)
            if response.status != 200 or not isinstance(body, list):
                raise ReplyError(f"HTTP {response.status}: {str(body)[:200]}")
            self.replies = body

    async def close(self) -> None:
        return None


class ParseClient:
    """`POST /model/parse` with a Bearer JWT: the NLU model alone, one message a call."""

    def __init__(self, http: aiohttp.ClientSession, rasa_url: str, secret: str) -> None:
        self.http = http
        self.url = f"{rasa_url}/model/parse"
        self.secret = secret

    async def open(self, language: str) -> None:
        return None

    async def say(self, turn: Turn) -> None:
        async with self.http.post(
            self.url, headers=bearer_headers(self.secret), json={"text": turn.text}
        ) as response:
            body = await response.json(content_type=None)
            if response.status != 200 or not isinstance(body, dict) or "intent" not in body:
                raise ReplyError(f"HTTP {response.status}: {str(body)[:200]}")

    async def close(self) -> None:
        return None
