"""Issue #20's conversations over REST, on the real stack: words nobody here wrote."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.faq.store import load_faq
from tests.content import FAQ_DIR
from tests.replies import has_hangul, texts


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def _buttons(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for r in replies for b in r.get("buttons", [])]


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("where iz purchse 8174820193847561?", "e-mail address or phone number"),
        ("주문한거 어디쯤와써요 8174820193847561", "이메일 주소나 휴대폰 번호"),
    ],
)
def test_a_garbled_order_question_starts_the_order_flow(bot, message, asks):
    # The order number inside the sentence was taken: the form asks for the contact that
    # proves the order is the shopper's.
    assert asks in texts(bot.say(new_sender(), message))


@pytest.mark.parametrize(
    ("message", "korean"),
    [
        ("what's the weather like tomorrow", False),
        ("what's on TV tonight", False),
        ("오늘 저녁 뭐 먹지", True),
        ("너 취미가 뭐야", True),
    ],
)
def test_small_talk_and_unrelated_questions_get_the_out_of_scope_reply(bot, message, korean):
    replies = bot.say(new_sender(), message)
    assert replies[0].get("utter_action", "utter_out_of_scope") == "utter_out_of_scope"
    reply = texts(replies)
    assert has_hangul(reply) == korean
    assert ("죄송" in reply) if korean else ("Sorry" in reply)
    assert [b["payload"] for b in _buttons(replies)] == [
        "/order_status",
        "/cancel_order",
        "/refund_dispute",
        "/request_agent",
    ]


@pytest.mark.parametrize(("message", "language"), [("배송", "ko"), ("shipping and returns", "en")])
def test_a_near_tie_asks_did_you_mean_and_the_chosen_button_answers(bot, message, language):
    sender = new_sender()
    bot.say(sender, "안녕하세요" if language == "ko" else "hello")
    replies = bot.say(sender, message)
    buttons = _buttons(replies)
    assert 2 <= len(buttons) <= 3, replies
    assert (
        ("찾으시는" in texts(replies)) if language == "ko" else ("Did you mean" in texts(replies))
    )
    faq_buttons = [b for b in buttons if b["payload"].startswith("/faq")]
    assert faq_buttons, buttons
    chosen = faq_buttons[0]
    key = chosen["payload"].split('"')[3]
    entry = load_faq(FAQ_DIR)[key]
    assert chosen["title"] == entry.questions[language][0]
    assert texts(bot.say(sender, chosen["payload"])) == entry.answer[language]


@pytest.mark.parametrize(
    ("question", "language", "button", "asks"),
    [
        ("how do I cancel an order?", "en", "Cancel an order", "number of the order to cancel"),
        ("주문 취소는 어떻게 해요?", "ko", "주문 취소", "주문번호"),
    ],
)
def test_how_do_i_cancel_gets_the_rule_and_a_working_cancel_button(
    bot, question, language, button, asks
):
    sender = new_sender()
    replies = bot.say(sender, question)
    entry = load_faq(FAQ_DIR)["order_cancellation_policy"]
    assert texts(replies) == entry.answer[language]
    assert _buttons(replies) == [{"title": button, "payload": "/cancel_order"}]
    assert asks in texts(bot.say(sender, "/cancel_order"))
