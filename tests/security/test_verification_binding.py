"""A verified order holds only for whoever proved it (issue #21), end to end.

Before: `verified_order_id` carried over into later sessions and did not depend on the
customer token, so the next user of a shared browser (same widget session id from
localStorage) could say "cancel my order", then "yes". Now a new session, a new widget
socket, another customer's token or no token where there was one asks again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from actions.identity_lockout import KEY_PREFIX
from shop.identity import sign_customer_token
from shop.orders import OrderStatus
from tests.conftest import TOKEN_SECRET, RunningBot
from tests.redis_keys import delete_keys
from tests.replies import texts
from tests.test_order_flows import demo_store, stored_order
from tests.widget_client import WidgetClient

# A paid demo order that may still be cancelled (data/demo/orders.yml), its customer,
# and what only a verified shopper may see.
PAID = ("8175203946128807", "minji.kim@example.com")
PAID_CUSTOMER = "c-100231"
OTHER_CUSTOMER = "c-200314"
CANCEL_QUESTION = "Shall I cancel order"
CONTACT_QUESTION = "e-mail address or phone number"
SHOWN = "is paid and hasn't shipped yet"


@pytest.fixture(autouse=True)
def paid_order(bot: RunningBot) -> Iterator[None]:
    """The order is paid again, and no failed checks are counted, before each test."""
    demo_store(bot).open(reseed=True)
    assert bot.stack.redis_settings is not None
    delete_keys(bot.stack.redis_settings, f"{KEY_PREFIX}:*")
    yield
    demo_store(bot).open(reseed=True)


def token_of(customer: str) -> dict[str, str]:
    expires = datetime.now(timezone.utc) + timedelta(hours=1)
    return {"customer_token": sign_customer_token(customer, TOKEN_SECRET, expires)}


def sender() -> str:
    return f"binding-{uuid.uuid4().hex[:12]}"


def verify_by_contact(bot: RunningBot, who: str) -> None:
    bot.say(who, "where is my order?")
    bot.say(who, PAID[0])
    assert SHOWN in texts(bot.say(who, PAID[1]))


def cancel_and_say_yes(bot: RunningBot, who: str, metadata: dict[str, str] | None) -> str:
    """The shared-browser attack: the bot's answer to "cancel my order"."""
    asked = texts(bot.say(who, "cancel my order", metadata))
    bot.say(who, "yes", metadata)
    return asked


def test_a_new_session_asks_again(bot: RunningBot) -> None:
    who = sender()
    verify_by_contact(bot, who)

    bot.say(who, "/session_start")
    asked = cancel_and_say_yes(bot, who, None)

    assert CANCEL_QUESTION not in asked
    assert stored_order(bot, PAID[0]).status is OrderStatus.PAID


@pytest.mark.parametrize(
    ("later", "still_verified"),
    [
        (token_of(OTHER_CUSTOMER), False),
        (None, False),  # logged out: the next user of the browser sends no token
        (token_of(PAID_CUSTOMER), True),  # a fresh token of the same customer
    ],
    ids=["another_customer", "no_token", "same_customer"],
)
def test_verification_holds_only_with_the_token_that_proved_it(
    bot: RunningBot, later: dict[str, str] | None, still_verified: bool
) -> None:
    who = sender()
    first = token_of(PAID_CUSTOMER)
    bot.say(who, "where is my order?", first)
    # The token proves the order: shown without a contact question.
    assert SHOWN in texts(bot.say(who, PAID[0], first))

    asked = texts(bot.say(who, "cancel my order", later))

    assert (CANCEL_QUESTION in asked) is still_verified, asked
    if not still_verified:
        bot.say(who, "yes", later)
        assert stored_order(bot, PAID[0]).status is OrderStatus.PAID


def bot_texts(page: WidgetClient) -> str:
    return "\n".join(
        str(frame.get("text", ""))
        for frame in page.frames
        if frame["type"] == "message" and frame["role"] == "bot"
    )


async def bot_says(page: WidgetClient, text: str, expected: str) -> None:
    await page.say(text)
    await page.wait_for(
        lambda frame: (
            frame["type"] == "message"
            and frame["role"] == "bot"
            and expected in str(frame.get("text", ""))
        )
    )


def test_a_new_widget_socket_asks_again(bot: RunningBot) -> None:
    async def scenario() -> None:
        page = WidgetClient(bot.web_url)
        await page.connect(language="en")
        await bot_says(page, "where is my order?", "16")
        await bot_says(page, PAID[0], CONTACT_QUESTION)
        await bot_says(page, PAID[1], SHOWN)
        # On the socket that proved it the order stays open...
        await bot_says(page, "cancel my order", CANCEL_QUESTION)
        await bot_says(page, "no, keep it", "stays as it is")
        await page.close()

        # ...but the next page in this browser (the same stored session id) asks again.
        later = WidgetClient(bot.web_url, page.session_token)
        await later.connect(last_seq=page.last_seq, language="en")
        await bot_says(later, "cancel my order", CONTACT_QUESTION)
        # Answered as a contact that is none: no order is cancelled.
        await bot_says(later, "yes", "e-mail")
        assert CANCEL_QUESTION not in bot_texts(later)
        await later.close()

    asyncio.run(scenario())
    assert stored_order(bot, PAID[0]).status is OrderStatus.PAID
