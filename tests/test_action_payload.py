"""What the Rasa server sends the action server: the domain only to actions that read it."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.stack import PROJECT_DIR


@pytest.fixture(scope="module")
def endpoint() -> EndpointConfig:
    with pytest.MonkeyPatch.context() as env:
        for name in ("ACTION_ENDPOINT_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_DB"):
            env.setenv(name, "1")
        env.setenv("REDIS_PASSWORD", "")
        found = read_endpoint_config(str(PROJECT_DIR / "endpoints.yml"), "action_endpoint")
    assert found is not None
    return found


def _payload(name: str, endpoint: EndpointConfig, domain: Domain) -> dict[str, Any]:
    tracker = DialogueStateTracker.from_events("shopper", [], slots=domain.slots)
    payload: dict[str, Any] = RemoteAction(name, endpoint)._action_call_format(tracker, domain)
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
