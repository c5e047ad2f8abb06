"""Typing indicators between agent and shopper: Redis pub/sub, nothing stored.

Messages themselves go through the outbox (bot.outbox) and the Rasa tracker; a typing
flag is only worth anything while it is fresh, so it is published and forgotten.
"""

from __future__ import annotations

import json

import redis.asyncio

TYPING_CHANNEL = "eva:live:typing"


async def push_typing(client: redis.asyncio.Redis, session_id: str, role: str, on: bool) -> None:
    payload = {"session_id": session_id, "role": role, "on": on}
    await client.publish(TYPING_CHANNEL, json.dumps(payload))
