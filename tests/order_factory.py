"""A Korean customer's paid order, for unit tests to vary with dataclasses.replace."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from shop.orders import Order, OrderItem, OrderStatus


def make_order(paid_at: datetime, **changes: Any) -> Order:
    order = Order(
        order_id="8175203946128807",
        customer_id="c-100231",
        customer_name="김민지",
        email="minji.kim@example.com",
        phone="010-2847-1936",
        language="ko",
        status=OrderStatus.PAID,
        items=(OrderItem("무선 이어폰", "Wireless earbuds", 1, Decimal("23900")),),
        total=Decimal("23900"),
        currency="KRW",
        payment_method="card",
        paid_at=paid_at,
    )
    return replace(order, **changes)
