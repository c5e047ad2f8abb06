"""Orders as the bot sees them, and the interface every order store offers.

The types are frozen so an order read from a store can be passed around the
action server without anyone changing it behind the store's back; a change
(cancel, dispute) always goes through the store and comes back as a new value.
Every instant is time-zone aware and kept in UTC: the shop's time zone is a
policy (`shop.policies`) applied only when deciding by calendar day or
showing a date, so two stores in different zones compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Protocol

from bot.language import SUPPORTED_LANGUAGES, Language

ORDER_ID = re.compile(r"^[0-9]{8,20}$")
DISPUTE_ID = re.compile(r"^D[0-9]{10}$")  # the demo store's format

# What a shopper can give as the reason of a dispute (article 004: faulty item,
# late delivery, nothing delivered, damaged item; plus "not as described").
# Stores accept any non-empty reason; the bot offers these.
DISPUTE_REASONS: tuple[str, ...] = (
    "not_received",
    "delayed",
    "defective",
    "damaged",
    "not_as_described",
    "other",
)


class OrderStatus(str, Enum):
    PAID = "paid"  # paid, not shipped yet: the only status that can be cancelled
    SHIPPED = "shipped"  # handed to the carrier, in transit
    IN_CUSTOMS = "in_customs"  # waiting for customs clearance in the destination country
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class DisputeStatus(str, Enum):
    OPEN = "open"
    RESOLVED = "resolved"
    REJECTED = "rejected"


# --- errors ------------------------------------------------------------------


class OrderStoreError(Exception):
    """Anything an order store refuses or fails to do; the message says what."""


class StoreUnavailable(OrderStoreError):
    """The store is down, too slow or answered something we cannot read.

    The bot should apologise and offer a person, never guess an answer.
    """


class OrderNotFound(OrderStoreError):
    """A change was asked for an order the store does not know."""


class InvalidTransition(OrderStoreError):
    """The order is in a state that does not allow the change (cancel a shipped order)."""


class InvalidRequest(OrderStoreError):
    """The store refused the input itself (an empty dispute reason, say)."""


# --- helpers -----------------------------------------------------------------


def _utc(value: datetime, field: str) -> datetime:
    """The instant in UTC; a naive datetime is a bug (whose midnight would it be?)."""
    if not isinstance(value, datetime):
        raise ValueError(f"{field}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field}: datetime must be time-zone aware, got {value.isoformat()}")
    return value.astimezone(timezone.utc)


def _utc_or_none(value: datetime | None, field: str) -> datetime | None:
    return None if value is None else _utc(value, field)


def _text(value: str, field: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field}: expected non-empty text")


# --- types -------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingEvent:
    """One scan of the parcel, with its description in both languages."""

    at: datetime
    location: str
    description_ko: str
    description_en: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "TrackingEvent.at"))

    def description(self, language: Language) -> str:
        return self.description_ko if language == "ko" else self.description_en


@dataclass(frozen=True)
class OrderItem:
    name_ko: str
    name_en: str
    quantity: int
    price: Decimal  # unit price in the order's currency

    def __post_init__(self) -> None:
        _text(self.name_ko, "OrderItem.name_ko")
        _text(self.name_en, "OrderItem.name_en")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise ValueError("OrderItem.quantity: expected a whole number")
        if self.quantity < 1:
            raise ValueError(f"OrderItem.quantity: expected at least 1, got {self.quantity}")
        if not isinstance(self.price, Decimal) or not self.price.is_finite() or self.price < 0:
            raise ValueError(f"OrderItem.price: expected a Decimal >= 0, got {self.price!r}")

    def name(self, language: Language) -> str:
        return self.name_ko if language == "ko" else self.name_en


@dataclass(frozen=True)
class Dispute:
    dispute_id: str  # the demo store's are "D" + 10 digits (DISPUTE_ID); shops choose theirs
    order_id: str
    reason: str  # one of DISPUTE_REASONS when the bot opened it
    description: str
    evidence: tuple[str, ...]  # links to photos / videos the shopper sent
    status: DisputeStatus
    opened_at: datetime

    def __post_init__(self) -> None:
        _text(self.dispute_id, "Dispute.dispute_id")
        if not isinstance(self.order_id, str) or not ORDER_ID.match(self.order_id):
            raise ValueError(f"Dispute.order_id: expected 8-20 digits, got {self.order_id!r}")
        _text(self.reason, "Dispute.reason")
        if not isinstance(self.description, str):
            raise ValueError("Dispute.description: expected text")
        if not isinstance(self.evidence, tuple) or not all(
            isinstance(e, str) for e in self.evidence
        ):
            raise ValueError("Dispute.evidence: expected a tuple of texts")
        object.__setattr__(self, "status", DisputeStatus(self.status))
        object.__setattr__(self, "opened_at", _utc(self.opened_at, "Dispute.opened_at"))

    @property
    def is_open(self) -> bool:
        return self.status is DisputeStatus.OPEN


@dataclass(frozen=True)
class Order:
    order_id: str  # 8-20 digits
    customer_id: str
    customer_name: str
    email: str
    phone: str
    language: Language  # the customer's language, for messages sent outside a chat
    status: OrderStatus
    items: tuple[OrderItem, ...]
    total: Decimal
    currency: str  # ISO 4217: KRW, USD
    payment_method: str  # card, paypal, bank_transfer, kakaopay, naverpay, ...
    paid_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None
    refunded_at: datetime | None = None
    expected_delivery: date | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    events: tuple[TrackingEvent, ...] = ()  # oldest first, newest last
    dispute: Dispute | None = None  # the latest dispute, open or closed
    protection_days_override: int | None = None  # e.g. 75 for "Choice" items

    def __post_init__(self) -> None:
        if not isinstance(self.order_id, str) or not ORDER_ID.match(self.order_id):
            raise ValueError(f"Order.order_id: expected 8-20 digits, got {self.order_id!r}")
        _text(self.customer_id, "Order.customer_id")
        if self.language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"Order.language: expected 'ko' or 'en', got {self.language!r}")
        object.__setattr__(self, "status", OrderStatus(self.status))
        if not isinstance(self.total, Decimal) or not self.total.is_finite() or self.total < 0:
            raise ValueError(f"Order.total: expected a Decimal >= 0, got {self.total!r}")
        _text(self.currency, "Order.currency")
        _text(self.payment_method, "Order.payment_method")
        object.__setattr__(self, "paid_at", _utc(self.paid_at, "Order.paid_at"))
        for field in ("shipped_at", "delivered_at", "cancelled_at", "refunded_at"):
            object.__setattr__(self, field, _utc_or_none(getattr(self, field), f"Order.{field}"))
        if self.expected_delivery is not None and (
            isinstance(self.expected_delivery, datetime)
            or not isinstance(self.expected_delivery, date)
        ):
            raise ValueError("Order.expected_delivery: expected a date")
        override = self.protection_days_override
        if override is not None and (
            isinstance(override, bool) or not isinstance(override, int) or override < 1
        ):
            raise ValueError(
                f"Order.protection_days_override: expected whole days >= 1, got {override!r}"
            )
        if self.dispute is not None and self.dispute.order_id != self.order_id:
            raise ValueError(
                f"Order.dispute: dispute {self.dispute.dispute_id} belongs to order "
                f"{self.dispute.order_id}, not {self.order_id}"
            )
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "events", tuple(sorted(self.events, key=lambda e: e.at)))

    @property
    def latest_event(self) -> TrackingEvent | None:
        return self.events[-1] if self.events else None

    @property
    def has_open_dispute(self) -> bool:
        return self.dispute is not None and self.dispute.is_open


# --- the store interface -----------------------------------------------------


class OrderStore(Protocol):
    """Where the bot reads orders and asks for changes.

    `now` is passed in (not read from the clock) so that the store and the
    policy decision that led to the call agree on the instant, and so tests
    can fix it. Stores that keep their own clock (the shop's API) may ignore it.
    """

    async def find_order(self, order_id: str) -> Order | None:
        """The order, or None when there is no such order. Raises StoreUnavailable."""
        ...

    async def list_orders(self, customer_id: str) -> list[Order]:
        """The customer's orders, newest payment first (empty for an unknown customer)."""
        ...

    async def cancel_order(self, order_id: str, now: datetime) -> Order:
        """Cancel a paid, not yet shipped order and return it as it is now.

        Raises OrderNotFound, InvalidTransition (shipped, delivered, already
        cancelled ...) or StoreUnavailable.
        """
        ...

    async def open_dispute(
        self,
        order_id: str,
        reason: str,
        description: str,
        evidence: tuple[str, ...],
        now: datetime,
    ) -> Dispute:
        """Open a dispute on a shipped, in-customs or delivered order without an open one.

        Raises OrderNotFound, InvalidTransition, InvalidRequest or StoreUnavailable.
        """
        ...

    async def dispute_status(self, dispute_id: str) -> Dispute | None:
        """The dispute as it is now, or None when there is no such dispute."""
        ...
