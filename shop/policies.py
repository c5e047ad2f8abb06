"""What a shopper may do with an order, and until when: the rules of shop_policies.yml.

The numbers live in `shop_policies.yml` (a shop running Eva edits only that file);
the decisions are pure functions of an order, the policies and an instant, so
the bot, the tests and a person reading a transcript all get the same answer
for the same moment. Each decision is a small value with a machine-readable
`reason` the dialogue turns into words, and the dates the answer needs.

Days are calendar days in the shop's time zone: the day of the payment or
delivery is day 0 and an N-day window stays open until the end of day N, so
"until 16 May" means the whole of 16 May wherever the server runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from shop.orders import Order, OrderStatus

DEFAULT_POLICIES_PATH = Path(__file__).resolve().parent.parent / "shop_policies.yml"
DEFAULT_TIME_ZONE = ZoneInfo("Asia/Seoul")

DayRange = tuple[int, int]

CancelReason = Literal[
    "ok",
    "already_shipped",  # shipped or in customs: a return after delivery, not a cancel
    "delivered",  # received: a refund request (dispute) instead
    "too_late",  # paid, not shipped, but past the days after payment
    "already_cancelled",
    "refunded",
]

DisputeReason = Literal[
    "ok",
    "not_shipped",  # nothing shipped yet: cancel the order instead
    "window_passed",  # received more than the refund window ago (protection may still run)
    "protection_expired",  # past buyer protection
    "dispute_open",  # one is open already: follow that one
    "cancelled",
    "refunded",
]

_NOT_RECEIVED = (OrderStatus.SHIPPED, OrderStatus.IN_CUSTOMS)


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class ShopPolicies:
    time_zone: tzinfo = DEFAULT_TIME_ZONE
    cancel_days_after_payment: int = 7
    refund_request_days_after_delivery: int = 15
    buyer_protection_days: int = 60
    refund_arrival_default_days: DayRange = (3, 15)
    refund_arrival_days_by_method: Mapping[str, DayRange] = field(default_factory=dict)
    refund_ask_issuer: frozenset[str] = frozenset({"card"})
    international_shipping_days: DayRange = (15, 60)


@dataclass(frozen=True)
class CancelDecision:
    allowed: bool
    reason: CancelReason
    deadline: datetime | None  # last instant to cancel (shop time) for "ok" and "too_late"


@dataclass(frozen=True)
class DisputeDecision:
    allowed: bool
    reason: DisputeReason
    # The last instant (shop time) of the window that applies to this order: the refund
    # request window for a received order, buyer protection for one not received.
    deadline: datetime | None
    # The end of buyer protection, when the order has shipped; past the refund window
    # but before this, a person can still help with an initial defect.
    protection_until: datetime | None = None


# --- counting days -----------------------------------------------------------


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be time-zone aware, got {now.isoformat()}")


def window_end(start: datetime, days: int, time_zone: tzinfo) -> datetime:
    """The last instant of day `days` after `start`'s calendar day, in `time_zone`."""
    last_day = start.astimezone(time_zone).date() + timedelta(days=days)
    return datetime.combine(last_day, time.max, tzinfo=time_zone)


def local_date(instant: datetime, policies: ShopPolicies) -> date:
    """The calendar day of an instant in the shop's time zone (for showing dates)."""
    return instant.astimezone(policies.time_zone).date()


def protection_days(order: Order, policies: ShopPolicies) -> int:
    """The order's own protection period (75 for Choice items) or the default."""
    if order.protection_days_override is not None:
        return order.protection_days_override
    return policies.buyer_protection_days


def protection_deadline(order: Order, policies: ShopPolicies) -> datetime:
    return window_end(order.paid_at, protection_days(order, policies), policies.time_zone)


def cancel_deadline(order: Order, policies: ShopPolicies) -> datetime:
    return window_end(order.paid_at, policies.cancel_days_after_payment, policies.time_zone)


