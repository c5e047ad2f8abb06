"""\"Did you mean ...?\" buttons and FAQ answers that start a task, on the real action server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.faq.store import load_faq
from tests.content import FAQ_DIR
from tests.test_actions import run_action

MENU = {
    "ko": {"/refund_dispute": "환불·분쟁", "/cancel_order": "주문 취소"},
    "en": {"/refund_dispute": "Refund / dispute", "/cancel_order": "Cancel an order"},
}


def unsure(*readings: tuple[str, float]) -> dict[str, Any]:
    """The latest message as the intent classifier leaves an unsure one."""
    return {
        "text": "...",
        "intent": {"name": "nlu_fallback", "confidence": 0.4},
        "entities": [],
        "label_ranking": [{"name": name, "confidence": c} for name, c in readings],
    }


def _faq_payload(key: str) -> str:
    return "/faq" + json.dumps({"faq_entry": key}, separators=(",", ":"))


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_near_tie_offers_the_likeliest_readings(bot, language):
    entry = load_faq(FAQ_DIR)["refund_processing_time"]
    message = unsure(
        ("faq/refund_processing_time", 0.38),
        ("refund_dispute", 0.33),
        ("greet", 0.15),
        ("cancel_order", 0.05),
    )
    responses = run_action(
        bot.action_url, "action_fallback", {"language": language}, message, bot.action_headers
    )
    assert [r["response"] for r in responses] == ["utter_did_you_mean"]
    # A greeting is nothing to offer, and a reading under 0.1 is noise.
    assert responses[0]["buttons"] == [
        {"title": entry.questions[language][0], "payload": _faq_payload(entry.key)},
        {"title": MENU[language]["/refund_dispute"], "payload": "/refund_dispute"},
    ]


@pytest.mark.parametrize(
    "readings",
    [
        [("faq/refund_processing_time", 0.6), ("greet", 0.3)],
        [("faq/no_such_entry", 0.4), ("refund_dispute", 0.35)],
        [],
        ["not a reading", None, {"name": 3, "confidence": "x"}],
    ],
)
def test_without_two_offerable_readings_the_fallback_stays(bot, readings):
    message = unsure()
    message["label_ranking"] = [
        {"name": r[0], "confidence": r[1]} if isinstance(r, tuple) else r for r in readings
    ]
    responses = run_action(
        bot.action_url, "action_fallback", {"language": "en"}, message, bot.action_headers
    )
    assert [r["response"] for r in responses] == ["utter_fallback"]


def test_a_button_names_its_faq_entry(bot):
    entry = load_faq(FAQ_DIR)["customs_duties"]
    message = {
        "text": _faq_payload(entry.key),
        "intent": {"name": "faq", "confidence": 1.0},
        "entities": [{"entity": "faq_entry", "value": entry.key}],
    }
    responses = run_action(
        bot.action_url, "action_answer_faq", {"language": "ko"}, message, bot.action_headers
    )
    assert [r["text"] for r in responses] == [entry.answer["ko"]]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_an_faq_answer_about_a_task_offers_to_start_it(bot, language):
    entry = load_faq(FAQ_DIR)["order_cancellation_policy"]
    assert entry.action == "cancel_order"
    message = {
        "text": "...",
        "intent": {"name": "faq", "confidence": 0.9},
        "entities": [],
        "response_selector": {"faq": {"response": {"intent_response_key": f"faq/{entry.key}"}}},
    }
    responses = run_action(
        bot.action_url, "action_answer_faq", {"language": language}, message, bot.action_headers
    )
    assert [r["text"] for r in responses] == [entry.answer[language]]
    assert responses[0]["buttons"] == [
        {"title": MENU[language]["/cancel_order"], "payload": "/cancel_order"}
    ]


@pytest.mark.parametrize("value", [["customs_duties"], {"key": "customs_duties"}, 7, None, ""])
def test_a_faq_entry_that_is_not_a_name_is_not_trusted(bot, value):
    """A shopper can type `/faq{"faq_entry": ...}` with any JSON: anything but an entry's
    name falls back to the model's own pick, and with none to the fallback reply."""
    message = {
        "text": "/faq" + json.dumps({"faq_entry": value}),
        "intent": {"name": "faq", "confidence": 1.0},
        "entities": [{"entity": "faq_entry", "value": value}],
    }
    responses = run_action(
        bot.action_url, "action_answer_faq", {"language": "en"}, message, bot.action_headers
    )
    assert [r.get("response") for r in responses] == ["utter_fallback"]
    entry = load_faq(FAQ_DIR)["shipping_cost"]
    message["response_selector"] = {
        "faq": {"response": {"intent_response_key": f"faq/{entry.key}"}}
    }
    responses = run_action(
        bot.action_url, "action_answer_faq", {"language": "en"}, message, bot.action_headers
    )
    assert [r["text"] for r in responses] == [entry.answer["en"]]
