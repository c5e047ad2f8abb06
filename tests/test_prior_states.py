"""bot/prior_states.py gives every policy the states Rasa's own replay gives it."""

from __future__ import annotations

import copy
import itertools
import pickle
from typing import Any

import pytest
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.shared.core.constants import ACTION_LISTEN_NAME, RULE_ONLY_LOOPS, RULE_ONLY_SLOTS
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.loading import load_data_from_files
from rasa.shared.core.training_data.structures import StoryGraph

from bot import prior_states
from bot.stack import PROJECT_DIR

ORIGINAL = Domain.states_for_tracker_history


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_DIR / "domain.yml"))


@pytest.fixture(scope="module")
def conversations(domain: Domain) -> list[DialogueStateTracker]:
    """Every story and rule of the project as plain trackers cut after each event, also
    with the rule turns hidden that the RulePolicy hides when it predicts them live."""
    steps = load_data_from_files(
        [str(PROJECT_DIR / "data" / part / f"{part}.yml") for part in ("stories", "rules")],
        domain,
    )
    generated = TrainingDataGenerator(
        StoryGraph(steps), domain, augmentation_factor=0, remove_duplicates=False
    ).generate()
    trackers = []
    for tracker in generated:
        events = list(tracker.events)
        hidden = [_hidden(event, index % 2 == 0) for index, event in enumerate(events)]
        for end, variant in itertools.product(range(1, len(events) + 1), (events, hidden)):
            trackers.append(
                DialogueStateTracker.from_events(tracker.sender_id, variant[:end], domain.slots)
            )
    assert len(trackers) > 300
    return trackers


def _hidden(event: Event, hide: bool) -> Event:
    if not isinstance(event, ActionExecuted) or event.action_name == ACTION_LISTEN_NAME:
        return event
    return ActionExecuted(event.action_name, event.policy, event.confidence, hide_rule_turn=hide)


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


def _growing_conversations(conversations: list[DialogueStateTracker]) -> list[list[Event]]:
    """Each story and rule whole, and a conversation whose history gets rewritten."""
    whole: dict[int, list[Event]] = {}
    for tracker in conversations:
        # The prefixes of one story share their first event.
        whole[id(tracker.events[0])] = list(tracker.events)
    rewritten = [
        ActionExecuted("action_listen"),
        UserUttered("where is my order", {"name": "order_status"}),
        DefinePrevUserUtteredFeaturization(False),
        ActionExecuted("order_form"),
        ActiveLoop("order_form"),
        SlotSet("requested_slot", "order_id"),
        ActionExecuted("action_listen"),
        UserUttered("asdf", {"name": "nlu_fallback"}),
        DefinePrevUserUtteredFeaturization(False),
        ActionExecutionRejected("order_form"),
        ActionExecuted("action_default_fallback"),
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        UserUttered("8174420965301178", {"name": "inform"}),
        DefinePrevUserUtteredFeaturization(True),
        ActionExecuted("order_form"),
        SlotSet("order_id", "8174420965301178"),
        ActionExecuted("utter_greet"),
        ActionReverted(),
        ActionExecuted("order_form"),
        ActiveLoop(None),
        ActionExecuted("action_listen"),
        Restarted(),
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet"}),
    ]
    return [*whole.values(), rewritten]


def test_a_growing_tracker_gets_rasas_states_after_every_event(
    domain: Domain, conversations: list[DialogueStateTracker]
) -> None:
    growing = _growing_conversations(conversations)
    assert len(growing) > 20
    for events in growing:
        tracker = DialogueStateTracker("shopper", domain.slots)
        for event in events:
            tracker.update(event)
            for options in _options(domain):
                assert prior_states.states_for_tracker_history(
                    domain, tracker, **options
                ) == ORIGINAL(domain, tracker, **options)
