"""What the simulated shoppers say: a realistic conversation in Korean or English.

Each conversation greets, asks a FAQ question, asks where an order is and goes through
the order form (order number, then the e-mail on the order, both taken from the demo
orders in data/demo/orders.yml), types something unreadable, and thanks the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEMO_ORDERS = PROJECT_DIR / "data" / "demo" / "orders.yml"
# Orders on their way, so that the status answer is the long, realistic one.
MOVING = ("shipped", "in_customs")


@dataclass(frozen=True)
class Turn:
    text: str
    language: str


@dataclass(frozen=True)
class DemoOrder:
    order_id: str
    email: str


def demo_order(language: str, path: Path = DEMO_ORDERS) -> DemoOrder:
    """The first demo order on its way whose customer speaks `language`."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    customers: dict[str, dict[str, Any]] = data["customers"]
    candidates = [
        order
        for order in data["orders"]
        if customers[order["customer"]].get("language") == language
    ]
    moving = [order for order in candidates if order.get("status") in MOVING]
    order = (moving or candidates)[0]
    return DemoOrder(str(order["order_id"]), str(customers[order["customer"]]["email"]))


def conversation(language: str) -> list[Turn]:
    """One shopper's conversation, 7 messages."""
    order = demo_order(language)
    if language == "ko":
        texts = [
            "안녕하세요",
            "배송 얼마나 걸려요?",
            "주문 상태 확인하고 싶어요",
            order.order_id,
            order.email,
            "asdf qwer",
            "고마워요",
        ]
    else:
        texts = [
            "hi there",
            "how long does shipping take",
            "where is my order?",
            order.order_id,
            order.email,
            "asdf qwer",
            "thanks",
        ]
    return [Turn(text, language) for text in texts]


def conversations() -> list[list[Turn]]:
    """The conversations the load cycles through: Korean, then English."""
    return [conversation("ko"), conversation("en")]


def nlu_texts() -> list[str]:
    """Messages for the NLU benchmark: every message of both conversations."""
    return [turn.text for turns in conversations() for turn in turns]


LENGTH_CYCLE = 10


def long_conversation(turns: int) -> list[Turn]:
    """`turns` messages of one shopper, a cycle of 10 repeated.

    The Korean conversation, then a greeting, a FAQ question and thanks in English: with
    10 messages a cycle, turns 1-10 and 191-200 say exactly the same things, so only
    the conversation's length differs between them.
    """
    english = conversation("en")
    cycle = [*conversation("ko"), english[0], english[1], english[-1]]
    assert len(cycle) == LENGTH_CYCLE
    return [cycle[index % len(cycle)] for index in range(turns)]
