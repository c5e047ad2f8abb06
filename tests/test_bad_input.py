"""Bad input over the REST channel: always a clear, polite reply; never a crash."""

import uuid

import pytest

from tests.replies import has_hangul, texts


def sender() -> str:
    return f"bad-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "비어 있어요"),
        ("   \n\t  ", "비어 있어요"),
        (None, "비어 있어요"),
        ("?!?! ...", "이모티콘"),
        ("가" * 10_000, "1000자"),
        ("\x00\x01\x02\x03\x04\x05\ufffd\ufffd 주문", "읽을 수 없는"),
    ],
)
def test_unreadable_input_is_explained_in_korean_by_default(bot, message, expected):
    replies = bot.say(sender(), message)
    assert replies, "the bot must never answer with nothing"
    assert expected in texts(replies)


def test_too_long_english_message_is_refused_in_english(bot):
    reply = texts(bot.say(sender(), "where is my order " * 600))
    assert "too long" in reply and "1000 characters" in reply


def test_html_and_script_are_never_echoed(bot):
    replies = bot.say(sender(), "<script>alert('x')</script><img src=x onerror=alert(1)>")
    reply = texts(replies)
    assert replies and "<script" not in reply and "onerror" not in reply


def test_html_around_a_real_question_still_gets_an_answer(bot):
    reply = texts(bot.say(sender(), "<b>주문 취소</b> 하고 싶어요"))
    assert has_hangul(reply) and "취소" in reply


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"not json", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_body"),
        (b'{"message": "hi"}', 400, "invalid_sender"),
        (b'{"sender": "", "message": "hi"}', 400, "invalid_sender"),
        (b'{"sender": "a", "message": {"x": 1}}', 400, "invalid_message"),
        (b'{"sender": "a", "message": "' + b"a" * 70_000 + b'"}', 413, "body_too_large"),
    ],
)
def test_malformed_requests_get_a_bilingual_json_error(bot, body, status, error):
    got_status, answer = bot.post(f"{bot.rasa_url}/webhooks/rest/webhook", None, raw=body)
    assert got_status == status
    assert answer["error"] == error
    assert has_hangul(answer["message"]["ko"]) and answer["message"]["en"]


def test_server_keeps_answering_after_bad_input(bot):
    reply = texts(bot.say(sender(), "hello"))
    assert "Eva" in reply
