"""Failures counted in Redis for a fixed window, to refuse guessers (identity checks,
sign-in). Shared by every process on the Redis, so neither a new conversation nor
another server process starts the count again.

A key's window starts at its first failure and later failures do not extend it, so
whoever is refused can be told exactly when to come back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import redis.asyncio


def key_part(kind: str, value: str) -> str:
    """A digest for a key: e-mails, phone numbers and IPs are not kept in Redis as is,
    and whatever a client sends makes a key of fixed length."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


async def add_failure(
    client: redis.asyncio.Redis, keys: Sequence[str], window_seconds: int
) -> list[int]:
    """Count one failure under each key; the counts after it, in the keys' order."""
    async with client.pipeline(transaction=True) as pipe:
        for key in keys:
            pipe.set(key, 0, ex=window_seconds, nx=True)
            pipe.incr(key)
        results = await pipe.execute()
    return [int(count) for count in results[1::2]]


async def blocked_for(client: redis.asyncio.Redis, limits: Mapping[str, int]) -> int | None:
    """Seconds until no key of `limits` is at its limit any more; None when none is."""
    keys = list(limits)
    async with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.get(key)
            pipe.ttl(key)
        results = await pipe.execute()
    waits = [
        max(int(ttl), 1)
        for key, count, ttl in zip(keys, results[0::2], results[1::2], strict=True)
        if int(count or 0) >= limits[key]
    ]
    return max(waits) if waits else None
