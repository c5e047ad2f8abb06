"""The dialogue's past states worked out once per tracker state, for every policy that asks.

Each action prediction asks `Domain.states_for_tracker_history` for the states of the
conversation so far: the RulePolicy twice after a shopper's message (once reading the
message's text, once its intent) and the MemoizationPolicy once more, and each call
replays every event of the loaded window into a fresh tracker and builds the state
after each action again. That was 13 % of the Rasa workers' Python time under the
load of 32 shoppers (py-spy, GIL held). Here the replay and the states it yields are
kept on the tracker, keyed by its event count and last event, and each call gets
fresh copies of them and applies its own options (rule-only turns, rule-only slots
and loops) exactly as Rasa's loop does, so callers may change what they get.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from rasa.shared.core import constants
from rasa.shared.core.domain import Domain, State, SubState
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

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


@dataclass(frozen=True)
class _Replay:
    domain: Domain
    omit_unset_slots: bool
    event_count: int
    last_event: Event | None
    turns: list[PriorTurn]

    def matches(self, domain: Domain, tracker: DialogueStateTracker, omit: bool) -> bool:
        events = tracker.events
        return (
            self.domain is domain
            and self.omit_unset_slots == omit
            and self.event_count == len(events)
            and self.last_event is (events[-1] if events else None)
        )

    # A copied or pickled tracker replays its own events: the kept turns (and the
    # domain they hold) stay behind.
    def __deepcopy__(self, memo: dict[int, Any]) -> None:
        return None

    def __reduce__(self) -> tuple[type[None], tuple[()]]:
        return (type(None), ())


def _replay(domain: Domain, tracker: DialogueStateTracker, omit: bool) -> list[PriorTurn]:
    return [
        PriorTurn(
            state=domain.get_active_state(prior, omit_unset_slots=omit),
            hide_rule_turn=hide_rule_turn,
            keeps_hidden=bool(prior.followup_action)
            or prior.latest_action_name == prior.active_loop_name,
        )
        for prior, hide_rule_turn in tracker.generate_all_prior_trackers()
    ]


def prior_turns(
    domain: Domain, tracker: DialogueStateTracker, omit_unset_slots: bool = False
) -> list[PriorTurn]:
    """The tracker's turns, replayed once per state of its events."""
    kept: _Replay | None = tracker.__dict__.get(TURNS_ATTRIBUTE)
    if kept is None or not kept.matches(domain, tracker, omit_unset_slots):
        events = tracker.events
        kept = _Replay(
            domain,
            omit_unset_slots,
            len(events),
            events[-1] if events else None,
            _replay(domain, tracker, omit_unset_slots),
        )
        tracker.__dict__[TURNS_ATTRIBUTE] = kept
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
