"""End to end over the REST channel: Rasa server + action server + Redis."""

import json
import uuid

import pytest

from bot.faq.store import load_faq
from tests.content import FAQ_DIR
from tests.replies import has_hangul, texts


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def test_korean_cancel_request_is_answered_in_korean_about_cancelling(bot):
    reply = texts(bot.say(new_sender(), "주문 취소하고 싶어요"))
    assert has_hangul(reply) and "취소" in reply and "주문번호" in reply


def test_english_cancel_request_is_answered_in_english(bot):
    reply = texts(bot.say(new_sender(), "I want to cancel my order"))
    assert not has_hangul(reply) and "cancel" in reply.lower() and "number" in reply


@pytest.mark.parametrize(
    ("message", "korean", "expected"),
    [
        ("안녕하세요", True, "에바"),
        ("hello there", False, "Eva"),
        ("order 취소해주세요", True, "취소"),
        ("제 택배 어디쯤 왔나요?", True, "내 주문"),
        ("where is my package??", False, "My Orders"),
        ("환불 받고 싶어요 물건이 깨져서 왔어요", True, "환불"),
        ("i want my money back, item is broken", False, "refund"),
        ("상담원 연결해 주세요", True, "대기 순서"),
        ("let me talk to a real person", False, "in the queue"),
        ("감사합니다!", True, "천만에요"),
        ("thanks a lot", False, "welcome"),
    ],
)
def test_intents_are_answered_in_the_language_of_the_message(bot, message, korean, expected):
    reply = texts(bot.say(new_sender(), message))
    assert has_hangul(reply) == korean
    assert expected in reply


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("key", ["refund_processing_time", "customs_duties", "live_chat_hours"])
def test_faq_questions_get_the_faq_answer(bot, key, language):
    entry = load_faq(FAQ_DIR)[key]
    reply = texts(bot.say(new_sender(), entry.questions[language][0]))
    assert reply == entry.answer[language]


def test_shopper_who_switches_language_gets_answers_in_the_new_one(bot):
    sender = new_sender()
    assert has_hangul(texts(bot.say(sender, "안녕하세요")))
    assert not has_hangul(texts(bot.say(sender, "hi, can you speak english?")))
    assert not has_hangul(texts(bot.say(sender, "thanks")))
    assert has_hangul(texts(bot.say(sender, "다시 한국어로 할게요 고마워요")))


def test_message_without_letters_keeps_the_language_or_takes_it_from_metadata(bot):
    sender = new_sender()
    bot.say(sender, "hello")
    assert not has_hangul(texts(bot.say(sender, "👍👍")))
    # The conversation's language wins over the page's for a message without letters...
    assert not has_hangul(texts(bot.say(sender, "👍", metadata={"language": "ko"})))
    # ...and the page's language starts a new conversation.
    other = new_sender()
    assert not has_hangul(texts(bot.say(other, "🙂", metadata={"language": "en-US"})))


def test_out_of_scope_is_refused_politely_with_the_menu(bot):
    replies = bot.say(new_sender(), "what's the weather like in Seoul tomorrow?")
    assert "Sorry" in texts(replies)
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert payloads == ["/order_status", "/cancel_order", "/refund_dispute", "/request_agent"]


def test_button_payloads_work_and_keep_the_language(bot):
    sender = new_sender()
    bot.say(sender, "hello")
    reply = texts(bot.say(sender, "/cancel_order"))
    assert "cancel" in reply.lower() and not has_hangul(reply)


def test_conversation_is_stored_in_redis(bot):
    sender = new_sender()
    bot.say(sender, "안녕하세요")
    assert bot.stack.redis_settings is not None
    stored = bot.stack.redis_settings.client().lrange(f"eva:events:{sender}", 0, -1)
    events = [json.loads(raw) for raw in stored]
    assert any(e["event"] == "user" and e["text"] == "안녕하세요" for e in events)
