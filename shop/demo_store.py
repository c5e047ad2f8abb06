"""The demo order store: a real SQLite database seeded from data/demo/orders.yml.

It behaves like a shop's backend (it refuses to cancel a shipped order, keeps
what changed across restarts and processes) so the demo and the tests exercise
the same paths as production, without a shop. `open()` re-creates the tables
and seeds them with dates relative to `now()`, so "delivered 3 days ago" is
true on every demo day; `open(reseed=False)` keeps what is in the file.

sqlite3 blocks, so each async method runs its query on a worker thread
(`asyncio.to_thread`) with its own short-lived connection: the action
server's event loop never waits on the disk, and any number of stores (or
processes) can share one database file.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.language import SUPPORTED_LANGUAGES, Language
from shop.orders import (
    ORDER_ID,
    Dispute,
    DisputeStatus,
    InvalidRequest,
    InvalidTransition,
    Order,
    OrderItem,
    OrderNotFound,
    OrderStatus,
    StoreUnavailable,
    TrackingEvent,
)

SCHEMA_VERSION = 1
_DISPUTABLE = (OrderStatus.SHIPPED.value, OrderStatus.IN_CUSTOMS.value, OrderStatus.DELIVERED.value)
_TIME_FIELDS = ("paid", "shipped", "delivered", "cancelled", "refunded")
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL,
    total TEXT NOT NULL,
    currency TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    paid_at TEXT NOT NULL,
    shipped_at TEXT,
    delivered_at TEXT,
    cancelled_at TEXT,
    refunded_at TEXT,
    expected_delivery TEXT,
    carrier TEXT,
    tracking_number TEXT,
    protection_days_override INTEGER
);
CREATE INDEX orders_by_customer ON orders (customer_id);
CREATE TABLE items (
    order_id TEXT NOT NULL REFERENCES orders (order_id),
    position INTEGER NOT NULL,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    price TEXT NOT NULL,
    PRIMARY KEY (order_id, position)
);
CREATE TABLE events (
    order_id TEXT NOT NULL REFERENCES orders (order_id),
    position INTEGER NOT NULL,
    at TEXT NOT NULL,
    location TEXT NOT NULL,
    description_ko TEXT NOT NULL,
    description_en TEXT NOT NULL,
    PRIMARY KEY (order_id, position)
);
CREATE TABLE disputes (
    dispute_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (order_id),
    reason TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL
);
CREATE INDEX disputes_by_order ON disputes (order_id);
"""
_TABLES = ("disputes", "events", "items", "orders")


class SeedError(ValueError):
    """A seed file that cannot be used; the message names the file and the order."""


# --- the seed file -----------------------------------------------------------


@dataclass(frozen=True)
class _Customer:
    name: str
    email: str
    phone: str
    language: Language


