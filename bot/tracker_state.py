"""`DialogueStateTracker.current_state` with the active loop written out directly.

Every custom action call sends the tracker's state, and while a form is active that
state holds the loop with the message that started it (a whole parse: intent ranking,
entities, response selector). Rasa writes the loop out with `dataclasses.asdict`, whose
generic recursion calls `copy.deepcopy` on every string and number of that parse: 1.2 %
of the Rasa workers' Python time under the load of 32 shoppers (py-spy, GIL held).
Here dictionaries, lists and plain values are copied by hand into what `asdict` makes
of them (new dictionaries and lists, the same strings and numbers); anything else still
goes through `asdict`'s own recursion. tests/test_tracker_state.py compares both ways
after every event of every story, rule and rewritten history.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rasa.shared.core.constants import ACTIVE_LOOP, FOLLOWUP_ACTION
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity, TrackerActiveLoop

ORIGINAL_CURRENT_STATE = DialogueStateTracker.current_state
# What `copy.deepcopy` hands back unchanged.
_ATOMIC = frozenset({str, int, float, bool, type(None)})
_LOOP_FIELDS = tuple(field.name for field in dataclasses.fields(TrackerActiveLoop))


def plain_copy(value: Any) -> Any:
    """What `dataclasses.asdict` makes of a value found in a dataclass's field."""
    kind = type(value)
    if kind in _ATOMIC:
        return value
    if kind is dict:
        return {plain_copy(key): plain_copy(item) for key, item in value.items()}
    if kind is list:
        return [plain_copy(item) for item in value]
    return dataclasses._asdict_inner(value, dict)  # type: ignore[attr-defined]


def loop_as_dict(loop: TrackerActiveLoop) -> dict[str, Any]:
    """`dataclasses.asdict(loop)`."""
    if type(loop) is not TrackerActiveLoop:
        return dataclasses.asdict(loop)
    return {name: plain_copy(getattr(loop, name)) for name in _LOOP_FIELDS}


def current_state(
    self: DialogueStateTracker, event_verbosity: EventVerbosity = EventVerbosity.NONE
) -> dict[str, Any]:
    """`DialogueStateTracker.current_state`, the active loop written out by `loop_as_dict`."""
    events = self._events_for_verbosity(event_verbosity)
    return {
        "sender_id": self.sender_id,
        "slots": self.current_slot_values(),
        "latest_message": self._latest_message_data(),
        "latest_event_time": self.events[-1].timestamp if self.events else None,
        FOLLOWUP_ACTION: self.followup_action,
        "paused": self.is_paused(),
        "events": [event.as_dict() for event in events] if events is not None else None,
        "latest_input_channel": self.get_latest_input_channel(),
        ACTIVE_LOOP: loop_as_dict(self.active_loop) if self.active_loop else {},
        "latest_action": self.latest_action,
        "latest_action_name": self.latest_action_name,
    }


def install() -> None:
    DialogueStateTracker.current_state = current_state  # type: ignore[method-assign]
