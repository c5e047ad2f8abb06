"""Which part of a stored conversation a turn needs, and the events that stand for the rest.

A turn's cost in Rasa grows with the events in the tracker it loads: every policy
rebuilds its state history by replaying them. Ours look at a few recent turns only
(MemoizationPolicy's max_history, the longest rule), so the store hands Rasa a
*window*: the latest session, cut to about the last `keep_turns` shopper messages
once it grows past twice that. What happened before the cut is summed up by a
*prefix* shaped like the start of a session: `action_session_start`,
`session_started`, a `slot` event for every slot that is not at its initial value and
`pause` when the bot is paused — exactly what Rasa's own session start leaves.

The window only ever starts right before a shopper message (`action_listen`, then
`user`) and never inside an active form, so the prefix needs nothing but slots and
the pause flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_KEEP_TURNS = 8


@dataclass(frozen=True)
class Window:
    """Where a loaded tracker's events come from.

    The tracker's first `prefix_length` events are summary events, then come stored
    events from index `start` on; `loaded` events were there when it was loaded (or
    last saved), and the conversation then had `stored_length` stored events.
    """

    start: int
    prefix_length: int
    loaded: int
    stored_length: int

    def new_events(self, events: Sequence[Event]) -> list[Event]:
        """The events added to the tracker since it was loaded or saved."""
        return list(events)[self.loaded :]

    def stored_index(self, position: int) -> int:
        """The stored index of the tracker's event at `position` (past the prefix)."""
        return self.start + position - self.prefix_length

    def saved(self, total_events: int, appended: int) -> Window:
        """The same tracker after a save that appended `appended` events."""
        return Window(self.start, self.prefix_length, total_events, self.stored_length + appended)


@dataclass(frozen=True)
class Cut:
    """A new start for the window: a stored index and the prefix that replaces the rest."""

    start: int
    prefix: list[Event]


def _is_turn_start(events: Sequence[Event], position: int) -> bool:
    event = events[position]
    return (
        isinstance(event, ActionExecuted)
        and event.action_name == ACTION_LISTEN_NAME
        and position + 1 < len(events)
        and isinstance(events[position + 1], UserUttered)
    )


def _latest_session_start(events: Sequence[Event], first: int) -> int | None:
    """Position of the `action_session_start` that began the latest session."""
    for position in range(len(events) - 1, first - 1, -1):
        if isinstance(events[position], SessionStarted):
            before = position - 1
            if (
                before >= first
                and isinstance(events[before], ActionExecuted)
                and events[before].action_name == ACTION_SESSION_START_NAME  # type: ignore[attr-defined]
            ):
                return before
            return position
    return None


def summary_prefix(state: DialogueStateTracker, timestamp: float) -> list[Event]:
    """Events that rebuild `state`'s slots and pause flag in a fresh tracker."""
    prefix: list[Event] = [
        ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp),
        SessionStarted(timestamp=timestamp),
    ]
    for slot in state.slots.values():
        if slot.value != slot.initial_value:
            prefix.append(SlotSet(slot.name, slot.value, timestamp=timestamp))
    if state.is_paused():
        prefix.append(ConversationPaused(timestamp=timestamp))
    return prefix


def next_cut(
    tracker: DialogueStateTracker,
    window: Window | None,
    domain: Domain,
    keep_turns: int = DEFAULT_KEEP_TURNS,
) -> Cut | None:
    """Where the window should start after this save, or None to leave it.

    `window` says how the tracker was loaded (None: the tracker holds every stored
    event). A new session moves the start to it; a session grown past
    2 × `keep_turns` shopper messages is cut back to `keep_turns`.
    """
    events = list(tracker.events)
    first = window.prefix_length if window else 0

    session = _latest_session_start(events, first)
    base = session if session is not None and session > first else first
    turn_starts = [p for p in range(base, len(events)) if _is_turn_start(events, p)]
    if len(turn_starts) > 2 * keep_turns:
        position = turn_starts[-keep_turns]
        state = DialogueStateTracker.from_events(tracker.sender_id, events[:position], domain.slots)
        if state.active_loop_name is None:
            stored = window.stored_index(position) if window else position
            return Cut(stored, summary_prefix(state, events[position].timestamp))
    if base > first:
        stored = window.stored_index(base) if window else base
        return Cut(stored, [])
    return None
