"""bot/prior_states.py gives every policy the states Rasa's own replay gives it."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.shared.core.constants import RULE_ONLY_LOOPS, RULE_ONLY_SLOTS
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import prior_states
from tests.dialogue_histories import rewritten_history, story_histories

ORIGINAL = Domain.states_for_tracker_history


@pytest.fixture(scope="module")
def conversations(domain: Domain) -> list[DialogueStateTracker]:
    """Every story and rule of the project as plain trackers cut after each event."""
    trackers = [
        DialogueStateTracker.from_events("shopper", events[:end], domain.slots)
        for events in story_histories(domain)
        for end in range(1, len(events) + 1)
    ]
    assert len(trackers) > 300
    return trackers


def _options(domain: Domain) -> list[dict[str, Any]]:
    rule_only = {
        RULE_ONLY_SLOTS: [slot.name for slot in domain.slots][:3],
        RULE_ONLY_LOOPS: list(domain.form_names),
    }
    return [
        {},
        {"omit_unset_slots": True},
        {"ignore_rule_only_turns": True},
        {"ignore_rule_only_turns": True, "rule_only_data": rule_only},
        {"ignore_rule_only_turns": False, "rule_only_data": rule_only},
    ]


def test_the_same_states_as_rasa_for_every_option_and_each_time_asked(
    domain: Domain, conversations: list[DialogueStateTracker]
) -> None:
    hidden_turns = 0
    for tracker in conversations:
        for options in _options(domain):
            expected = ORIGINAL(domain, tracker, **options)
            first = prior_states.states_for_tracker_history(domain, tracker, **options)
            assert first == expected
            # Callers change what they get: the kept turns must not see it.
            for state in first:
                for sub_state in state.values():
                    sub_state.clear()
            assert prior_states.states_for_tracker_history(domain, tracker, **options) == expected
        hidden_turns += len(ORIGINAL(domain, tracker)) - len(
            ORIGINAL(domain, tracker, ignore_rule_only_turns=True)
        )
    # The rules' hidden turns were among them.
    assert hidden_turns > 0


def _prediction_states(
    domain: Domain, tracker: DialogueStateTracker, use_text: bool, ignore: bool
) -> list[State]:
    featurizer = MaxHistoryTrackerFeaturizer(max_history=None)
    states: list[State] = featurizer.prediction_states(
        [tracker],
        domain,
        use_text_for_last_user_input=use_text,
        ignore_rule_only_turns=ignore,
        ignore_action_unlikely_intent=ignore,
    )[0]
    return states


def test_policies_asking_one_after_another_get_what_each_got_from_rasa(
    domain: Domain, conversations: list[DialogueStateTracker], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The order of a prediction: RulePolicy by text, by intent, then MemoizationPolicy.
    asks = [(True, False), (False, False), (False, True)]
    expected = [
        [_prediction_states(domain, tracker, *ask) for ask in asks]
        for tracker in copy.deepcopy(conversations)
    ]
    monkeypatch.setattr(
        Domain, "states_for_tracker_history", prior_states.states_for_tracker_history
    )
    for tracker, wanted in zip(conversations, expected, strict=True):
        assert [_prediction_states(domain, tracker, *ask) for ask in asks] == wanted


def test_new_events_are_replayed_and_a_swapped_domain_is_not_mixed_up(domain: Domain) -> None:
    tracker = DialogueStateTracker.from_events(
        "shopper",
        [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})],
        domain.slots,
    )
    before = prior_states.states_for_tracker_history(domain, tracker)
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(SlotSet("language", "ko"))
    after = prior_states.states_for_tracker_history(domain, tracker)
    assert len(after) == len(before) + 1
    assert after == ORIGINAL(domain, tracker)
    swapped = Domain.from_dict(domain.as_dict())
    turns = prior_states.prior_turns(swapped, tracker)
    assert turns is prior_states.prior_turns(swapped, tracker)
    assert turns is not prior_states.prior_turns(domain, tracker)


def test_a_copied_or_pickled_tracker_replays_its_own_events(domain: Domain) -> None:
    tracker = DialogueStateTracker.from_events(
        "shopper",
        [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})],
        domain.slots,
    )
    prior_states.prior_turns(domain, tracker)
    for copied in (copy.deepcopy(tracker), pickle.loads(pickle.dumps(tracker))):
        assert copied.__dict__[prior_states.TURNS_ATTRIBUTE] is None
        assert prior_states.states_for_tracker_history(domain, copied) == ORIGINAL(domain, tracker)


def test_a_growing_tracker_gets_rasas_states_after_every_event(domain: Domain) -> None:
    for events in [*story_histories(domain), rewritten_history()]:
        tracker = DialogueStateTracker("shopper", domain.slots)
        for event in events:
            tracker.update(event)
            for options in _options(domain):
                assert prior_states.states_for_tracker_history(
                    domain, tracker, **options
                ) == ORIGINAL(domain, tracker, **options)
