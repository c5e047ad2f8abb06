"""Malformed requests cannot flood the web service's log (handoff/malformed.py).

Hundreds of bodies no page of ours sends (forms that are not UTF-8, multipart without a
boundary or of the wrong shape, other content types, bad or deeply nested JSON, bodies
past the size limit) and broken framing (a Content-Length that is no number, unknown
Transfer-Encodings, bad chunked bodies), sent raw over TCP to every surface that reads
a body: the sign-in forms, logout, the agent API and the review inbox's API. Each gets a
400 (413 when too large) with a Korean and English message; the log holds no traceback
and no ERROR line; the service still answers /health and a good sign-in afterwards.

A real web service (`python -m handoff`, real Redis, no Rasa).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import random
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.inbox.capture import Candidate
from bot.inbox.store import InboxStore
from bot.redis_server import RedisSettings
from handoff.auth import SESSION_COOKIE
from tests.handoff_setup import agent_entry, write_handoff_config
from tests.web_client import request
from tests.web_service import web_service

PASSWORD = "pw-malformed-test"
TOKEN = "token-malformed-test"
DB_OFFSET = 14
PER_SURFACE = 240
MAX_BODY = 64 * 1024  # handoff/app.py MAX_BODY_BYTES
FORM = "application/x-www-form-urlencoded"


@dataclasses.dataclass(frozen=True)
class Service:
    port: int
    log: Path
    inbox_item: str


def _record_inbox_item(settings: RedisSettings) -> str:
    async def record() -> str | None:
        store = InboxStore(settings.async_client())
        try:
            return await store.record(Candidate("en", "qwzx blorp", "greet", 0.3, True))
        finally:
            await store.client.close()

    identifier = asyncio.run(record())
    assert identifier is not None
    return identifier


@pytest.fixture(scope="module")
def service(
    redis_settings: RedisSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    run_dir = tmp_path_factory.mktemp("malformed")

    def more_calls(document: dict[str, Any]) -> None:
        # Every malformed body goes to the same conversation: a 429 would stop the test
        # before the parser is reached.
        document["rate_limits"]["api"]["per_conversation"] = 10 * PER_SURFACE

    kim = agent_entry("kim", PASSWORD, TOKEN, ("agent", "editor"))
    config = write_handoff_config(run_dir / "handoff.yml", [kim], more_calls)
    settings = dataclasses.replace(redis_settings, db=(redis_settings.db + DB_OFFSET) % 16)
    settings.client().flushdb()
    item = _record_inbox_item(settings)
    try:
        with web_service(settings, run_dir, {"HANDOFF_CONFIG": str(config)}) as port:
            yield Service(port, run_dir / "web.log", item)
    finally:
        settings.client().flushdb()


# ---------------------------------------------------------------- raw HTTP


def send(port: int, head: bytes, body: bytes) -> tuple[int, bytes]:
    """One request exactly as given (head without its final blank line); the status and
    the body of the answer. The connection is closed afterwards."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(head + b"Connection: close\r\n\r\n" + body)
        received = b""
        # The server may close a connection with bytes of ours unread: a reset after
        # its answer is no failure.
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(65536):
                received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    return int(status_line.split(b" ")[1]), rest.partition(b"\r\n\r\n")[2]


def head(path: str, content_type: str | None, length: int | None, extra: str = "") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: localhost"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n" + extra).encode("latin-1")


# ---------------------------------------------------------------- malformed bodies


def malformed_forms(rng: random.Random, count: int) -> Iterator[tuple[str | None, bytes]]:
    """(content type, body) pairs that are no UTF-8 urlencoded form."""
    shapes: list[Callable[[], tuple[str | None, bytes]]] = [
        lambda: (FORM, b"agent_id=" + bytes([rng.randrange(0x80, 0x100)]) + b"&password=x"),
        lambda: (FORM, b"csrf_token=%" + rng.choice([b"ff", b"c3%28", b"ed%a0%80"])),
        lambda: ("multipart/form-data", b"--x\r\n" + rng.randbytes(rng.randrange(1, 60))),
        lambda: ("multipart/form-data; boundary=x", b"--x\r\nno colon\r\n--x--\r\n"),
        lambda: (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\xfe\r\n--b--\r\n',
        ),
        lambda: (rng.choice(["text/plain", "application/json", None]), b"agent_id=kim"),
        lambda: (FORM, b"&".join(b"f%d=1" % n for n in range(rng.randrange(30, 300)))),
        lambda: (FORM, rng.randbytes(rng.randrange(1, 400)) + b"\xff"),
    ]
    for number in range(count):
        yield shapes[number % len(shapes)]()


