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
import logging
from asyncio import AbstractEventLoop
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.inbox.capture import DEFAULT_CAPTURE_INTENTS, DEFAULT_MIN_CONFIDENCE, candidate
from bot.inbox.store import InboxStore
from bot.redis_server import RedisSettings

logger = logging.getLogger(__name__)

PAUSE_EVENTS = {"pause": True, "resume": False, "restart": False}


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
        # Running writes, referenced so they are not collected half-way and can be awaited.
        self._pending: set[asyncio.Task[None]] = set()
        self._last: asyncio.Task[None] | None = None

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
        # Rasa calls this synchronously from its event loop; the Redis writes run as a
        # task so the shopper's reply never waits for them.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            logger.warning("inbox: event outside an event loop, not recorded")
            return
        task = loop.create_task(self._handle_after(self._last, event))
        self._last = task
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _handle_after(
        self, previous: asyncio.Task[None] | None, event: dict[str, Any]
    ) -> None:
        # One after the other, in Rasa's order: a pause must be stored before the
        # messages that follow it are judged, and the first spelling seen is kept.
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        await self._handle(event)

    async def _handle(self, event: dict[str, Any]) -> None:
        try:
            sender_id = str(event.get("sender_id") or "")
            kind = event.get("event")
            if kind in PAUSE_EVENTS and sender_id:
                await self.store.set_paused(sender_id, PAUSE_EVENTS[str(kind)])
                return
            found = candidate(event, self.min_confidence, self.capture_intents)
            if found is None or (sender_id and await self.store.is_paused(sender_id)):
                return
            await self.store.record(found)
        except Exception:
            logger.exception("inbox: could not record an event")

    async def flush(self) -> None:
        """Wait for the writes under way (tests, shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        await self.flush()
        await self.store.client.close()
