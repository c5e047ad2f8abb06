"""bot/nlu/reading.py: when the bot answers, and what it says when it does not."""

from __future__ import annotations

from typing import Any

import pytest

from bot.nlu.reading import Thresholds, read

THRESHOLDS = Thresholds(intent=0.4, intent_margin=0.1, entry=0.3, entry_margin=0.1)
LABELS = ["greet", "cancel_order", "faq/refund_time", "faq/refund_window", "faq/coupon"]


def _read(*probabilities: float) -> dict[str, Any]:
    assert sum(probabilities) == pytest.approx(1.0)
    return read(LABELS, probabilities, THRESHOLDS)


def test_a_clear_intent_is_answered_without_an_entry():
    parse = _read(0.05, 0.85, 0.04, 0.03, 0.03)
    assert parse["intent"] == {"name": "cancel_order", "confidence": 0.85}
    assert parse["intent_ranking"][0]["name"] == "cancel_order"
    assert "response_selector" not in parse


def test_a_clear_faq_entry_is_the_response_selection():
    parse = _read(0.05, 0.05, 0.7, 0.1, 0.1)
    assert parse["intent"]["name"] == "faq"
    assert parse["intent"]["confidence"] == pytest.approx(0.9)
    selected = parse["response_selector"]["faq"]["response"]
    assert selected["intent_response_key"] == "faq/refund_time"
    assert selected["confidence"] == pytest.approx(0.7)
    assert selected["utter_action"] == "utter_faq/refund_time"
    ranking = parse["response_selector"]["faq"]["ranking"]
    assert [r["intent_response_key"] for r in ranking] == [
        "faq/refund_time",
        "faq/refund_window",
        "faq/coupon",
    ]
    assert parse["response_selector"]["all_retrieval_intents"] == ["faq"]


@pytest.mark.parametrize(
    ("probabilities", "why"),
    [
        ((0.35, 0.3, 0.15, 0.1, 0.1), "intent under 0.4"),
        ((0.48, 0.42, 0.04, 0.03, 0.03), "two intents within 0.1"),
        ((0.05, 0.05, 0.45, 0.4, 0.05), "the FAQ is sure, its entries are not"),
        ((0.02, 0.08, 0.29, 0.31, 0.3), "no entry reaches 0.3"),
        ((0.02, 0.33, 0.4, 0.15, 0.1), "the entry within 0.1 of another intent"),
    ],
)
def test_an_unsure_reading_is_nlu_fallback_with_the_ranking_kept(probabilities, why):
    parse = _read(*probabilities)
    assert parse["intent"]["name"] == "nlu_fallback", why
    # Shaped as Rasa's FallbackClassifier shapes it: the fallback first, the rest after.
    assert parse["intent_ranking"][0] == parse["intent"]
    assert parse["intent_ranking"][1]["name"] != "nlu_fallback"
    assert "response_selector" not in parse
    # The finer ranking, for "Did you mean ...?".
    finer = [item["name"] for item in parse["label_ranking"]]
    assert finer[0] == LABELS[probabilities.index(max(probabilities))]


def test_the_threshold_that_refused_is_the_fallbacks_confidence():
    assert _read(0.35, 0.3, 0.15, 0.1, 0.1)["intent"]["confidence"] == 0.4
    assert _read(0.05, 0.05, 0.45, 0.4, 0.05)["intent"]["confidence"] == 0.3


def test_one_class_alone_is_read_without_a_runner_up():
    parse = read(["greet"], [1.0], THRESHOLDS)
    assert parse["intent"] == {"name": "greet", "confidence": 1.0}
