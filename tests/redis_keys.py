"""Removing what a test left in the shared Redis, by key pattern."""

from __future__ import annotations

from bot.redis_server import RedisSettings


def delete_keys(settings: RedisSettings, pattern: str) -> None:
    """Deletes every key matching `pattern` (SCAN, so a large database is not blocked)."""
    client = settings.client()
    try:
        for key in client.scan_iter(pattern):
            client.delete(key)
    finally:
        client.close()
