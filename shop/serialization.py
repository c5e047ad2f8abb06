"""Orders and disputes to and from JSON-ready dicts (the shop API's wire format).

Instants are ISO 8601 with their offset (UTC, "+00:00"; "Z" is read too),
`expected_delivery` is an ISO date, money is a decimal string ("23900",
"12.99") so no amount goes through a float. Reading is strict: whatever a
remote store sends, a payload that does not fit raises StoreUnavailable naming
the field, never KeyError or TypeError, because for the bot a store that talks
nonsense is a store that is down.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from shop.orders import (
    Dispute,
    DisputeStatus,
    Order,
    OrderItem,
    OrderStatus,
    StoreUnavailable,
    TrackingEvent,
)

T = TypeVar("T")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def event_to_dict(event: TrackingEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "location": event.location,
        "description_ko": event.description_ko,
        "description_en": event.description_en,
    }


def item_to_dict(item: OrderItem) -> dict[str, Any]:
    return {
        "name_ko": item.name_ko,
        "name_en": item.name_en,
        "quantity": item.quantity,
        "price": str(item.price),
    }


def dispute_to_dict(dispute: Dispute) -> dict[str, Any]:
    return {
        "dispute_id": dispute.dispute_id,
        "order_id": dispute.order_id,
        "reason": dispute.reason,
        "description": dispute.description,
        "evidence": list(dispute.evidence),
        "status": dispute.status.value,
        "opened_at": dispute.opened_at.isoformat(),
    }


def order_to_dict(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "customer_name": order.customer_name,
        "email": order.email,
        "phone": order.phone,
        "language": order.language,
        "status": order.status.value,
        "items": [item_to_dict(item) for item in order.items],
        "total": str(order.total),
        "currency": order.currency,
        "payment_method": order.payment_method,
        "paid_at": order.paid_at.isoformat(),
        "shipped_at": _iso(order.shipped_at),
        "delivered_at": _iso(order.delivered_at),
        "cancelled_at": _iso(order.cancelled_at),
        "refunded_at": _iso(order.refunded_at),
        "expected_delivery": (
            None if order.expected_delivery is None else order.expected_delivery.isoformat()
        ),
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "events": [event_to_dict(event) for event in order.events],
        "dispute": None if order.dispute is None else dispute_to_dict(order.dispute),
        "protection_days_override": order.protection_days_override,
    }


class _Reader:
    """Typed access to one JSON object; every failure names the field's path."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise _malformed(where, f"expected an object, got {_kind(data)}")
        self.data: Mapping[str, Any] = data
        self.where = where

    def path(self, key: str) -> str:
        return f"{self.where}.{key}"

    def _value(self, key: str, optional: bool) -> Any:
        if key not in self.data:
            if optional:
                return None
            raise _malformed(self.path(key), "missing")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self._value(key, optional=False)
        if not isinstance(value, str):
            raise _malformed(self.path(key), f"expected text, got {_kind(value)}")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self._value(key, optional=True)
        if value is None:
            return None
        if not isinstance(value, str):
            raise _malformed(self.path(key), f"expected text or null, got {_kind(value)}")
        return value

    def integer(self, key: str) -> int:
        value = self._value(key, optional=False)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _malformed(self.path(key), f"expected a whole number, got {_kind(value)}")
        return value

    def optional_integer(self, key: str) -> int | None:
        if self._value(key, optional=True) is None:
            return None
        return self.integer(key)

    def money(self, key: str) -> Decimal:
        value = self._value(key, optional=False)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise _malformed(self.path(key), f"expected a decimal amount, got {_kind(value)}")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise _malformed(self.path(key), f"not a decimal amount: {value!r}") from None
        if not amount.is_finite():
            raise _malformed(self.path(key), f"not a finite amount: {value!r}")
        return amount

    def instant(self, key: str) -> datetime:
        return _parse_instant(self.text(key), self.path(key))

    def optional_instant(self, key: str) -> datetime | None:
        value = self.optional_text(key)
        return None if value is None else _parse_instant(value, self.path(key))

    def optional_day(self, key: str) -> date | None:
        value = self.optional_text(key)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _malformed(self.path(key), f"expected an ISO date, got {value!r}") from None

    def objects(self, key: str) -> list[_Reader]:
        value = self._value(key, optional=False)
        if not isinstance(value, list):
            raise _malformed(self.path(key), f"expected a list, got {_kind(value)}")
        return [_Reader(entry, f"{self.path(key)}[{i}]") for i, entry in enumerate(value)]

    def optional_objects(self, key: str) -> list[_Reader]:
        """A list that may be missing or null (no tracking events yet)."""
        if self._value(key, optional=True) is None:
            return []
        return self.objects(key)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._value(key, optional=False)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _malformed(self.path(key), "expected a list of texts")
        return tuple(value)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _malformed(where: str, problem: str) -> StoreUnavailable:
    return StoreUnavailable(f"malformed store payload: {where}: {problem}")


