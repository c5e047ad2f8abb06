"""bot/fast_json.py reads and writes the same JSON values as the standard library."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot import fast_json
from tests.dialogue_histories import project_domain


def _conversation() -> dict[str, Any]:
    domain = project_domain()
    parse = {
        "intent": {"name": "cancel_order", "confidence": 0.9876543210123},
        "entities": [{"entity": "order_id", "value": "8174420965301178", "start": 0, "end": 16}],
        "intent_ranking": [{"name": "cancel_order", "confidence": 1e-7}],
        "text": '주문 8174420965301178 취소해 주세요 \\ "quoted" \u2028 😀',
    }
    tracker = DialogueStateTracker.from_events(
        "shopper",
        [
            ActionExecuted("action_listen"),
            UserUttered(parse["text"], parse["intent"], parse["entities"], parse),
            SlotSet("order_id", "8174420965301178"),
            SlotSet("language", "ko"),
            BotUttered("주문을 취소했어요.", {"buttons": [{"title": "네", "payload": "/affirm"}]}),
        ],
        domain.slots,
    )
    conversation: dict[str, Any] = tracker.current_state(EventVerbosity.ALL)
    return conversation


def test_a_conversation_is_written_and_read_as_the_same_value() -> None:
    conversation = _conversation()
    written = fast_json.dumps(conversation)
    assert json.loads(written) == json.loads(json.dumps(conversation)) == conversation
    assert fast_json.loads(written) == conversation
    assert fast_json.loads(written.encode()) == conversation


@pytest.mark.parametrize(
    "value",
    [{1: "a key that is not a string", None: True}, {"big": 2**70}, [2**64, -(2**63) - 1]],
)
def test_what_orjson_refuses_to_write_is_written_as_before(value: Any) -> None:
    assert fast_json.dumps(value) == json.dumps(value, ensure_ascii=False)


def test_what_orjson_refuses_to_read_is_read_as_before() -> None:
    assert math.isnan(fast_json.loads('{"score": NaN}')["score"])
    assert fast_json.loads("[18446744073709551616]") == [2**64]
    with pytest.raises(json.JSONDecodeError):
        fast_json.loads("{not json")
