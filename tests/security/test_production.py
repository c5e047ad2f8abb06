"""EVA_ENV=production (issue #21, high 3): the demo's accounts and made-up secrets never
go live. Each server is started for real, as a deployment would start it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.action_secret import SECRET_ENV
from bot.production import REFUSED_EXIT_STATUS
from bot.redis_limits import RedisLimits
from bot.redis_server import EmbeddedRedis, RedisSettings
from bot.stack import PROJECT_DIR, Stack, StackConfig, free_port
from handoff.passwords import hash_password, token_sha256
from handoff.widget_ids import SECRET_ENV as WIDGET_ID_SECRET_ENV
from tests.web_service import web_service

START_SECONDS = 120
GOOD_SECRET = "x" * 40


def clean_environment(**values: str) -> dict[str, str]:
    """This process's environment without anything a production check reads."""
    dropped = {
        "EVA_ENV",
        SECRET_ENV,
        "RASA_API_TOKEN",
        WIDGET_ID_SECRET_ENV,
        "PUBLIC_URL",
        "WIDGET_ALLOWED_ORIGINS",
        "SHOP_CUSTOMER_TOKEN_SECRET",
    }
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    # No Redis there, unless a test starts one: whatever Redis this machine runs on the
    # default port is not judged.
    nowhere = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(free_port())}
    return {**env, "PYTHONPATH": str(PROJECT_DIR), **nowhere, **values}


