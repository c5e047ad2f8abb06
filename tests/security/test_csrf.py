"""CSRF (issue #21, medium 6): a request made with the console's cookie changes nothing
unless it names our public origin (Origin, else Referer) and carries the session's CSRF
token from the page; the console's socket refuses other origins' pages. Bearer-token
calls are not cookie-authenticated and need neither.

The web service runs as `python -m handoff` on a real Redis; no Rasa is needed: the
calls are refused before, or answered 404 after, the checks.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.client import connect as websocket_connect
from websockets.exceptions import InvalidStatusCode

from bot.redis_server import RedisSettings
from handoff.auth import SESSION_COOKIE
from handoff.web_security import CSRF_REFUSED
from tests.handoff_setup import agent_entry, write_handoff_config
from tests.web_client import Answer, request
from tests.web_service import web_service

PASSWORD = "pw-csrf-test"
TOKEN = "token-csrf-test-0123456789"
PUBLIC = "https://chat.shop.example"
EVIL = "https://evil.example"
DB_OFFSET = 11
# A conversation and an inbox item nobody has: past the checks, the answer is 404.
CLAIM = "/api/conversations/nobody-has-this/claim"
DISMISS = "/api/editor/items/0123456789abcdef0123/dismiss"


def _write_config(path: Path) -> None:
    write_handoff_config(path, [agent_entry("kim", PASSWORD, TOKEN, ("agent", "editor"))])


@dataclass(frozen=True)
class Browser:
    """A signed-in agent's browser: its session cookie and the token its page holds."""

    port: int
    session: str
    token: str

    def post(self, path: str, headers: dict[str, str], payload: object = None) -> Answer:
        return request(
            self.port, "POST", path, payload=payload or {}, session=self.session, headers=headers
        )

    def alive(self) -> bool:
        return request(self.port, "GET", "/api/me", session=self.session).status == 200


@dataclass(frozen=True)
class Service:
    """The running web service and the handoff.yml it reads (re-read when it changes)."""

    port: int
    config: Path


@pytest.fixture(scope="module")
def service(
    redis_settings: RedisSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    settings = dataclasses.replace(redis_settings, db=(redis_settings.db + DB_OFFSET) % 16)
    run_dir = tmp_path_factory.mktemp("security-csrf")
    _write_config(run_dir / "handoff.yml")
    env = {"HANDOFF_CONFIG": str(run_dir / "handoff.yml"), "PUBLIC_URL": PUBLIC}
    with web_service(settings, run_dir, env) as started:
        yield Service(started, run_dir / "handoff.yml")


@pytest.fixture(scope="module")
def port(service: Service) -> int:
    return service.port


@pytest.fixture
def browser(port: int) -> Browser:
    signed_in = request(
        port, "POST", "/agent/login", form={"agent_id": "kim", "password": PASSWORD}
    )
    assert signed_in.status == 303, signed_in.body
    session = signed_in.cookie(SESSION_COOKIE)
    assert session
    page = request(port, "GET", "/agent", session=session)
    assert page.status == 200
    return Browser(port, session, page.csrf_token())


def _refused(answer: Answer) -> None:
    assert answer.status == 403
    body = answer.json()
    assert body["error"] == "csrf"
    assert body["message"] == CSRF_REFUSED


def test_a_cookie_post_without_the_token_is_refused(browser: Browser) -> None:
    _refused(browser.post(CLAIM, {"Origin": PUBLIC}))
    _refused(browser.post(CLAIM, {"Origin": PUBLIC, "X-CSRF-Token": "0" * 64}))
    # The page's token from our origin gets through to the call itself.
    assert browser.post(CLAIM, {"Origin": PUBLIC, "X-CSRF-Token": browser.token}).status == 404


def test_a_cookie_post_from_another_origin_is_refused_even_with_the_token(
    browser: Browser,
) -> None:
    token = {"X-CSRF-Token": browser.token}
    _refused(browser.post(CLAIM, {**token, "Origin": EVIL}))
    _refused(browser.post(CLAIM, {**token, "Referer": f"{EVIL}/agent"}))
    # Neither Origin nor Referer: nothing says it is our page.
    _refused(browser.post(CLAIM, token))
    # A browser that leaves Origin out but sends our page as Referer.
    assert browser.post(CLAIM, {**token, "Referer": f"{PUBLIC}/agent"}).status == 404


def test_the_review_inbox_api_is_checked_the_same_way(browser: Browser) -> None:
    _refused(browser.post(DISMISS, {"Origin": EVIL, "X-CSRF-Token": browser.token}))
    _refused(browser.post(DISMISS, {"Origin": PUBLIC}))
    editor_page = request(browser.port, "GET", "/editor", session=browser.session)
    assert editor_page.csrf_token() == browser.token
    assert browser.post(DISMISS, {"Origin": PUBLIC, "X-CSRF-Token": browser.token}).status == 404


def test_bearer_token_calls_need_no_csrf_token(port: int) -> None:
    answer = request(port, "POST", CLAIM, payload={}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status == 404
    assert answer.json()["error"] == "not_found"


def test_logout_needs_the_token_and_our_origin(browser: Browser) -> None:
    def logout(form: dict[str, str], headers: dict[str, str]) -> Answer:
        return request(
            browser.port,
            "POST",
            "/agent/logout",
            form=form,
            session=browser.session,
            headers=headers,
        )

    refused = logout({}, {"Origin": PUBLIC})
    assert refused.status == 403
    assert CSRF_REFUSED["ko"] in refused.body and CSRF_REFUSED["en"] in refused.body
    assert logout({"csrf_token": browser.token}, {"Origin": EVIL}).status == 403
    assert browser.alive()

    done = logout({"csrf_token": browser.token}, {"Origin": PUBLIC})
    assert done.status == 303
    assert not browser.alive()


def test_another_sites_form_cannot_sign_a_browser_in(port: int) -> None:
    answer = request(
        port,
        "POST",
        "/agent/login",
        form={"agent_id": "kim", "password": PASSWORD},
        headers={"Origin": EVIL},
    )
    assert answer.status == 403
    assert answer.cookie(SESSION_COOKIE) is None


def _open_feed(port: int, headers: dict[str, str]) -> int:
    """The HTTP status of the console socket's handshake (101 when it opened)."""

    async def run() -> int:
        url = f"ws://127.0.0.1:{port}/agent/socket"
        try:
            socket = await websocket_connect(url, extra_headers=headers)
        except InvalidStatusCode as refused:
            return refused.status_code
        await socket.close()
        return 101

    return asyncio.run(run())


def test_the_console_socket_refuses_other_origins(browser: Browser) -> None:
    cookie = {"Cookie": f"{SESSION_COOKIE}={browser.session}"}
    assert _open_feed(browser.port, {**cookie, "Origin": EVIL}) == 403
    assert _open_feed(browser.port, cookie) == 403
    assert _open_feed(browser.port, {**cookie, "Origin": PUBLIC}) == 101
    # An integration's bearer token is not a browser's doing.
    assert _open_feed(browser.port, {"Authorization": f"Bearer {TOKEN}"}) == 101
