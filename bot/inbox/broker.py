"""A Rasa event broker that fills the review inbox from real conversations.

Configured in endpoints.yml:

    event_broker:
      type: bot.inbox.broker.InboxEventBroker
      min_confidence: 0.6
      capture_intents: [out_of_scope]

Rasa hands every new tracker event to `publish`. User messages that fell back, were
understood with low confidence or were classified as one of `capture_intents` go to
Redis (the Redis the tracker store uses, from REDIS_HOST/REDIS_PORT/REDIS_DB/
REDIS_PASSWORD), masked first. Messages a shopper writes while the conversation is
with a human agent are not for the bot, so they are skipped.
The inbox must never cost a conversation: failures are logged, never raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from asyncio import AbstractEventLoop
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.inbox.capture import (
    DEFAULT_CAPTURE_INTENTS,
    DEFAULT_MIN_CONFIDENCE,
    Candidate,
    candidate,
)
from bot.inbox.store import InboxStore
from bot.redis_server import RedisSettings

logger = logging.getLogger(__name__)

PAUSE_EVENTS = {"pause": True, "resume": False, "restart": False}
# Work for the inbox: (sender, pause state to store, or the miss to record).
Work = tuple[str, bool | None, Candidate | None]


class InboxEventBroker(EventBroker):
    def __init__(
        self,
        store: InboxStore,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        capture_intents: frozenset[str] = DEFAULT_CAPTURE_INTENTS,
    ) -> None:
        self.store = store
        self.min_confidence = min_confidence
        self.capture_intents = capture_intents
        # The writes, in Rasa's order, and the one task that works through them.
        self._queue: asyncio.Queue[Work] | None = None
        self._worker: asyncio.Task[None] | None = None

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig | None,
        event_loop: AbstractEventLoop | None = None,
    ) -> InboxEventBroker:
        options: dict[str, Any] = dict(broker_config.kwargs) if broker_config else {}
        min_confidence = float(options.get("min_confidence", DEFAULT_MIN_CONFIDENCE))
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"event_broker min_confidence must be 0..1, got {min_confidence}")
        listed = options.get("capture_intents", sorted(DEFAULT_CAPTURE_INTENTS))
        if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
            raise ValueError(f"event_broker capture_intents must be a list of names: {listed!r}")
        client = RedisSettings.from_environment().async_client()
        return cls(InboxStore(client), min_confidence, frozenset(listed))

    def publish(self, event: dict[str, Any]) -> None:
        # Rasa calls this synchronously from its event loop, for every event of every
        # conversation. Most need nothing stored and are judged here; the few writes
        # run on one task, so the shopper's reply never waits for them.
        work = self._work_for(event)
        if work is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            logger.warning("inbox: event outside an event loop, not recorded")
            return
        if self._queue is None or self._worker is None or self._worker.done():
            # A queue belongs to the loop it is first used on: a new one with its task.
            self._queue = asyncio.Queue()
            self._worker = loop.create_task(self._work_through(self._queue))
        self._queue.put_nowait(work)

    def _work_for(self, event: dict[str, Any]) -> Work | None:
        try:
            sender_id = str(event.get("sender_id") or "")
            kind = event.get("event")
            if kind in PAUSE_EVENTS:
                return (sender_id, PAUSE_EVENTS[str(kind)], None) if sender_id else None
            found = candidate(event, self.min_confidence, self.capture_intents)
            return None if found is None else (sender_id, None, found)
        except Exception:
            logger.exception("inbox: could not judge an event")
            return None

    async def _work_through(self, queue: asyncio.Queue[Work]) -> None:
        # One after the other, in Rasa's order: a pause must be stored before the
        # messages that follow it are judged, and the first spelling seen is kept.
        while True:
            work = await queue.get()
            try:
                await self._store(*work)
            except Exception:
                logger.exception("inbox: could not record an event")
            finally:
                queue.task_done()

    async def _store(self, sender_id: str, paused: bool | None, found: Candidate | None) -> None:
        if paused is not None:
            await self.store.set_paused(sender_id, paused)
        elif found is not None and not (sender_id and await self.store.is_paused(sender_id)):
            await self.store.record(found)

    async def flush(self) -> None:
        """Wait for the writes under way (tests, shutdown)."""
        if self._queue is not None:
            await self._queue.join()

    async def close(self) -> None:
        await self.flush()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        await self.store.client.close()