def _parse_instant(value: str, where: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):  # Python 3.10's fromisoformat does not take "Z"
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _malformed(where, f"expected an ISO 8601 date-time, got {value!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _malformed(where, f"date-time without a UTC offset: {value!r}")
    return parsed


def _build(where: str, make: Callable[..., T], **fields: Any) -> T:
    """Run a constructor whose own checks raise ValueError; report them as malformed."""
    try:
        return make(**fields)
    except ValueError as error:
        raise _malformed(where, str(error)) from None


def _event(reader: _Reader) -> TrackingEvent:
    return _build(
        reader.where,
        TrackingEvent,
        at=reader.instant("at"),
        location=reader.text("location"),
        description_ko=reader.text("description_ko"),
        description_en=reader.text("description_en"),
    )


def _item(reader: _Reader) -> OrderItem:
    return _build(
        reader.where,
        OrderItem,
        name_ko=reader.text("name_ko"),
        name_en=reader.text("name_en"),
        quantity=reader.integer("quantity"),
        price=reader.money("price"),
    )


def _dispute(reader: _Reader) -> Dispute:
    status = reader.text("status")
    if status not in {s.value for s in DisputeStatus}:
        raise _malformed(reader.path("status"), f"unknown dispute status {status!r}")
    return _build(
        reader.where,
        Dispute,
        dispute_id=reader.text("dispute_id"),
        order_id=reader.text("order_id"),
        reason=reader.text("reason"),
        description=reader.text("description"),
        evidence=reader.texts("evidence"),
        status=DisputeStatus(status),
        opened_at=reader.instant("opened_at"),
    )


def dispute_from_dict(data: object, where: str = "dispute") -> Dispute:
    """A dispute from its JSON form; raises StoreUnavailable when it does not fit."""
    return _dispute(_Reader(data, where))


def order_from_dict(data: object, where: str = "order") -> Order:
    """An order from its JSON form; raises StoreUnavailable when it does not fit."""
    reader = _Reader(data, where)
    status = reader.text("status")
    if status not in {s.value for s in OrderStatus}:
        raise _malformed(reader.path("status"), f"unknown order status {status!r}")
    language = reader.text("language")
    if language not in ("ko", "en"):
        raise _malformed(reader.path("language"), f"expected 'ko' or 'en', got {language!r}")
    dispute_raw = reader.data.get("dispute")
    return _build(
        where,
        Order,
        order_id=reader.text("order_id"),
        customer_id=reader.text("customer_id"),
        customer_name=reader.text("customer_name"),
        email=reader.text("email"),
        phone=reader.text("phone"),
        language=language,
        status=OrderStatus(status),
        items=tuple(_item(r) for r in reader.objects("items")),
        total=reader.money("total"),
        currency=reader.text("currency"),
        payment_method=reader.text("payment_method"),
        paid_at=reader.instant("paid_at"),
        shipped_at=reader.optional_instant("shipped_at"),
        delivered_at=reader.optional_instant("delivered_at"),
        cancelled_at=reader.optional_instant("cancelled_at"),
        refunded_at=reader.optional_instant("refunded_at"),
        expected_delivery=reader.optional_day("expected_delivery"),
        carrier=reader.optional_text("carrier"),
        tracking_number=reader.optional_text("tracking_number"),
        events=tuple(_event(r) for r in reader.optional_objects("events")),
        dispute=None if dispute_raw is None else dispute_from_dict(dispute_raw, f"{where}.dispute"),
        protection_days_override=reader.optional_integer("protection_days_override"),
    )
