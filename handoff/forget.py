"""`eva forget` (issue #21): delete one shopper's data from Redis, the e-mail outbox and
the logs, and write an audit line for each deletion.

A subject is a conversation id or an e-mail address. An e-mail address leads to every
conversation that mentions it (its tracker, its messages, its tickets): those are
forgotten whole, as if named. Of a conversation go every key it has (tracker, lock,
messages, handoff record, who held it, queued transcript lines, inbox pause, widget
keys), its place in the queues, in agents' chats and in the lists of conversations in
progress and with queued transcript lines, and its tickets. Then every key, and every
element of a list, set, sorted set, hash or stream, that mentions an e-mail address is
deleted wherever it is (the review inbox included). Files: handoff/forget_files.py.

Audit lines (Redis list AUDIT_KEY and the log, handoff/audit.py) name subjects and keys
with digests only (masked_id), so the audit keeps nothing that was forgotten.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis.asyncio

from bot.in_progress import ACTIVE_KEY
from bot.inbox.store import paused_key
from bot.outbox import stream_key
from bot.tracker.keys import events_key, lock_keys
from handoff.audit import masked_id, write_audit
from handoff.forget_files import forget_emails_on_disk, scrub_logs
from handoff.queue import agent_key, queue_key
from handoff.retention import ended_keys
from handoff.tickets import TICKET_KEY, TICKETS_KEY, UNSENT_KEY
from handoff.transcript_writer import PENDING, lease_key, pending_key
from handoff.widget_socket import widget_rate_key, widget_seen_key

AUDIT_KEY = "eva:audit:forget"
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


@dataclass(frozen=True)
class Subjects:
    conversations: frozenset[str]
    # Case-folded: e-mail addresses are matched whatever their case.
    emails: frozenset[str]

    def masked(self) -> list[str]:
        return sorted(masked_id(subject) for subject in self.conversations | self.emails)


@dataclass
class Forgotten:
    """What one `forget` deleted."""

    conversations: set[str] = field(default_factory=set)
    tickets: set[str] = field(default_factory=set)
    redis_keys: int = 0
    redis_elements: int = 0
    files: list[Path] = field(default_factory=list)
    log_lines: int = 0
    audit_lines: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.redis_keys or self.redis_elements or self.files or self.log_lines)


class _Audit:
    def __init__(self, client: redis.asyncio.Redis, subjects: Subjects, result: Forgotten) -> None:
        self.client = client
        self.subjects = subjects
        self.result = result

    def mask(self, text: str) -> str:
        """`text` with every conversation id, ticket id and e-mail address replaced by
        its digest."""
        secrets = self.result.conversations | self.result.tickets | self.subjects.emails
        for secret in sorted(secrets, key=len, reverse=True):
            text = re.sub(re.escape(secret), masked_id(secret), text, flags=re.IGNORECASE)
        return text

    async def deleted(self, kind: str, where: str, count: int = 1) -> None:
        entry = {
            "at": round(time.time(), 3),
            "forget": self.subjects.masked(),
            "deleted": kind,
            "where": self.mask(where),
            "count": count,
        }
        self.result.audit_lines.append(await write_audit(self.client, AUDIT_KEY, entry))


def _glob(text: str) -> str:
    """`text` as a literal inside a SCAN pattern."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)


def _mentions(text: str, emails: frozenset[str]) -> bool:
    folded = text.casefold()
    return any(email in folded for email in emails)


async def _scan(client: redis.asyncio.Redis, pattern: str) -> AsyncIterator[str]:
    async for key in client.scan_iter(match=pattern, count=500):
        yield str(key)


async def _tickets(client: redis.asyncio.Redis) -> AsyncIterator[tuple[str, str, dict[str, Any]]]:
    """(key, stored text, fields) of every stored ticket that can be read."""
    async for key in _scan(client, TICKET_KEY.format(id="*")):
        raw = await client.get(key) if await client.type(key) == "string" else None
        try:
            fields = json.loads(raw) if raw else None
        except ValueError:
            fields = None
        if isinstance(fields, dict):
            yield key, str(raw), fields


async def conversations_mentioning(client: redis.asyncio.Redis, emails: frozenset[str]) -> set[str]:
    """Conversations whose tickets, tracker or messages mention one of `emails`."""
    found: set[str] = set()
    if not emails:
        return found
    async for _, raw, ticket in _tickets(client):
        if _mentions(raw, emails):
            found.add(str(ticket.get("conversation_id", "")))
    events_prefix = events_key("")
    async for key in _scan(client, events_key("*")):
        if any(_mentions(event, emails) for event in await client.lrange(key, 0, -1)):
            found.add(key[len(events_prefix) :])
    outbox_prefix = stream_key("")
    async for key in _scan(client, stream_key("*")):
        if await client.type(key) != "stream":
            continue
        entries = await client.xrange(key)
        if any(_mentions(json.dumps(fields, ensure_ascii=False), emails) for _, fields in entries):
            found.add(key[len(outbox_prefix) :])
    found.discard("")
    return found


async def _conversation_keys(client: redis.asyncio.Redis, conversation_id: str) -> list[str]:
    keys = [
        *ended_keys(conversation_id),
        *lock_keys(conversation_id),
        pending_key(conversation_id),
        lease_key(conversation_id),
        paused_key(conversation_id),
    ]
    literal = _glob(conversation_id)
    for pattern in (widget_seen_key(literal, "*"), widget_rate_key(literal, "*")):
        keys += [key async for key in _scan(client, pattern)]
    return keys


