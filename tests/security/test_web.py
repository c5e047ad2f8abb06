"""The web service (issue #21, medium 5 and 7): the demo page never reflects the Host
header, and sign-in is throttled per account and per IP, as handoff.yml says.

The web service runs as `python -m handoff` on a real Redis (a database of its own);
no Rasa is needed for these pages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.redis_server import RedisSettings
from handoff.auth import SESSION_COOKIE
from handoff.passwords import hash_password
from handoff.signin_throttle import KEY_PREFIX, TOO_MANY
from tests.handoff_setup import write_handoff_config
from tests.redis_keys import delete_keys
from tests.web_client import Answer, request
from tests.web_service import web_service

PASSWORD = "pw-security-test"
AGENTS = ("kim", "park")
# Low limits, set in the file the service reads: what is tested is the configuration.
LIMITS = {"failures_per_account": 3, "failures_per_ip": 6, "window_seconds": 600}
# Characters that must not come out of the page as markup.
PUBLIC_URL = 'https://shop.example/eva"><b>injected</b>'
DB_OFFSET = 10


def _write_config(path: Path) -> None:
    password_hash = hash_password(PASSWORD)
    agents = [
        {"id": agent, "name": agent, "teams": ["ko"], "password_hash": password_hash}
        for agent in AGENTS
    ]
    write_handoff_config(path, agents, lambda document: document.update(signin=LIMITS))


@dataclass(frozen=True)
class Service:
    port: int
    redis: RedisSettings

    def sign_in(self, agent_id: str, password: str) -> Answer:
        form = {"agent_id": agent_id, "password": password}
        return request(self.port, "POST", "/agent/login", form=form)

    def forget_failures(self) -> None:
        delete_keys(self.redis, f"{KEY_PREFIX}:*")


@pytest.fixture(scope="module")
def service(
    redis_settings: RedisSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    settings = dataclasses.replace(redis_settings, db=(redis_settings.db + DB_OFFSET) % 16)
    run_dir = tmp_path_factory.mktemp("security-web")
    config = run_dir / "handoff.yml"
    _write_config(config)
    env = {"HANDOFF_CONFIG": str(config), "PUBLIC_URL": PUBLIC_URL}
    with web_service(settings, run_dir, env) as port:
        yield Service(port, settings)


@pytest.fixture
def fresh(service: Service) -> Iterator[Service]:
    service.forget_failures()
    yield service
    service.forget_failures()


# --- the Host header -----------------------------------------------------------------


def test_the_demo_page_names_the_configured_url_escaped_never_the_host(service: Service):
    page = request(service.port, "GET", "/", headers={"Host": "evil.example:1234"})

    assert page.status == 200
    assert "evil.example" not in page.body
    assert "<b>injected</b>" not in page.body
    assert 'data-server="https://shop.example/eva&quot;&gt;&lt;b&gt;' in page.body


def test_the_running_stack_points_the_widget_at_its_own_url(bot):
    port = bot.stack.config.web_port
    page = request(port, "GET", "/", headers={"Host": "evil.example"})

    assert page.status == 200
    assert "evil.example" not in page.body
    assert f'data-server="{bot.web_url}"' in page.body


# --- sign-in throttling --------------------------------------------------------------


def _assert_throttled(answer: Answer) -> None:
    assert answer.status == 429
    retry_after = answer.headers["Retry-After"]
    assert retry_after is not None and retry_after.isdigit()
    assert 1 <= int(retry_after) <= LIMITS["window_seconds"]
    assert TOO_MANY["ko"] in answer.body and TOO_MANY["en"] in answer.body
    assert SESSION_COOKIE not in (answer.headers.get("Set-Cookie") or "")


def test_an_account_is_throttled_after_its_failures_even_with_the_right_password(fresh):
    for _ in range(LIMITS["failures_per_account"]):
        assert fresh.sign_in("kim", "wrong").status == 401

    _assert_throttled(fresh.sign_in("kim", PASSWORD))
    # The limit is the account's: another agent at the same address still signs in.
    assert fresh.sign_in("park", PASSWORD).status == 303


def test_an_ip_is_throttled_after_failures_across_accounts(fresh):
    # Under the per-account limit for each id, over the per-IP limit together.
    for n in range(LIMITS["failures_per_ip"]):
        assert fresh.sign_in(f"nobody-{n}", "wrong").status == 401

    _assert_throttled(fresh.sign_in("park", PASSWORD))


def test_the_review_inbox_sign_in_is_throttled_too(fresh):
    for _ in range(LIMITS["failures_per_account"]):
        form = {"agent_id": "kim", "password": "wrong"}
        assert request(fresh.port, "POST", "/editor/login", form=form).status == 401

    _assert_throttled(fresh.sign_in("kim", PASSWORD))
