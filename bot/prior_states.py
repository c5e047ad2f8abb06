"""The dialogue's past states worked out once per tracker state, for every policy that asks.

Each action prediction asks `Domain.states_for_tracker_history` for the states of the
conversation so far: the RulePolicy twice after a shopper's message (once reading the
message's text, once its intent) and the MemoizationPolicy once more, and each call
replays every event of the loaded window into a fresh tracker and builds the state
after each action again. That was 13 % of the Rasa workers' Python time under the
load of 32 shoppers (py-spy, GIL held). Here the replay and the states it yields are
kept on the tracker with the replayed tracker itself: when the tracker has grown
(the next prediction of the same message, after an action), only its new events are
replayed, unless its history changed (Rasa's `applied_events` no longer starts with
what was replayed). Each call gets fresh copies of the states and applies its own
options (rule-only turns, rule-only slots and loops) exactly as Rasa's loop does, so
callers may change what they get.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from rasa.shared.core import constants
from rasa.shared.core.domain import Domain, State, SubState
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.applied_events import EventsMark, starts_with

# The tracker's attribute holding its replayed turns.
TURNS_ATTRIBUTE = "_eva_prior_turns"


@dataclass(frozen=True)
class PriorTurn:
    """The conversation just before one of its actions (or as it is now, for the last)."""

    state: State
    hide_rule_turn: bool
    # A follow-up action or the active loop's own step: such a turn keeps whether the
    # turn before it was hidden.
    keeps_hidden: bool


class _Replay:
    """A tracker's history replayed: the events it applied, its turns, and the replica
    tracker that stands where the last of those events left it."""

    def __init__(self, domain: Domain, tracker: DialogueStateTracker, omit: bool) -> None:
        self.domain = domain
        self.omit_unset_slots = omit
        self.applied: list[Event] = []
        self.replica = tracker.init_copy()
        self.turns: list[PriorTurn] = []
        self.replayed = EventsMark(0, None)

    def answers(self, domain: Domain, omit: bool) -> bool:
        return self.domain is domain and self.omit_unset_slots == omit

    def is_current(self, tracker: DialogueStateTracker) -> bool:
        return self.replayed.still_holds(tracker)

    def continues_into(self, applied: list[Event]) -> bool:
        """Whether the tracker's applied events start with those replayed here."""
        return starts_with(applied, self.applied)

    def catch_up(self, tracker: DialogueStateTracker, applied: list[Event]) -> None:
        """Replays the applied events not replayed yet, as Rasa's
        `generate_all_prior_trackers` does: a turn before each action, and one at the end."""
        turns = self.turns[:-1]
        for event in applied[len(self.applied) :]:
            if isinstance(event, ActionExecuted):
                turns.append(self._turn(event.hide_rule_turn))
            self.replica.update(event)
        turns.append(self._turn(False))
        self.turns, self.applied = turns, applied
        self.replayed = EventsMark.of(tracker)

    def _turn(self, hide_rule_turn: bool) -> PriorTurn:
        replica = self.replica
        return PriorTurn(
            state=self.domain.get_active_state(replica, omit_unset_slots=self.omit_unset_slots),
            hide_rule_turn=hide_rule_turn,
            keeps_hidden=bool(replica.followup_action)
            or replica.latest_action_name == replica.active_loop_name,
        )

    # A copied or pickled tracker replays its own events: the kept turns (and the
    # domain they hold) stay behind.
    def __deepcopy__(self, memo: dict[int, Any]) -> None:
        return None

    def __reduce__(self) -> tuple[type[None], tuple[()]]:
        return (type(None), ())


def prior_turns(
    domain: Domain, tracker: DialogueStateTracker, omit_unset_slots: bool = False
) -> list[PriorTurn]:
    """The tracker's turns: replayed once, and only its new events when it grows."""
    kept: _Replay | None = tracker.__dict__.get(TURNS_ATTRIBUTE)
    if kept is not None and kept.answers(domain, omit_unset_slots) and kept.is_current(tracker):
        return kept.turns
    applied = tracker.applied_events()
    if (
        kept is None
        or not kept.answers(domain, omit_unset_slots)
        or not kept.continues_into(applied)
    ):
        # A new tracker, or its history was rewritten (a reverted message or action, a
        # restart, a loop's rejected turns dropped): from the start.
        kept = _Replay(domain, tracker, omit_unset_slots)
        tracker.__dict__[TURNS_ATTRIBUTE] = kept
    kept.catch_up(tracker, applied)
    return kept.turns


def _fresh(state: State) -> State:
    # A state's sub-states are flat dictionaries of strings and tuples.
    return {kind: cast(SubState, dict(sub_state)) for kind, sub_state in state.items()}


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """`Domain.states_for_tracker_history`, from the tracker's kept turns."""
    states: list[State] = []
    last_ml_action_sub_state: SubState | None = None
    turn_was_hidden = False
    for turn in prior_turns(self, tracker, omit_unset_slots):
        state = _fresh(turn.state)
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                # Rasa's `tracker.latest_action`: the same dictionary as the state's.
                last_ml_action_sub_state = state.get(constants.PREVIOUS_ACTION)
            if not turn.keeps_hidden:
                turn_was_hidden = turn.hide_rule_turn
            if turn_was_hidden:
                continue
            self._remove_rule_only_features(state, rule_only_data)
            if states:
                self._substitute_rule_only_user_input(state, states[-1])
            if last_ml_action_sub_state:
                state[constants.PREVIOUS_ACTION] = last_ml_action_sub_state
        states.append(self._clean_state(state))
    return states


def install() -> None:
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[method-assign]