class _Seed:
    """Reads data/demo/orders.yml into Orders, resolving relative dates against `now`."""

    def __init__(self, path: Path, now: datetime) -> None:
        self.path = path
        self.now = now.astimezone(timezone.utc)
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise SeedError(f"{path}: cannot read the seed file: {error}") from error
        except (UnicodeDecodeError, yaml.YAMLError) as error:
            raise SeedError(f"{path}: not readable YAML: {error}") from error
        if not isinstance(document, dict):
            raise SeedError(f"{path}: expected 'time_zone', 'customers' and 'orders'")
        self.document = document
        zone = document.get("time_zone", "Asia/Seoul")
        try:
            self.time_zone = ZoneInfo(str(zone))
        except (ValueError, ZoneInfoNotFoundError):
            raise SeedError(f"{path}: time_zone: unknown time zone {zone!r}") from None

    def fail(self, where: str, problem: str) -> SeedError:
        return SeedError(f"{self.path}: {where}: {problem}")

    def text(self, raw: Mapping[str, Any], key: str, where: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", f"expected text (quote numbers), got {value!r}")
        return value.strip()

    def optional_text(self, raw: Mapping[str, Any], key: str, where: str) -> str | None:
        return None if raw.get(key) is None else self.text(raw, key, where)

    def number(self, raw: Mapping[str, Any], key: str, where: str) -> float:
        value = raw.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{where}.{key}", f"expected a number, got {value!r}")
        return float(value)

    def ago(self, raw: Mapping[str, Any], prefix: str, where: str) -> datetime | None:
        """now - `<prefix>days_ago` - `<prefix>hours_ago`; None when neither is given."""
        days_key, hours_key = f"{prefix}days_ago", f"{prefix}hours_ago"
        if days_key not in raw and hours_key not in raw:
            return None
        days = self.number(raw, days_key, where)
        hours = self.number(raw, hours_key, where)
        return self.now - timedelta(days=days, hours=hours)

    def customers(self) -> dict[str, _Customer]:
        raw = self.document.get("customers")
        if not isinstance(raw, dict) or not raw:
            raise self.fail("customers", "expected a mapping of customer id -> details")
        customers: dict[str, _Customer] = {}
        for customer_id, details in raw.items():
            where = f"customers.{customer_id}"
            if not isinstance(details, dict):
                raise self.fail(where, "expected name, email, phone and language")
            language = details.get("language")
            if language not in SUPPORTED_LANGUAGES:
                raise self.fail(f"{where}.language", f"expected ko or en, got {language!r}")
            customers[str(customer_id)] = _Customer(
                name=self.text(details, "name", where),
                email=self.text(details, "email", where),
                phone=self.text(details, "phone", where),
                language="ko" if language == "ko" else "en",
            )
        return customers

    def orders(self) -> list[Order]:
        customers = self.customers()
        raw_orders = self.document.get("orders")
        if not isinstance(raw_orders, list) or not raw_orders:
            raise self.fail("orders", "expected a list of orders")
        orders: list[Order] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_orders):
            if not isinstance(raw, dict):
                raise self.fail(f"orders[{index}]", "expected a mapping")
            order_id = raw.get("order_id")
            where = f"orders[{index}] ({order_id})"
            try:
                order = self.order(raw, customers, where)
            except (ValueError, InvalidOperation) as error:
                if isinstance(error, SeedError):
                    raise
                raise self.fail(where, str(error)) from None
            if order.order_id in seen:
                raise self.fail(where, "order id used twice")
            seen.add(order.order_id)
            orders.append(order)
        return orders

    def order(
        self, raw: Mapping[str, Any], customers: Mapping[str, _Customer], where: str
    ) -> Order:
        customer_id = self.text(raw, "customer", where)
        if customer_id not in customers:
            raise self.fail(f"{where}.customer", f"unknown customer {customer_id!r}")
        customer = customers[customer_id]
        order_id = self.text(raw, "order_id", where)
        times = {name: self.ago(raw, f"{name}_", where) for name in _TIME_FIELDS}
        paid_at = times["paid"]
        if paid_at is None:
            raise self.fail(where, "paid_days_ago or paid_hours_ago is required")
        items = tuple(
            OrderItem(
                name_ko=self.text(item, "ko", f"{where}.items[{i}]"),
                name_en=self.text(item, "en", f"{where}.items[{i}]"),
                quantity=item.get("quantity", 1),
                price=Decimal(self.text(item, "price", f"{where}.items[{i}]")),
            )
            for i, item in enumerate(self.mappings(raw, "items", where, required=True))
        )
        events = tuple(
            TrackingEvent(
                at=self.ago(event, "", f"{where}.events[{i}]") or self.now,
                location=self.text(event, "location", f"{where}.events[{i}]"),
                description_ko=self.text(event, "ko", f"{where}.events[{i}]"),
                description_en=self.text(event, "en", f"{where}.events[{i}]"),
            )
            for i, event in enumerate(self.mappings(raw, "events", where, required=False))
        )
        expected: date | None = None
        if "expected_delivery_in_days" in raw:
            offset = self.number(raw, "expected_delivery_in_days", where)
            expected = self.now.astimezone(self.time_zone).date() + timedelta(days=int(offset))
        override = raw.get("protection_days_override")
        return Order(
            order_id=order_id,
            customer_id=customer_id,
            customer_name=customer.name,
            email=customer.email,
            phone=customer.phone,
            language=customer.language,
            status=OrderStatus(self.text(raw, "status", where)),
            items=items,
            total=sum((item.price * item.quantity for item in items), Decimal(0)),
            currency=self.text(raw, "currency", where),
            payment_method=self.text(raw, "payment_method", where),
            paid_at=paid_at,
            shipped_at=times["shipped"],
            delivered_at=times["delivered"],
            cancelled_at=times["cancelled"],
            refunded_at=times["refunded"],
            expected_delivery=expected,
            carrier=self.optional_text(raw, "carrier", where),
            tracking_number=self.optional_text(raw, "tracking_number", where),
            events=events,
            dispute=self.dispute(raw.get("dispute"), order_id, f"{where}.dispute"),
            protection_days_override=override,
        )

    def mappings(
        self, raw: Mapping[str, Any], key: str, where: str, required: bool
    ) -> list[Mapping[str, Any]]:
        value = raw.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            raise self.fail(f"{where}.{key}", "expected a list")
        if not all(isinstance(entry, dict) for entry in value):
            raise self.fail(f"{where}.{key}", "expected a list of mappings")
        return value

    def dispute(self, raw: Any, order_id: str, where: str) -> Dispute | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a mapping")
        evidence = raw.get("evidence") or []
        if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            raise self.fail(f"{where}.evidence", "expected a list of links")
        return Dispute(
            dispute_id=self.text(raw, "dispute_id", where),
            order_id=order_id,
            reason=self.text(raw, "reason", where),
            description=self.text(raw, "description", where),
            evidence=tuple(evidence),
            status=DisputeStatus(self.text(raw, "status", where)),
            opened_at=self.ago(raw, "opened_", where) or self.now,
        )


