"""Fuzzing the REST channel, POST /webhooks/rest/webhook on the Rasa server (issue #21).

Bodies of every shape: well-formed ones with odd senders, messages and metadata, JSON
documents that are no request, wrong types, huge and deeply nested values, every kind of
unicode (lone surrogates too), invalid UTF-8 and bytes that are no JSON at all. Each
must get a 200 with a list of replies or a 4xx with a bilingual JSON error; afterwards
the bot still answers "hello" as it always does.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from actions.identity_lockout import KEY_PREFIX as LOCKOUT_PREFIX
from tests.redis_keys import delete_keys
from tests.replies import texts
from tests.security.fuzzing import (
    ANY_TEXT,
    DEEP_JSON,
    EXAMPLES,
    FUZZ,
    INVALID_UTF8,
    JSON_VALUE,
    TEXT,
    KeptConnection,
    Run,
    dumps,
    forget_handoffs,
)

PATH = "/webhooks/rest/webhook"
# What the shop's pages and integrations say, so that many bodies reach the model, the
# forms and the actions, not only the checks in front of them.
KNOWN_MESSAGES = (
    "hello",
    "안녕하세요",
    "제 주문 어디쯤 왔어요?",
    "where is my order?",
    "주문 취소하고 싶어요",
    "I want to cancel my order",
    "환불 받고 싶어요",
    "배송비 얼마예요?",
    "how long does shipping take?",
    "8174420965301178",
    "1234",
    "someone@example.com",
    "010-0000-0000",
    "네",
    "no",
    "👍",
    "/greet",
    "/affirm",
    '/inform{"order_id": "8100000000000077"}',
    '/inform{"order_id": ',
    "/faq",
    "/no_such_intent",
    '/order_status{"language": ["ko"]}',
)
# A few conversations that go on for many turns (forms, sessions), and new ones.
SENDERS = tuple(f"fuzz-rest-{n}" for n in range(6))
SENDER = st.one_of(
    st.sampled_from(SENDERS),
    ANY_TEXT,
    st.text(min_size=120, max_size=140),
    st.integers(min_value=-(2**64), max_value=2**64),
    JSON_VALUE,
)
MESSAGE = st.one_of(st.sampled_from(KNOWN_MESSAGES), TEXT, JSON_VALUE)
METADATA = st.one_of(
    JSON_VALUE,
    st.fixed_dictionaries(
        {},
        optional={
            "language": st.one_of(st.sampled_from(["ko", "en", "ko-KR", "EN", "fr"]), JSON_VALUE),
            "timezone": st.one_of(
                st.sampled_from(["Asia/Seoul", "America/New_York", "../../etc/passwd", "Nope/x"]),
                JSON_VALUE,
            ),
            "customer_token": st.one_of(ANY_TEXT, JSON_VALUE),
        },
    ),
)
REQUEST = st.fixed_dictionaries(
    {"sender": SENDER, "message": MESSAGE},
    optional={"metadata": METADATA, "input_channel": JSON_VALUE, "extra": JSON_VALUE},
)
BODY = st.one_of(
    # Well-formed requests (mostly), as JSON with and without escapes.
    st.builds(dumps, REQUEST, st.booleans()),
    st.builds(dumps, REQUEST, st.just(True)),
    # Any JSON document at all.
    st.builds(dumps, JSON_VALUE, st.booleans()),
    # Nested deeper than a recursive parser or serialiser goes, alone and in metadata.
    DEEP_JSON.map(str.encode),
    DEEP_JSON.map(
        lambda deep: b'{"sender": "fuzz-deep", "message": "hi", "metadata": %s}' % deep.encode()
    ),
    # Bytes that are not UTF-8, inside a string and on their own.
    INVALID_UTF8.map(lambda noise: b'{"sender": "fuzz-utf8", "message": "' + noise + b'"}'),
    INVALID_UTF8.map(lambda noise: b'{"sender": "' + noise + b'", "message": "hi"}'),
    st.binary(max_size=300),
    # Around the 64 KB limit.
    st.integers(min_value=20_000, max_value=24_000).map(
        lambda n: dumps({"sender": "fuzz-big", "message": "가" * n}, False)
    ),
)
CONTENT_TYPE = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
        "multipart/form-data; boundary=x",
    ]
)


# Bodies the fuzzing found bugs with (see the commit that fixed them), replayed first on
# every run: (body, what a fixed server answers: the error code, or None for the bot's
# replies).
FOUND = (
    # Invalid UTF-8: ujson, behind Sanic's request.json, made a str of code points past
    # U+10FFFF of it; the worker answered 500 (SystemError), or its heap was corrupted
    # ("realloc(): invalid next size") and both Rasa workers died.
    (b'{"sender": "fuzz-found-1", "message": "\x15\xff\xc3("}', "invalid_json"),
    (b'{"sender": "\xf4\xd0\xff\xc3(", "message": "hi"}', "invalid_json"),
    # Lone surrogates: the tokenizer failed, the tracker could not be saved to Redis and
    # the action server could not be called, so the shopper got no answer.
    (b'{"sender": "fuzz-found-2", "message": "\\u009f\\u00b7\\udc3f\\udfc3("}', None),
    (b'{"sender": "\\ud800", "message": "hi"}', "invalid_sender"),
    (
        b'{"sender": "fuzz-found-3", "message": "hi", "metadata": {"x": "\\udfff"}}',
        "invalid_metadata",
    ),
    # Metadata 164 levels deep: saving the tracker overflowed the recursion limit, so the
    # conversation fell back to memory and the shopper got no answer.
    (
        b'{"sender": "fuzz-found-4", "message": "hi", "metadata": '
        + b'{"a":' * 164
        + b"1"
        + b"}" * 165,
        "invalid_metadata",
    ),
)


@pytest.mark.parametrize(("body", "error"), FOUND)
def test_bodies_that_broke_the_rest_channel_are_answered(bot, body: bytes, error: str | None):
    status, answer = bot.post(f"{bot.rasa_url}{PATH}", None, raw=body)
    if error is None:
        assert status == 200
        # Read as an unreadable message and explained, like any other.
        assert "읽을 수 없는" in texts(answer), answer
    else:
        assert status == 400
        assert answer["error"] == error


def _senders(body: bytes) -> str | None:
    """The conversation a body names, if it names one: it may have been handed off."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    sender = value.get("sender") if isinstance(value, dict) else None
    if isinstance(sender, int) and not isinstance(sender, bool):
        return str(sender)
    return sender if isinstance(sender, str) else None


