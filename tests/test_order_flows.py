"""Order status, cancel and dispute end to end: Rasa + action server + SQLite + Redis.

Orders come from data/demo/orders.yml (dates relative to the start of the stack).
"""

import asyncio
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from actions.identity_lockout import KEY_PREFIX as LOCKOUT_KEYS
from shop.demo_store import DemoOrderStore
from shop.identity import sign_customer_token
from shop.orders import Order, OrderStatus
from tests.conftest import TOKEN_SECRET
from tests.redis_keys import delete_keys
from tests.replies import has_hangul, texts

SEED = Path(__file__).resolve().parent.parent / "data" / "demo" / "orders.yml"

# Demo orders (see their `scenario` in the seed file).
KO_PAID = ("8175203946128807", "minji.kim@example.com")
EN_PAID = ("8175311208475532", "+1 415-555-0132")
KO_SHIPPED = ("8174420965301178", "010-9034-2251")
EN_IN_CUSTOMS = ("8174618830259904", "daniel.brooks@example.net")
KO_DELIVERED_RECENTLY = ("8174102288563390", "010-2847-1936")
EN_DELIVERED_40_DAYS_AGO = ("8172786610943327", "emily.carter@example.com")
EN_DELIVERED_10_DAYS_AGO = ("8174875520193346", None)
KO_DELIVERED_120_DAYS_AGO = ("8170954473318206", "junho.lee@example.net")


@pytest.fixture(autouse=True)
def fresh_orders(bot):
    """Every test starts from the seed: earlier tests cancel and dispute orders, and
    count failed identity checks against them (actions/identity_lockout.py)."""
    demo_store(bot).open(reseed=True)
    delete_keys(bot.stack.redis_settings, f"{LOCKOUT_KEYS}:*")


def demo_store(bot) -> DemoOrderStore:
    """The demo store's SQLite file that the running action server uses."""
    database = Path(bot.stack.config.extra_env["ORDER_DB_PATH"])
    return DemoOrderStore(database, SEED, lambda: datetime.now(timezone.utc))


DEFAULT_FALLBACKS = ("Sorry, I didn't quite get that", "죄송해요, 무슨 말씀인지")


def say(bot, who: str, message: str, metadata=None):
    """One turn of an order flow: answered, and never with a confused fallback."""
    replies = bot.say(who, message, metadata)
    assert replies
    assert not any(str(r.get("text", "")).startswith(DEFAULT_FALLBACKS) for r in replies), replies
    return replies


def sender() -> str:
    return f"order-{uuid.uuid4().hex[:12]}"


def stored_order(bot, order_id: str) -> Order:
    """The order as the demo store's SQLite file has it now."""
    store = demo_store(bot)
    store.open(reseed=False)
    order = asyncio.run(store.find_order(order_id))
    assert order is not None
    return order


def payloads(replies) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def verify(bot, who: str, first_message: str, order: tuple[str, str]) -> str:
    """Start a task, give the order number and the contact; return the bot's answer."""
    asked = texts(say(bot, who, first_message))
    assert "16" in asked  # the order-number question says where to find it
    assert "@" not in asked
    contact_question = texts(say(bot, who, order[0]))
    assert "e-mail" in contact_question or "이메일" in contact_question
    return texts(say(bot, who, order[1]))


def test_korean_status_of_a_shipped_order_shows_its_tracking_number(bot):
    answer = verify(bot, sender(), "제 주문 어디쯤 왔어요?", KO_SHIPPED)
    assert "LP00628471935502" in answer and "Cainiao" in answer and has_hangul(answer)


def test_english_status_in_customs_gets_tracking_and_customs_advice(bot):
    who = sender()
    asked = texts(say(bot, who, f"where is my order {EN_IN_CUSTOMS[0]}?"))
    assert "e-mail" in asked  # the number in the sentence was taken
    answer = texts(say(bot, who, EN_IN_CUSTOMS[1]))
    assert "EE" in answer and "customs" in answer and not has_hangul(answer)


