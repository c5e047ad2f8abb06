"""The action server's one Redis client (handoff queue, tickets, identity lockout)."""

from __future__ import annotations

import redis.asyncio

from bot.redis_server import RedisSettings

_redis: redis.asyncio.Redis | None = None


def redis_client() -> redis.asyncio.Redis:
    # One client for the action server's lifetime, made inside its event loop.
    global _redis
    if _redis is None:
        _redis = RedisSettings.from_environment().async_client()
    return _redis
