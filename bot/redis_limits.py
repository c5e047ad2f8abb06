"""How long a Redis client waits, and how the Redis server treats a full memory: the
`redis:` section of endpoints.yml (issue #21).

    redis:
      connect_timeout_seconds: 2
      read_timeout_seconds: 5
      maxmemory: 256mb
      maxmemory_policy: volatile-lru

Without timeouts a Redis that stops answering holds every request that touches it for
ever; with them the request fails after a few seconds and the caller's own error
handling answers. `maxmemory` and `maxmemory_policy` are given to the embedded server;
an external one (REDIS_URL) must be configured the same way (docs/security.md); with
EVA_ENV=production the web service refuses to start on one that is not
(`eviction_problems`).
`volatile-*` policies evict only keys with a time to live, and conversations in
progress have none (handoff/retention.py): under memory pressure Redis drops ended
conversations, counters and sessions first, and refuses writes rather than lose a
conversation someone is having.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import yaml

from bot.production import Bilingual

ENDPOINTS_PATH = Path(__file__).resolve().parent.parent / "endpoints.yml"
SECTION = "redis"
# Only these never evict a key without a time to live.
SAFE_POLICIES = frozenset({"volatile-lru", "volatile-lfu", "volatile-ttl", "volatile-random"})
_MEMORY = re.compile(r"^[1-9][0-9]*(b|kb|mb|gb)?$")


@dataclass(frozen=True)
class RedisLimits:
    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 5.0
    maxmemory: str = "256mb"
    maxmemory_policy: str = "volatile-lru"


def _seconds(section: dict[str, Any], key: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 300:
        raise ValueError(f"{SECTION}.{key}: expected seconds between 0 and 300, got {value!r}")
    return float(value)


def parse_redis_limits(section: Any) -> RedisLimits:
    """The checked section; a ValueError names the key that is wrong."""
    if section is None:
        return RedisLimits()
    if not isinstance(section, dict):
        raise ValueError(f"{SECTION}: expected a mapping, got {type(section).__name__}")
    known = {"connect_timeout_seconds", "read_timeout_seconds", "maxmemory", "maxmemory_policy"}
    if unknown := sorted(set(section) - known):
        raise ValueError(f"{SECTION}: unknown key(s) {', '.join(unknown)}; known: {sorted(known)}")
    default = RedisLimits()
    memory = str(section.get("maxmemory", default.maxmemory)).strip().lower()
    if not _MEMORY.match(memory):
        raise ValueError(f"{SECTION}.maxmemory: expected a size like 256mb, got {memory!r}")
    policy = str(section.get("maxmemory_policy", default.maxmemory_policy))
    if policy not in SAFE_POLICIES:
        raise ValueError(
            f"{SECTION}.maxmemory_policy: must be one of {sorted(SAFE_POLICIES)} so that "
            f"conversations in progress are never evicted, got {policy!r}"
        )
    return RedisLimits(
        connect_timeout_seconds=_seconds(
            section, "connect_timeout_seconds", default.connect_timeout_seconds
        ),
        read_timeout_seconds=_seconds(
            section, "read_timeout_seconds", default.read_timeout_seconds
        ),
        maxmemory=memory,
        maxmemory_policy=policy,
    )


@functools.lru_cache(maxsize=1)
def redis_limits(path: Path = ENDPOINTS_PATH) -> RedisLimits:
    """endpoints.yml's `redis:` section, read once per process."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return parse_redis_limits(document.get(SECTION))
    except ValueError as problem:
        raise ValueError(f"{path}: {problem}") from None


def eviction_problems(client: redis.Redis) -> list[Bilingual]:
    """EVA_ENV=production: a Redis without a memory limit (it grows until the system
    kills it, losing everything) or with a policy that may evict conversations in
    progress. A Redis that cannot be asked (not up yet, or CONFIG disabled as on some
    managed services) is not judged: docs/security.md asks its operator to check."""
    try:
        answer = client.config_get("maxmemory*")
    except redis.RedisError:
        return []
    settings = {_text(key): _text(value) for key, value in answer.items()}
    problems = []
    if settings.get("maxmemory") == "0":
        problems.append(
            Bilingual(
                "Redis에 maxmemory가 없어요: 메모리가 끝없이 늘다가 Redis가 통째로 죽을 수 "
                "있어요. maxmemory를 정하세요.",
                "Redis has no maxmemory: it can grow until the system kills it with all its "
                "data. Set maxmemory.",
            )
        )
    policy = settings.get("maxmemory-policy", "")
    if policy not in SAFE_POLICIES:
        problems.append(
            Bilingual(
                f"Redis의 maxmemory-policy가 {policy}예요: 진행 중인 대화를 지우거나 새 대화를 "
                "거절할 수 있어요. volatile-lru로 바꾸세요.",
                f"Redis' maxmemory-policy is {policy}: it can evict a conversation in progress "
                "or refuse new ones. Use volatile-lru.",
            )
        )
    return problems


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