@pytest.mark.parametrize(
    ("message", "order", "yes", "done"),
    [
        ("주문 취소하고 싶어요", KO_PAID, "네", "취소했어요"),
        ("I want to cancel my order", EN_PAID, "yes please", "is cancelled"),
    ],
)
def test_cancelling_a_paid_order_needs_a_yes_and_cancels_it_in_the_store(
    bot, message, order, yes, done
):
    who = sender()
    say(bot, who, message)
    say(bot, who, order[0])
    confirm = say(bot, who, order[1])
    assert payloads(confirm) == ["/affirm", "/deny"]
    assert stored_order(bot, order[0]).status is OrderStatus.PAID
    answer = texts(say(bot, who, yes))
    assert done in answer
    assert stored_order(bot, order[0]).status is OrderStatus.CANCELLED


def test_saying_no_keeps_the_order(bot):
    who = sender()
    say(bot, who, "cancel order 8175311208475532 please")
    confirm = say(bot, who, "emily.carter@example.com")
    assert payloads(confirm) == ["/affirm", "/deny"]
    assert "stays" in texts(say(bot, who, "/deny"))


@pytest.mark.parametrize(
    ("message", "order", "reason"),
    [
        ("주문 취소해 주세요", KO_SHIPPED, "이미 발송"),
        ("cancel my order", EN_IN_CUSTOMS, "already shipped"),
    ],
)
def test_cancelling_a_shipped_order_is_refused_with_the_reason(bot, message, order, reason):
    who = sender()
    say(bot, who, message)
    say(bot, who, order[0])
    answer_replies = say(bot, who, order[1])
    assert reason in texts(answer_replies)
    assert "/refund_dispute" in payloads(answer_replies)
    assert stored_order(bot, order[0]).status is not OrderStatus.CANCELLED


def test_korean_dispute_inside_the_window_gets_a_dispute_number(bot):
    who = sender()
    reason_question = verify(bot, who, "환불 받고 싶어요", KO_DELIVERED_RECENTLY)
    assert "문제" in reason_question
    evidence_question = texts(say(bot, who, '/inform{"dispute_reason": "damaged"}'))
    assert "사진" in evidence_question
    answer = texts(say(bot, who, "사진 여기요 https://imgur.com/a/broken123"))
    assert "분쟁 번호" in answer
    dispute = stored_order(bot, KO_DELIVERED_RECENTLY[0]).dispute
    assert dispute is not None and dispute.dispute_id in answer
    assert dispute.reason == "damaged" and dispute.evidence == ("https://imgur.com/a/broken123",)


def test_english_dispute_with_own_words_and_an_upload_reference(bot):
    who = sender()
    token = sign_customer_token(
        "c-200587", TOKEN_SECRET, datetime.now(timezone.utc) + timedelta(hours=1)
    )
    meta = {"customer_token": token}
    say(bot, who, "i want to open a dispute", metadata=meta)
    # The signed token proves the order: no e-mail question.
    reason_question = texts(say(bot, who, EN_DELIVERED_10_DAYS_AGO[0], metadata=meta))
    assert "What went wrong" in reason_question
    say(bot, who, "the lamp arrived with a cracked shade", metadata=meta)
    answer = texts(say(bot, who, "upload:7f3a9c", metadata=meta))
    assert "dispute" in answer and " D" in answer


@pytest.mark.parametrize(
    ("message", "order", "named"),
    [
        ("I want a refund", EN_DELIVERED_40_DAYS_AGO, ["15 days", "agent"]),
        ("환불 요청하고 싶어요", KO_DELIVERED_120_DAYS_AGO, ["60일", "상담원"]),
    ],
)
def test_dispute_outside_the_window_is_refused_naming_the_window(bot, message, order, named):
    answer = verify(bot, sender(), message, order)
    assert all(word in answer for word in named), answer
    assert stored_order(bot, order[0]).dispute is None


def test_wrong_contact_reveals_nothing_and_three_failures_lock_the_check(bot):
    who = sender()
    say(bot, who, "where is my order?")
    say(bot, who, KO_SHIPPED[0])
    first = texts(say(bot, who, "someone.else@example.com"))
    assert "LP00628471935502" not in first and "couldn't find" in first
    # An unknown number gets exactly the same answer as a wrong e-mail.
    say(bot, who, "8100000000000000")
    second = texts(say(bot, who, "someone.else@example.com"))
    assert second == first
    say(bot, who, KO_SHIPPED[0])
    third_replies = say(bot, who, "010-0000-0000")
    third = texts(third_replies)
    assert "Too many" in third and "LP00628471935502" not in third
    assert "/request_agent" in payloads(third_replies)


