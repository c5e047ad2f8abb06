"""A real embedded Redis server for a test's lifetime."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.redis_limits import RedisLimits
from bot.redis_server import EmbeddedRedis, RedisSettings
from bot.stack import free_port


@contextmanager
def embedded_redis(run_dir: Path, limits: RedisLimits | None = None) -> Iterator[RedisSettings]:
    """redis-server on a free loopback port, without persistence, stopped afterwards."""
    server = EmbeddedRedis(free_port(), run_dir, persistent=False, limits=limits)
    server.start(run_dir / "redis.log")
    assert server.process is not None
    try:
        yield server.settings
    finally:
        server.process.terminate()
        server.process.wait()