# --- rows <-> orders ---------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _insert_order(connection: sqlite3.Connection, order: Order) -> None:
    connection.execute(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            order.order_id,
            order.customer_id,
            order.customer_name,
            order.email,
            order.phone,
            order.language,
            order.status.value,
            str(order.total),
            order.currency,
            order.payment_method,
            _iso(order.paid_at),
            _iso(order.shipped_at),
            _iso(order.delivered_at),
            _iso(order.cancelled_at),
            _iso(order.refunded_at),
            None if order.expected_delivery is None else order.expected_delivery.isoformat(),
            order.carrier,
            order.tracking_number,
            order.protection_days_override,
        ),
    )
    connection.executemany(
        "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)",
        [
            (order.order_id, i, item.name_ko, item.name_en, item.quantity, str(item.price))
            for i, item in enumerate(order.items)
        ],
    )
    connection.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
        [
            (order.order_id, i, _iso(e.at), e.location, e.description_ko, e.description_en)
            for i, e in enumerate(order.events)
        ],
    )
    if order.dispute is not None:
        _insert_dispute(connection, order.dispute)


def _insert_dispute(connection: sqlite3.Connection, dispute: Dispute) -> None:
    connection.execute(
        "INSERT INTO disputes VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            dispute.dispute_id,
            dispute.order_id,
            dispute.reason,
            dispute.description,
            json.dumps(list(dispute.evidence), ensure_ascii=False),
            dispute.status.value,
            _iso(dispute.opened_at),
        ),
    )


def _dispute_of_row(row: sqlite3.Row) -> Dispute:
    opened_at = _instant(row["opened_at"])
    assert opened_at is not None  # NOT NULL column
    return Dispute(
        dispute_id=row["dispute_id"],
        order_id=row["order_id"],
        reason=row["reason"],
        description=row["description"],
        evidence=tuple(json.loads(row["evidence"])),
        status=DisputeStatus(row["status"]),
        opened_at=opened_at,
    )


