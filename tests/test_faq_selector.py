"""The FAQ entry is picked for FAQ questions only, with the trained test model."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.agent import Agent


@pytest.fixture(scope="module")
def parse(model_path: Path) -> Any:
    agent = Agent.load(str(model_path))
    return lambda text: asyncio.run(agent.parse_message(text))


@pytest.mark.parametrize("text", ["배송 얼마나 걸려요?", "how long does shipping take"])
def test_an_faq_question_gets_its_entry(parse: Any, text: str) -> None:
    parsed = parse(text)
    assert parsed["intent"]["name"] == "faq"
    assert parsed["intent"]["full_retrieval_intent_name"] == "faq/shipping_time"
    picked = parsed["response_selector"]["faq"]["response"]
    assert picked["intent_response_key"] == "faq/shipping_time" and picked["confidence"] > 0.5


@pytest.mark.parametrize("text", ["안녕하세요", "thanks", "주문 상태 확인하고 싶어요"])
def test_other_messages_skip_the_selector(parse: Any, text: str) -> None:
    parsed = parse(text)
    assert parsed["intent"]["name"] != "faq"
    assert "response_selector" not in parsed
