"""HttpOrderStore against a real aiohttp server on 127.0.0.1, serving the demo seed.

The server is the API described in shop/http_store.py, backed by a DemoOrderStore
on a temporary SQLite file, plus broken variants under other path prefixes: a
slow one, one that fails with 500, one that sends malformed JSON, one that sends
JSON of the wrong shape and one that answers about another order.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from bot.stack import PROJECT_DIR
from shop.config import HttpStoreSettings, ShopConfigError, order_store_from_endpoints
from shop.config import load_order_store_settings as load_settings
from shop.demo_store import DemoOrderStore
from shop.http_store import HttpOrderStore
from shop.orders import (
    DisputeStatus,
    InvalidRequest,
    InvalidTransition,
    OrderNotFound,
    OrderStatus,
    OrderStoreError,
    StoreUnavailable,
)
from shop.serialization import (
    dispute_from_dict,
    dispute_to_dict,
    order_from_dict,
    order_to_dict,
)

SEED = PROJECT_DIR / "data" / "demo" / "orders.yml"
NOW = datetime(2024, 6, 15, 3, 0, tzinfo=timezone.utc)
TOKEN = "api-token-for-tests"
PAID = "8175203946128807"
DELIVERED = "8174102288563390"
IN_TRANSIT = "8174420965301178"
OPEN_DISPUTE = "8174309957724406"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


def shop_api(store: DemoOrderStore) -> web.RouteTableDef:
    """The shop API of the module docstring, over the demo store."""
    routes = web.RouteTableDef()

    @routes.get("/api/orders/{order_id}")
    async def get_order(request: web.Request) -> web.Response:
        order = await store.find_order(request.match_info["order_id"])
        if order is None:
            return error(404, "not_found", "no such order")
        return web.json_response(order_to_dict(order))

    @routes.get("/api/customers/{customer_id}/orders")
    async def customer_orders(request: web.Request) -> web.Response:
        orders = await store.list_orders(request.match_info["customer_id"])
        return web.json_response({"orders": [order_to_dict(o) for o in orders]})

    @routes.post("/api/orders/{order_id}/cancel")
    async def cancel(request: web.Request) -> web.Response:
        try:
            order = await store.cancel_order(request.match_info["order_id"], NOW)
        except OrderNotFound as failure:
            return error(404, "not_found", str(failure))
        except InvalidTransition as failure:
            return error(409, "invalid_transition", str(failure))
        return web.json_response(order_to_dict(order))

    @routes.post("/api/orders/{order_id}/disputes")
    async def open_dispute(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            dispute = await store.open_dispute(
                request.match_info["order_id"],
                body["reason"],
                body["description"],
                tuple(body["evidence"]),
                NOW,
            )
        except OrderNotFound as failure:
            return error(404, "not_found", str(failure))
        except InvalidTransition as failure:
            return error(409, "invalid_transition", str(failure))
        except InvalidRequest as failure:
            return error(422, "invalid_request", str(failure))
        return web.json_response(dispute_to_dict(dispute), status=201)

    @routes.get("/api/disputes/{dispute_id}")
    async def get_dispute(request: web.Request) -> web.Response:
        dispute = await store.dispute_status(request.match_info["dispute_id"])
        if dispute is None:
            return error(404, "not_found", "no such dispute")
        return web.json_response(dispute_to_dict(dispute))

    return routes


def broken_routes(store: DemoOrderStore) -> web.RouteTableDef:
    routes = web.RouteTableDef()

    @routes.get("/slow/orders/{order_id}")
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return web.json_response({})

    @routes.route("*", "/broken/{tail:.*}")
    async def broken(request: web.Request) -> web.Response:
        return error(500, "internal", "database is on fire")

    @routes.route("*", "/garbage/{tail:.*}")
    async def garbage(request: web.Request) -> web.Response:
        return web.Response(
            text='{"order_id": "8175203946128807", ', content_type="application/json"
        )

    @routes.get("/wrong/orders/{order_id}")
    async def wrong_shape(request: web.Request) -> web.Response:
        return web.json_response({"order_id": request.match_info["order_id"], "status": "paid"})

    @routes.get("/wrong/customers/{customer_id}/orders")
    async def wrong_list(request: web.Request) -> web.Response:
        return web.json_response([{"order_id": "8175203946128807"}])

    @routes.get("/other/orders/{order_id}")
    async def other_order(request: web.Request) -> web.Response:
        order = await store.find_order(DELIVERED)
        assert order is not None
        return web.json_response(order_to_dict(order))

    @routes.get("/other/customers/{customer_id}/orders")
    async def other_customers(request: web.Request) -> web.Response:
        orders = await store.list_orders("c-100231")
        return web.json_response({"orders": [order_to_dict(o) for o in orders]})

    return routes


@web.middleware
async def bearer_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        return error(401, "unauthorized", "bad token")
    return await handler(request)


@dataclass
class ShopServer:
    url: str
    store: DemoOrderStore

    def client(
        self, prefix: str = "api", timeout: float = 5.0, token: str = TOKEN
    ) -> HttpOrderStore:
        return HttpOrderStore(f"{self.url}/{prefix}", token, timeout)


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[ShopServer]:
    store = DemoOrderStore(tmp_path / "shop.sqlite", SEED, lambda: NOW)
    store.open()
    app = web.Application(middlewares=[bearer_only])
    app.add_routes(shop_api(store))
    app.add_routes(broken_routes(store))
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # a free port, held by us: no race with other tests
    site = web.SockSite(runner, sock)
    await site.start()
    port = sock.getsockname()[1]
    try:
        yield ShopServer(f"http://127.0.0.1:{port}", store)
    finally:
        await runner.cleanup()


# --- the API, end to end -------------------------------------------------------


@pytest.mark.asyncio
async def test_find_order_matches_the_demo_store(server):
    client = server.client()
    for order_id in (PAID, DELIVERED, IN_TRANSIT, OPEN_DISPUTE):
        assert await client.find_order(order_id) == await server.store.find_order(order_id)
    order = await client.find_order(DELIVERED)
    assert order is not None and order.delivered_at == NOW - timedelta(days=3)
    assert await client.find_order("8100000000000000") is None
    assert await client.find_order("../../etc/passwd") is None


@pytest.mark.asyncio
async def test_list_orders(server):
    orders = await server.client().list_orders("c-200314")
    assert [o.customer_id for o in orders] == ["c-200314"] * 3
    assert orders == await server.store.list_orders("c-200314")
    assert await server.client().list_orders("c-nobody") == []


@pytest.mark.asyncio
async def test_cancel_then_refused(server):
    client = server.client()
    order = await client.cancel_order(PAID, NOW)
    assert order.status is OrderStatus.CANCELLED and order.cancelled_at == NOW
    with pytest.raises(InvalidTransition, match="cannot be cancelled"):
        await client.cancel_order(PAID, NOW)
    with pytest.raises(InvalidTransition):
        await client.cancel_order(IN_TRANSIT, NOW)
    with pytest.raises(OrderNotFound):
        await client.cancel_order("8100000000000000", NOW)


@pytest.mark.asyncio
async def test_open_dispute_and_status(server):
    client = server.client()
    evidence = ("https://shop.example.com/evidence/1.jpg",)
    dispute = await client.open_dispute(DELIVERED, "defective", "키가 안 눌려요", evidence, NOW)
    assert dispute.status is DisputeStatus.OPEN and dispute.evidence == evidence
    assert dispute.description == "키가 안 눌려요"
    assert await client.dispute_status(dispute.dispute_id) == dispute
    with pytest.raises(InvalidTransition, match="open dispute"):
        await client.open_dispute(DELIVERED, "damaged", "", (), NOW)
    with pytest.raises(InvalidTransition):
        await client.open_dispute(PAID, "not_received", "", (), NOW)
    with pytest.raises(InvalidRequest):
        await client.open_dispute(IN_TRANSIT, "", "", (), NOW)
    with pytest.raises(OrderNotFound):
        await client.open_dispute("8100000000000000", "damaged", "", (), NOW)
    assert await client.dispute_status("D0000000000") is None
    assert await client.dispute_status("") is None


# --- failures become StoreUnavailable ------------------------------------------


@pytest.mark.asyncio
async def test_timeout(server):
    client = server.client("slow", timeout=0.2)
    started = asyncio.get_running_loop().time()
    with pytest.raises(StoreUnavailable, match=r"within 0\.2 s"):
        await client.find_order(PAID)
    assert asyncio.get_running_loop().time() - started < 0.9


@pytest.mark.asyncio
async def test_server_error(server):
    client = server.client("broken")
    with pytest.raises(StoreUnavailable, match=r"HTTP 500.*database is on fire"):
        await client.find_order(PAID)
    with pytest.raises(StoreUnavailable, match="HTTP 500"):
        await client.cancel_order(PAID, NOW)
    with pytest.raises(StoreUnavailable):
        await client.open_dispute(DELIVERED, "damaged", "", (), NOW)
    assert (await server.store.find_order(PAID)) is not None


@pytest.mark.asyncio
async def test_malformed_json(server):
    client = server.client("garbage")
    with pytest.raises(StoreUnavailable, match="malformed JSON"):
        await client.find_order(PAID)
    with pytest.raises(StoreUnavailable, match="malformed JSON"):
        await client.list_orders("c-100231")
    with pytest.raises(StoreUnavailable, match="malformed JSON"):
        await client.dispute_status("D4827160395")


@pytest.mark.asyncio
async def test_json_of_the_wrong_shape(server):
    client = server.client("wrong")
    with pytest.raises(StoreUnavailable, match=r"malformed store payload: order\.\w+: missing"):
        await client.find_order(PAID)
    with pytest.raises(StoreUnavailable, match=r"expected \{'orders'"):
        await client.list_orders("c-100231")


@pytest.mark.asyncio
async def test_answers_about_someone_else_are_never_shown(server):
    client = server.client("other")
    with pytest.raises(StoreUnavailable, match=f"got order {DELIVERED}"):
        await client.find_order(PAID)
    with pytest.raises(StoreUnavailable, match="other customers"):
        await client.list_orders("c-200314")


@pytest.mark.asyncio
async def test_wrong_token(server):
    with pytest.raises(StoreUnavailable, match="rejected our token"):
        await server.client(token="stolen").find_order(PAID)


@pytest.mark.asyncio
async def test_connection_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = sock.getsockname()[1]
        client = HttpOrderStore(f"http://127.0.0.1:{port}/api", TOKEN, 2.0)
        with pytest.raises(StoreUnavailable, match="unreachable"):
            await client.find_order(PAID)
        with pytest.raises(OrderStoreError):
            await client.cancel_order(PAID, NOW)


def test_client_checks_its_settings_and_hides_the_token():
    with pytest.raises(ValueError, match="http"):
        HttpOrderStore("shop.example.com", TOKEN, 1.0)
    with pytest.raises(ValueError, match="token"):
        HttpOrderStore("https://shop.example.com", "", 1.0)
    with pytest.raises(ValueError, match="timeout"):
        HttpOrderStore("https://shop.example.com", TOKEN, 0)
    assert TOKEN not in repr(HttpOrderStore("https://shop.example.com/", TOKEN, 1.0))


# --- the wire format -------------------------------------------------------------


@pytest.mark.asyncio
async def test_round_trip_of_every_seeded_order(server):
    for customer in ("c-100231", "c-100458", "c-100772", "c-100915", "c-101120"):
        for order in await server.store.list_orders(customer):
            assert order_from_dict(json.loads(json.dumps(order_to_dict(order)))) == order
            if order.dispute is not None:
                assert dispute_from_dict(dispute_to_dict(order.dispute)) == order.dispute


@pytest.mark.asyncio
async def test_malformed_payloads_name_the_field(server):
    order = await server.store.find_order(OPEN_DISPUTE)
    assert order is not None
    good = order_to_dict(order)

    def broken(**changes: object) -> dict[str, object]:
        return {**good, **changes}

    cases: list[tuple[object, str]] = [
        (None, "order: expected an object, got null"),
        ([], "order: expected an object, got list"),
        ({k: v for k, v in good.items() if k != "paid_at"}, "order.paid_at: missing"),
        (broken(paid_at="yesterday"), "order.paid_at: expected an ISO 8601"),
        (broken(paid_at="2024-06-01T10:00:00"), "without a UTC offset"),
        (broken(status="lost"), "unknown order status 'lost'"),
        (broken(language="fr"), "order.language"),
        (broken(total="a lot"), "order.total: not a decimal amount"),
        (broken(total=True), "order.total"),
        (broken(order_id="12"), "Order.order_id: expected 8-20 digits"),
        (broken(items="keyboard"), "order.items: expected a list"),
        (broken(items=[{"name_ko": "키보드"}]), "order.items[0].name_en: missing"),
        (broken(expected_delivery="soon"), "order.expected_delivery: expected an ISO date"),
        (broken(events=[{"at": 5}]), "order.events[0].at: expected text"),
        (broken(dispute={"dispute_id": "D1"}), "order.dispute.status: missing"),
        (broken(protection_days_override="75"), "order.protection_days_override"),
    ]
    for payload, message in cases:
        with pytest.raises(StoreUnavailable) as failure:
            order_from_dict(payload)
        assert message in str(failure.value), (message, str(failure.value))
    with pytest.raises(StoreUnavailable, match="unknown dispute status"):
        dispute_from_dict({**dispute_to_dict(order.dispute), "status": "pending"})  # type: ignore[arg-type]


def test_wire_format_reads_z_and_decimal_numbers():
    payload = {
        "order_id": "8175203946128807",
        "customer_id": "c-1",
        "customer_name": "Emily Carter",
        "email": "emily.carter@example.com",
        "phone": "+1 415-555-0132",
        "language": "en",
        "status": "shipped",
        "items": [{"name_ko": "어댑터", "name_en": "Adapter", "quantity": 1, "price": 15.2}],
        "total": "15.20",
        "currency": "USD",
        "payment_method": "paypal",
        "paid_at": "2024-06-01T10:00:00Z",
        "shipped_at": "2024-06-02T10:00:00+09:00",
    }
    order = order_from_dict(payload)
    assert order.paid_at == datetime(2024, 6, 1, 10, 0, tzinfo=timezone.utc)
    assert order.shipped_at == datetime(2024, 6, 2, 1, 0, tzinfo=timezone.utc)
    assert order.items[0].price == Decimal("15.2") and order.total == Decimal("15.20")
    assert order.events == () and order.dispute is None and order.carrier is None


# --- endpoints.yml: the http store ---------------------------------------------


def test_endpoints_http_store(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "order_store:\n  type: http\n  url: ${SHOP_API_URL}/v1\n"
        "  token_env: SHOP_API_TOKEN\n  timeout: 2.5\n"
    )
    environ = {"SHOP_API_URL": "https://shop.example.com/api", "SHOP_API_TOKEN": "t0ken"}
    assert load_settings(endpoints, tmp_path, environ) == HttpStoreSettings(
        url="https://shop.example.com/api/v1", token_env="SHOP_API_TOKEN", timeout_seconds=2.5
    )
    store = order_store_from_endpoints(endpoints, tmp_path, environ)
    assert isinstance(store, HttpOrderStore)
    assert store.base_url == "https://shop.example.com/api/v1" and store.timeout_seconds == 2.5
    with pytest.raises(ShopConfigError, match="SHOP_API_TOKEN"):
        order_store_from_endpoints(endpoints, tmp_path, {"SHOP_API_URL": "https://x"})
    with pytest.raises(ShopConfigError, match="SHOP_API_URL is unset"):
        load_settings(endpoints, tmp_path, {"SHOP_API_TOKEN": "t0ken"})
    endpoints.write_text(
        "order_store:\n  type: http\n  url: https://x\n  token_env: T\n  timeout: 0\n"
    )
    with pytest.raises(ShopConfigError, match=r"order_store\.timeout"):
        load_settings(endpoints, tmp_path, {})
