"""Retention for what was stored before retention existed (issue #21).

Conversations, handoff records and tickets stored before handoff/retention.py never got
a time to live, and the sweeper only ends conversations listed as in progress
(bot/in_progress.py ACTIVE_KEY), which old ones never were. `backfill_retention` walks
Redis with SCAN (never KEYS: it would block every other client), a batch at a time, and
finds the keys without a time to live (TTL -1):

- a conversation's keys (retention.ended_keys): the conversation is listed in
  ACTIVE_KEY, scored by when it last moved, unless it is listed already (then it is in
  progress, and the sweeper's). The sweeper then ends it exactly as any other
  (retention._END): once idle for `ended_after_minutes` and neither waiting for nor with
  an agent, its keys get the retention as their time to live; until then, and for as
  long as it is with an agent, they keep none.
- a ticket: it expires `days` after it was made, as a ticket made now does.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import datetime

import redis.asyncio

from bot.in_progress import ACTIVE_KEY
from bot.outbox import counter_key, stream_key
from bot.tracker.keys import events_key, legacy_key, window_key
from handoff.queue import conversation_key, held_key
from handoff.retention import RetentionSettings
from handoff.tickets import TICKET_KEY

SCAN_BATCH = 500
# Every key of a conversation starts so (bot/tracker/keys.py DEFAULT_PREFIX, bot/outbox.py,
# handoff/queue.py).
KEY_PATTERN = "eva:*"

# Which conversation a key belongs to: the prefix and suffix around the id of each key
# of retention.ended_keys; the counter's before the stream's, which would also take it.
_CONVERSATION_KEYS = [
    tuple(key_of("\0").split("\0"))
    for key_of in (
        counter_key,
        stream_key,
        events_key,
        window_key,
        legacy_key,
        conversation_key,
        held_key,
    )
]

# KEYS: the ticket. ARGV: when it expires (unix time). Only if it still has no time to
# live: never lengthens or shortens one set meanwhile.
_EXPIRE_TICKET = """
if redis.call('TTL', KEYS[1]) ~= -1 then return 0 end
redis.call('EXPIREAT', KEYS[1], ARGV[1])
return 1
"""


def conversation_of(key: str) -> str | None:
    """The conversation id in one of a conversation's keys, else None."""
    for prefix, suffix in _CONVERSATION_KEYS:
        if key.startswith(prefix) and key.endswith(suffix):
            conversation_id = key[len(prefix) : len(key) - len(suffix)]
            if conversation_id:
                return conversation_id
    return None


async def _without_ttl(client: redis.asyncio.Redis, match: str) -> AsyncIterator[list[str]]:
    """Keys matching `match` that have no time to live, a SCAN batch at a time."""
    cursor = 0
    while True:
        cursor, found = await client.scan(cursor, match=match, count=SCAN_BATCH)
        keys = [key if isinstance(key, str) else key.decode() for key in found]
        if keys:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.ttl(key)
            ttls = await pipe.execute()
            yield [key for key, ttl in zip(keys, ttls, strict=True) if ttl == -1]
        if cursor == 0:
            return


async def last_moved(client: redis.asyncio.Redis, conversation_id: str, now: float) -> float:
    """When the conversation last moved, as far as its keys tell: its last outbox
    message, its last tracker event, its handoff record's times; `now` if none does
    (so it counts as idle only from now on)."""
    times: list[float] = []
    last_message = await client.xrevrange(stream_key(conversation_id), count=1)
    if last_message:
        entry_id = last_message[0][0]
        entry = entry_id if isinstance(entry_id, str) else entry_id.decode()
        times.append(int(entry.split("-")[0]) / 1000)
    last_event = await client.lindex(events_key(conversation_id), -1)
    if last_event:
        try:
            times.append(float(json.loads(last_event)["timestamp"]))
        except (ValueError, KeyError, TypeError):
            pass  # an event we cannot read tells nothing
    record = await client.hmget(
        conversation_key(conversation_id), "queued_at", "claimed_at", "ended_at", "last_seen"
    )
    for value in record:
        try:
            times.append(float(value))
        except (TypeError, ValueError):
            pass
    return max(times) if times else now


async def _adopt_conversations(client: redis.asyncio.Redis, now: float) -> int:
    adopted = 0
    async for keys in _without_ttl(client, KEY_PATTERN):
        for conversation_id in {c for key in keys if (c := conversation_of(key)) is not None}:
            if await client.zscore(ACTIVE_KEY, conversation_id) is not None:
                continue  # in progress: the sweeper's
            moved = await last_moved(client, conversation_id, now)
            # NX: a conversation listed already is in progress, or moved meanwhile.
            adopted += int(await client.zadd(ACTIVE_KEY, {conversation_id: moved}, nx=True))
    return adopted


async def _expire_tickets(client: redis.asyncio.Redis, settings: RetentionSettings) -> int:
    expire = client.register_script(_EXPIRE_TICKET)
    expired = 0
    async for keys in _without_ttl(client, TICKET_KEY.format(id="*")):
        for key in keys:
            if await client.type(key) not in ("string", b"string"):
                continue
            try:
                made = datetime.fromisoformat(json.loads(await client.get(key))["created_at"])
                expires_at = int(made.timestamp()) + settings.seconds
            except (ValueError, KeyError, TypeError):
                expires_at = int(time.time()) + settings.seconds  # when made is unknown
            expired += int(await expire(keys=[key], args=[expires_at]))
    return expired


async def backfill_retention(
    client: redis.asyncio.Redis, settings: RetentionSettings, now: float | None = None
) -> tuple[int, int]:
    """Hands old conversations to the sweeper and gives old tickets their time to live;
    how many of each."""
    moment = time.time() if now is None else now
    return await _adopt_conversations(client, moment), await _expire_tickets(client, settings)
