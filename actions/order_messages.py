"""Order facts turned into the words and dates of the shopper's language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.language import Language
from shop.orders import Dispute, Order
from shop.policies import ShopPolicies, local_date, refund_days

DISPUTE_STATUS_NAMES = {
    "open": {"ko": "진행 중", "en": "open"},
    "resolved": {"ko": "해결됨", "en": "resolved"},
    "rejected": {"ko": "거절됨", "en": "rejected"},
}
UNKNOWN = {"ko": "정보 없음", "en": "not known yet"}
# Korean carriers' names as English-speaking shoppers know them.
CARRIER_NAMES_EN = {
    "우체국 EMS": "Korea Post EMS",
    "우체국": "Korea Post",
    "CJ대한통운": "CJ Logistics",
}


def carrier_text(carrier: str | None, language: Language) -> str:
    if carrier is None:
        return UNKNOWN[language]
    return CARRIER_NAMES_EN.get(carrier, carrier) if language == "en" else carrier


def day_text(day: date | None, language: Language) -> str:
    if day is None:
        return UNKNOWN[language]
    if language == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    return day.strftime("%b %d, %Y").replace(" 0", " ")


def instant_text(instant: datetime | None, policies: ShopPolicies, language: Language) -> str:
    return day_text(local_date(instant, policies) if instant else None, language)


def items_text(order: Order, language: Language) -> str:
    names = [
        f"{item.name(language)} x{item.quantity}" if item.quantity > 1 else item.name(language)
        for item in order.items
    ]
    return ", ".join(names)


def dispute_status_text(dispute: Dispute, language: Language) -> str:
    return DISPUTE_STATUS_NAMES.get(dispute.status.value, UNKNOWN)[language]


def order_variables(order: Order, policies: ShopPolicies, language: Language) -> dict[str, Any]:
    """Every value an order response may quote, already in the shopper's language."""
    event = order.latest_event
    low, high = refund_days(order, policies)
    return {
        "order_id": order.order_id,
        "items": items_text(order, language),
        "carrier": carrier_text(order.carrier, language),
        "tracking_number": order.tracking_number or UNKNOWN[language],
        "last_event": event.description(language) if event else UNKNOWN[language],
        "last_event_at": instant_text(event.at if event else None, policies, language),
        "expected_delivery": day_text(order.expected_delivery, language),
        "delivered_at": instant_text(order.delivered_at, policies, language),
        "cancelled_at": instant_text(order.cancelled_at, policies, language),
        "refunded_at": instant_text(order.refunded_at, policies, language),
        "refund_min": low,
        "refund_max": high,
        "refund_window": policies.refund_request_days_after_delivery,
        "cancel_days": policies.cancel_days_after_payment,
    }
