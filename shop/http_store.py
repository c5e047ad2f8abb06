"""OrderStore over the shop's REST API, for production (`type: http` in endpoints.yml).

The API the shop provides (JSON in and out, UTF-8; every request carries
`Authorization: Bearer <token>`):

    GET  {base}/orders/{order_id}              200 order            404 no such order
    GET  {base}/customers/{customer_id}/orders 200 {"orders": [order, ...]}
                                               (404 is read as "no orders")
    POST {base}/orders/{order_id}/cancel       200 order (now cancelled)
                                               404 no such order   409 cannot be cancelled
    POST {base}/orders/{order_id}/disputes     body {"reason": str, "description": str,
                                                     "evidence": [url, ...]}
                                               201 (or 200) dispute
                                               404 no such order   409 not disputable /
                                               one is open         400, 422 bad input
    GET  {base}/disputes/{dispute_id}          200 dispute          404 no such dispute

An order and a dispute have the shape of `shop.serialization.order_to_dict` /
`dispute_to_dict` (ISO 8601 instants with offset, money as decimal strings).
Error bodies may be `{"error": code, "message": text}`; the message is passed on.

The shop's clock decides cancel and dispute times, so `now` is not sent. A
timeout, a refused or dropped connection, HTTP 5xx, 401/403 (our token is
wrong: nothing the shopper can fix) and any body we cannot read become
StoreUnavailable, so the bot says "I can't check right now" instead of
guessing. As a privacy guard, an answer about another order or customer than
the one asked for is treated as malformed, never shown.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

import aiohttp

from shop.orders import (
    ORDER_ID,
    Dispute,
    InvalidRequest,
    InvalidTransition,
    Order,
    OrderNotFound,
    StoreUnavailable,
)
from shop.serialization import dispute_from_dict, order_from_dict

MAX_RESPONSE_BYTES = 4 * 1024 * 1024


class _Response:
    def __init__(self, method: str, url: str, status: int, body: bytes) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.body = body

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise StoreUnavailable(
                f"order store sent malformed JSON for {self.method} {self.url} "
                f"(HTTP {self.status}): {error}"
            ) from None

    def message(self) -> str:
        """The error message the store sent, or the status line."""
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            return str(data["message"])
        return f"HTTP {self.status}"

    def unexpected(self) -> StoreUnavailable:
        if self.status in (401, 403):
            return StoreUnavailable(
                f"order store rejected our token (HTTP {self.status}) for {self.method} "
                f"{self.url}: check the token environment variable"
            )
        return StoreUnavailable(
            f"order store answered HTTP {self.status} to {self.method} {self.url}: {self.message()}"
        )


class HttpOrderStore:
    """OrderStore backed by the shop's REST API (see the module docstring)."""

    def __init__(self, base_url: str, token: str, timeout_seconds: float = 5.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"order store url must start with http:// or https://: {base_url!r}")
        if not token:
            raise ValueError("order store token is empty")
        if timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be > 0, got {timeout_seconds}")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout_seconds = timeout_seconds

    def __repr__(self) -> str:  # never show the token in logs
        return f"HttpOrderStore({self.base_url!r}, timeout_seconds={self.timeout_seconds})"

    async def _request(self, method: str, path: str, body: Any = None) -> _Response:
        url = f"{self.base_url}{path}"
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            # One session per call: the action server and the tests may run calls on
            # different event loops, and a chatbot's few requests need no pooling.
            async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
                async with session.request(method, url, json=body) as response:
                    content = bytearray()
                    async for chunk in response.content.iter_chunked(64 * 1024):
                        content.extend(chunk)
                        if len(content) > MAX_RESPONSE_BYTES:
                            raise StoreUnavailable(
                                f"order store answer to {method} {url} is larger than "
                                f"{MAX_RESPONSE_BYTES} bytes"
                            )
                    result = _Response(method, url, response.status, bytes(content))
        except (asyncio.TimeoutError, TimeoutError):
            raise StoreUnavailable(
                f"order store did not answer {method} {url} within {self.timeout_seconds} s"
            ) from None
        except aiohttp.ClientError as error:
            raise StoreUnavailable(
                f"order store unreachable for {method} {url}: {type(error).__name__}: {error}"
            ) from error
        if result.status >= 500:
            raise StoreUnavailable(
                f"order store failed on {method} {url} (HTTP {result.status}): {result.message()}"
            )
        return result

    def _order(self, response: _Response, order_id: str | None = None) -> Order:
        order = order_from_dict(response.json())
        if order_id is not None and order.order_id != order_id:
            raise StoreUnavailable(
                f"malformed store payload: asked {response.url} for order {order_id}, "
                f"got order {order.order_id}"
            )
        return order

    # -- OrderStore --

    async def find_order(self, order_id: str) -> Order | None:
        if not isinstance(order_id, str) or not ORDER_ID.match(order_id):
            return None
        response = await self._request("GET", f"/orders/{quote(order_id, safe='')}")
        if response.status == 404:
            return None
        if response.status != 200:
            raise response.unexpected()
        return self._order(response, order_id)

    async def list_orders(self, customer_id: str) -> list[Order]:
        response = await self._request("GET", f"/customers/{quote(customer_id, safe='')}/orders")
        if response.status == 404:
            return []
        if response.status != 200:
            raise response.unexpected()
        data = response.json()
        if not isinstance(data, dict) or not isinstance(data.get("orders"), list):
            raise StoreUnavailable(
                f"malformed store payload: {response.url}: expected {{'orders': [...]}}"
            )
        orders = [order_from_dict(raw, f"orders[{i}]") for i, raw in enumerate(data["orders"])]
        strangers = sorted({o.order_id for o in orders if o.customer_id != customer_id})
        if strangers:
            raise StoreUnavailable(
                f"malformed store payload: {response.url} listed orders of other customers: "
                f"{', '.join(strangers)}"
            )
        return sorted(orders, key=lambda o: o.paid_at, reverse=True)

    async def cancel_order(self, order_id: str, now: datetime | None = None) -> Order:
        response = await self._request("POST", f"/orders/{quote(order_id, safe='')}/cancel")
        if response.status == 404:
            raise OrderNotFound(f"no order {order_id}: {response.message()}")
        if response.status == 409:
            raise InvalidTransition(f"order {order_id} cannot be cancelled: {response.message()}")
        if response.status != 200:
            raise response.unexpected()
        return self._order(response, order_id)

    async def open_dispute(
        self,
        order_id: str,
        reason: str,
        description: str,
        evidence: tuple[str, ...],
        now: datetime | None = None,
    ) -> Dispute:
        body = {"reason": reason, "description": description, "evidence": list(evidence)}
        response = await self._request("POST", f"/orders/{quote(order_id, safe='')}/disputes", body)
        if response.status == 404:
            raise OrderNotFound(f"no order {order_id}: {response.message()}")
        if response.status == 409:
            raise InvalidTransition(f"order {order_id} cannot get a dispute: {response.message()}")
        if response.status in (400, 422):
            raise InvalidRequest(f"dispute for order {order_id} refused: {response.message()}")
        if response.status not in (200, 201):
            raise response.unexpected()
        dispute = dispute_from_dict(response.json())
        if dispute.order_id != order_id:
            raise StoreUnavailable(
                f"malformed store payload: dispute for order {order_id} came back "
                f"for order {dispute.order_id}"
            )
        return dispute

    async def dispute_status(self, dispute_id: str) -> Dispute | None:
        if not isinstance(dispute_id, str) or not dispute_id.strip():
            return None
        response = await self._request("GET", f"/disputes/{quote(dispute_id, safe='')}")
        if response.status == 404:
            return None
        if response.status != 200:
            raise response.unexpected()
        dispute = dispute_from_dict(response.json())
        if dispute.dispute_id != dispute_id:
            raise StoreUnavailable(
                f"malformed store payload: asked for dispute {dispute_id}, got {dispute.dispute_id}"
            )
        return dispute
