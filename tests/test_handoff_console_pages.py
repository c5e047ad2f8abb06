"""The agent console's pages (/agent): sign-in, sign-out, language and escaping.

The web service runs as `python -m handoff` on a real Redis; no Rasa is needed, since
none of these pages reads a conversation's tracker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.redis_server import RedisSettings
from handoff.auth import SESSION_COOKIE, SESSION_SECONDS
from handoff.console import LANG_COOKIE, LOGIN_FAILED, NOT_AN_AGENT, STRINGS
from handoff.passwords import hash_password
from handoff.queue import HandoffQueue
from handoff.web_security import csrf_token
from tests.handoff_setup import write_handoff_config
from tests.redis_keys import delete_keys
from tests.web_client import Answer, request
from tests.web_service import web_service

PASSWORD = "pw-test"
AGENT_ID = "kim"
# Markup in an agent's name must come out as text.
AGENT_NAME = 'Kim <b class="x">Min</b> & "Co"'
EDITOR_ID = "lee"
# Another database than the other tests': the console marks its agents online for the
# shoppers' ETA, which must not leak into their queues.
CONSOLE_DB_OFFSET = 9


@dataclass(frozen=True)
class ConsoleServer:
    port: int
    redis: RedisSettings

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One request, redirects not followed (the tests look at them)."""
        sent = dict(headers or {})
        if cookies:
            sent["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
        return request(self.port, method, path, form=form, headers=sent)

    def sign_in(self, agent_id: str = AGENT_ID, password: str = PASSWORD) -> Answer:
        return self.request(
            "POST", "/agent/login", form={"agent_id": agent_id, "password": password}
        )

    def session(self) -> str:
        reply = self.sign_in()
        assert reply.status == 303, reply.body
        return reply.cookies()[SESSION_COOKIE].value


def _config(path: Path) -> None:
    password_hash = hash_password(PASSWORD)
    agents: list[dict[str, Any]] = [
        {
            "id": AGENT_ID,
            "name": AGENT_NAME,
            "teams": ["ko", "en"],
            "roles": ["agent"],
            "max_chats": 3,
            "password_hash": password_hash,
        },
        {
            "id": EDITOR_ID,
            "name": "Lee",
            "roles": ["editor"],
            "password_hash": password_hash,
        },
    ]
    write_handoff_config(path, agents)


def _clear(settings: RedisSettings) -> None:
    delete_keys(settings, "eva:*")


@pytest.fixture(scope="module")
def console(
    redis_settings: RedisSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConsoleServer]:
    settings = dataclasses.replace(redis_settings, db=(redis_settings.db + CONSOLE_DB_OFFSET) % 16)
    _clear(settings)
    run_dir = tmp_path_factory.mktemp("console")
    config = run_dir / "handoff.yml"
    _config(config)
    try:
        with web_service(settings, run_dir, {"HANDOFF_CONFIG": str(config)}) as port:
            yield ConsoleServer(port, settings)
    finally:
        _clear(settings)


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


# --- sign-in --------------------------------------------------------------------------


def test_console_sends_a_stranger_to_the_sign_in_page(console: ConsoleServer) -> None:
    reply = console.request("GET", "/agent")
    assert reply.status == 303
    assert reply.headers["Location"] == "/agent/login"

    page = console.request("GET", "/agent/login")
    assert page.status == 200
    for hook in ("login-id", "login-password", "login-submit"):
        assert f'data-testid="{hook}"' in page.body
    assert '<label for="login-id">' in page.body
    assert '<label for="login-password">' in page.body


@pytest.mark.parametrize(
    ("agent_id", "password"), [(AGENT_ID, "wrong"), ("nobody", PASSWORD), ("", "")]
)
def test_a_failed_sign_in_is_refused_politely_in_both_languages(
    console: ConsoleServer, agent_id: str, password: str
) -> None:
    reply = console.sign_in(agent_id, password)

    assert reply.status == 401
    # The same words whether the id exists or not: they must not reveal agent ids.
    assert LOGIN_FAILED["ko"] in reply.body
    assert LOGIN_FAILED["en"] in reply.body
    assert SESSION_COOKIE not in reply.cookies()
    assert 'data-testid="login-id"' in reply.body


def test_the_right_password_opens_the_console(console: ConsoleServer) -> None:
    reply = console.sign_in()

    assert reply.status == 303
    assert reply.headers["Location"] == "/agent"
    header = reply.set_cookie_header(SESSION_COOKIE).lower()
    assert "httponly" in header
    assert "samesite=strict" in header
    assert "path=/;" in header + ";"
    assert f"max-age={SESSION_SECONDS}" in header

    session = reply.cookies()[SESSION_COOKIE].value
    page = console.request("GET", "/agent", cookies={SESSION_COOKIE: session})
    assert page.status == 200
    assert _escaped(AGENT_NAME) in page.body
    assert "/agent/static/console.js" in page.body
    assert "/agent/static/console.css" in page.body
    assert 'id="console-i18n"' in page.body
    assert "Content-Security-Policy" in page.headers
    for hook in ("transcript", "reply-input", "send-button", "claim-button", "logout"):
        assert f'data-testid="{hook}"' in page.body
    assert 'role="log" aria-live="polite"' in page.body

    # Signed in already: the sign-in page goes straight on to the console.
    again = console.request("GET", "/agent/login", cookies={SESSION_COOKIE: session})
    assert again.status == 303
    assert again.headers["Location"] == "/agent"


def test_an_editor_only_account_may_not_use_the_console(console: ConsoleServer) -> None:
    reply = console.sign_in(EDITOR_ID, PASSWORD)

    assert reply.status == 403
    assert NOT_AN_AGENT["ko"] in reply.body
    assert NOT_AN_AGENT["en"] in reply.body
    assert SESSION_COOKIE not in reply.cookies()


def test_logout_ends_the_session(console: ConsoleServer) -> None:
    session = console.session()
    assert console.request("GET", "/api/me", cookies={SESSION_COOKIE: session}).status == 200

    reply = console.request(
        "POST",
        "/agent/logout",
        form={"csrf_token": csrf_token(session)},
        cookies={SESSION_COOKIE: session},
        headers={"Origin": f"http://127.0.0.1:{console.port}"},
    )

    assert reply.status == 303
    assert reply.headers["Location"] == "/agent/login"
    assert "max-age=0" in reply.set_cookie_header(SESSION_COOKIE).lower()
    # The old cookie is dead everywhere, not just forgotten by this browser.
    old = {SESSION_COOKIE: session}
    assert console.request("GET", "/agent", cookies=old).status == 303
    assert console.request("GET", "/api/me", cookies=old).status == 401


# --- language -------------------------------------------------------------------------


def test_lang_parameter_switches_to_english_and_is_remembered(console: ConsoleServer) -> None:
    korean_browser = {"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}

    reply = console.request("GET", "/agent/login?lang=en", headers=korean_browser)

    assert reply.status == 200
    assert STRINGS["en"]["login_title"] in reply.body
    assert '<html lang="en">' in reply.body
    assert reply.cookies()[LANG_COOKIE].value == "en"

    remembered = console.request(
        "GET", "/agent/login", headers=korean_browser, cookies={LANG_COOKIE: "en"}
    )
    assert STRINGS["en"]["login_title"] in remembered.body

    session = console.session()
    page = console.request("GET", "/agent?lang=en", cookies={SESSION_COOKIE: session})
    assert STRINGS["en"]["my_chats"] in page.body
    assert '"lang": "en"' in page.body


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("ko-KR,ko;q=0.9,en;q=0.8", "ko"),
        ("ko", "ko"),
        ("en-US,en;q=0.9,ko;q=0.8", "en"),
        ("", "en"),
    ],
)
def test_language_follows_the_browser_by_default(
    console: ConsoleServer, accept_language: str, expected: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}

    reply = console.request("GET", "/agent/login", headers=headers)

    assert STRINGS[expected]["login_title"] in reply.body
    assert f'<html lang="{expected}">' in reply.body


