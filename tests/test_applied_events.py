"""bot/applied_events.py answers what Rasa's walk over all events answers."""

from __future__ import annotations

import copy
import pickle

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, Restarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import applied_events
from tests.dialogue_histories import rewritten_history, story_histories


def _ids(events: list[Event]) -> list[int]:
    return [id(event) for event in events]


def _agrees(tracker: DialogueStateTracker) -> None:
    expected = _ids(applied_events.ORIGINAL_APPLIED_EVENTS(tracker))
    ours = applied_events.applied_events(tracker)
    assert _ids(ours) == expected
    # Callers may change what they get.
    ours.clear()
    assert _ids(applied_events.applied_events(tracker)) == expected


def test_a_growing_tracker_after_every_event(domain: Domain) -> None:
    extended = 0
    for events in [*story_histories(domain), rewritten_history()]:
        tracker = DialogueStateTracker("shopper", domain.slots)
        for event in events:
            tracker.update(event)
            kept = tracker.__dict__.get(applied_events.APPLIED_ATTRIBUTE)
            _agrees(tracker)
            # Extended, not worked out again.
            extended += kept is tracker.__dict__[applied_events.APPLIED_ATTRIBUTE]
    assert extended > 100


def test_a_loop_activated_late_changes_what_came_before() -> None:
    tracker = DialogueStateTracker("shopper", None)
    for event in [
        ActionExecuted("action_listen"),
        UserUttered("where is my order", {"name": "order_status"}),
        ActionExecuted("order_form"),
        ActionExecuted("action_listen"),
        UserUttered("12345678", {"name": "inform"}),
        ActionExecuted("order_form"),
        ActiveLoop("order_form"),
        ActionExecuted("order_form"),
    ]:
        tracker.update(event)
        _agrees(tracker)


def test_rebuilt_copied_and_pickled_trackers_work_out_their_own(domain: Domain) -> None:
    tracker = DialogueStateTracker.from_events("shopper", rewritten_history(), domain.slots)
    _agrees(tracker)
    for other in (copy.deepcopy(tracker), pickle.loads(pickle.dumps(tracker))):
        assert other.__dict__[applied_events.APPLIED_ATTRIBUTE] is None
        _agrees(other)
    # The same events object refilled: one event in the middle replaced, the rest the same.
    events = list(tracker.events)
    restart = next(index for index, event in enumerate(events) if isinstance(event, Restarted))
    tracker.events.clear()
    tracker.events.extend(
        [*events[:restart], ActionExecuted("utter_greet"), *events[restart + 1 :]]
    )
    _agrees(tracker)
