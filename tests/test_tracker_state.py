"""bot/tracker_state.py writes out a tracker's state as Rasa's `current_state` does."""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity, TrackerActiveLoop

from bot import tracker_state
from tests.dialogue_histories import rewritten_history, story_histories


def _described(value: Any) -> Any:
    """The value with the types of everything in it: equal values of other types differ."""
    if isinstance(value, dict):
        return (type(value), [(_described(key), _described(item)) for key, item in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value), [_described(item) for item in value])
    if isinstance(value, np.ndarray):
        return (type(value), value.dtype, value.tolist())
    return (type(value), value)


def _states_alike(tracker: DialogueStateTracker) -> None:
    for verbosity in EventVerbosity:
        ours = tracker_state.current_state(tracker, verbosity)
        rasas = tracker_state.ORIGINAL_CURRENT_STATE(tracker, verbosity)
        assert _described(ours) == _described(rasas)


def test_every_story_rule_and_rewritten_history_after_every_event(domain: Domain) -> None:
    for events in [*story_histories(domain), rewritten_history()]:
        tracker = DialogueStateTracker("shopper", domain.slots)
        _states_alike(tracker)
        for event in events:
            tracker.update(event)
            _states_alike(tracker)


def _parse() -> dict[str, Any]:
    return {
        "text": "주문 어디 있어요 where is my order",
        "intent": {"name": "order_status", "confidence": 0.97},
        "entities": [{"entity": "order_id", "value": "8174420965301178", "start": 0}],
        "intent_ranking": [
            {"name": "order_status", "confidence": 0.97},
            {"name": "faq", "confidence": 0.02},
        ],
        "response_selector": {"all_retrieval_intents": ["faq"], "default": {"ranking": []}},
        "metadata": {"shop": None, "flags": (1, 2.5, True), "seen": np.array([1, 2])},
        "message_id": "m1",
    }


def test_a_loop_started_by_a_whole_parse_is_written_out_and_copied_as_rasa_does(
    domain: Domain,
) -> None:
    tracker = DialogueStateTracker("shopper", domain.slots)
    for event in (
        ActionExecuted("action_listen"),
        UserUttered("where is my order", _parse()["intent"], parse_data=_parse()),
        ActionExecuted("order_form"),
        ActiveLoop("order_form"),
    ):
        tracker.update(event)
    assert tracker.active_loop and tracker.active_loop.trigger_message
    _states_alike(tracker)
    written = tracker_state.current_state(tracker)["active_loop"]
    # A copy: changing what was written out leaves the tracker's loop alone.
    written["trigger_message"]["intent_ranking"][0]["name"] = "changed"
    written["trigger_message"]["metadata"]["shop"] = "changed"
    assert tracker.active_loop.trigger_message["intent_ranking"][0]["name"] == "order_status"
    assert tracker.active_loop.trigger_message["metadata"]["shop"] is None


def test_loops_of_other_classes_go_through_asdict() -> None:
    class OwnLoop(TrackerActiveLoop):
        pass

    loop = OwnLoop("order_form", False, False, {"intent": {"name": "greet"}})
    assert tracker_state.loop_as_dict(loop) == {
        "name": "order_form",
        "is_interrupted": False,
        "rejected": False,
        "trigger_message": {"intent": {"name": "greet"}},
    }
