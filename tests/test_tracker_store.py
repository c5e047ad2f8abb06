"""The append-only Redis tracker store (bot/tracker/) against a real Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.redis_server import RedisSettings
from bot.tracker.redis_store import AppendOnlyRedisTrackerStore

KEEP_TURNS = 4


class RecordingBroker(EventBroker):
    """Stands in for an external broker (Kafka, Pika): records what it is handed."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


def new_store(
    redis_settings: RedisSettings, domain: Domain, key_prefix: str, **options: Any
) -> AppendOnlyRedisTrackerStore:
    """A store (a Rasa worker's) on the test Redis, keeping KEEP_TURNS turns."""
    return AppendOnlyRedisTrackerStore(
        domain,
        host=redis_settings.host,
        port=redis_settings.port,
        db=redis_settings.db,
        password=redis_settings.password,
        key_prefix=key_prefix,
        keep_turns=KEEP_TURNS,
        **options,
    )


def run(
    redis_settings: RedisSettings,
    domain: Domain,
    scenario: Callable[[AppendOnlyRedisTrackerStore], Awaitable[None]],
    broker: EventBroker | None = None,
) -> None:
    async def main() -> None:
        store = new_store(redis_settings, domain, f"t{uuid.uuid4().hex[:8]}", event_broker=broker)
        try:
            await scenario(store)
        finally:
            await store.redis.close()

    asyncio.run(main())


def turn(number: int, intent: str = "faq") -> list[Event]:
    """One shopper message and the bot's answer, then listening again."""
    return [
        UserUttered(f"message {number}", {"name": intent, "confidence": 0.9}),
        ActionExecuted("utter_greet"),
        BotUttered(f"answer {number}"),
        ActionExecuted("action_listen"),
    ]


def opening() -> list[Event]:
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]


async def stored_events(store: AppendOnlyRedisTrackerStore, sender: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in await store.redis.lrange(store._events_key(sender), 0, -1)]


