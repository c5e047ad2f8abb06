"""What happens once the order form is done: show, cancel (after a yes) or dispute.

Every decision is taken again here, against the order as the store has it now, so
a change between the question and the answer (the parcel shipped meanwhile) is
never missed.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import language_of
from actions.order_context import now, order_store, policies
from actions.order_form import ask_order_id, dispute_reason_code
from actions.order_messages import dispute_status_text, instant_text, order_variables
from actions.verification import verified_order_id
from bot.language import Language
from shop.orders import InvalidTransition, Order, OrderStatus, OrderStoreError, StoreUnavailable
from shop.policies import cancel_decision, dispute_decision, is_delayed, protection_days

PROBLEM_RESPONSES = {
    "store_unavailable": "utter_store_unavailable",
    "identity_failed": "utter_identity_failed",
    "identity_paused": "utter_identity_paused",
    "not_in_account": "utter_not_in_account",
}
CANCEL_REFUSALS = {
    "already_shipped": "utter_cancel_refused_shipped",
    "delivered": "utter_cancel_refused_delivered",
    "too_late": "utter_cancel_refused_too_late",
    "already_cancelled": "utter_cancel_refused_closed",
    "refunded": "utter_cancel_refused_closed",
}
DISPUTE_REFUSALS = {
    "not_shipped": "utter_dispute_not_shipped",
    "window_passed": "utter_dispute_refused_window",
    "protection_expired": "utter_dispute_refused_protection",
    "dispute_open": "utter_dispute_already_open",
    "cancelled": "utter_dispute_refused_closed",
    "refunded": "utter_dispute_refused_closed",
}
STATUS_RESPONSES = {
    OrderStatus.PAID: "utter_order_paid",
    OrderStatus.SHIPPED: "utter_order_in_transit",
    OrderStatus.IN_CUSTOMS: "utter_order_in_transit",
    OrderStatus.DELIVERED: "utter_order_delivered",
    OrderStatus.CANCELLED: "utter_order_cancelled",
    OrderStatus.REFUNDED: "utter_order_refunded",
}


def reset_form() -> list[EventType]:
    """Forget the answers of this round; the verified order stays for follow-ups."""
    return [
        SlotSet("contact", None),
        SlotSet("dispute_reason", None),
        SlotSet("dispute_evidence", None),
        SlotSet("order_problem", None),
    ]


async def verified_order(tracker: Tracker) -> Order | None:
    order_id = tracker.get_slot("order_id")
    if not order_id or order_id != verified_order_id(tracker):
        return None
    return await order_store().find_order(order_id)


def show_status(dispatcher: CollectingDispatcher, order: Order, language: Language) -> None:
    rules = policies()
    values = order_variables(order, rules, language)
    dispatcher.utter_message(response=STATUS_RESPONSES[order.status], **values)
    if order.status is OrderStatus.IN_CUSTOMS:
        dispatcher.utter_message(response="utter_order_in_customs_advice")
    if is_delayed(order, now(), rules.time_zone):
        until = instant_text(
            dispute_decision(order, rules, now()).protection_until, rules, language
        )
        dispatcher.utter_message(response="utter_order_delayed_advice", protection_until=until)
    if order.dispute is not None:
        dispatcher.utter_message(
            response="utter_order_dispute_status",
            dispute_id=order.dispute.dispute_id,
            dispute_status=dispute_status_text(order.dispute, language),
        )


def offer_cancel(dispatcher: CollectingDispatcher, order: Order, language: Language) -> bool:
    """Ask for a yes when the order may be cancelled, else say why not."""
    rules = policies()
    decision = cancel_decision(order, rules, now())
    values = order_variables(order, rules, language)
    values["deadline"] = instant_text(decision.deadline, rules, language)
    if decision.allowed:
        dispatcher.utter_message(response="utter_confirm_cancel", **values)
        return True
    if decision.reason == "delivered":
        deadline = dispute_decision(order, rules, now()).deadline
        values["deadline"] = instant_text(deadline, rules, language)
    dispatcher.utter_message(response=CANCEL_REFUSALS[decision.reason], **values)
    return False


async def open_dispute(
    dispatcher: CollectingDispatcher, tracker: Tracker, order: Order, language: Language
) -> None:
    rules = policies()
    decision = dispute_decision(order, rules, now())
    values = order_variables(order, rules, language)
    values["deadline"] = instant_text(decision.deadline, rules, language)
    values["protection_days"] = protection_days(order, rules)
    if not decision.allowed:
        if order.dispute is not None:
            values["dispute_id"] = order.dispute.dispute_id
        dispatcher.utter_message(response=DISPUTE_REFUSALS[decision.reason], **values)
        return
    reason = tracker.get_slot("dispute_reason")
    evidence = tuple(str(tracker.get_slot("dispute_evidence") or "").split())
    dispute = await order_store().open_dispute(
        order.order_id, dispute_reason_code(reason), str(reason or ""), evidence, now()
    )
    dispatcher.utter_message(
        response="utter_dispute_opened", dispute_id=dispute.dispute_id, **values
    )


class ActionCompleteOrderTask(Action):
    def name(self) -> str:
        return "action_complete_order_task"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        events = [*reset_form(), SlotSet("awaiting_cancel_confirmation", False)]
        problem = tracker.get_slot("order_problem")
        if problem:
            dispatcher.utter_message(response=PROBLEM_RESPONSES.get(problem, "utter_fallback"))
            return [*events, SlotSet("order_id", None)]
        try:
            order = await verified_order(tracker)
            if order is None:
                ask_order_id(dispatcher, tracker)
                return events
            task = tracker.get_slot("order_task") or "status"
            if task == "cancel":
                asked = offer_cancel(dispatcher, order, language)
                return [*events, SlotSet("awaiting_cancel_confirmation", asked)]
            if task == "dispute":
                await open_dispute(dispatcher, tracker, order, language)
            else:
                show_status(dispatcher, order, language)
        except OrderStoreError:
            dispatcher.utter_message(response="utter_store_unavailable")
        return events


class ActionConfirmCancel(Action):
    def name(self) -> str:
        return "action_confirm_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        done: list[EventType] = [SlotSet("awaiting_cancel_confirmation", False)]
        try:
            order = await verified_order(tracker)
            if order is None:
                ask_order_id(dispatcher, tracker)
                return done
            if not cancel_decision(order, policies(), now()).allowed:
                offer_cancel(dispatcher, order, language)
                return done
            cancelled = await order_store().cancel_order(order.order_id, now())
        except InvalidTransition:
            # The store refused after all (it shipped in the meantime): say why.
            refreshed = await verified_order(tracker)
            if refreshed is not None:
                offer_cancel(dispatcher, refreshed, language)
            return done
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_store_unavailable")
            return done
        values = order_variables(cancelled, policies(), language)
        dispatcher.utter_message(response="utter_cancel_done", **values)
        return done


class ActionKeepOrder(Action):
    def name(self) -> str:
        return "action_keep_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_cancel_kept", order_id=tracker.get_slot("order_id")
        )
        return [SlotSet("awaiting_cancel_confirmation", False)]


class ActionStopOrderTask(Action):
    def name(self) -> str:
        return "action_stop_order_task"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Asked for a person: the agent rule answers; otherwise confirm the stop.
        if tracker.latest_message.get("intent", {}).get("name") != "request_agent":
            dispatcher.utter_message(response="utter_order_task_stopped")
        return [*reset_form(), SlotSet("requested_slot", None), SlotSet("order_task", None)]
