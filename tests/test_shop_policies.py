"""The order policies at their edges, with fixed instants in Korea time (UTC+9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from shop.orders import Dispute, DisputeStatus, Order, OrderStatus
from shop.policies import (
    DEFAULT_POLICIES_PATH,
    PolicyError,
    ShopPolicies,
    cancel_decision,
    dispute_decision,
    is_delayed,
    load_policies,
    refund_days,
    refund_depends_on_issuer,
    shipping_estimate,
)
from tests.order_factory import make_order as make_order_paid

KST = timezone(timedelta(hours=9))
POLICIES = load_policies(DEFAULT_POLICIES_PATH)


def kst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=KST)


def make_order(**changes: Any) -> Order:
    return make_order_paid(**{"paid_at": kst(2024, 3, 1, 10, 0), **changes})


def shipped(**changes: Any) -> Order:
    fields: dict[str, Any] = {"status": OrderStatus.SHIPPED, "shipped_at": kst(2024, 3, 3, 9, 0)}
    return make_order(**{**fields, **changes})


def delivered(**changes: Any) -> Order:
    fields: dict[str, Any] = {
        "status": OrderStatus.DELIVERED,
        "shipped_at": kst(2024, 3, 3, 9, 0),
        "delivered_at": kst(2024, 3, 10, 15, 0),
    }
    return make_order(**{**fields, **changes})


def a_dispute(status: DisputeStatus) -> Dispute:
    return Dispute(
        "D4827160395", "8175203946128807", "damaged", "broken", (), status, kst(2024, 3, 12)
    )


# --- the file ----------------------------------------------------------------


def test_policy_file_holds_the_article_numbers():
    assert POLICIES.time_zone.utcoffset(datetime(2024, 3, 1)) == timedelta(hours=9)
    assert POLICIES.cancel_days_after_payment == 7
    assert POLICIES.refund_request_days_after_delivery == 15
    assert POLICIES.buyer_protection_days == 60
    assert POLICIES.refund_arrival_default_days == (3, 15)
    assert POLICIES.international_shipping_days == (15, 60)
    assert "card" in POLICIES.refund_ask_issuer


def _write(tmp_path: Path, change: Any) -> Path:
    document = yaml.safe_load(DEFAULT_POLICIES_PATH.read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / "shop_policies.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["cancel"].pop("days_after_payment"), "cancel.days_after_payment: missing"),
        (lambda d: d["cancel"].update(days_after_payment=-1), "cancel.days_after_payment"),
        (lambda d: d["cancel"].update(days_after_payment="7"), "cancel.days_after_payment"),
        (lambda d: d.update(time_zone="Mars/Olympus"), "time_zone"),
        (lambda d: d.update(international_shipping_days=[60, 15]), "international_shipping_days"),
        (
            lambda d: d["refund_arrival"]["days_by_payment_method"].update(card=[3]),
            "refund_arrival.days_by_payment_method.card",
        ),
        (lambda d: d.update(refund_requests={}), "unknown key(s) refund_requests"),
        (lambda d: d["buyer_protection"].update(days=60), "buyer_protection: unknown key(s) days"),
        (lambda d: d.pop("buyer_protection"), "buyer_protection: missing"),
    ],
)
def test_broken_policy_file_names_file_and_key(tmp_path, change, named):
    path = _write(tmp_path, change)
    with pytest.raises(PolicyError) as error:
        load_policies(path)
    assert str(path) in str(error.value)
    assert named in str(error.value)


def test_unreadable_policy_files(tmp_path):
    with pytest.raises(PolicyError, match="cannot read"):
        load_policies(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("cancel: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match="not readable YAML"):
        load_policies(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="expected a mapping"):
        load_policies(bad)


# --- cancel ------------------------------------------------------------------


def test_cancel_allowed_until_the_end_of_day_seven_after_payment():
    order = make_order()  # paid 1 March 10:00 KST
    last = cancel_decision(order, POLICIES, kst(2024, 3, 8, 23, 59, 59))
    assert (last.allowed, last.reason) == (True, "ok")
    assert last.deadline is not None
    assert last.deadline.astimezone(KST).date() == date(2024, 3, 8)
    late = cancel_decision(order, POLICIES, kst(2024, 3, 9, 0, 0, 0))
    assert (late.allowed, late.reason) == (False, "too_late")
    assert late.deadline == last.deadline


def test_cancel_days_are_counted_in_korea_time():
    # 00:30 KST on 1 March is still 29 February in UTC: the deadline is 8 March KST.
    order = make_order(paid_at=kst(2024, 3, 1, 0, 30))
    assert cancel_decision(order, POLICIES, kst(2024, 3, 8, 23, 0)).allowed
    utc_policies = replace(POLICIES, time_zone=timezone.utc)
    assert not cancel_decision(order, utc_policies, kst(2024, 3, 8, 23, 0)).allowed


def test_cancel_right_after_payment():
    decision = cancel_decision(make_order(), POLICIES, kst(2024, 3, 1, 10, 0))
    assert decision.allowed


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (shipped(), "already_shipped"),
        (shipped(status=OrderStatus.IN_CUSTOMS), "already_shipped"),
        (delivered(), "delivered"),
        (
            make_order(status=OrderStatus.CANCELLED, cancelled_at=kst(2024, 3, 2)),
            "already_cancelled",
        ),
        (delivered(status=OrderStatus.REFUNDED, refunded_at=kst(2024, 3, 20)), "refunded"),
    ],
)
def test_cancel_refused_outside_paid(order, reason):
    decision = cancel_decision(order, POLICIES, kst(2024, 3, 2, 12, 0))
    assert (decision.allowed, decision.reason, decision.deadline) == (False, reason, None)


# --- disputes ----------------------------------------------------------------


def test_dispute_on_delivered_order_until_end_of_day_fifteen_after_delivery():
    order = delivered()  # delivered 10 March 15:00 KST, paid 1 March
    last = dispute_decision(order, POLICIES, kst(2024, 3, 25, 23, 59, 59))
    assert (last.allowed, last.reason) == (True, "ok")
    assert last.deadline is not None and last.deadline.astimezone(KST).date() == date(2024, 3, 25)
    assert last.protection_until is not None
    assert last.protection_until.astimezone(KST).date() == date(2024, 4, 30)
    passed = dispute_decision(order, POLICIES, kst(2024, 3, 26, 0, 0))
    assert (passed.allowed, passed.reason) == (False, "window_passed")
    assert passed.deadline == last.deadline


def test_received_order_past_protection_is_protection_expired():
    order = delivered()
    inside = dispute_decision(order, POLICIES, kst(2024, 4, 30, 23, 59, 59))
    assert inside.reason == "window_passed"
    expired = dispute_decision(order, POLICIES, kst(2024, 5, 1, 0, 0))
    assert (expired.allowed, expired.reason) == (False, "protection_expired")


def test_not_received_order_protected_sixty_days_from_payment():
    order = shipped()  # paid 1 March: day 60 is 30 April
    last = dispute_decision(order, POLICIES, kst(2024, 4, 30, 23, 59, 59))
    assert (last.allowed, last.reason) == (True, "ok")
    assert last.deadline is not None and last.deadline.astimezone(KST).date() == date(2024, 4, 30)
    expired = dispute_decision(order, POLICIES, kst(2024, 5, 1, 0, 0))
    assert (expired.allowed, expired.reason) == (False, "protection_expired")
    in_customs = replace(order, status=OrderStatus.IN_CUSTOMS)
    assert dispute_decision(in_customs, POLICIES, kst(2024, 4, 30, 12, 0)).allowed


def test_choice_order_protected_seventy_five_days():
    order = shipped(protection_days_override=75)  # day 75 is 15 May
    assert dispute_decision(order, POLICIES, kst(2024, 5, 1, 0, 0)).allowed
    assert dispute_decision(order, POLICIES, kst(2024, 5, 15, 23, 59, 59)).allowed
    expired = dispute_decision(order, POLICIES, kst(2024, 5, 16, 0, 0))
    assert expired.reason == "protection_expired"


def test_delivered_without_delivery_date_keeps_protection():
    order = shipped(status=OrderStatus.DELIVERED)
    assert dispute_decision(order, POLICIES, kst(2024, 4, 20)).reason == "ok"


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (make_order(), "not_shipped"),
        (delivered(dispute=a_dispute(DisputeStatus.OPEN)), "dispute_open"),
        (shipped(dispute=a_dispute(DisputeStatus.OPEN)), "dispute_open"),
        (make_order(status=OrderStatus.CANCELLED, cancelled_at=kst(2024, 3, 2)), "cancelled"),
        (delivered(status=OrderStatus.REFUNDED, refunded_at=kst(2024, 3, 20)), "refunded"),
    ],
)
def test_dispute_refusals(order, reason):
    decision = dispute_decision(order, POLICIES, kst(2024, 3, 12, 12, 0))
    assert (decision.allowed, decision.reason, decision.deadline) == (False, reason, None)


def test_open_dispute_still_tells_when_protection_ends():
    decision = shipped(dispute=a_dispute(DisputeStatus.OPEN))
    until = dispute_decision(decision, POLICIES, kst(2024, 3, 12)).protection_until
    assert until is not None and until.astimezone(KST).date() == date(2024, 4, 30)


def test_closed_dispute_does_not_block_a_new_one():
    order = delivered(dispute=a_dispute(DisputeStatus.REJECTED))
    assert dispute_decision(order, POLICIES, kst(2024, 3, 20)).allowed


def test_naive_now_is_a_bug():
    with pytest.raises(ValueError, match="aware"):
        cancel_decision(make_order(), POLICIES, datetime(2024, 3, 2))
    with pytest.raises(ValueError, match="aware"):
        dispute_decision(shipped(), POLICIES, datetime(2024, 3, 2))


# --- refunds, delays, shipping -------------------------------------------------


def test_refund_days_by_payment_method_with_default():
    policies = replace(
        POLICIES,
        refund_arrival_days_by_method={"kakaopay": (1, 3)},
        refund_arrival_default_days=(3, 15),
    )
    assert refund_days(make_order(payment_method="kakaopay"), policies) == (1, 3)
    assert refund_days(make_order(payment_method=" KakaoPay "), policies) == (1, 3)
    assert refund_days(make_order(payment_method="alipay"), policies) == (3, 15)
    assert refund_days(make_order(payment_method="card"), POLICIES) == (3, 15)


def test_card_refunds_point_to_the_issuer():
    assert refund_depends_on_issuer(make_order(payment_method="card"), POLICIES)
    assert not refund_depends_on_issuer(make_order(payment_method="naverpay"), POLICIES)


def test_delayed_after_the_expected_day_in_korea():
    order = shipped(expected_delivery=date(2024, 3, 20))
    assert not is_delayed(order, kst(2024, 3, 20, 23, 59, 59))
    assert is_delayed(order, kst(2024, 3, 21, 0, 0))
    # 15:00 UTC on 20 March is already 21 March in Seoul.
    assert is_delayed(order, datetime(2024, 3, 20, 15, 0, tzinfo=timezone.utc))
    assert not is_delayed(
        order, datetime(2024, 3, 20, 15, 0, tzinfo=timezone.utc), time_zone=timezone.utc
    )


def test_only_orders_not_received_can_be_delayed():
    late = kst(2024, 4, 1)
    assert is_delayed(make_order(expected_delivery=date(2024, 3, 20)), late)
    assert is_delayed(
        shipped(status=OrderStatus.IN_CUSTOMS, expected_delivery=date(2024, 3, 20)), late
    )
    assert not is_delayed(delivered(expected_delivery=date(2024, 3, 20)), late)
    assert not is_delayed(shipped(), late)  # no expected date


def test_shipping_estimate_from_the_shipping_day():
    assert shipping_estimate(shipped(), POLICIES) == (date(2024, 3, 18), date(2024, 5, 2))
    assert shipping_estimate(make_order(), POLICIES) is None


def test_defaults_match_the_file():
    defaults = ShopPolicies()
    assert defaults.cancel_days_after_payment == POLICIES.cancel_days_after_payment
    assert defaults.refund_request_days_after_delivery == (
        POLICIES.refund_request_days_after_delivery
    )
    assert defaults.buyer_protection_days == POLICIES.buyer_protection_days
