"""Browser-side hardening (issue #21, low and Web): a Content-Security-Policy without
'unsafe-inline' on every page, the demo shop included, and, when PUBLIC_URL is https,
Secure cookies and HSTS even though the service itself is reached by http (behind a TLS
proxy).

Two web services (`python -m handoff`, real Redis, no Rasa): one public by https, one
by the demo's plain http.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.redis_server import RedisSettings
from handoff.auth import SESSION_COOKIE
from handoff.passwords import hash_password
from handoff.web_security import csrf_token
from tests.handoff_setup import write_handoff_config
from tests.web_client import Answer, request
from tests.web_service import web_service

PASSWORD = "pw-headers-test"
PUBLIC = "https://chat.shop.example"
PAGES = ("/", "/agent/login", "/editor/login", "/no-such-page")


def _start(
    redis_settings: RedisSettings, run_dir: Path, db_offset: int, env: dict[str, str]
) -> Iterator[int]:
    agent = {"id": "kim", "name": "kim", "teams": ["ko"], "password_hash": hash_password(PASSWORD)}
    config = write_handoff_config(run_dir / "handoff.yml", [agent])
    settings = dataclasses.replace(redis_settings, db=(redis_settings.db + db_offset) % 16)
    with web_service(settings, run_dir, {"HANDOFF_CONFIG": str(config), **env}) as port:
        yield port


@pytest.fixture(scope="module")
def https_port(
    redis_settings: RedisSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    yield from _start(
        redis_settings, tmp_path_factory.mktemp("headers-https"), 12, {"PUBLIC_URL": PUBLIC}
    )


@pytest.fixture(scope="module")
def http_port(
    redis_settings: RedisSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    yield from _start(redis_settings, tmp_path_factory.mktemp("headers-http"), 13, {})


def _policy(answer: Answer) -> dict[str, str]:
    header = answer.headers["Content-Security-Policy"]
    assert header, "no Content-Security-Policy"
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: (rest[0] if rest else "") for name, *rest in directives}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_policy_that_runs_only_our_script_files(https_port: int, path: str):
    page = request(https_port, "GET", path)

    if path != "/no-such-page":
        assert page.headers.get_content_type() == "text/html"
    policy = _policy(page)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert "unsafe-" not in page.headers["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    # The socket named by PUBLIC_URL, and never a host taken from the request.
    assert "wss://chat.shop.example" in policy["connect-src"]


def test_the_demo_shop_has_no_inline_script_and_a_policy(https_port: int) -> None:
    page = request(https_port, "GET", "/", headers={"Host": "evil.example"})

    assert page.status == 200
    scripts = re.findall(r"<script\b[^>]*>", page.body)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert "evil.example" not in page.headers["Content-Security-Policy"]
    # Nothing inline anywhere on the page: neither a <style> block nor a style attribute.
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert not re.search(r"<style\b|\sstyle\s*=", page.body, re.IGNORECASE)
    # Its own behaviour and look are files the policy allows.
    assert request(https_port, "GET", "/demo/demo.js").status == 200
    stylesheet = request(https_port, "GET", "/demo/demo.css")
    assert stylesheet.status == 200
    assert stylesheet.headers.get_content_type() == "text/css"
    assert request(https_port, "GET", "/demo/index.html").status == 404


def test_https_public_url_gives_secure_cookies_and_hsts(https_port: int) -> None:
    signed_in = request(
        https_port, "POST", "/agent/login", form={"agent_id": "kim", "password": PASSWORD}
    )

    assert signed_in.status == 303
    assert "; secure" in signed_in.set_cookie_header(SESSION_COOKIE).lower()
    assert signed_in.headers["Strict-Transport-Security"].startswith("max-age=")
    for path in PAGES:
        assert request(https_port, "GET", path).headers["Strict-Transport-Security"]
    session = signed_in.cookie(SESSION_COOKIE)
    assert session
    ended = request(
        https_port,
        "POST",
        "/agent/logout",
        form={"csrf_token": csrf_token(session)},
        session=session,
        headers={"Origin": PUBLIC},
    )
    assert ended.status == 303
    assert "; secure" in ended.set_cookie_header(SESSION_COOKIE).lower()


def test_plain_http_demo_sends_neither(http_port: int) -> None:
    signed_in = request(
        http_port, "POST", "/agent/login", form={"agent_id": "kim", "password": PASSWORD}
    )

    assert signed_in.status == 303
    assert "secure" not in signed_in.set_cookie_header(SESSION_COOKIE).lower()
    assert signed_in.headers["Strict-Transport-Security"] is None
    assert request(http_port, "GET", "/").headers["Strict-Transport-Security"] is None
