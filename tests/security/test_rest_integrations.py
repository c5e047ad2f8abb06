"""REST integrations (issue #21): a caller of `POST /webhooks/rest/webhook` is an
integration with its token, and writes only into the conversations it started; the demo
takes callers without a token, production does not, and does not start with a missing
or short integration token.

On the real stack (the `bot` fixture, the demo: its handoff.yml lists the integrations
of tests/handoff_setup.py and its environment has their tokens), and on a Rasa server
started with EVA_ENV=production as a deployment would start it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.production import REFUSED_EXIT_STATUS
from bot.redis_server import RedisSettings
from bot.stack import Stack, StackConfig, free_port
from bot.tracker.keys import events_key
from tests.conftest import RunningBot
from tests.handoff_setup import INTEGRATIONS, HandoffTestConfig
from tests.http import post_json
from tests.security.test_production import GOOD_SECRET, clean_environment, start
from tests.web_service import served

HELPDESK, SHOPAPP = INTEGRATIONS["helpdesk"], INTEGRATIONS["shopapp"]
START_SECONDS = 300.0


def new_sender() -> str:
    return f"rest-{uuid.uuid4().hex[:12]}"


def send(
    rasa_url: str, sender: str, message: str, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    payload = {"sender": sender, "message": message}
    return post_json(f"{rasa_url}/webhooks/rest/webhook", payload, headers=headers)


def stored_events(bot: RunningBot, sender: str) -> list[bytes]:
    assert bot.stack.redis_settings is not None
    client = bot.stack.redis_settings.client()
    try:
        return list(client.lrange(events_key(sender), 0, -1))
    finally:
        client.close()


def assert_refused(status: int, body: Any, expected_status: int, code: str) -> None:
    assert status == expected_status, body
    assert body["error"] == code
    assert body["message"]["ko"] and body["message"]["en"]


def test_a_wrong_token_is_refused_in_both_languages(bot: RunningBot) -> None:
    sender = new_sender()
    wrong = {"Authorization": f"Bearer {HELPDESK.token}x"}

    status, body = send(bot.rasa_url, sender, "안녕하세요", wrong)

    assert_refused(status, body, 401, "invalid_token")
    assert "토큰" in body["message"]["ko"] and "token" in body["message"]["en"]
    assert stored_events(bot, sender) == []


def test_another_integration_cannot_write_into_a_conversation(bot: RunningBot) -> None:
    sender = new_sender()
    status, replies = send(bot.rasa_url, sender, "주문 취소하고 싶어요", HELPDESK.headers)
    assert status == 200 and replies, replies
    before = stored_events(bot, sender)

    status, body = send(bot.rasa_url, sender, "intruder: cancel everything", SHOPAPP.headers)
    assert_refused(status, body, 403, "not_your_conversation")
    # Nor can a caller without a token, though the demo lets one start its own.
    status, body = send(bot.rasa_url, sender, "intruder: cancel everything")
    assert_refused(status, body, 403, "not_your_conversation")

    assert stored_events(bot, sender) == before
    assert not any(b"intruder" in event for event in before)
    # The owner goes on as before.
    status, replies = send(bot.rasa_url, sender, "감사합니다", HELPDESK.headers)
    assert status == 200 and replies, replies


def test_the_demo_takes_callers_without_a_token_in_their_own_conversations(
    bot: RunningBot,
) -> None:
    """The README's curl examples send no header."""
    sender = new_sender()
    assert bot.say(sender, "안녕하세요")
    assert bot.say(sender, "hello there")

    status, body = send(bot.rasa_url, sender, "안녕하세요", HELPDESK.headers)
    assert_refused(status, body, 403, "not_your_conversation")


def production_rasa_env(config: HandoffTestConfig, redis: RedisSettings) -> dict[str, str]:
    return clean_environment(
        EVA_ENV="production",
        HANDOFF_CONFIG=str(config.path),
        SANIC_WORKERS="1",
        # No action server: the checks under test answer before any action runs.
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}/webhook",
        ACTION_SERVER_SECRET=GOOD_SECRET,
        RASA_API_TOKEN=GOOD_SECRET,
        **redis.environment(),
        **{integration.token_env: integration.token for integration in INTEGRATIONS.values()},
    )


@pytest.fixture
def production_config(tmp_path: Path) -> HandoffTestConfig:
    return HandoffTestConfig(tmp_path / "handoff.yml", tmp_path / "outbox")


@pytest.fixture
def production_rasa(
    model_path: Path,
    redis_settings: RedisSettings,
    production_config: HandoffTestConfig,
    tmp_path: Path,
) -> Iterator[str]:
    """The Rasa server alone, started with EVA_ENV=production and good tokens; its URL."""
    stack = Stack(StackConfig(model=model_path, run_dir=tmp_path, rasa_port=free_port()))
    url = stack.config.rasa_url
    with served(
        stack.rasa_command(),
        production_rasa_env(production_config, redis_settings),
        tmp_path / "rasa.log",
        f"{url}/webhooks/rest/",
        START_SECONDS,
    ):
        yield url


def test_production_refuses_callers_without_a_token(production_rasa: str) -> None:
    status, body = send(production_rasa, new_sender(), "안녕하세요")

    assert_refused(status, body, 401, "token_required")
    assert "Authorization: Bearer" in body["message"]["en"]
    # An integration with its token is let in: the check passed the start.
    status, body = send(production_rasa, new_sender(), "안녕하세요", HELPDESK.headers)
    assert status != 401, body


def test_a_short_integration_token_stops_a_production_start(
    production_config: HandoffTestConfig, redis_settings: RedisSettings, tmp_path: Path
) -> None:
    env = production_rasa_env(production_config, redis_settings)
    env[SHOPAPP.token_env] = "short-token"
    del env[HELPDESK.token_env]
    # No model: the channel's check comes first, so the start ends before it is loaded.
    command = ["-m", "bot.server", "run", "--model", str(tmp_path / "none.tar.gz")]
    command += ["--credentials", "credentials.yml", "--port", str(free_port())]

    result = start(command, env)

    assert result.returncode == REFUSED_EXIT_STATUS, result.stderr[-3000:]
    message = result.stderr
    assert "운영 모드(EVA_ENV=production)에서는 Rasa 서버(REST 채널)를 시작할 수 없어요" in message
    assert "The Rasa server (REST channel) will not start in production mode" in message
    assert f"{SHOPAPP.token_env} is too short (11 characters)" in message
    assert f"{SHOPAPP.token_env} 값이 너무 짧아요(11자)" in message
    assert f"{HELPDESK.token_env} is not set" in message
    assert f"{HELPDESK.token_env} 값이 없어요" in message
