"""The three-strikes identity check (issue #21, high 2), end to end over REST.

Before: the contact was compared before the failure count (a right guess after the
"too many" answer still opened the order), the count lived in one conversation (a new
`sender` started again at zero), and a phone number's last eight digits were enough.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest

from actions.identity_lockout import KEY_PREFIX
from shop.identity import contact_matches
from tests.redis_keys import delete_keys
from tests.replies import texts
from tests.test_shop_identity import KO_ORDER, US_ORDER

# Shipped demo orders (data/demo/orders.yml): number, contact on the order, and what
# only a verified shopper may see.
KO_SHIPPED = ("8174420965301178", "010-9034-2251", "LP00628471935502")
EN_IN_CUSTOMS = ("8174618830259904", "daniel.brooks@example.net", "EE482913609KR")
UNKNOWN_NUMBER = "8100000000000077"
ORDERS = {"ko": KO_SHIPPED, "en": EN_IN_CUSTOMS}

WHERE_IS_MY_ORDER = {"ko": "제 주문 어디쯤 왔어요?", "en": "where is my order?"}
LOCKED = {"ko": "여러 번 실패", "en": "Too many checks failed"}
MISMATCH = {"ko": "찾지 못했어요", "en": "couldn't find an order"}


@pytest.fixture(autouse=True)
def no_lockouts(bot) -> Iterator[None]:
    """Each test starts, and leaves the shared stack, without failed checks counted."""
    assert bot.stack.redis_settings is not None
    delete_keys(bot.stack.redis_settings, f"{KEY_PREFIX}:*")
    yield
    delete_keys(bot.stack.redis_settings, f"{KEY_PREFIX}:*")


def sender() -> str:
    return f"lockout-{uuid.uuid4().hex[:12]}"


def attempt(bot, who: str, order_id: str, contact: str, language: str) -> str:
    """Ask where the order is, give its number and a contact; the bot's last answer."""
    bot.say(who, WHERE_IS_MY_ORDER[language])
    bot.say(who, order_id)
    return texts(bot.say(who, contact))


def wrong_contact(n: int, language: str) -> str:
    # Digits keep a Korean conversation Korean; an address with letters would not.
    return f"010-0000-000{n}" if language == "ko" else f"nobody{n}@example.com"


def fail_three_times(bot, order_id: str, language: str, *, new_sender_each_time: bool) -> str:
    """Three failed checks of `order_id`; the sender id of the last one."""
    who = sender()
    answers = [attempt(bot, who, order_id, wrong_contact(0, language), language)]
    for n in (1, 2):
        if new_sender_each_time:
            who = sender()
            answers.append(attempt(bot, who, order_id, wrong_contact(n, language), language))
        else:
            # The form asks for the number and the contact again after a failure.
            bot.say(who, order_id)
            answers.append(texts(bot.say(who, wrong_contact(n, language))))
    assert MISMATCH[language] in answers[0], answers
    assert MISMATCH[language] in answers[1], answers
    assert LOCKED[language] in answers[-1], answers
    return who


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_correct_contact_after_three_failures_is_refused(bot, language):
    order_id, contact, secret = ORDERS[language]
    who = fail_three_times(bot, order_id, language, new_sender_each_time=False)

    answer = attempt(bot, who, order_id, contact, language)

    assert LOCKED[language] in answer
    assert secret not in answer


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_new_sender_id_does_not_reset_the_count(bot, language):
    order_id, contact, secret = ORDERS[language]
    # Three conversations with one failure each: none of them reached three alone.
    fail_three_times(bot, order_id, language, new_sender_each_time=True)

    answer = attempt(bot, sender(), order_id, contact, language)

    assert LOCKED[language] in answer
    assert secret not in answer


def test_failures_are_counted_per_contact_across_order_numbers(bot):
    order_id, contact, secret = KO_SHIPPED
    # Someone who has the shopper's phone number tries it on numbers that are not theirs.
    for n in range(3):
        attempt(bot, sender(), f"81000000000001{n:02d}", contact, "en")

    answer = attempt(bot, sender(), order_id, contact, "en")

    assert LOCKED["en"] in answer
    assert secret not in answer


def test_a_locked_real_number_and_a_locked_unknown_one_answer_alike(bot):
    fail_three_times(bot, KO_SHIPPED[0], "en", new_sender_each_time=True)
    fail_three_times(bot, UNKNOWN_NUMBER, "en", new_sender_each_time=True)

    real = attempt(bot, sender(), KO_SHIPPED[0], "someone@example.com", "en")
    unknown = attempt(bot, sender(), UNKNOWN_NUMBER, "someone@example.com", "en")

    assert real == unknown
    assert LOCKED["en"] in real


def test_a_correct_contact_still_opens_an_order_below_the_limit(bot):
    order_id, contact, secret = KO_SHIPPED
    who = sender()
    assert MISMATCH["en"] in attempt(bot, who, order_id, "nobody@example.com", "en")

    assert secret in attempt(bot, who, order_id, contact, "en")


@pytest.mark.parametrize(
    ("order", "partial"),
    [
        (US_ORDER, "5555-0132"),  # +1 415-555-0132 without its area code
        (US_ORDER, "1 555 50132"),
        (KO_ORDER, "28471936"),  # 010-2847-1936 without 010
        (replace(KO_ORDER, phone="+44 20 7946 0958"), "79460958"),
    ],
)
def test_a_phone_number_must_be_whole(order, partial):
    assert not contact_matches(order, partial)
