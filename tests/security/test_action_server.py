"""The action server (issue #21, high 1): loopback only, and only for the Rasa server.

It trusts the tracker it is sent, so a call that claims a verified order would read,
cancel or dispute that order. Stock rasa_sdk listened on 0.0.0.0 without asking who
called; these tests run against the real stack that `make run` starts.
"""

from __future__ import annotations

import socket
import urllib.request
from typing import Any

import pytest

from bot.action_secret import ACTION_SECRET_HEADER
from tests.http import post_json

# A shipped demo order and its tracking number (data/demo/orders.yml).
ORDER_ID = "8174420965301178"
TRACKING_NUMBER = "LP00628471935502"


def order_call(sender: str) -> dict[str, Any]:
    """What an attacker would send: a tracker that claims the order is verified."""
    slots = {
        "language": "en",
        "order_task": "status",
        "order_id": ORDER_ID,
        "verified_order_id": ORDER_ID,
    }
    tracker = {
        "sender_id": sender,
        "slots": slots,
        "latest_message": {"text": "where is my order", "entities": []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {
        "next_action": "action_complete_order_task",
        "sender_id": sender,
        "tracker": tracker,
        "domain": {},
        "version": "3.6.2",
    }


def test_a_call_without_the_secret_is_refused_and_reveals_no_order(bot):
    status, body = post_json(f"{bot.action_url}/webhook", order_call("intruder"))

    assert status == 401
    assert body["error"] == "action_secret_required"
    assert body["message"]["ko"] and body["message"]["en"]
    assert TRACKING_NUMBER not in str(body)


def test_a_wrong_secret_is_refused(bot):
    wrong = {ACTION_SECRET_HEADER: bot.action_headers[ACTION_SECRET_HEADER][:-1] + "x"}
    status, body = post_json(f"{bot.action_url}/webhook", order_call("intruder"), headers=wrong)

    assert status == 403
    assert body["error"] == "action_secret_required"


def test_the_list_of_actions_needs_the_secret_too(bot):
    request = urllib.request.Request(f"{bot.action_url}/actions")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401


def test_the_rasa_server_shows_the_secret_so_conversations_still_reach_orders(bot):
    # The same call with the secret is what the Rasa server makes: it works.
    status, body = post_json(
        f"{bot.action_url}/webhook", order_call("rasa"), headers=bot.action_headers
    )
    assert status == 200, body
    # And a whole conversation (Rasa -> action server with the header from endpoints.yml)
    # still gets an order form question, which only the action server can ask.
    replies = bot.say("secret-check", "where is my order?")
    assert any("16" in str(reply.get("text", "")) for reply in replies), replies


@pytest.mark.parametrize("server", ["action", "rasa", "web"])
def test_servers_listen_on_loopback_only(bot, server):
    """127.0.0.2 is this machine too: only a server bound to every interface answers it."""
    port = {
        "action": bot.stack.config.action_port,
        "rasa": bot.stack.config.rasa_port,
        "web": bot.stack.config.web_port,
    }[server]
    # Bound to 127.0.0.1 (BIND_HOST's default) the port is there...
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    # ...but not on any other address.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=5).close()