def refund_request_deadline(order: Order, policies: ShopPolicies) -> datetime | None:
    """End of the refund request window; None while the order has not been delivered."""
    if order.delivered_at is None:
        return None
    return window_end(
        order.delivered_at, policies.refund_request_days_after_delivery, policies.time_zone
    )


# --- decisions ---------------------------------------------------------------


def cancel_decision(order: Order, policies: ShopPolicies, now: datetime) -> CancelDecision:
    """May the shopper cancel now? Only paid, not shipped orders, within the days after payment."""
    _require_aware(now)
    if order.status is OrderStatus.CANCELLED:
        return CancelDecision(False, "already_cancelled", None)
    if order.status is OrderStatus.REFUNDED:
        return CancelDecision(False, "refunded", None)
    if order.status is OrderStatus.DELIVERED:
        return CancelDecision(False, "delivered", None)
    if order.status in _NOT_RECEIVED:
        return CancelDecision(False, "already_shipped", None)
    deadline = cancel_deadline(order, policies)
    if now > deadline:
        return CancelDecision(False, "too_late", deadline)
    return CancelDecision(True, "ok", deadline)


def dispute_decision(order: Order, policies: ShopPolicies, now: datetime) -> DisputeDecision:
    """May the shopper open a dispute (ask for a refund) now?

    Received: until the refund request window after delivery closes. Shipped or in
    customs (not received): while buyer protection, counted from the payment, runs.
    Not shipped: no dispute, cancel instead.
    """
    _require_aware(now)
    if order.status is OrderStatus.CANCELLED:
        return DisputeDecision(False, "cancelled", None)
    if order.status is OrderStatus.REFUNDED:
        return DisputeDecision(False, "refunded", None)
    if order.has_open_dispute:
        shipped = order.status in (*_NOT_RECEIVED, OrderStatus.DELIVERED)
        protection = protection_deadline(order, policies) if shipped else None
        return DisputeDecision(False, "dispute_open", None, protection)
    if order.status is OrderStatus.PAID:
        return DisputeDecision(False, "not_shipped", None)
    protection_end = protection_deadline(order, policies)
    request_end = refund_request_deadline(order, policies)
    if order.status is OrderStatus.DELIVERED and request_end is not None:
        if now <= request_end:
            return DisputeDecision(True, "ok", request_end, protection_end)
        reason: DisputeReason = "window_passed" if now <= protection_end else "protection_expired"
        return DisputeDecision(False, reason, request_end, protection_end)
    # Shipped, in customs, or marked delivered without a delivery date (treated as not
    # received: the shopper is not to lose protection over a gap in the shop's data).
    if now <= protection_end:
        return DisputeDecision(True, "ok", protection_end, protection_end)
    return DisputeDecision(False, "protection_expired", protection_end, protection_end)


def refund_days(order: Order, policies: ShopPolicies) -> DayRange:
    """[min, max] days an approved refund takes to arrive, by the order's payment method."""
    method = order.payment_method.strip().lower()
    return policies.refund_arrival_days_by_method.get(method, policies.refund_arrival_default_days)


def refund_depends_on_issuer(order: Order, policies: ShopPolicies) -> bool:
    """Whether to add "your card issuer knows the exact date" (card payments)."""
    return order.payment_method.strip().lower() in policies.refund_ask_issuer


def is_delayed(order: Order, now: datetime, time_zone: tzinfo = DEFAULT_TIME_ZONE) -> bool:
    """Not received and past its expected delivery day (in the shop's time zone)."""
    _require_aware(now)
    if order.expected_delivery is None:
        return False
    if order.status not in (OrderStatus.PAID, *_NOT_RECEIVED):
        return False
    return now.astimezone(time_zone).date() > order.expected_delivery


