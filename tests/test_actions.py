"""The custom actions, called over HTTP on the real running action server."""

from typing import Any

import pytest

from bot.faq.store import load_faq
from tests.content import FAQ_DIR
from tests.http import post_json


def run_action(
    action_url: str,
    action: str,
    slots: dict[str, Any],
    latest_message: dict[str, Any],
    headers: dict[str, str],
) -> list[dict[str, Any]]:
    """Call one action on a running action server, as the Rasa server would."""
    tracker = {
        "sender_id": "action-test",
        "slots": slots,
        "latest_message": latest_message,
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    payload = {
        "next_action": action,
        "sender_id": "action-test",
        "tracker": tracker,
        "domain": {},
        "version": "3.6.2",
    }
    status, body = post_json(f"{action_url}/webhook", payload, headers=headers)
    assert status == 200, body
    responses: list[dict[str, Any]] = body["responses"]
    return responses


def faq_message(key: str | None) -> dict[str, Any]:
    selected = {"response": {"intent_response_key": f"faq/{key}"}} if key else {}
    return {
        "text": "...",
        "intent": {"name": "faq", "confidence": 0.9},
        "entities": [],
        "response_selector": {"faq": selected},
    }


@pytest.mark.parametrize("language", ["ko", "en"])
def test_faq_answer_comes_from_the_faq_file_in_the_shoppers_language(bot, language):
    entry = load_faq(FAQ_DIR)["refund_processing_time"]
    responses = run_action(
        bot.action_url,
        "action_answer_faq",
        {"language": language},
        faq_message(entry.key),
        bot.action_headers,
    )
    assert [r["text"] for r in responses] == [entry.answer[language]]


@pytest.mark.parametrize("key", ["no_such_entry", None])
def test_unknown_faq_entry_gets_the_fallback_not_silence(bot, key):
    responses = run_action(
        bot.action_url,
        "action_answer_faq",
        {"language": "en"},
        faq_message(key),
        bot.action_headers,
    )
    assert [r["response"] for r in responses] == ["utter_fallback"]


def test_fallback_names_the_input_problem_and_its_limit(bot):
    message = {
        "text": "x" * 2000,
        "intent": {"name": "nlu_fallback", "confidence": 1.0},
        "entities": [{"entity": "input_issue", "value": "too_long", "limit": 1000}],
    }
    responses = run_action(
        bot.action_url, "action_fallback", {"language": "ko"}, message, bot.action_headers
    )
    assert responses[0]["response"] == "utter_input_too_long"
    assert responses[0]["limit"] == 1000


def test_fallback_without_an_input_problem_offers_the_menu(bot):
    message = {"text": "hmm", "intent": {"name": "nlu_fallback"}, "entities": []}
    responses = run_action(
        bot.action_url, "action_fallback", {"language": "en"}, message, bot.action_headers
    )
    assert [r["response"] for r in responses] == ["utter_fallback"]
