"""`DialogueStateTracker.applied_events`, extended as the tracker grows instead of redone.

Rasa asks a tracker for its applied events (its events without the reverted ones and
a loop's undone turns) at every session check and every replay of its history, and
each time walked all its events with several `isinstance` checks against abstract
classes: 4 % of the Rasa workers' Python time under the load of 32 shoppers (py-spy,
GIL held). Most events only ever add themselves at the end. So the answer is kept on
the tracker with the events it covered, and when the tracker still starts with those
(the same objects) and has only grown since, by events that cannot rewrite what came
before, they are added to it; anything else
(a restart, a new session, a reverted message or action, a loop's action, a loop not
seen before) takes Rasa's walk over all events. Callers get a list of their own.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

ORIGINAL_APPLIED_EVENTS = DialogueStateTracker.applied_events
# The tracker's attribute holding its applied events.
APPLIED_ATTRIBUTE = "_eva_applied_events"
_REWRITING = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)


@dataclass
class _Applied:
    covered: list[Event]
    applied: list[Event]
    loop_names: set[str]

    # A copied or pickled tracker works out its own.
    def __deepcopy__(self, memo: dict[int, object]) -> None:
        return None

    def __reduce__(self) -> tuple[type[None], tuple[()]]:
        return (type(None), ())


def _only_adds_itself(event: Event, loop_names: set[str]) -> bool:
    """Whether Rasa's walk would add the event at the end and leave the rest as it was."""
    if isinstance(event, _REWRITING):
        return False
    if isinstance(event, ActiveLoop):
        return not event.name or event.name in loop_names
    if isinstance(event, ActionExecuted):
        return event.action_name not in loop_names
    return True


def starts_with(items: Sequence[object], prefix: Sequence[object]) -> bool:
    """Whether `items` begins with the very objects of `prefix` (not equal ones)."""
    return len(items) >= len(prefix) and all(map(operator.is_, prefix, items))


@dataclass(frozen=True, eq=False)
class EventsMark:
    """How many events a tracker held and which object came last. A tracker's events are
    only ever added to or replaced all at once, so while both still hold, nothing changed."""

    count: int
    last: Event | None

    @classmethod
    def of(cls, tracker: DialogueStateTracker) -> EventsMark:
        events = tracker.events
        return cls(len(events), events[-1] if events else None)

    def still_holds(self, tracker: DialogueStateTracker) -> bool:
        events = tracker.events
        return len(events) == self.count and (events[-1] if events else None) is self.last


def applied_events(self: DialogueStateTracker) -> list[Event]:
    """`DialogueStateTracker.applied_events`."""
    events = self.events
    kept: _Applied | None = self.__dict__.get(APPLIED_ATTRIBUTE)
    if kept is not None and starts_with(events, kept.covered):
        new = list(itertools.islice(events, len(kept.covered), None))
        if all(_only_adds_itself(event, kept.loop_names) for event in new):
            kept.covered += new
            kept.applied += new
            return list(kept.applied)
    applied: list[Event] = ORIGINAL_APPLIED_EVENTS(self)
    loop_names = {event.name for event in events if isinstance(event, ActiveLoop) and event.name}
    self.__dict__[APPLIED_ATTRIBUTE] = _Applied(list(events), list(applied), loop_names)
    return applied


def install() -> None:
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]
