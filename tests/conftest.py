"""Shared fixtures: the trained model and one real running stack per test session.

The stack is the one `make run` starts (bot.stack): an embedded Redis server,
the action server and the Rasa server, on free loopback ports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.stack import PROJECT_DIR, Stack, StackConfig, free_port
from tests.http import post_json


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = Path(os.environ.get("EVA_MODEL", PROJECT_DIR / "models" / "current.tar.gz"))
    if not path.exists():
        pytest.fail(f"no trained model at {path}: run `make model` (make test does it)")
    return path


@dataclass
class RunningBot:
    stack: Stack

    @property
    def rasa_url(self) -> str:
        return self.stack.config.rasa_url

    @property
    def action_url(self) -> str:
        return self.stack.config.action_url

    def post(self, url: str, payload: Any, raw: bytes | None = None) -> tuple[int, Any]:
        return post_json(url, payload, raw)

    def say(
        self, sender: str, message: Any, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Send one shopper message over the REST channel; return the bot's replies."""
        payload: dict[str, Any] = {"sender": sender, "message": message}
        if metadata is not None:
            payload["metadata"] = metadata
        status, replies = self.post(f"{self.rasa_url}/webhooks/rest/webhook", payload)
        assert status == 200, replies
        assert isinstance(replies, list)
        return replies


# The shop's secret for signed customer tokens, as the widget's shop would set it.
TOKEN_SECRET = "test-shop-secret"


@pytest.fixture(scope="session")
def bot(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    run_dir = tmp_path_factory.mktemp("stack")
    config = StackConfig(
        model=model_path,
        run_dir=run_dir,
        rasa_port=free_port(),
        action_port=free_port(),
        redis_port=free_port(),
        redis_url=os.environ.get("REDIS_URL") or None,
        persistent_redis=False,
        extra_env={
            "ORDER_DB_PATH": str(run_dir / "orders.sqlite"),
            "SHOP_CUSTOMER_TOKEN_SECRET": TOKEN_SECRET,
        },
    )
    stack = Stack(config)
    stack.start()
    try:
        yield RunningBot(stack)
    finally:
        stack.stop()
