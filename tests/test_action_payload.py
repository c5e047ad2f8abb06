"""What the Rasa server sends the action server: the domain only to actions that read it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bench.script import demo_order
from bot import action_domain
from bot.action_domain import PARTS_SETTING
from bot.stack import PROJECT_DIR
from tests.http import post_json


@pytest.fixture(scope="module")
def endpoint() -> EndpointConfig:
    with pytest.MonkeyPatch.context() as env:
        for name in (
            "ACTION_ENDPOINT_URL",
            "ACTION_SERVER_SECRET",
            "REDIS_HOST",
            "REDIS_PORT",
            "REDIS_DB",
        ):
            env.setenv(name, "1")
        env.setenv("REDIS_PASSWORD", "")
        found = read_endpoint_config(str(PROJECT_DIR / "endpoints.yml"), "action_endpoint")
    assert found is not None
    return found


def _payload(name: str, endpoint: EndpointConfig, domain: Domain) -> dict[str, Any]:
    tracker = DialogueStateTracker.from_events("shopper", [], slots=domain.slots)
    payload: dict[str, Any] = action_domain.action_call_format(
        RemoteAction(name, endpoint), tracker, domain
    )
    return payload


@pytest.mark.parametrize("name", ["action_answer_faq", "action_complete_order_task"])
def test_most_actions_get_the_tracker_without_the_domain(name, endpoint, domain):
    payload = _payload(name, endpoint, domain)
    assert payload["next_action"] == name and "tracker" in payload
    assert "domain" not in payload


@pytest.mark.parametrize("name", ["validate_order_form", "validate_ticket_form"])
def test_form_validation_gets_the_forms_from_the_domain(name, endpoint, domain):
    form = name.removeprefix("validate_")
    sent = _payload(name, endpoint, domain)["domain"]
    assert isinstance(sent, dict) and form in sent["forms"]
    # Only what rasa_sdk's validation reads: not the FAQ answers.
    whole = domain.as_dict()
    assert sent == {"forms": whole["forms"], "slots": whole["slots"]}


def _whole_domain_endpoint(endpoint: EndpointConfig, parts: Any = None) -> EndpointConfig:
    kwargs = {key: value for key, value in endpoint.kwargs.items() if key != PARTS_SETTING}
    if parts is not None:
        kwargs[PARTS_SETTING] = parts
    return EndpointConfig(endpoint.url, **kwargs)


@pytest.mark.parametrize("name", ["validate_order_form", "action_answer_faq"])
def test_without_the_setting_the_call_is_rasas(name, endpoint, domain):
    plain = _whole_domain_endpoint(endpoint)
    tracker = DialogueStateTracker.from_events("shopper", [], slots=domain.slots)
    action = RemoteAction(name, plain)
    assert action_domain.action_call_format(
        action, tracker, domain
    ) == action_domain.ORIGINAL_CALL_FORMAT(action, tracker, domain)


def test_a_malformed_setting_sends_the_whole_domain_and_says_so(endpoint, domain, caplog):
    action = RemoteAction("validate_order_form", _whole_domain_endpoint(endpoint, {"forms": 1}))
    tracker = DialogueStateTracker.from_events("shopper", [], slots=domain.slots)
    with caplog.at_level(logging.WARNING):
        call = action_domain.action_call_format(action, tracker, domain)
    assert call["domain"] == domain.as_dict()
    assert "domain_parts" in caplog.text


def _order_form_steps(domain: Domain) -> list[DialogueStateTracker]:
    """The order form asked for, then given a malformed number, then a real one."""
    order = demo_order("en")
    tracker = DialogueStateTracker.from_events("shopper", [], slots=domain.slots)
    steps = []
    for event in (
        ActionExecuted("action_listen"),
        UserUttered("where is my order?", {"name": "order_status", "confidence": 1.0}),
        ActionExecuted("order_form"),
        ActiveLoop("order_form"),
        SlotSet("requested_slot", "order_id"),
        ActionExecuted("action_listen"),
        UserUttered("12", {"name": "inform", "confidence": 1.0}),
        SlotSet("order_id", "12"),
        ActionExecuted("action_listen"),
        UserUttered(order.order_id, {"name": "inform", "confidence": 1.0}),
        SlotSet("order_id", order.order_id),
    ):
        tracker.update(event)
        if isinstance(event, (ActiveLoop, SlotSet)):
            steps.append(tracker.copy())
    return steps


def test_the_form_validation_answers_the_same_with_the_parts_as_with_the_whole(
    bot, endpoint, domain
):
    sent_parts = RemoteAction("validate_order_form", endpoint)
    sent_whole = RemoteAction("validate_order_form", _whole_domain_endpoint(endpoint))
    for tracker in _order_form_steps(domain):
        answers = []
        for action in (sent_parts, sent_whole):
            payload = action_domain.action_call_format(action, tracker, domain)
            status, body = post_json(
                f"{bot.action_url}/webhook", payload, headers=bot.action_headers
            )
            assert status == 200, body
            answers.append(body)
        assert answers[0] == answers[1]
        assert answers[0]["events"]
