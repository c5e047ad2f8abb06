"""Validates the order form: which order, is it the shopper's, and (for disputes) why.

The form asks only for what the task needs: the order number always; the e-mail or
phone on the order unless a signed customer token already proves the order is the
shopper's; a reason and evidence only for a dispute the order still allows. Nothing
about an order is said before the identity check passes, and a number that does not
exist gets the same answer as a wrong e-mail, so numbers cannot be probed. Three
failed checks lock the conversation, the order number and the contact for every
conversation (actions/identity_lockout.py), before any contact is compared; so do too
many failures from one IP, whatever the numbers. A proved order stays proved only for
whoever proved it (actions/verification.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import redis.asyncio
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import message_metadata
from actions.handoff import live_config
from actions.identity_lockout import IdentityLockout
from actions.order_context import (
    MAX_IDENTITY_TRIES,
    now,
    order_store,
    policies,
    token_customer_id,
)
from actions.redis_connection import redis_client
from actions.verification import prover, verified_order_id
from bot.server_metadata import CLIENT_IP_KEY
from handoff.config import HandoffConfigError
from handoff.rate_limits import IdentityLimits
from shop.identity import contact_matches, extract_contact
from shop.orders import DISPUTE_REASONS, Order, StoreUnavailable
from shop.policies import dispute_decision

ORDER_NUMBER = re.compile(r"(?<![0-9])[0-9]{8,20}(?![0-9])")
EVIDENCE = re.compile(r"(https?://\S+|upload:[A-Za-z0-9_\-]+)")
# Reasons for which there is nothing to photograph.
NO_EVIDENCE_REASONS = {"not_received", "delayed"}

logger = logging.getLogger(__name__)

Slots = dict[str, Any]


def order_number_in(value: Any) -> str | None:
    match = ORDER_NUMBER.search(str(value or ""))
    return match.group(0) if match else None


def locked_out(failures: float) -> Slots:
    """The form stops: too many failed checks for this conversation, order or contact."""
    return {
        "contact": None,
        "identity_failures": max(failures, float(MAX_IDENTITY_TRIES)),
        "order_problem": "identity_failed",
    }


def verified_slots(order: Order, tracker: Tracker) -> Slots:
    """Slots recording that this order is the shopper's, who proved it, and whether it
    can be disputed."""
    decision = dispute_decision(order, policies(), now())
    return {
        "verified_order_id": order.order_id,
        "verified_by": prover(tracker),
        "dispute_blocked": not decision.allowed,
    }


def identity_limits() -> IdentityLimits:
    try:
        return live_config.get().rate_limits.identity
    except HandoffConfigError as error:
        # A missing or broken file must not stop identity checks: the defaults.
        logger.error("identity check limits from defaults: %s", error)
        return IdentityLimits()


ORDER_ID_QUESTIONS = {
    "status": "utter_order_id_for_status",
    "cancel": "utter_order_id_for_cancel",
    "dispute": "utter_order_id_for_dispute",
}


def ask_order_id(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Ask for the order number in words that say what it is for."""
    task = tracker.get_slot("order_task") or "status"
    dispatcher.utter_message(response=ORDER_ID_QUESTIONS.get(task, "utter_order_id_for_status"))


class ActionAskOrderId(Action):
    """The order form's question for `order_id` (Rasa calls action_ask_<slot>)."""

    def name(self) -> str:
        return "action_ask_order_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        ask_order_id(dispatcher, tracker)
        return []


class ValidateOrderForm(FormValidationAction):
    def name(self) -> str:
        return "validate_order_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("order_problem"):
            return []
        order_id = tracker.get_slot("order_id")
        if order_id is None:
            return ["order_id"]
        if verified_order_id(tracker) != order_id:
            return ["order_id", "contact"]
        if tracker.get_slot("order_task") != "dispute" or tracker.get_slot("dispute_blocked"):
            return ["order_id"]
        slots = ["order_id", "dispute_reason"]
        if tracker.get_slot("dispute_reason") not in NO_EVIDENCE_REASONS:
            slots.append("dispute_evidence")
        return slots

    async def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        order_id = order_number_in(value)
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
            return {"order_id": None}
        if order_id == verified_order_id(tracker):
            return {"order_id": order_id}
        customer_id = token_customer_id(tracker)
        if customer_id is None:
            # A new order: its e-mail or phone is asked for next.
            return {"order_id": order_id, "contact": None}
        try:
            order = await order_store().find_order(order_id)
        except StoreUnavailable:
            return {"order_id": order_id, "order_problem": "store_unavailable"}
        if order is None or order.customer_id != customer_id:
            return {"order_id": order_id, "order_problem": "not_in_account"}
        return {"order_id": order_id} | verified_slots(order, tracker)

    async def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        given = extract_contact(value)
        if given is None:
            dispatcher.utter_message(response="utter_invalid_contact")
            return {"contact": None}
        order_id = tracker.get_slot("order_id")
        failures = float(tracker.get_slot("identity_failures") or 0)
        ip = message_metadata(tracker, CLIENT_IP_KEY)
        lockout = IdentityLockout(redis_client(), identity_limits())
        try:
            # The lockout first: after too many failures even the right contact is
            # refused, or the limit would only slow a guesser down.
            if failures >= MAX_IDENTITY_TRIES or await lockout.locked(order_id, given):
                return locked_out(failures)
            if await lockout.ip_paused(ip):
                return {"contact": None, "order_problem": "identity_paused"}
            order = await order_store().find_order(order_id) if order_id else None
            if order is not None and contact_matches(order, given):
                verified = verified_slots(order, tracker)
                return {"contact": given, "identity_failures": 0.0} | verified
            # A wrong contact and an unknown number count (and answer) alike.
            reached = await lockout.record_failure(order_id, given, ip)
        except (StoreUnavailable, redis.RedisError):
            # Without the counters no check is safe: none is made.
            return {"contact": None, "order_problem": "store_unavailable"}
        failures += 1
        if reached or failures >= MAX_IDENTITY_TRIES:
            return locked_out(failures)
        dispatcher.utter_message(response="utter_identity_mismatch")
        # Either the number or the contact was wrong: ask for both again.
        return {"contact": None, "order_id": None, "identity_failures": failures}

    async def validate_dispute_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        reason = str(value or "").strip()
        if not reason:
            return {"dispute_reason": None}
        return {"dispute_reason": reason[:1000]}

    async def validate_dispute_evidence(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        links = EVIDENCE.findall(str(value or ""))
        if not links:
            dispatcher.utter_message(response="utter_invalid_evidence")
            return {"dispute_evidence": None}
        return {"dispute_evidence": " ".join(links[:5])}


def dispute_reason_code(reason: str | None) -> str:
    """A reason from the buttons as is; the shopper's own words count as "other"."""
    return reason if reason in DISPUTE_REASONS else "other"
