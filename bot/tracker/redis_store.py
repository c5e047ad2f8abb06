"""A Redis tracker store that appends each turn's new events instead of rewriting the tracker.

Configured in endpoints.yml:

    tracker_store:
      type: bot.tracker.redis_store.AppendOnlyRedisTrackerStore
      url: <host>
      port: <port>
      db: <db>
      password: <password>
      key_prefix: eva
      keep_turns: 8
      keep_trackers: 256

Rasa's own RedisTrackerStore keeps a conversation as one JSON string; every save reads
it back, parses it, merges and writes the whole string again, and the event broker
makes it read the tracker once more to find the new events. A turn late in a long
conversation therefore costs many times a first one. Here a conversation is:

- `<prefix>:events:<id>`: a Redis list, one JSON event per element, only ever appended
  to (RPUSH of the turn's new events), so nothing is lost or rewritten;
- `<prefix>:window:<id>`: a hash with `start` (the index of the first event a turn
  loads), `prefix` (the summary events that stand for what comes before it; see
  bot/tracker/window.py) and `version` (new at every save).

`retrieve` (every turn) loads the window in one round trip, or, when the worker still
holds the tracker it saved last and the version is still the one it wrote, hands that
out instead (`keep_trackers` of them per worker; bot/tracker/kept.py); `retrieve_full_tracker`
(the HTTP API's tracker, the transcript agents see) loads every event. Trackers that
Rasa's stock store left under `<prefix>:tracker:<id>` are read once and written in
the new form at their next save. The new events of each save go to the event broker
straight away, without reading the tracker back.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from typing import Any

import redis.asyncio
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot import fast_json
from bot.in_progress import ACTIVE_KEY, MARK_IN_PROGRESS
from bot.outbox import counter_key, stream_key
from bot.redis_limits import redis_limits
from bot.tracker.kept import DEFAULT_KEEP_TRACKERS, KeptTrackers
from bot.tracker.keys import events_key, legacy_key, rest_owner_key, window_key
from bot.tracker.window import DEFAULT_KEEP_TURNS, Cut, Window, next_cut

logger = logging.getLogger(__name__)

# The window in one round trip: {prefix JSON, start, events from start}, or {"="} when
# the window's version is ARGV[1] (the caller holds that tracker). Without events, the
# stock store's tracker (KEYS[3]) comes fourth, or nil: a new conversation's first turn
# needs no second round trip to find it has none.
LOAD_WINDOW = """
if ARGV[1] ~= '' and redis.call('HGET', KEYS[2], 'version') == ARGV[1] then
  return {'='}
end
local start = tonumber(redis.call('HGET', KEYS[2], 'start') or '0')
local prefix = redis.call('HGET', KEYS[2], 'prefix') or ''
local events = redis.call('LRANGE', KEYS[1], start, -1)
if #events == 0 then
  return {prefix, start, events, redis.call('GET', KEYS[3])}
