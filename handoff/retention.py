"""Retention (issue #21): ended conversations, tickets and handoff records expire after
`retention.days` (handoff.yml).

A conversation is in progress while it moves (bot/in_progress.py): its keys have no
time to live, so the maxmemory policy never evicts them. Once nobody has written in it
for `retention.ended_after_minutes` and it is neither waiting for nor with an agent,
the web service's sweeper ends it: every key it has (tracker, messages, handoff record,
who held it, the REST integration that owns it) gets the retention as its time to live,
its messages for replay at most a week (bot.outbox.KEEP_SECONDS). Tickets get theirs
when they are made (handoff/tickets.py). What was stored before retention existed is
found by handoff/retention_backfill.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio

from bot.in_progress import ACTIVE_KEY
from bot.outbox import KEEP_SECONDS, counter_key, stream_key
from bot.tracker.keys import events_key, legacy_key, rest_owner_key, window_key
from handoff.queue import conversation_key, held_key

DAY_SECONDS = 24 * 3600
# Each sweep ends at most this many conversations; the next sweep goes on.
SWEEP_BATCH = 500


@dataclass(frozen=True)
class RetentionSettings:
    days: int = 90
    # Rasa starts a new session after 60 idle minutes (domain.yml session_config).
    ended_after_minutes: int = 60

    @property
    def seconds(self) -> int:
        return self.days * DAY_SECONDS


def _whole(section: dict[str, Any], key: str, default: int, most: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValueError(f"retention.{key}: must be a whole number from 1 to {most}, got {value!r}")
    return value


def parse_retention(value: Any) -> RetentionSettings:
    """handoff.yml's `retention:` section; a ValueError says `where: what`."""
    if value is None:
        return RetentionSettings()
    if not isinstance(value, dict):
        raise ValueError(f"retention: must be a mapping, got {type(value).__name__}")
    known = {"days", "ended_after_minutes"}
    if unknown := sorted(set(value) - known):
        raise ValueError(f"retention: unknown key(s) {', '.join(unknown)}; known: {sorted(known)}")
    default = RetentionSettings()
    return RetentionSettings(
        days=_whole(value, "days", default.days, 3650),
        ended_after_minutes=_whole(
            value, "ended_after_minutes", default.ended_after_minutes, 7 * 24 * 60
        ),
    )


# KEYS: ACTIVE_KEY, handoff record, messages (stream, counter), then the conversation's
# other keys. ARGV: conversation id, idle since before (unix time), retention seconds,
# message seconds. One script, so a turn saved meanwhile (which takes the time to live
# off again) is either seen here or comes after.
_END = """
local moved = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not moved then return 0 end
if tonumber(moved) > tonumber(ARGV[2]) then return 0 end
local state = redis.call('HGET', KEYS[2], 'state')
if state == 'queued' or state == 'with_agent' then return 0 end
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('EXPIRE', KEYS[4], ARGV[4])
for i = 5, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
"""


def ended_keys(conversation_id: str) -> list[str]:
    """The keys an ended conversation keeps for the retention period, in _END's order."""
    return [
        conversation_key(conversation_id),
        stream_key(conversation_id),
        counter_key(conversation_id),
        events_key(conversation_id),
        window_key(conversation_id),
        legacy_key(conversation_id),
        held_key(conversation_id),
        rest_owner_key(conversation_id),
    ]


async def end_idle_conversations(
    client: redis.asyncio.Redis, settings: RetentionSettings, now: float | None = None
) -> list[str]:
    """End the conversations idle for `ended_after_minutes`; the ids ended."""
    moment = time.time() if now is None else now
    idle_since = moment - settings.ended_after_minutes * 60
    candidates = await client.zrangebyscore(ACTIVE_KEY, "-inf", idle_since, 0, SWEEP_BATCH)
    end = client.register_script(_END)
    message_seconds = min(KEEP_SECONDS, settings.seconds)
    ended = []
    for member in candidates:
        conversation_id = member if isinstance(member, str) else member.decode()
        done = await end(
            keys=[ACTIVE_KEY, *ended_keys(conversation_id)],
            args=[conversation_id, idle_since, settings.seconds, message_seconds],
        )
        if done:
            ended.append(conversation_id)
    return ended