async def _forget_tickets(client: redis.asyncio.Redis, conversation_id: str, audit: _Audit) -> None:
    async for key, _, ticket in _tickets(client):
        if ticket.get("conversation_id") != conversation_id:
            continue
        ticket_id = str(ticket.get("id", ""))
        audit.result.tickets.add(ticket_id)
        if await client.delete(key):
            audit.result.redis_keys += 1
            await audit.deleted("redis_key", key)
        for listing in (TICKETS_KEY, UNSENT_KEY):
            if removed := int(await client.lrem(listing, 0, ticket_id)):
                audit.result.redis_elements += removed
                await audit.deleted("redis_element", listing, removed)


async def forget_conversation(
    client: redis.asyncio.Redis, conversation_id: str, audit: _Audit
) -> None:
    for key in await _conversation_keys(client, conversation_id):
        if await client.delete(key):
            audit.result.redis_keys += 1
            await audit.deleted("redis_key", key)
    listings = [(ACTIVE_KEY, "zset"), (PENDING, "set")]
    listings += [(key, "zset") async for key in _scan(client, queue_key("*"))]
    listings += [(key, "set") async for key in _scan(client, agent_key("*"))]
    for key, kind in listings:
        if kind == "zset":
            removed = int(await client.zrem(key, conversation_id))
        else:
            removed = int(await client.srem(key, conversation_id))
        if removed:
            audit.result.redis_elements += removed
            await audit.deleted("redis_element", key, removed)
    await _forget_tickets(client, conversation_id, audit)


async def _elements_mentioning(
    client: redis.asyncio.Redis, key: str, kind: str, emails: frozenset[str]
) -> int:
    """Remove the elements of a collection that mention an e-mail address; how many."""
    if kind == "list":
        found = {item for item in await client.lrange(key, 0, -1) if _mentions(item, emails)}
        return sum([int(await client.lrem(key, 0, item)) for item in found])
    if kind == "set":
        found = {item for item in await client.smembers(key) if _mentions(item, emails)}
        return int(await client.srem(key, *found)) if found else 0
    if kind == "zset":
        members = await client.zrange(key, 0, -1)
        found = {item for item in members if _mentions(item, emails)}
        return int(await client.zrem(key, *found)) if found else 0
    if kind == "stream":
        entries: list[tuple[str, dict[str, Any]]] = await client.xrange(key)
        ids = [
            entry_id
            for entry_id, fields in entries
            if _mentions(json.dumps(fields, ensure_ascii=False), emails)
        ]
        return int(await client.xdel(key, *ids)) if ids else 0
    return 0


async def _whole_key_mentions(client: redis.asyncio.Redis, key: str, kind: str) -> str | None:
    """A string's value, or a hash's fields and values, as one text; else None."""
    if kind == "string":
        value = await client.get(key)
        return None if value is None else str(value)
    if kind == "hash":
        return json.dumps(await client.hgetall(key), ensure_ascii=False)
    return None


async def forget_email_everywhere(
    client: redis.asyncio.Redis, emails: frozenset[str], audit: _Audit
) -> None:
    """Every key or element left anywhere in Redis that mentions one of `emails`."""
    if not emails:
        return
    async for key in _scan(client, "*"):
        kind = str(await client.type(key))
        whole = await _whole_key_mentions(client, key, kind)
        if _mentions(key, emails) or (whole is not None and _mentions(whole, emails)):
            if await client.delete(key):
                audit.result.redis_keys += 1
                await audit.deleted("redis_key", key)
            continue
        if removed := await _elements_mentioning(client, key, kind, emails):
            audit.result.redis_elements += removed
            await audit.deleted("redis_element", key, removed)


async def _rewrite_append_only_file(client: redis.asyncio.Redis) -> None:
    # Deleted keys stay in Redis' append-only file until it is rewritten.
    try:
        settings = await client.config_get("appendonly")
    except redis.ResponseError:  # CONFIG is often disabled on managed Redis
        return
    if settings.get("appendonly") == "yes":
        await client.bgrewriteaof()


async def forget(
    client: redis.asyncio.Redis,
    subjects: Subjects,
    outbox_dir: Path,
    log_dir: Path,
    extra_keys: tuple[str, ...] = (),
) -> Forgotten:
    """Delete everything of `subjects`; `extra_keys` are further keys of theirs (the
    action server's identity-check counters of an e-mail address).

    `client` must decode responses (RedisSettings.async_client)."""
    result = Forgotten()
    found = await conversations_mentioning(client, subjects.emails)
    result.conversations = set(subjects.conversations) | found
    audit = _Audit(client, subjects, result)
    for conversation_id in sorted(result.conversations):
        await forget_conversation(client, conversation_id, audit)
    for key in extra_keys:
        if await client.delete(key):
            result.redis_keys += 1
            await audit.deleted("redis_key", key)
    await forget_email_everywhere(client, subjects.emails, audit)
    await _rewrite_append_only_file(client)
    for path in forget_emails_on_disk(
        outbox_dir, frozenset(result.tickets), frozenset(result.conversations), subjects.emails
    ):
        result.files.append(path)
        await audit.deleted("file", str(path))
    needles = frozenset(result.conversations | result.tickets)
    for path, lines in scrub_logs(log_dir, needles, subjects.emails).items():
        result.log_lines += lines
        await audit.deleted("log_lines", str(path), lines)
    return result