end
return {prefix, start, events}
"""

UNCHANGED = "="

# Marks a tracker object with how it was loaded, so that `save` knows which of its
# events are new. Rasa passes the same object from retrieve to save.
WINDOW_ATTRIBUTE = "_eva_window"


def _dumps(event: Event) -> str:
    return fast_json.dumps(event.as_dict())


def _loads(raw: str) -> list[Event]:
    event = Event.from_parameters(fast_json.loads(raw))
    return [event] if event is not None else []


class AppendOnlyRedisTrackerStore(TrackerStore):
    def __init__(
        self,
        domain: Domain,
        host: str = "localhost",
        port: int | str = 6379,
        db: int | str = 0,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        key_prefix: str = "eva",
        keep_turns: int | str = DEFAULT_KEEP_TURNS,
        keep_trackers: int | str = DEFAULT_KEEP_TRACKERS,
        **kwargs: Any,
    ) -> None:
        self.redis = redis.asyncio.Redis(
            host=host or "localhost",
            port=int(port or 6379),
            db=int(db or 0),
            password=password or None,
            decode_responses=True,
            socket_connect_timeout=redis_limits().connect_timeout_seconds,
            socket_timeout=redis_limits().read_timeout_seconds,
        )
        self.key_prefix = key_prefix
        self.keep_turns = int(keep_turns)
        if self.keep_turns < 1:
            raise ValueError(f"tracker_store keep_turns must be at least 1, got {keep_turns}")
        self.kept = KeptTrackers(int(keep_trackers))
        self._load_window = self.redis.register_script(LOAD_WINDOW)
        super().__init__(domain, event_broker, **kwargs)

    def _events_key(self, sender_id: str) -> str:
        return events_key(sender_id, self.key_prefix)

    def _window_key(self, sender_id: str) -> str:
        return window_key(sender_id, self.key_prefix)

    def _legacy_key(self, sender_id: str) -> str:
        return legacy_key(sender_id, self.key_prefix)

    def _tracker(self, sender_id: str, events: list[Event], window: Window) -> DialogueStateTracker:
        tracker = self.init_tracker(sender_id)
        tracker.recreate_from_dialogue(Dialogue(sender_id, events))
        setattr(tracker, WINDOW_ATTRIBUTE, window)
        return tracker

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The latest session, cut to a bounded window of recent turns."""
        kept = self.kept.take(sender_id, self.domain)
        reply = await self._load_window(
            keys=[
                self._events_key(sender_id),
                self._window_key(sender_id),
                self._legacy_key(sender_id),
            ],
            args=[kept.version if kept else ""],
        )
        if kept is not None and reply == [UNCHANGED]:
            return kept.tracker
        prefix_json, start, stored, *legacy = reply
        if not stored:
            return self._legacy_tracker(sender_id, legacy[0] if legacy else None)
        prefix = [Event.from_parameters(data) for data in fast_json.loads(prefix_json or "[]")]
        events = [event for event in prefix if event is not None]
        prefix_length = len(events)
        for raw in stored:
            events += _loads(raw)
        start = int(start)
        window = Window(start, prefix_length, len(events), start + len(stored))
        return self._tracker(sender_id, events, window)

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """Every event of every session."""
        stored = await self.redis.lrange(self._events_key(sender_id), 0, -1)
        if not stored:
            return await self._retrieve_legacy(sender_id)
        events = [event for raw in stored for event in _loads(raw)]
        return self._tracker(sender_id, events, Window(0, 0, len(events), len(stored)))

    async def _retrieve_legacy(self, sender_id: str) -> DialogueStateTracker | None:
        return self._legacy_tracker(sender_id, await self.redis.get(self._legacy_key(sender_id)))

    def _legacy_tracker(self, sender_id: str, stored: str | None) -> DialogueStateTracker | None:
        """A conversation Rasa's stock store saved; rewritten in our form at its next save."""
        if stored is None:
            return None
        return self.deserialise_tracker(sender_id, stored)

    async def save(self, tracker: DialogueStateTracker) -> None:
        window: Window | None = getattr(tracker, WINDOW_ATTRIBUTE, None)
        sender_id = tracker.sender_id
        events_key, window_key = self._events_key(sender_id), self._window_key(sender_id)
        cut = next_cut(tracker, window, self.domain, self.keep_turns)
        rewrites = window is None
        async with self.redis.pipeline(transaction=True) as pipe:
            if window is None:
                # A tracker built outside `retrieve` (a new conversation, or the HTTP
                # API replacing the events): it holds the whole conversation. The events
                # stored before are counted in the same transaction.
                pipe.llen(events_key)
                new_events = list(tracker.events)
                pipe.delete(events_key, window_key, self._legacy_key(sender_id))
                window = Window(0, 0, 0, 0)
            else:
                new_events = window.new_events(tracker.events)
            if new_events:
                pipe.rpush(events_key, *(_dumps(event) for event in new_events))
            if cut is not None:
                self._write_cut(pipe, window_key, cut)
            version = uuid.uuid4().hex
            pipe.hset(window_key, "version", version)
            # In progress again: no time to live, so never evicted (bot/in_progress.py);
            # nor is the REST owner, or another integration could take the conversation.
            keys = (
                events_key,
                window_key,
                stream_key(sender_id),
                counter_key(sender_id),
                rest_owner_key(sender_id),
            )
            pipe.eval(MARK_IN_PROGRESS, len(keys) + 1, *keys, ACTIVE_KEY, time.time(), sender_id)
            results = await pipe.execute()
        broadcast = new_events[int(results[0]) :] if rewrites else new_events
        window = window.saved(len(tracker.events), len(new_events))
        setattr(tracker, WINDOW_ATTRIBUTE, window)
        if cut is None:
            # A load now gives back exactly this tracker's events.
            self.kept.keep(tracker, version, self.domain)
        else:
            self.kept.forget(sender_id)
        if self.event_broker is not None and broadcast:
            await self._stream_new_events(self.event_broker, broadcast, sender_id)

    @staticmethod
    def _write_cut(pipe: Any, window_key: str, cut: Cut) -> None:
        prefix = fast_json.dumps([event.as_dict() for event in cut.prefix])
        pipe.hset(window_key, mapping={"start": cut.start, "prefix": prefix})

    async def keys(self) -> Iterable[str]:
        """The conversation ids (sender ids) that have stored events."""
        marker = f"{self.key_prefix}:events:"
        return [key[len(marker) :] async for key in self.redis.scan_iter(match=f"{marker}*")]