def test_signed_token_for_another_customer_does_not_open_the_order(bot):
    who = sender()
    token = sign_customer_token(
        "c-200314", TOKEN_SECRET, datetime.now(timezone.utc) + timedelta(hours=1)
    )
    answer = texts(say(bot, who, f"where is order {KO_SHIPPED[0]}", {"customer_token": token}))
    assert "couldn't find that order number in the account" in answer
    assert "LP00628471935502" not in answer


def test_forged_token_falls_back_to_the_contact_question(bot):
    who = sender()
    forged = sign_customer_token(
        "c-100772", "not-the-shop-secret", datetime.now(timezone.utc) + timedelta(hours=1)
    )
    answer = texts(say(bot, who, f"where is order {KO_SHIPPED[0]}", {"customer_token": forged}))
    assert "e-mail" in answer and "LP00628471935502" not in answer


@pytest.mark.parametrize(
    ("bad", "language"),
    [
        ("123", "en"),
        ("주문번호 12-34", "ko"),
        # A date where the number should be: explained, not mistaken for one.
        ("I ordered it on 3/11/2024", "en"),
        ("24.11.3에 주문했어요", "ko"),
    ],
)
def test_malformed_order_numbers_are_explained(bot, bad, language):
    who = sender()
    say(bot, who, "where is my order" if language == "en" else "주문 조회할래요")
    answer = texts(say(bot, who, bad))
    assert ("8 to 20 digits" in answer) if language == "en" else ("8~20자리" in answer)


def test_shopper_can_change_their_mind_mid_form(bot):
    who = sender()
    verify(bot, who, "I want a refund", (KO_DELIVERED_RECENTLY[0], KO_DELIVERED_RECENTLY[1]))
    # Asked for the dispute reason, the shopper asks where the order is instead.
    answer = texts(say(bot, who, "actually, where is my order?"))
    assert "delivered" in answer and "CJ" in answer


@pytest.mark.parametrize(
    ("stop", "expected"), [("그만할래요", "멈출게요"), ("never mind", "stopped")]
)
def test_shopper_can_stop_the_form(bot, stop, expected):
    who = sender()
    say(bot, who, "주문 취소할래요" if expected == "멈출게요" else "cancel my order")
    assert expected in texts(say(bot, who, stop))
    assert texts(say(bot, who, "hello" if expected == "stopped" else "안녕하세요"))


def test_shopper_can_ask_for_an_agent_mid_form(bot):
    who = sender()
    say(bot, who, "where is my order")
    answer = texts(say(bot, who, "just connect me to a real person"))
    assert "in the queue" in answer


def test_conversation_keeps_the_verified_order_for_a_follow_up(bot):
    who = sender()
    verify(bot, who, "where is my order", KO_PAID)
    confirm = say(bot, who, "I want to cancel it")
    assert payloads(confirm) == ["/affirm", "/deny"]
    assert "stays" in texts(say(bot, who, "no"))


def test_order_events_are_in_the_tracker(bot):
    who = sender()
    verify(bot, who, "where is my order", KO_SHIPPED)
    assert bot.stack.redis_settings is not None
    stored = bot.stack.redis_settings.client().lrange(f"eva:events:{who}", 0, -1)
    events = [json.loads(raw) for raw in stored]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["verified_order_id"] == KO_SHIPPED[0]


@pytest.mark.parametrize(
    ("contact_sentence", "who_orders"),
    [
        ("제 이메일은 seoyeon.park@example.com 이에요", KO_SHIPPED[0]),
        ("my phone number is 010-9034-2251", KO_SHIPPED[0]),
    ],
)
def test_contact_given_in_a_sentence_is_recognised(bot, contact_sentence, who_orders):
    who = sender()
    say(bot, who, "where is my order")
    say(bot, who, who_orders)
    assert "LP00628471935502" in texts(say(bot, who, contact_sentence))