async def conversation(
    store: AppendOnlyRedisTrackerStore, sender: str, turns: int, extra: dict[int, list[Event]]
) -> DialogueStateTracker:
    """`turns` turns, each loaded, extended and saved the way Rasa's processor does."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.update_with_events(opening(), None)
    await store.save(tracker)
    for number in range(turns):
        loaded = await store.retrieve(sender)
        assert loaded is not None
        loaded.update_with_events(extra.get(number, []) + turn(number), None)
        await store.save(loaded)
    full = await store.retrieve_full_tracker(sender)
    assert full is not None
    return full


def test_each_save_appends_only_the_new_events(redis_settings, domain):
    async def scenario(store: AppendOnlyRedisTrackerStore) -> None:
        sender = "appends"
        tracker = await store.create_tracker(sender)
        assert [e["event"] for e in await stored_events(store, sender)] == ["action"]
        loaded = await store.retrieve(sender)
        assert loaded is not None
        loaded.update_with_events(turn(1), None)
        await store.save(loaded)
        # Saving the same object again appends what came since, not everything again.
        loaded.update(SlotSet("order_id", "12345678"))
        await store.save(loaded)
        stored = await stored_events(store, sender)
        assert len(stored) == 1 + len(turn(1)) + 1
        assert [e["event"] for e in stored[1:]] == ["user", "action", "bot", "action", "slot"]
        again = await store.retrieve(sender)
        assert again is not None
        assert list(again.events) == list(loaded.events)
        assert again.get_slot("order_id") == "12345678"
        assert tracker.sender_id == sender

    run(redis_settings, domain, scenario)


def test_a_long_conversation_loads_a_bounded_window_with_the_same_state(redis_settings, domain):
    async def scenario(store: AppendOnlyRedisTrackerStore) -> None:
        sender = "long"
        extra = {
            3: [SlotSet("language", "en"), SlotSet("order_id", "12345678")],
            20: [ConversationPaused()],
            25: [ConversationResumed(), SlotSet("contact", "kim@example.com")],
            33: [ConversationPaused()],
        }
        full = await conversation(store, sender, 40, extra)
        window = await store.retrieve(sender)
        assert window is not None
        assert len(await stored_events(store, sender)) == len(full.events)
        # Bounded: a summary plus at most 2 x keep_turns turns.
        assert len(window.events) <= 6 + 2 * KEEP_TURNS * len(turn(0))
        assert window.current_slot_values() == full.current_slot_values()
        assert window.is_paused() and full.is_paused()
        assert window.latest_message.text == full.latest_message.text == "message 39"
        # What the policies see in their max_history is the same.
        assert window.past_states(domain)[-5:] == full.past_states(domain)[-5:]

    run(redis_settings, domain, scenario)


def test_the_window_never_starts_inside_an_active_form(redis_settings, domain):
    async def scenario(store: AppendOnlyRedisTrackerStore) -> None:
        sender = "form"
        # The form stays active from turn 2 to the end: no cut can be made.
        full = await conversation(store, sender, 30, {2: [ActiveLoop("order_form")]})
        window = await store.retrieve(sender)
        assert window is not None
        assert len(window.events) == len(full.events)
        assert window.active_loop_name == "order_form"

    run(redis_settings, domain, scenario)


def test_a_new_session_starts_the_window(redis_settings, domain):
    async def scenario(store: AppendOnlyRedisTrackerStore) -> None:
        sender = "sessions"
        session = [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            SlotSet("language", "ko"),
        ]
        full = await conversation(store, sender, 6, {4: session})
        window = await store.retrieve(sender)
        assert window is not None
        assert isinstance(window.events[0], ActionExecuted)
        assert window.events[0].action_name == "action_session_start"
        assert len(window.events) < len(full.events)
        assert [e.text for e in window.events if isinstance(e, UserUttered)] == [
            "message 4",
            "message 5",
        ]
        assert window.get_slot("language") == "ko"

    run(redis_settings, domain, scenario)


def test_the_broker_gets_each_event_once_without_a_read_back(redis_settings, domain):
    broker = RecordingBroker()

    async def scenario(store: AppendOnlyRedisTrackerStore) -> None:
        full = await conversation(store, "broker", 12, {})
        assert [e["event"] for e in broker.published] == [e.type_name for e in full.events]
        assert {e["sender_id"] for e in broker.published} == {"broker"}

    run(redis_settings, domain, scenario, broker)


def test_replacing_the_events_rewrites_the_conversation(redis_settings, domain):
    async def scenario(store: AppendOnlyRedisTrackerStore) -> None:
        sender = "replace"
        await conversation(store, sender, 3, {})
        # PUT /conversations/<id>/tracker/events builds a tracker from scratch.
        replacement = DialogueStateTracker.from_events(sender, opening() + turn(9), domain.slots)
        await store.save(replacement)
        stored = await stored_events(store, sender)
        assert [e.get("text") for e in stored if e["event"] == "user"] == ["message 9"]

    run(redis_settings, domain, scenario)


def test_conversations_stored_by_the_stock_store_are_read_and_moved(redis_settings, domain):
    async def scenario(store: AppendOnlyRedisTrackerStore) -> None:
        sender = "legacy"
        stock = RedisTrackerStore(
            domain,
            host=redis_settings.host,
            port=redis_settings.port,
            db=redis_settings.db,
            password=redis_settings.password or None,
            key_prefix=store.key_prefix,
        )
        old = DialogueStateTracker.from_events(sender, opening() + turn(1), domain.slots)
        await stock.save(old)
        loaded = await store.retrieve(sender)
        assert loaded is not None and list(loaded.events) == list(old.events)
        loaded.update_with_events(turn(2), None)
        await store.save(loaded)
        assert stock.red.get(store._legacy_key(sender)) is None
        stored = await stored_events(store, sender)
        assert [e["text"] for e in stored if e["event"] == "user"] == ["message 1", "message 2"]
        assert sorted(await store.keys()) == [sender]

    run(redis_settings, domain, scenario)


def test_unknown_conversations_are_none(redis_settings, domain):
    async def scenario(store: AppendOnlyRedisTrackerStore) -> None:
        assert await store.retrieve("nobody") is None
        assert await store.retrieve_full_tracker("nobody") is None

    run(redis_settings, domain, scenario)


def test_keep_turns_must_be_positive(domain):
    with pytest.raises(ValueError, match="keep_turns"):
        AppendOnlyRedisTrackerStore(domain, keep_turns=0)
