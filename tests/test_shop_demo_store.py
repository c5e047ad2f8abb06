"""The demo order store on a real SQLite file, seeded from data/demo/orders.yml."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Coroutine
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from bot.stack import PROJECT_DIR
from shop.config import (
    DemoStoreSettings,
    ShopConfigError,
    customer_token_secret,
    load_order_store_settings,
    order_store_from_endpoints,
)
from shop.demo_store import DemoOrderStore, SeedError
from shop.orders import (
    DISPUTE_ID,
    DisputeStatus,
    InvalidRequest,
    InvalidTransition,
    Order,
    OrderNotFound,
    OrderStatus,
)
from shop.policies import cancel_decision, dispute_decision, is_delayed, load_policies

SEED = PROJECT_DIR / "data" / "demo" / "orders.yml"
NOW = datetime(2024, 6, 15, 3, 0, tzinfo=timezone.utc)  # 12:00 in Seoul
POLICIES = load_policies(PROJECT_DIR / "shop_policies.yml")
T = TypeVar("T")

PAID_KO = "8175203946128807"
PAID_EN = "8175311208475532"
PAID_LONG_AGO = "8174987712036645"
IN_TRANSIT = "8174420965301178"
IN_CUSTOMS = "8174618830259904"
DELAYED = "8173905127746613"
DELIVERED_RECENTLY = "8174102288563390"
DELIVERED_40_DAYS = "8172786610943327"
DELIVERED_LONG_AGO = "8170954473318206"
CHOICE = "8173358091176624"
CANCELLED = "8173820046615591"
REFUNDED = "8172214590037718"
OPEN_DISPUTE = "8174309957724406"
JUST_SHIPPED = "8175099361802213"
LOST = "8171607734429985"
DELIVERED_MULTI = "8174875520193346"


def seeded_ids() -> list[str]:
    document = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    return [order["order_id"] for order in document["orders"]]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@pytest.fixture
def store(tmp_path: Path) -> DemoOrderStore:
    demo = DemoOrderStore(tmp_path / "orders.sqlite", SEED, lambda: NOW)
    demo.open()
    return demo


# --- seeding -----------------------------------------------------------------


def test_every_seeded_order_is_found(store):
    ids = seeded_ids()
    assert len(ids) >= 14
    assert len(set(ids)) == len(ids)
    for order_id in ids:
        order = run(store.find_order(order_id))
        assert order is not None and order.order_id == order_id
        assert len(order_id) == 16
        assert order.total == sum(item.price * item.quantity for item in order.items)


def test_seed_dates_are_relative_to_now(store):
    order = run(store.find_order(DELIVERED_RECENTLY))
    assert order is not None
    assert order.status is OrderStatus.DELIVERED
    assert order.delivered_at == NOW - timedelta(days=3)
    assert order.paid_at == NOW - timedelta(days=14)
    assert order.expected_delivery == date(2024, 6, 13)  # 2 days before today in Seoul
    assert order.carrier == "CJ대한통운" and order.tracking_number == "684512093375"
    assert [e.at for e in order.events] == sorted(e.at for e in order.events)
    assert order.latest_event is not None
    assert order.latest_event.description_en.startswith("Delivered")
    assert order.items[0].name_ko == "기계식 키보드 (갈축)"
    assert order.items[0].price == Decimal("48900")


def test_seeded_dispute_and_details(store):
    order = run(store.find_order(OPEN_DISPUTE))
    assert order is not None and order.dispute is not None
    assert order.dispute.status is DisputeStatus.OPEN
    assert order.dispute.opened_at == NOW - timedelta(days=2)
    assert len(order.dispute.evidence) == 2
    emily = run(store.find_order(PAID_EN))
    assert emily is not None
    assert (emily.language, emily.currency, emily.phone) == ("en", "USD", "+1 415-555-0132")
    assert emily.total == Decimal("32.47")
    choice = run(store.find_order(CHOICE))
    assert choice is not None and choice.protection_days_override == 75


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2024, 6, 15, 14, 59, 59, tzinfo=timezone.utc),  # 23:59:59 in Seoul
        datetime(2024, 6, 15, 15, 0, 0, tzinfo=timezone.utc),  # midnight in Seoul
        datetime(2025, 1, 1, 0, 0, tzinfo=timezone.utc),
        datetime.now(timezone.utc),
    ],
)
def test_seed_scenarios_hold_whatever_the_date(tmp_path, now):
    demo = DemoOrderStore(tmp_path / "orders.sqlite", SEED, lambda: now)
    demo.open()

    def order(order_id: str) -> Order:
        found = run(demo.find_order(order_id))
        assert found is not None
        return found

    def cancel(order_id: str) -> str:
        return cancel_decision(order(order_id), POLICIES, now).reason

    def dispute(order_id: str) -> str:
        return dispute_decision(order(order_id), POLICIES, now).reason

    assert cancel(PAID_KO) == "ok" and order(PAID_KO).language == "ko"
    assert cancel(PAID_EN) == "ok" and order(PAID_EN).language == "en"
    assert cancel(PAID_LONG_AGO) == "too_late"
    assert dispute(PAID_LONG_AGO) == "not_shipped"
    assert order(IN_TRANSIT).status is OrderStatus.SHIPPED and not is_delayed(
        order(IN_TRANSIT), now
    )
    assert order(IN_TRANSIT).tracking_number == "LP00628471935502"
    assert order(IN_CUSTOMS).status is OrderStatus.IN_CUSTOMS
    assert order(IN_CUSTOMS).tracking_number == "EE482913609KR"
    assert is_delayed(order(DELAYED), now) and dispute(DELAYED) == "ok"
    assert dispute(DELIVERED_RECENTLY) == "ok"
    assert dispute(DELIVERED_MULTI) == "ok"
    assert dispute(DELIVERED_40_DAYS) == "window_passed"
    assert dispute(DELIVERED_LONG_AGO) == "protection_expired"
    assert dispute(CHOICE) == "ok"
    without_override = dispute_decision(
        replace(order(CHOICE), protection_days_override=None), POLICIES, now
    )
    assert without_override.reason == "protection_expired"
    assert dispute(LOST) == "protection_expired"
    assert cancel(CANCELLED) == "already_cancelled"
    assert cancel(REFUNDED) == "refunded" and dispute(REFUNDED) == "refunded"
    assert dispute(OPEN_DISPUTE) == "dispute_open"
    assert cancel(JUST_SHIPPED) == "already_shipped"


def test_find_unknown_or_invalid_ids(store):
    assert run(store.find_order("8100000000000000")) is None
    assert run(store.find_order("abc")) is None
    assert run(store.find_order("1' OR '1'='1")) is None


def test_list_orders_newest_payment_first(store):
    orders = run(store.list_orders("c-200314"))
    assert [o.order_id for o in orders] == [PAID_EN, JUST_SHIPPED, DELIVERED_40_DAYS]
    assert all(o.customer_name == "Emily Carter" for o in orders)
    assert run(store.list_orders("c-999999")) == []


# --- cancel ------------------------------------------------------------------


def test_cancel_a_paid_order(store):
    when = NOW + timedelta(minutes=5)
    order = run(store.cancel_order(PAID_KO, when))
    assert order.status is OrderStatus.CANCELLED
    assert order.cancelled_at == when
    again = run(store.find_order(PAID_KO))
    assert again == order
    with pytest.raises(InvalidTransition, match="cancelled"):
        run(store.cancel_order(PAID_KO, when))


@pytest.mark.parametrize("order_id", [IN_TRANSIT, IN_CUSTOMS, DELIVERED_RECENTLY, REFUNDED])
def test_store_refuses_to_cancel_after_shipping(store, order_id):
    before = run(store.find_order(order_id))
    with pytest.raises(InvalidTransition, match="only a paid order"):
        run(store.cancel_order(order_id, NOW))
    assert run(store.find_order(order_id)) == before


def test_cancel_unknown_order(store):
    with pytest.raises(OrderNotFound):
        run(store.cancel_order("8100000000000000", NOW))


def test_cancel_needs_an_aware_now(store):
    with pytest.raises(ValueError, match="aware"):
        run(store.cancel_order(PAID_KO, datetime(2024, 6, 15, 12, 0)))


# --- disputes ----------------------------------------------------------------


def test_open_a_dispute_and_follow_it(store):
    evidence = ("https://shop.example.com/evidence/keyboard.mp4",)
    dispute = run(
        store.open_dispute(DELIVERED_RECENTLY, "defective", "키 몇 개가 안 눌려요", evidence, NOW)
    )
    assert DISPUTE_ID.match(dispute.dispute_id)
    assert dispute.status is DisputeStatus.OPEN
    assert (dispute.order_id, dispute.reason, dispute.evidence) == (
        DELIVERED_RECENTLY,
        "defective",
        evidence,
    )
    assert dispute.opened_at == NOW
    assert run(store.dispute_status(dispute.dispute_id)) == dispute
    order = run(store.find_order(DELIVERED_RECENTLY))
    assert order is not None and order.dispute == dispute
    with pytest.raises(InvalidTransition, match="already has an open dispute"):
        run(store.open_dispute(DELIVERED_RECENTLY, "damaged", "", (), NOW))


def test_disputes_on_shipped_and_in_customs_orders(store):
    ids = {
        run(store.open_dispute(order_id, "not_received", "", (), NOW)).dispute_id
        for order_id in (IN_TRANSIT, IN_CUSTOMS, DELAYED, CHOICE)
    }
    assert len(ids) == 4


@pytest.mark.parametrize("order_id", [PAID_KO, CANCELLED, REFUNDED])
def test_store_refuses_disputes_before_shipping_or_after_closing(store, order_id):
    with pytest.raises(InvalidTransition):
        run(store.open_dispute(order_id, "not_received", "", (), NOW))


def test_seeded_open_dispute_blocks_a_second(store):
    with pytest.raises(InvalidTransition, match="D4827160395"):
        run(store.open_dispute(OPEN_DISPUTE, "damaged", "", (), NOW))


def test_dispute_input_and_unknown_order(store):
    with pytest.raises(InvalidRequest):
        run(store.open_dispute(DELIVERED_RECENTLY, "  ", "", (), NOW))
    with pytest.raises(OrderNotFound):
        run(store.open_dispute("8100000000000000", "damaged", "", (), NOW))


def test_dispute_status(store):
    seeded = run(store.dispute_status("D4827160395"))
    assert seeded is not None and seeded.order_id == OPEN_DISPUTE
    resolved = run(store.dispute_status("D3915047286"))
    assert resolved is not None and resolved.status is DisputeStatus.RESOLVED
    assert run(store.dispute_status("D0000000000")) is None


# --- persistence and lifecycle -------------------------------------------------


def test_changes_persist_in_the_file(tmp_path):
    database = tmp_path / "orders.sqlite"
    first = DemoOrderStore(database, SEED, lambda: NOW)
    first.open()
    run(first.cancel_order(PAID_EN, NOW))
    dispute = run(first.open_dispute(IN_TRANSIT, "delayed", "still waiting", (), NOW))

    later = NOW + timedelta(days=1)
    second = DemoOrderStore(database, SEED, lambda: later)
    second.open(reseed=False)
    cancelled = run(second.find_order(PAID_EN))
    assert cancelled is not None and cancelled.status is OrderStatus.CANCELLED
    assert run(second.dispute_status(dispute.dispute_id)) == dispute
    in_transit = run(second.find_order(IN_TRANSIT))
    assert in_transit is not None and in_transit.paid_at == NOW - timedelta(days=8)  # not re-seeded

    third = DemoOrderStore(database, SEED, lambda: later)
    third.open()  # the demo starts over
    fresh = run(third.find_order(PAID_EN))
    assert fresh is not None and fresh.status is OrderStatus.PAID
    assert fresh.paid_at == later - timedelta(days=2, hours=3)
    assert run(third.dispute_status(dispute.dispute_id)) is None


def test_open_without_reseed_on_a_new_file_seeds_it(tmp_path):
    demo = DemoOrderStore(tmp_path / "deep" / "dir" / "orders.sqlite", SEED, lambda: NOW)
    demo.open(reseed=False)
    assert run(demo.find_order(PAID_KO)) is not None


def test_tables_are_real_sqlite(store):
    with sqlite3.connect(store.database) as connection:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        count = connection.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    assert tables == {"orders", "items", "events", "disputes"}
    assert count == len(seeded_ids())


def test_store_must_be_opened(tmp_path):
    demo = DemoOrderStore(tmp_path / "orders.sqlite", SEED, lambda: NOW)
    with pytest.raises(RuntimeError, match="open"):
        run(demo.find_order(PAID_KO))


def test_broken_seed_names_the_order_and_keeps_the_database(store, tmp_path):
    document = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    document["orders"][2]["customer"] = "c-nobody"
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    other = DemoOrderStore(store.database, broken, lambda: NOW)
    with pytest.raises(SeedError) as error:
        other.open()
    assert str(broken) in str(error.value)
    assert "orders[2] (8174987712036645)" in str(error.value)
    assert "c-nobody" in str(error.value)
    assert run(store.find_order(PAID_KO)) is not None  # the old data is untouched


def test_unusable_database_is_unavailable(tmp_path):
    from shop.orders import StoreUnavailable

    not_a_database = tmp_path / "orders.sqlite"
    not_a_database.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreUnavailable, match=r"orders\.sqlite"):
        DemoOrderStore(not_a_database, SEED, lambda: NOW).open()


# --- endpoints.yml: the demo store ---------------------------------------------


def test_endpoints_demo_store_with_defaults(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    settings = load_order_store_settings(endpoints, PROJECT_DIR, environ={})
    assert settings == DemoStoreSettings(
        database=PROJECT_DIR / ".run" / "orders.sqlite", seed=SEED, reseed=True
    )


def test_endpoints_demo_store_database_from_env(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "order_store:\n  type: demo\n  database: somewhere/else.sqlite\n"
        f"  seed: {SEED}\n  customer_token_env: MY_SECRET\n"
    )
    database = tmp_path / "env.sqlite"
    store = order_store_from_endpoints(
        endpoints, tmp_path, environ={"ORDER_DB_PATH": str(database)}, now=lambda: NOW
    )
    assert isinstance(store, DemoOrderStore) and store.database == database
    assert run(store.find_order(PAID_KO)) is not None
    assert customer_token_secret(endpoints, environ={"MY_SECRET": "s3cret"}) == b"s3cret"
    assert customer_token_secret(endpoints, environ={}) is None


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ("order_store:\n  type: mongo\n", "order_store.type"),
        ("order_store:\n  type: demo\n  databse: x.sqlite\n", "databse"),
        ("order_store:\n  type: demo\n  reseed: sometimes\n", "order_store.reseed"),
        ("order_store: demo\n", "expected a mapping"),
    ],
)
def test_endpoints_mistakes_are_named(tmp_path, section, named):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(section)
    with pytest.raises(ShopConfigError) as error:
        load_order_store_settings(endpoints, tmp_path, environ={})
    assert named in str(error.value) and str(endpoints) in str(error.value)