def _read_order(connection: sqlite3.Connection, row: sqlite3.Row) -> Order:
    order_id = row["order_id"]
    items = tuple(
        OrderItem(
            name_ko=item["name_ko"],
            name_en=item["name_en"],
            quantity=item["quantity"],
            price=Decimal(item["price"]),
        )
        for item in connection.execute(
            "SELECT * FROM items WHERE order_id = ? ORDER BY position", (order_id,)
        )
    )
    events = tuple(
        TrackingEvent(
            at=datetime.fromisoformat(event["at"]),
            location=event["location"],
            description_ko=event["description_ko"],
            description_en=event["description_en"],
        )
        for event in connection.execute(
            "SELECT * FROM events WHERE order_id = ? ORDER BY at, position", (order_id,)
        )
    )
    latest_dispute = connection.execute(
        "SELECT * FROM disputes WHERE order_id = ? ORDER BY opened_at DESC, rowid DESC LIMIT 1",
        (order_id,),
    ).fetchone()
    paid_at = _instant(row["paid_at"])
    assert paid_at is not None  # NOT NULL column
    expected = row["expected_delivery"]
    return Order(
        order_id=order_id,
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        email=row["email"],
        phone=row["phone"],
        language=row["language"],
        status=OrderStatus(row["status"]),
        items=items,
        total=Decimal(row["total"]),
        currency=row["currency"],
        payment_method=row["payment_method"],
        paid_at=paid_at,
        shipped_at=_instant(row["shipped_at"]),
        delivered_at=_instant(row["delivered_at"]),
        cancelled_at=_instant(row["cancelled_at"]),
        refunded_at=_instant(row["refunded_at"]),
        expected_delivery=None if expected is None else date.fromisoformat(expected),
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        events=events,
        dispute=None if latest_dispute is None else _dispute_of_row(latest_dispute),
        protection_days_override=row["protection_days_override"],
    )


def _find(connection: sqlite3.Connection, order_id: str) -> Order | None:
    row = connection.execute("SELECT * FROM orders WHERE order_id = ?", (order_id,)).fetchone()
    return None if row is None else _read_order(connection, row)


def _begin_on_order(connection: sqlite3.Connection, order_id: str) -> str:
    """Start a write transaction and return the order's status (OrderNotFound if none).

    BEGIN IMMEDIATE holds the write lock from the check to the write, so nobody ships
    or disputes the order in between.
    """
    connection.execute("BEGIN IMMEDIATE")
    row = connection.execute("SELECT status FROM orders WHERE order_id = ?", (order_id,)).fetchone()
    if row is None:
        raise OrderNotFound(f"no order {order_id}")
    return str(row["status"])


def _aware(now: datetime) -> datetime:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be a time-zone aware datetime, got {now!r}")
    return now.astimezone(timezone.utc)


# --- the store ---------------------------------------------------------------