def _check_answer(status: int, answer: Any) -> None:
    assert status < 500, answer
    if status == 200:
        assert isinstance(answer, list), answer
        assert all(isinstance(reply, dict) for reply in answer), answer
    else:
        assert 400 <= status < 500, (status, answer)
        assert set(answer) == {"error", "message"}, answer
        assert answer["message"]["ko"] and answer["message"]["en"], answer


def test_the_rest_channel_survives_generated_bodies(bot):
    rest = KeptConnection(bot.rasa_url)
    senders: set[str] = set()

    with Run(bot.stack, "rest") as run:

        @FUZZ
        @given(body=BODY, content_type=CONTENT_TYPE)
        @example(body=FOUND[0][0], content_type="application/json")
        @example(body=FOUND[1][0], content_type="application/json")
        @example(body=FOUND[2][0], content_type="application/json")
        @example(body=FOUND[3][0], content_type="text/plain")
        @example(body=FOUND[4][0], content_type="")
        @example(body=FOUND[5][0], content_type="application/json")
        def post(body: bytes, content_type: str) -> None:
            headers = {"Content-Type": content_type} if content_type else {}
            answer = rest.request("POST", PATH, body, headers)
            run.count(answer.status)
            if sender := _senders(body):
                senders.add(sender)
            _check_answer(answer.status, answer.json())

        try:
            post()
        finally:
            rest.close()
            forget_handoffs(bot.stack, senders, ())
            _forget_lockouts(bot)

        assert run.sent >= EXAMPLES
        # The server still answers a known message as it always does.
        assert "Eva" in texts(bot.say("fuzz-rest-after", "hello"))
        run.check_stack()
    print(f"    connections opened: {rest.reopened}")


def _forget_lockouts(bot) -> None:
    """Failed identity checks the fuzzing may have counted for demo orders would lock
    them for the order tests that share the stack."""
    assert bot.stack.redis_settings is not None
    delete_keys(bot.stack.redis_settings, f"{LOCKOUT_PREFIX}:*")
