"""The tracker store hands out the tracker it saved last only when a load would give the same."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.redis_server import RedisSettings
from bot.tracker.kept import KeptTrackers
from bot.tracker.redis_store import AppendOnlyRedisTrackerStore
from tests.test_tracker_store import KEEP_TURNS, new_store, opening, turn

Stores = Callable[..., AppendOnlyRedisTrackerStore]


def run(
    redis_settings: RedisSettings,
    domain: Domain,
    scenario: Callable[[Stores], Awaitable[None]],
) -> None:
    """Runs `scenario` with a maker of stores (Rasa workers) sharing one key prefix."""
    prefix = f"k{uuid.uuid4().hex[:8]}"

    async def main() -> None:
        made: list[AppendOnlyRedisTrackerStore] = []

        def store(**options: Any) -> AppendOnlyRedisTrackerStore:
            made.append(new_store(redis_settings, domain, prefix, **options))
            return made[-1]

        try:
            await scenario(store)
        finally:
            for each in made:
                await each.redis.close()

    asyncio.run(main())


def state(tracker: DialogueStateTracker | None, domain: Domain) -> tuple[Any, ...]:
    """Everything a turn reads of a tracker."""
    assert tracker is not None
    return (
        tracker.current_state(EventVerbosity.ALL),
        tracker.past_states(domain),
        tracker.is_paused(),
        tracker.active_loop_name,
    )


async def started(store: AppendOnlyRedisTrackerStore, sender: str) -> DialogueStateTracker:
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.update_with_events(opening(), None)
    await store.save(tracker)
    return tracker


def test_the_saved_tracker_is_handed_out_once_and_is_what_a_load_gives(redis_settings, domain):
    async def scenario(store: Stores) -> None:
        worker, reader = store(), store(keep_trackers=0)
        previous, was_kept, moves = await started(worker, "shopper"), True, 0
        for number in range(3 * KEEP_TURNS):
            loaded = await worker.retrieve("shopper")
            assert loaded is not None and (loaded is previous) == was_kept
            message, *answer = turn(number)
            loaded.update_with_events(
                [message, SlotSet("order_id", f"{number:08d}"), *answer], None
            )
            await worker.save(loaded)
            was_kept, previous = "shopper" in worker.kept, loaded
            # What a worker without kept trackers loads now.
            fresh = await reader.retrieve("shopper")
            if was_kept:
                assert state(loaded, domain) == state(fresh, domain)
            else:
                # This save moved the window: the next load builds it anew.
                assert fresh is not None and len(fresh.events) < len(loaded.events)
                moves += 1
        assert 0 < moves < 3 * KEEP_TURNS - 1
        assert await worker.retrieve("shopper") is previous
        # Handed out: a second load meanwhile builds its own.
        second = await worker.retrieve("shopper")
        assert second is not previous and state(second, domain) == state(previous, domain)

    run(redis_settings, domain, scenario)


def test_a_write_from_elsewhere_is_loaded_not_the_kept_tracker(redis_settings, domain):
    async def scenario(store: Stores) -> None:
        one, other = store(), store()
        kept = await started(one, "shopper")
        # The next message of the conversation lands on the other worker.
        there = await other.retrieve("shopper")
        assert there is not None and there is not kept
        there.update_with_events(turn(1), None)
        await other.save(there)
        here = await one.retrieve("shopper")
        assert here is not kept and state(here, domain) == state(there, domain)

    run(redis_settings, domain, scenario)


def test_a_replaced_conversation_is_loaded_not_the_kept_tracker(redis_settings, domain):
    async def scenario(store: Stores) -> None:
        one, api = store(), store(keep_trackers=0)
        kept = await started(one, "shopper")
        # PUT /conversations/<id>/tracker/events: the same number of events, others.
        replacement = DialogueStateTracker.from_events(
            "shopper",
            [ActionExecuted("action_session_start"), SlotSet("language", "en"), *opening()[2:]],
            domain.slots,
        )
        assert len(replacement.events) == len(kept.events)
        await api.save(replacement)
        here = await one.retrieve("shopper")
        assert here is not None and here is not kept and here.get_slot("language") == "en"

    run(redis_settings, domain, scenario)


def test_a_tracker_changed_after_its_save_or_under_another_domain_is_not_handed_out(
    redis_settings, domain
):
    async def scenario(store: Stores) -> None:
        one = store()
        kept = await started(one, "shopper")
        # An error between a change and the save.
        kept.update(SlotSet("order_id", "12345678"))
        here = await one.retrieve("shopper")
        assert here is not None and here is not kept and here.get_slot("order_id") is None
        await one.save(here)
        # A new model's domain.
        one.domain = Domain.from_dict(domain.as_dict())
        again = await one.retrieve("shopper")
        assert again is not here and state(again, domain) == state(here, domain)

    run(redis_settings, domain, scenario)


def test_the_least_recently_saved_are_dropped_first(redis_settings, domain):
    async def scenario(store: Stores) -> None:
        one = store(keep_trackers=2)
        trackers = [await started(one, f"shopper-{number}") for number in range(3)]
        assert len(one.kept) == 2
        assert await one.retrieve("shopper-0") is not trackers[0]
        assert await one.retrieve("shopper-2") is trackers[2]
        off = store(keep_trackers=0)
        await started(off, "shopper-9")
        assert len(off.kept) == 0

    run(redis_settings, domain, scenario)


def test_keep_trackers_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="keep_trackers"):
        KeptTrackers(-1)