class DemoOrderStore:
    """OrderStore on a SQLite file; call `open()` once before using it."""

    def __init__(self, database: Path, seed: Path, now: Callable[[], datetime]) -> None:
        self.database = database
        self.seed = seed
        self.now = now
        self._opened = False

    # -- lifecycle --

    def open(self, reseed: bool = True) -> None:
        """Create the database and (re)seed it; with reseed=False keep its contents.

        A file without our tables (first run, or an older schema) is seeded even
        with reseed=False. Raises SeedError for a broken seed file and
        StoreUnavailable when the database cannot be written.
        """
        try:
            self.database.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as connection:
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                if reseed or version != SCHEMA_VERSION:
                    self._reseed(connection)
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(f"demo order database {self.database}: {error}") from error
        self._opened = True

    def _reseed(self, connection: sqlite3.Connection) -> None:
        orders = _Seed(self.seed, _aware(self.now())).orders()  # before touching the file
        connection.execute("BEGIN IMMEDIATE")
        try:
            for table in _TABLES:
                connection.execute(f"DROP TABLE IF EXISTS {table}")
            connection.execute("DROP INDEX IF EXISTS orders_by_customer")
            connection.execute("DROP INDEX IF EXISTS disputes_by_order")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            for order in orders:
                _insert_order(connection, order)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE) where we write.
        with closing(sqlite3.connect(self.database, timeout=5, isolation_level=None)) as conn:
            conn.row_factory = sqlite3.Row
            yield conn

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` with a fresh connection on a worker thread; SQLite errors -> unavailable."""
        if not self._opened:
            raise RuntimeError("DemoOrderStore: call open() before using the store")

        def in_thread() -> T:
            try:
                with self._connect() as connection:
                    return work(connection)
            except sqlite3.Error as error:
                raise StoreUnavailable(f"demo order database {self.database}: {error}") from error
            except (ValueError, TypeError, KeyError) as error:
                raise StoreUnavailable(
                    f"demo order database {self.database}: unreadable row: {error}"
                ) from error

        return await asyncio.to_thread(in_thread)

    # -- OrderStore --

    async def find_order(self, order_id: str) -> Order | None:
        if not isinstance(order_id, str) or not ORDER_ID.match(order_id):
            return None  # cannot exist; no need to ask the database
        return await self._run(lambda connection: _find(connection, order_id))

    async def list_orders(self, customer_id: str) -> list[Order]:
        def work(connection: sqlite3.Connection) -> list[Order]:
            rows = connection.execute(
                "SELECT * FROM orders WHERE customer_id = ? ORDER BY paid_at DESC, order_id",
                (customer_id,),
            ).fetchall()
            return [_read_order(connection, row) for row in rows]

        return await self._run(work)

    async def cancel_order(self, order_id: str, now: datetime) -> Order:
        when = _aware(now)

        def work(connection: sqlite3.Connection) -> Order:
            try:
                status = _begin_on_order(connection, order_id)
                if status != OrderStatus.PAID.value:
                    raise InvalidTransition(
                        f"order {order_id} is {status}: only a paid order that has "
                        "not shipped can be cancelled"
                    )
                connection.execute(
                    "UPDATE orders SET status = ?, cancelled_at = ? WHERE order_id = ?",
                    (OrderStatus.CANCELLED.value, _iso(when), order_id),
                )
                order = _find(connection, order_id)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            assert order is not None
            return order

        return await self._run(work)

    async def open_dispute(
        self,
        order_id: str,
        reason: str,
        description: str,
        evidence: tuple[str, ...],
        now: datetime,
    ) -> Dispute:
        when = _aware(now)
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidRequest("a dispute needs a reason")
        if not isinstance(description, str):
            raise InvalidRequest("the dispute description must be text")
        if not all(isinstance(link, str) for link in evidence):
            raise InvalidRequest("dispute evidence must be a list of links")

        def work(connection: sqlite3.Connection) -> Dispute:
            try:
                status = _begin_on_order(connection, order_id)
                if status not in _DISPUTABLE:
                    raise InvalidTransition(
                        f"order {order_id} is {status}: disputes are for orders that "
                        "have shipped (shipped, in customs or delivered)"
                    )
                open_one = connection.execute(
                    "SELECT dispute_id FROM disputes WHERE order_id = ? AND status = ?",
                    (order_id, DisputeStatus.OPEN.value),
                ).fetchone()
                if open_one is not None:
                    raise InvalidTransition(
                        f"order {order_id} already has an open dispute {open_one['dispute_id']}"
                    )
                dispute = Dispute(
                    dispute_id=_new_dispute_id(connection),
                    order_id=order_id,
                    reason=reason.strip(),
                    description=description.strip(),
                    evidence=tuple(evidence),
                    status=DisputeStatus.OPEN,
                    opened_at=when,
                )
                _insert_dispute(connection, dispute)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            return dispute

        return await self._run(work)

    async def dispute_status(self, dispute_id: str) -> Dispute | None:
        def work(connection: sqlite3.Connection) -> Dispute | None:
            row = connection.execute(
                "SELECT * FROM disputes WHERE dispute_id = ?", (dispute_id,)
            ).fetchone()
            return None if row is None else _dispute_of_row(row)

        return await self._run(work)


def _new_dispute_id(connection: sqlite3.Connection) -> str:
    """ "D" + 10 random digits, not used yet (checked inside the write transaction)."""
    while True:
        candidate = f"D{secrets.randbelow(10**10):010d}"
        taken = connection.execute(
            "SELECT 1 FROM disputes WHERE dispute_id = ?", (candidate,)
        ).fetchone()
        if taken is None:
            return candidate