def test_a_failed_sign_in_speaks_the_page_language_first(console: ConsoleServer) -> None:
    reply = console.request(
        "POST",
        "/agent/login",
        form={"agent_id": AGENT_ID, "password": "wrong"},
        cookies={LANG_COOKIE: "en"},
    )

    assert reply.status == 401
    assert reply.body.index(LOGIN_FAILED["en"]) < reply.body.index(LOGIN_FAILED["ko"])


# --- escaping -------------------------------------------------------------------------


def _enqueue(settings: RedisSettings, conversation_id: str, first_words: str) -> None:
    async def enqueue() -> None:
        client = settings.async_client()
        try:
            await HandoffQueue(client).enqueue(
                conversation_id, "ko", "ko", "Asia/Seoul", first_words
            )
        finally:
            await client.close()

    asyncio.run(enqueue())


def test_shoppers_words_are_shown_as_text(console: ConsoleServer) -> None:
    conversation_id = f"shopper-{uuid.uuid4().hex}"
    words = "<script>alert('x')</script> 환불 & <b>배송</b>"
    _enqueue(console.redis, conversation_id, words)

    page = console.request("GET", "/agent", cookies={SESSION_COOKIE: console.session()})

    assert page.status == 200
    assert f'data-conversation-id="{conversation_id}"' in page.body
    assert 'data-testid="queue-item"' in page.body
    assert _escaped(words) in page.body
    assert "<script>alert" not in page.body
    assert "<b>배송" not in page.body
    # The JSON handed to the script cannot close its <script> block either: the block
    # ends at the first </script> and still holds the whole words.
    start = page.body.index('id="console-data">') + len('id="console-data">')
    data = json.loads(page.body[start : page.body.index("</script>", start)])
    waiting = data["queue"]["teams"]["ko"]["waiting"]
    assert words in [entry["first_words"] for entry in waiting]


# --- static files ---------------------------------------------------------------------


def test_static_files_are_served_from_web_agent_only(console: ConsoleServer) -> None:
    script = console.request("GET", "/agent/static/console.js")
    assert script.status == 200
    assert "javascript" in script.headers["Content-Type"]
    assert console.request("GET", "/agent/static/console.css").status == 200

    for path in (
        "/agent/static/templates",
        "/agent/static/..%2F..%2Fhandoff.yml",
        "/agent/static/..%2Ftemplates%2Flogin.html",
        "/agent/static/missing.js",
    ):
        assert console.request("GET", path).status == 404, path
