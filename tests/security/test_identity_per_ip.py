"""The limit on failed identity checks per client IP (issue #21), end to end over REST.

The lockout per order number and per contact (test_identity_lockout.py) does not stop
someone with many order numbers and many contacts to try: each stays below three. Here
every check fails on a new number, a new contact and a new sender id, from one address
of 127.0.0.0/8 (the servers see it as the client's IP), and each request claims another
IP in its metadata, which the channel must overwrite.
"""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from actions.identity_lockout import KEY_PREFIX
from tests.conftest import RunningBot
from tests.redis_keys import delete_keys
from tests.replies import texts
from tests.security.test_identity_lockout import KO_SHIPPED, MISMATCH, WHERE_IS_MY_ORDER
from tests.security.test_rate_limits import an_address

FAILURES_PER_IP = 4
PAUSED = {"ko": "네트워크에서 본인 확인 실패가 너무 많아서", "en": "failed from your network"}


@pytest.fixture(autouse=True)
def low_identity_limit(bot: RunningBot) -> Iterator[None]:
    assert bot.stack.redis_settings is not None
    delete_keys(bot.stack.redis_settings, f"{KEY_PREFIX}:*")
    limits = bot.handoff_config.data["rate_limits"]
    saved = limits["identity"]
    limits["identity"] = {"failures_per_ip": FAILURES_PER_IP, "window_seconds": 600}
    bot.handoff_config.write()
    try:
        yield
    finally:
        limits["identity"] = saved
        bot.handoff_config.write()
        delete_keys(bot.stack.redis_settings, f"{KEY_PREFIX}:*")


def say_from(bot: RunningBot, ip: str, sender: str, message: str) -> str:
    """One REST message from `ip`, claiming a random other IP in its metadata."""
    forged: dict[str, Any] = {
        "client_ip_digest": uuid.uuid4().hex,
        "client_ip": an_address(),
    }
    connection = http.client.HTTPConnection(
        "127.0.0.1", bot.stack.config.rasa_port, timeout=60, source_address=(ip, 0)
    )
    try:
        body = json.dumps({"sender": sender, "message": message, "metadata": forged})
        connection.request(
            "POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
        )
        answer = connection.getresponse()
        assert answer.status == 200
        return texts(json.loads(answer.read()))
    finally:
        connection.close()


def check(bot: RunningBot, ip: str, order_id: str, contact: str, language: str) -> str:
    """A whole identity check in a new conversation; the bot's last answer."""
    who = f"per-ip-{uuid.uuid4().hex[:12]}"
    say_from(bot, ip, who, WHERE_IS_MY_ORDER[language])
    say_from(bot, ip, who, order_id)
    return say_from(bot, ip, who, contact)


def wrong_contact(n: int, language: str) -> str:
    return f"010-0000-01{n:02d}" if language == "ko" else f"someone{n}@example.com"


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_check_after_the_limit_is_refused_whatever_the_number(
    bot: RunningBot, language: str
) -> None:
    order_id, contact, secret = KO_SHIPPED
    ip = an_address()
    for n in range(FAILURES_PER_IP):
        answer = check(bot, ip, f"81000000000003{n:02d}", wrong_contact(n, language), language)
        assert MISMATCH[language] in answer, answer

    # The right details, from the same address: refused before they are compared.
    refused = check(bot, ip, order_id, contact, language)

    assert PAUSED[language] in refused, refused
    assert secret not in refused
    # Another address is not held back, and the order itself is not locked.
    assert secret in check(bot, an_address(), order_id, contact, language)
