"""bot/tracker_copy.py copies a tracker into the state Rasa's replaying copy gives."""

from __future__ import annotations

from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    DefinePrevUserUtteredFeaturization,
    Event,
    LoopInterrupted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import prior_states, tracker_copy
from bot.tracker.redis_store import WINDOW_ATTRIBUTE
from tests.dialogue_histories import rewritten_history, story_histories


def _value(value: Any, events: list[Event]) -> Any:
    if isinstance(value, Event):
        if any(value is event for event in events):
            return ("event", events.index(value))
        # A fresh empty message: the same but for its creation time.
        return (type(value), {k: v for k, v in vars(value).items() if k != "timestamp"})
    return value


def fields(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Every attribute of the tracker, events by identity and slots by content; not what
    our speedups keep on it to answer faster (`_eva_...`), which a replay may leave."""
    events = list(tracker.events)
    described = {
        key: _value(value, events)
        for key, value in vars(tracker).items()
        if not key.startswith("_eva_")
    }
    described["events"] = [id(event) for event in events]
    described["slots"] = {name: (type(slot), vars(slot)) for name, slot in tracker.slots.items()}
    return described


def _copies_alike(tracker: DialogueStateTracker) -> None:
    before = fields(tracker)
    ours, rasas = tracker_copy.copy_tracker(tracker), tracker_copy.ORIGINAL_COPY(tracker)
    assert ours is not tracker
    assert fields(ours) == fields(rasas)
    # What happens to a copy (a prediction's events, an action's) stays in it.
    new_events = [
        LoopInterrupted(True),
        ActionExecutionRejected("order_form"),
        DefinePrevUserUtteredFeaturization(False),
        ActionExecuted("utter_greet"),
        SlotSet("order_id", "87654321"),
        ActionExecuted("action_listen"),
        UserUttered("thanks", {"name": "thank"}),
    ]
    for copied in (ours, rasas):
        copied.update_with_events(new_events, None)
    assert fields(ours) == fields(rasas)
    assert fields(tracker) == before


def test_every_story_rule_and_rewritten_history_after_every_event(domain: Domain) -> None:
    histories = [*story_histories(domain), rewritten_history()]
    for events in histories:
        tracker = DialogueStateTracker("shopper", domain.slots)
        tracker.model_id, tracker.sender_source = "model", "stories.yml"
        _copies_alike(tracker)
        for event in events:
            tracker.update(event)
            _copies_alike(tracker)


def test_a_loaded_tracker_copies_without_what_the_store_and_the_policies_keep_on_it(
    domain: Domain,
) -> None:
    tracker = DialogueStateTracker.from_events("shopper", rewritten_history(), domain.slots)
    setattr(tracker, WINDOW_ATTRIBUTE, "kept by the store")
    prior_states.prior_turns(domain, tracker)
    copied = tracker_copy.copy_tracker(tracker)
    assert WINDOW_ATTRIBUTE not in vars(copied)
    assert prior_states.TURNS_ATTRIBUTE not in vars(copied)


def test_trackers_the_copy_cannot_know_take_rasas_replay(domain: Domain) -> None:
    bounded = DialogueStateTracker("shopper", domain.slots, max_event_history=3)
    without_domain = DialogueStateTracker("shopper", None)
    for tracker in (bounded, without_domain):
        tracker.update_with_events(rewritten_history(), None)
        assert fields(tracker_copy.copy_tracker(tracker)) == fields(
            tracker_copy.ORIGINAL_COPY(tracker)
        )
