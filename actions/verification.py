"""A verified order holds only for whoever proved it (issue #21).

Proving an order (its e-mail or phone, or a signed customer token naming its customer)
sets `verified_order_id`, and `verified_by` records who was writing then: the token's
customer and the widget socket. The order stays open only while the messages still
come with both: another customer's token, no token where there was one, a new widget
socket (a reload, or the next person at a shared browser) or a new session asks again.
A REST conversation without a token is bound to neither, only to its session.
"""

from __future__ import annotations

import json

from rasa_sdk import Tracker

from actions.conversation import message_metadata
from actions.order_context import token_customer_id
from bot.failure_counts import key_part
from bot.server_metadata import WIDGET_CONNECTION_KEY

# What a new session forgets: the order and its proof belong to whoever was writing
# then, and the next person at a shared browser must not inherit a pending "yes".
PROVED_SLOTS = (
    "order_id",
    "contact",
    "verified_order_id",
    "verified_by",
    "dispute_blocked",
    "awaiting_cancel_confirmation",
)


def prover(tracker: Tracker) -> str | None:
    """Who is writing now, as `verified_by` holds it; None for neither token nor socket."""
    customer = token_customer_id(tracker)
    connection = message_metadata(tracker, WIDGET_CONNECTION_KEY)
    if customer is None and connection is None:
        return None
    # A digest: the slot is kept in the tracker store, the token's customer id need not be.
    return key_part("prover", json.dumps([customer, connection]))


def verified_order_id(tracker: Tracker) -> str | None:
    """The order proved in this session by whoever is writing now, if any."""
    if tracker.get_slot("verified_by") != prover(tracker):
        return None
    order_id = tracker.get_slot("verified_order_id")
    return order_id if isinstance(order_id, str) else None
