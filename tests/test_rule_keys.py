"""bot/rule_keys.py finds the rules Rasa's RulePolicy finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.domain import State
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rule_keys
from tests.dialogue_histories import rewritten_history, story_histories


def test_the_rules_rasa_finds_after_every_event_of_every_story_and_rule(
    model_path: Path,
) -> None:
    agent = Agent.load(str(model_path))
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[attr-defined]
    policy = next(
        node._component for node in nodes.values() if isinstance(node._component, RulePolicy)
    )
    domain = agent.domain
    assert domain is not None
    lookups = [policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]]
    found = 0
    for events in [*story_histories(domain), rewritten_history()]:
        tracker = DialogueStateTracker("shopper", domain.slots)
        for event in events:
            tracker.update(event)
            for use_text in (False, True):
                states = policy._prediction_states(
                    tracker, domain, use_text, rule_only_data=policy._get_rule_only_data()
                )
                for lookup in lookups:
                    expected = rule_keys.ORIGINAL_GET_POSSIBLE_KEYS(policy, lookup, states)
                    # Worked out, then remembered.
                    for _ in range(2):
                        ours = rule_keys.get_possible_keys(policy, lookup, states)
                        assert ours == expected
                        ours.clear()
                    found += len(expected)
    assert found > 100
    # Each rule's own states, and with their oldest state swapped for another rule's.
    rule_states = [
        [_as_conversation(state) for state in RulePolicy._rule_key_to_state(key)]
        for lookup in lookups
        for key in lookup
    ]
    for lookup in lookups:
        for states in rule_states:
            for other in rule_states:
                for variant in (states, [other[0], *states[1:]], [*other, *states]):
                    expected = rule_keys.ORIGINAL_GET_POSSIBLE_KEYS(policy, lookup, variant)
                    assert rule_keys.get_possible_keys(policy, lookup, variant) == expected


def _as_conversation(rule_state: dict[str, Any]) -> State:
    """A rule's state as a conversation's: tuples where the rule's JSON has lists."""
    return {
        kind: {
            key: tuple(value) if isinstance(value, list) else value for key, value in sub.items()
        }
        for kind, sub in rule_state.items()
    }


def test_a_rule_dropped_from_the_lookup_is_no_longer_found(model_path: Path) -> None:
    agent = Agent.load(str(model_path))
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[attr-defined]
    policy = next(
        node._component for node in nodes.values() if isinstance(node._component, RulePolicy)
    )
    lookup = dict(policy.lookup[RULES])
    key = next(iter(lookup))
    states = [_as_conversation(state) for state in RulePolicy._rule_key_to_state(key)]
    assert key in rule_keys.get_possible_keys(policy, lookup, states)
    # As a training does when a rule contradicts a story.
    lookup.pop(key)
    assert key not in rule_keys.get_possible_keys(policy, lookup, states)
