"""Agents' messages into the Rasa tracker, after the shopper already has them.

Writing the tracker goes through the Rasa server, whose event loop is busy with the
bot's other conversations: waiting for it before the shopper sees an agent's message
made that message take 200-500 ms under load. So an agent's message goes to the
shopper first, and its events are queued in Redis for the tracker and written from
there, in order, one conversation at a time. Queued in Redis, they survive a Rasa
outage and a restart of this service (the sweeper picks them up again): the transcript
never misses what the shopper saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

import redis.asyncio

from handoff.audit import masked_id
from handoff.rasa_api import RasaApi, RasaUnavailable

logger = logging.getLogger(__name__)

PENDING = "eva:transcript:pending"  # the set of conversations with queued events
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0
# While one process writes a conversation's queue, no other process does.
WRITER_LEASE_SECONDS = 60

# KEYS: the conversation's queue, PENDING. ARGV: the events' JSON, conversation id.
_QUEUE = """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
"""
# KEYS: the conversation's queue, PENDING. ARGV: the written entry, conversation id.
_DONE = """
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1]) end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
"""
# KEYS: the lease. ARGV: the holder.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""


def pending_key(conversation_id: str) -> str:
    return f"{PENDING}:{conversation_id}"


def lease_key(conversation_id: str) -> str:
    """Held by the one process writing the conversation's queue."""
    return f"{pending_key(conversation_id)}:writer"


class TranscriptWriter:
    def __init__(self, client: redis.asyncio.Redis, rasa: RasaApi) -> None:
        self.client = client
        self.rasa = rasa
        self._queue = client.register_script(_QUEUE)
        self._done = client.register_script(_DONE)
        self._release = client.register_script(_RELEASE)
        self._writers: dict[str, asyncio.Task[None]] = {}
        # Conversations queued to while their writer was finishing: it must look again.
        self._again: set[str] = set()
        self._closed = False

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Queue events for the tracker; they are written soon, in the order queued."""
        await self._queue(
            keys=[pending_key(conversation_id), PENDING],
            args=[json.dumps(events, ensure_ascii=False), conversation_id],
        )
        self._wake(conversation_id)

    async def resume(self) -> None:
        """Write what an earlier process (or a Rasa outage) left queued."""
        for conversation_id in await self.client.smembers(PENDING):
            self._wake(str(conversation_id))

    async def flush(self, conversation_id: str, timeout: float) -> None:
        """Wait (up to `timeout`) for what this process queued for the conversation."""
        writer = self._writers.get(conversation_id)
        if writer is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(writer), timeout)

    async def close(self) -> None:
        """Stop writing; what is still queued stays in Redis for the next process. Each
        writer lets go of its lease as it stops, and none starts anew: one that was asked
        to look again used to, holding the lease and keeping the next process out."""
        self._closed = True
        self._again.clear()
        for writer in self._writers.values():
            writer.cancel()

    def _wake(self, conversation_id: str) -> None:
        if self._closed:
            return
        writer = self._writers.get(conversation_id)
        if writer is None or writer.done():
            self._writers[conversation_id] = asyncio.create_task(self._write(conversation_id))
        else:
            self._again.add(conversation_id)

    async def _write(self, conversation_id: str) -> None:
        lease = lease_key(conversation_id)
        holder = uuid.uuid4().hex
        self._again.discard(conversation_id)
        if not await self.client.set(lease, holder, nx=True, ex=WRITER_LEASE_SECONDS):
            return  # another process writes it; the sweeper looks again later
        try:
            await self._drain(conversation_id, lease, holder)
        except Exception:  # a Redis hiccup: the events stay queued for the sweeper
            logger.exception("could not write the transcript of %s", masked_id(conversation_id))
        finally:
            await self._release(keys=[lease], args=[holder])
            if self._writers.get(conversation_id) is asyncio.current_task():
                del self._writers[conversation_id]
            if conversation_id in self._again:
                self._wake(conversation_id)

    async def _drain(self, conversation_id: str, lease: str, holder: str) -> None:
        key = pending_key(conversation_id)
        delay = RETRY_FIRST_SECONDS
        # Closed, it stops at the next entry: a cancel that lands while aiohttp waits on a
        # connection can come back as its timeout (a RasaUnavailable here), not as a
        # cancel, and the loop would go on retrying for ever.
        while not self._closed and (entry := await self.client.lindex(key, 0)) is not None:
            try:
                await self.rasa.append_events(conversation_id, json.loads(entry))
            except RasaUnavailable as error:
                logger.warning(
                    "transcript of %s waits for Rasa: %s", masked_id(conversation_id), error
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                await self.client.set(lease, holder, xx=True, ex=WRITER_LEASE_SECONDS)
                continue
            delay = RETRY_FIRST_SECONDS
            await self._done(keys=[key, PENDING], args=[entry, conversation_id])