def shipping_estimate(order: Order, policies: ShopPolicies) -> tuple[date, date] | None:
    """The days an international parcel usually arrives between, counted from shipping."""
    if order.shipped_at is None:
        return None
    shipped = local_date(order.shipped_at, policies)
    low, high = policies.international_shipping_days
    return shipped + timedelta(days=low), shipped + timedelta(days=high)


# --- loading -----------------------------------------------------------------


class _Section:
    """One mapping of the policy file; errors name the file and the dotted key."""

    def __init__(self, data: Any, path: Path, where: str, known: set[str]) -> None:
        self.path = path
        self.where = where
        if not isinstance(data, dict):
            raise self.error(where or "(top level)", "expected a mapping")
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise self.error(
                where or "(top level)",
                f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
            )
        self.data: dict[str, Any] = data

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def error(self, key: str, problem: str) -> PolicyError:
        return PolicyError(f"{self.path}: {key}: {problem}")

    def get(self, name: str) -> Any:
        if name not in self.data:
            raise self.error(self.key(name), "missing")
        return self.data[name]

    def section(self, name: str, known: set[str]) -> _Section:
        return _Section(self.get(name), self.path, self.key(name), known)

    def days(self, name: str) -> int:
        value = self.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(self.key(name), f"expected whole days >= 0, got {value!r}")
        return value

    def day_range(self, name: str) -> DayRange:
        return self.range_value(self.get(name), self.key(name))

    def range_value(self, value: Any, key: str) -> DayRange:
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or not 0 <= value[0] <= value[1]
        ):
            raise self.error(key, f"expected [min, max] whole days, 0 <= min <= max, got {value!r}")
        return (value[0], value[1])


def load_policies(path: Path = DEFAULT_POLICIES_PATH) -> ShopPolicies:
    """Read and check the policy file; raises PolicyError naming the file and key."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyError(f"{path}: cannot read the policy file: {error}") from error
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise PolicyError(f"{path}: not readable YAML: {error}") from error
    top = _Section(
        document,
        path,
        "",
        {
            "time_zone",
            "cancel",
            "refund_request",
            "buyer_protection",
            "refund_arrival",
            "international_shipping_days",
        },
    )
    zone_name = top.get("time_zone")
    try:
        if not isinstance(zone_name, str):
            raise ValueError
        time_zone = ZoneInfo(zone_name)
    except (ValueError, ZoneInfoNotFoundError):
        raise top.error(
            "time_zone", f"expected an IANA time zone like Asia/Seoul, got {zone_name!r}"
        ) from None
    cancel = top.section("cancel", {"days_after_payment"})
    refund_request = top.section("refund_request", {"days_after_delivery"})
    protection = top.section("buyer_protection", {"default_days"})
    arrival = top.section(
        "refund_arrival", {"default_days", "days_by_payment_method", "ask_issuer"}
    )
    by_method_raw = arrival.data.get("days_by_payment_method") or {}
    if not isinstance(by_method_raw, dict):
        raise arrival.error(
            arrival.key("days_by_payment_method"), "expected a mapping of method: [min, max]"
        )
    by_method = {
        str(method).strip().lower(): arrival.range_value(
            value, f"{arrival.key('days_by_payment_method')}.{method}"
        )
        for method, value in by_method_raw.items()
    }
    ask_issuer = arrival.data.get("ask_issuer") or []
    if not isinstance(ask_issuer, list) or not all(isinstance(m, str) for m in ask_issuer):
        raise arrival.error(arrival.key("ask_issuer"), "expected a list of payment methods")
    return ShopPolicies(
        time_zone=time_zone,
        cancel_days_after_payment=cancel.days("days_after_payment"),
        refund_request_days_after_delivery=refund_request.days("days_after_delivery"),
        buyer_protection_days=protection.days("default_days"),
        refund_arrival_default_days=arrival.day_range("default_days"),
        refund_arrival_days_by_method=by_method,
        refund_ask_issuer=frozenset(m.strip().lower() for m in ask_issuer),
        international_shipping_days=top.day_range("international_shipping_days"),
    )
