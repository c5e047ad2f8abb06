"""An open console feed ends when its caller's access does: logout, or the agent role
taken away in handoff.yml (issue #21: "consoles stay connected after logout")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import yaml
from websockets.client import connect as websocket_connect

from handoff.auth import SESSION_COOKIE
from handoff.console_socket import ACCESS_CHECK_SECONDS, CLOSE_UNAUTHENTICATED
from tests.security.test_csrf import (  # noqa: F401 (fixtures)
    PUBLIC,
    TOKEN,
    Browser,
    Service,
    browser,
    port,
    service,
)
from tests.web_client import request

# Long enough for two access checks, and a margin for a loaded machine.
PATIENCE = ACCESS_CHECK_SECONDS * 2 + 3


def _close_code_after(
    web_port: int, headers: dict[str, str], act: Callable[[], None]
) -> int | None:
    """Opens the feed, does `act`, and says how the server closed the feed (None: open)."""

    async def run() -> int | None:
        socket = await websocket_connect(
            f"ws://127.0.0.1:{web_port}/agent/socket", extra_headers=headers
        )
        try:
            await asyncio.to_thread(act)
            try:
                await asyncio.wait_for(socket.wait_closed(), timeout=PATIENCE)
            except asyncio.TimeoutError:
                return None
            return socket.close_code
        finally:
            await socket.close()

    return asyncio.run(run())


def test_the_feed_ends_at_logout(browser: Browser) -> None:  # noqa: F811
    headers = {"Cookie": f"{SESSION_COOKIE}={browser.session}", "Origin": PUBLIC}

    def log_out() -> None:
        done = request(
            browser.port,
            "POST",
            "/agent/logout",
            form={"csrf_token": browser.token},
            session=browser.session,
            headers={"Origin": PUBLIC},
        )
        assert done.status == 303

    assert _close_code_after(browser.port, headers, lambda: None) is None
    assert _close_code_after(browser.port, headers, log_out) == CLOSE_UNAUTHENTICATED


def test_the_feed_ends_when_the_agent_role_is_removed(service: Service) -> None:  # noqa: F811
    config_path = service.config
    original = config_path.read_text(encoding="utf-8")

    def remove_role() -> None:
        document = yaml.safe_load(original)
        document["agents"][0]["roles"] = ["editor"]
        config_path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")

    try:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        assert _close_code_after(service.port, headers, remove_role) == CLOSE_UNAUTHENTICATED
    finally:
        config_path.write_text(original, encoding="utf-8")