def malformed_json(rng: random.Random, count: int) -> Iterator[tuple[str | None, bytes]]:
    """(content type, body) pairs that are no JSON object."""
    shapes: list[Callable[[], tuple[str | None, bytes]]] = [
        lambda: ("application/json", b"{" + rng.randbytes(rng.randrange(0, 80))),
        lambda: ("application/json", b"[" * rng.randrange(1_000, 60_000)),
        lambda: ("application/json", b'{"text": "\xff\xfe"}'),
        lambda: ("application/json", json.dumps(rng.choice([[], "s", 5, None])).encode()),
        lambda: (rng.choice([FORM, "text/plain", None]), b"text=hello"),
        lambda: ("multipart/form-data", b"--x\r\n\r\n"),
    ]
    for number in range(count):
        yield shapes[number % len(shapes)]()


def broken_framing(rng: random.Random, path: str, count: int) -> Iterator[tuple[bytes, bytes]]:
    """(head, body) pairs whose framing is wrong: what a client must not send."""
    shapes: list[Callable[[], tuple[bytes, bytes]]] = [
        lambda: (
            head(path, FORM, None, f"Content-Length: {rng.choice(['abc', '-5', '1e3'])}\r\n"),
            b"x",
        ),
        lambda: (
            head(path, FORM, None, "Transfer-Encoding: chunked\r\n"),
            b"zz\r\nabc\r\n0\r\n\r\n",
        ),
        lambda: (
            head(path, FORM, None, "Transfer-Encoding: chunked\r\n"),
            b"-1\r\nabc\r\n0\r\n\r\n",
        ),
        lambda: (
            head(path, FORM, None, "Transfer-Encoding: chunked\r\n"),
            b"5\r\nab\r\n" + b"z" * 80,
        ),
        lambda: (
            head(path, FORM, None, f"Transfer-Encoding: {rng.choice(['gzip', 'Chunked'])}\r\n"),
            b"1\r\nx\r\n0\r\n\r\n",
        ),
        lambda: (head(path, FORM, 3, "Content-Length: 5\r\n"), b"abcde"),
        lambda: (head(path, FORM, MAX_BODY + 1), b"a" * (MAX_BODY + 1)),
    ]
    for number in range(count):
        yield shapes[number % len(shapes)]()


def assert_refused(status: int, body: bytes) -> None:
    assert status in (400, 413), (status, body[:300])
    answer = json.loads(body)
    assert answer["error"] and answer["message"]["ko"] and answer["message"]["en"], answer


def assert_quiet_log(service: Service) -> None:
    log = service.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert "[ERROR]" not in log and " ERROR " not in log, log[-3000:]
    assert request(service.port, "GET", "/health").status == 200


# ---------------------------------------------------------------- the surfaces


@pytest.mark.parametrize("path", ["/agent/login", "/editor/login"])
def test_malformed_sign_in_forms(service: Service, path: str) -> None:
    rng = random.Random(f"sign-in {path}")
    for content_type, body in malformed_forms(rng, PER_SURFACE):
        assert_refused(*send(service.port, head(path, content_type, len(body)), body))
    for framing, body in broken_framing(rng, path, PER_SURFACE // 4):
        assert_refused(*send(service.port, framing, body))

    assert_quiet_log(service)
    signed_in = request(service.port, "POST", path, form={"agent_id": "kim", "password": PASSWORD})
    assert signed_in.status == 303


def test_malformed_logout_forms(service: Service) -> None:
    signed_in = request(
        service.port, "POST", "/agent/login", form={"agent_id": "kim", "password": PASSWORD}
    )
    session = signed_in.cookie(SESSION_COOKIE)
    assert session
    cookie = f"Cookie: {SESSION_COOKIE}={session}\r\nOrigin: http://localhost:{service.port}\r\n"
    rng = random.Random("logout")
    for content_type, body in malformed_forms(rng, PER_SURFACE):
        sent = head("/agent/logout", content_type, len(body), cookie)
        assert_refused(*send(service.port, sent, body))

    assert_quiet_log(service)
    # None of them ended the session.
    assert request(service.port, "GET", "/agent", session=session).status == 200


@pytest.mark.parametrize("action", ["messages", "typing", "close", "transfer", "editor-accept"])
def test_malformed_api_bodies(service: Service, action: str) -> None:
    path = (
        f"/api/editor/items/{service.inbox_item}/accept"
        if action == "editor-accept"
        else f"/api/conversations/nobody-malformed/{action}"
    )
    auth = f"Authorization: Bearer {TOKEN}\r\n"
    rng = random.Random(f"api {action}")
    for content_type, body in malformed_json(rng, PER_SURFACE):
        assert_refused(*send(service.port, head(path, content_type, len(body), auth), body))
    for framing, body in broken_framing(rng, path, PER_SURFACE // 4):
        assert_refused(*send(service.port, framing, body))

    assert_quiet_log(service)
    # The inbox item is still there to accept or dismiss.
    listed = request(
        service.port, "GET", "/api/editor/items", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert service.inbox_item in listed.body