def start(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A server that is expected to refuse: it must exit by itself, before listening."""
    return subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
    )


def production_config(path: Path, agents: list[dict[str, object]]) -> Path:
    document = yaml.safe_load((PROJECT_DIR / "handoff.yml").read_text(encoding="utf-8"))
    document["agents"] = agents
    document["widget"]["allowed_origins"] = ["https://shop.example"]
    document["tickets"]["outbox"] = str(path.parent / "outbox")
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def agent(agent_id: str, password: str, token: str) -> dict[str, object]:
    return {
        "id": agent_id,
        "name": agent_id,
        "teams": ["ko"],
        "password_hash": hash_password(password),
        "api_token_sha256": token_sha256(token),
    }


def production_env(config: Path, **values: str) -> dict[str, str]:
    return clean_environment(
        EVA_ENV="production",
        HANDOFF_CONFIG=str(config),
        RASA_API_TOKEN=GOOD_SECRET,
        WIDGET_ID_SECRET=GOOD_SECRET,
        PUBLIC_URL="https://chat.shop.example",
        **values,
    )


def test_the_shipped_demo_accounts_stop_a_production_start_in_both_languages():
    env = clean_environment(EVA_ENV="production", WEB_PORT=str(free_port()))
    result = start(["-m", "handoff"], env)

    assert result.returncode == REFUSED_EXIT_STATUS
    message = result.stderr
    assert "운영 모드(EVA_ENV=production)" in message
    assert "will not start in production mode" in message
    for agent_id in ("minji", "sam"):
        assert f"상담원 계정 '{agent_id}': 데모 비밀번호 및 API 토큰" in message
        assert f"agent '{agent_id}' still has the demo password and API token" in message
    assert "RASA_API_TOKEN" in message and "PUBLIC_URL" in message
    assert f"{WIDGET_ID_SECRET_ENV} is not set" in message
    assert "http://localhost:8080" in message  # the demo's widget origin


def test_a_demo_password_under_another_name_is_caught_too(tmp_path):
    config = production_config(
        tmp_path / "handoff.yml",
        [agent("lee", "demo-sam", "a-real-token-0123456789abcdef0123456789")],
    )
    env = production_env(config, WEB_PORT=str(free_port()))
    result = start(["-m", "handoff"], env)

    assert result.returncode == REFUSED_EXIT_STATUS
    assert "agent 'lee' still has the demo password;" in result.stderr
    # Everything else was in order: only that one problem is listed.
    assert result.stderr.count("\n  - ") == 1


def test_a_short_widget_id_secret_stops_the_web_service(tmp_path):
    config = production_config(
        tmp_path / "handoff.yml",
        [agent("lee", "a long real password", "a-real-token-0123456789abcdef0123456789")],
    )
    env = production_env(config, WEB_PORT=str(free_port()))
    env[WIDGET_ID_SECRET_ENV] = "short-widget"
    result = start(["-m", "handoff"], env)

    assert result.returncode == REFUSED_EXIT_STATUS
    assert f"{WIDGET_ID_SECRET_ENV} is too short (12 characters)" in result.stderr
    assert f"{WIDGET_ID_SECRET_ENV} 값이 너무 짧아요" in result.stderr
    assert result.stderr.count("\n  - ") == 1


def test_a_clean_production_configuration_starts(redis_settings: RedisSettings, tmp_path):
    config = production_config(
        tmp_path / "handoff.yml",
        [agent("lee", "a long real password", "a-real-token-0123456789abcdef0123456789")],
    )
    env = production_env(config)
    names = ("EVA_ENV", "HANDOFF_CONFIG", "RASA_API_TOKEN", WIDGET_ID_SECRET_ENV)
    extra = {key: env[key] for key in names}
    extra["PUBLIC_URL"] = env["PUBLIC_URL"]
    with web_service(redis_settings, tmp_path, extra) as port:
        assert port > 0  # it answered /health: the checks passed


def test_a_redis_that_may_evict_conversations_stops_a_production_start(tmp_path):
    """Unlimited memory, or a policy that evicts keys without a time to live: a
    conversation in progress could go (issue #21)."""
    unsafe = RedisLimits(maxmemory="0", maxmemory_policy="allkeys-lru")
    server = EmbeddedRedis(free_port(), tmp_path / "redis", persistent=False, limits=unsafe)
    server.start(tmp_path / "redis.log")
    assert server.process is not None
    config = production_config(
        tmp_path / "handoff.yml",
        [agent("lee", "a long real password", "a-real-token-0123456789abcdef0123456789")],
    )
    try:
        env = production_env(
            config, WEB_PORT=str(free_port()), REDIS_PORT=str(server.settings.port)
        )
        result = start(["-m", "handoff"], env)
    finally:
        server.process.terminate()
        server.process.wait()

    assert result.returncode == REFUSED_EXIT_STATUS
    assert "Redis에 maxmemory가 없어요" in result.stderr
    assert "Redis has no maxmemory" in result.stderr
    assert "maxmemory-policy가 allkeys-lru예요" in result.stderr
    assert "maxmemory-policy is allkeys-lru" in result.stderr
    assert result.stderr.count("\n  - ") == 2


@pytest.mark.parametrize(
    ("secret", "named"), [(None, "is not set"), ("short-secret", "is too short (12 characters)")]
)
def test_the_action_server_needs_a_long_secret_in_production(secret, named):
    values = {"EVA_ENV": "production", "ACTION_PORT": str(free_port())}
    if secret is not None:
        values[SECRET_ENV] = secret
    result = start(["-m", "bot.action_server"], clean_environment(**values))

    assert result.returncode == REFUSED_EXIT_STATUS
    assert f"{SECRET_ENV} {named}" in result.stderr
    assert f"{SECRET_ENV} 값이" in result.stderr


def test_a_short_shop_token_secret_stops_production_too():
    values = {"EVA_ENV": "production", SECRET_ENV: GOOD_SECRET, "ACTION_PORT": str(free_port())}
    values["SHOP_CUSTOMER_TOKEN_SECRET"] = "shop-secret"
    result = start(["-m", "bot.action_server"], clean_environment(**values))

    assert result.returncode == REFUSED_EXIT_STATUS
    assert "SHOP_CUSTOMER_TOKEN_SECRET is too short" in result.stderr


def test_the_action_server_never_starts_without_a_secret():
    result = start(["-m", "bot.action_server", "--port", str(free_port())], clean_environment())

    assert result.returncode != 0
    assert f"{SECRET_ENV} is not set" in result.stderr


def test_production_makes_up_no_secret(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setenv("EVA_ENV", "production")
    assert Stack(StackConfig(model=tmp_path / "m.tar.gz", run_dir=tmp_path)).action_secret == ""
    # The demo does make one up, long enough for production's rule.
    monkeypatch.delenv("EVA_ENV")
    made_up = Stack(StackConfig(model=tmp_path / "m.tar.gz", run_dir=tmp_path)).action_secret
    assert len(made_up) >= 32


def test_make_run_says_it_is_the_demo():
    # No model: eva run stops right after its first words.
    result = start(
        ["-m", "bot.cli.main", "run", "--model", "/nonexistent/model.tar.gz"],
        clean_environment(),
    )

    assert "This is the demo (make run)" in result.stdout
    assert "이것은 데모예요(make run)" in result.stdout
