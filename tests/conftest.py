"""Shared fixtures: the trained model and one real running stack per test session.

The stack is the one `make run` starts (bot.stack): an embedded Redis server,
the action server and the Rasa server, on free loopback ports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.core.domain import Domain

from bot.redis_server import RedisSettings
from bot.stack import PROJECT_DIR, Stack, StackConfig, free_port
from tests.dialogue_histories import project_domain
from tests.handoff_setup import INTEGRATIONS, HandoffTestConfig
from tests.http import post_json
from tests.redis_servers import embedded_redis


@pytest.fixture(scope="module")
def domain() -> Domain:
    """The project's domain, loaded afresh for each test module."""
    return project_domain()


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = Path(os.environ.get("EVA_MODEL", PROJECT_DIR / "models" / "current.tar.gz"))
    if not path.exists():
        pytest.fail(f"no trained model at {path}: run `make model` (make test does it)")
    return path


# The classifiers config.yml had before the logistic regression (issue #20): DIET and
# the FAQ selector, with the FallbackClassifier after them. The patches that make
# their training and prediction faster (bot/speedups.py) are tested on a model of
# this pipeline, trained once per session with the project's featurizers and data.
TENSORFLOW_CLASSIFIERS: list[dict[str, Any]] = [
    {
        "name": "DIETClassifier",
        "epochs": 20,
        "number_of_transformer_layers": 1,
        "transformer_size": 64,
        "entity_recognition": False,
        "constrain_similarities": True,
        "random_seed": 20261123,
    },
    {
        "name": "bot.nlu.faq_selector.FaqSelector",
        "retrieval_intent": "faq",
        "featurizers": ["regex", "words", "chars"],
        "epochs": 80,
        "constrain_similarities": True,
        "random_seed": 20261123,
    },
    {"name": "FallbackClassifier", "threshold": 0.5, "ambiguity_threshold": 0.1},
]


@pytest.fixture(scope="session")
def tensorflow_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's pipeline with DIET and the FAQ selector as its classifiers."""
    folder = tmp_path_factory.mktemp("tensorflow-model")
    config = yaml.safe_load((PROJECT_DIR / "config.yml").read_text(encoding="utf-8"))
    pipeline = config["pipeline"]
    at = next(i for i, c in enumerate(pipeline) if c["name"].endswith("LinearIntentClassifier"))
    config["pipeline"] = [*pipeline[:at], *TENSORFLOW_CLASSIFIERS, *pipeline[at + 1 :]]
    (folder / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    command = [sys.executable, "-m", "bot.server", "train", "nlu", "--quiet"]
    command += ["--config", str(folder / "config.yml"), "--nlu", str(PROJECT_DIR / "data")]
    command += ["--domain", str(PROJECT_DIR / "domain.yml"), "--out", str(folder)]
    command += ["--fixed-model-name", "tensorflow"]
    done = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder / "tensorflow.tar.gz"


@pytest.fixture(scope="session")
def redis_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisSettings]:
    """A real Redis for unit tests: REDIS_URL's, or an embedded server of our own."""
    if url := os.environ.get("REDIS_URL"):
        yield RedisSettings.from_url(url)
        return
    with embedded_redis(tmp_path_factory.mktemp("redis")) as settings:
        yield settings


@dataclass
class RunningBot:
    stack: Stack
    handoff_config: HandoffTestConfig

    @property
    def rasa_url(self) -> str:
        return self.stack.config.rasa_url

    @property
    def action_url(self) -> str:
        return self.stack.config.action_url

    @property
    def action_headers(self) -> dict[str, str]:
        """The shared secret the action server wants, as the Rasa server sends it."""
        return self.stack.action_headers()

    @property
    def web_url(self) -> str:
        return self.stack.config.web_url

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
    handoff_config = HandoffTestConfig(run_dir / "handoff.yml", run_dir / "outbox")
    # The review inbox writes accepted examples into a copy, never into the real data/.
    editor_data = run_dir / "data"
    for part in ("nlu", "faq"):
        shutil.copytree(PROJECT_DIR / "data" / part, editor_data / part)
    config = StackConfig(
        model=model_path,
        run_dir=run_dir,
        rasa_port=free_port(),
        action_port=free_port(),
        redis_port=free_port(),
        web_port=free_port(),
        redis_url=os.environ.get("REDIS_URL") or None,
        persistent_redis=False,
        extra_env={
            "HANDOFF_CONFIG": str(handoff_config.path),
            "EVA_DATA_DIR": str(editor_data),
            "ORDER_DB_PATH": str(run_dir / "orders.sqlite"),
            "SHOP_CUSTOMER_TOKEN_SECRET": TOKEN_SECRET,
            **{i.token_env: i.token for i in INTEGRATIONS.values()},
        },
    )
    stack = Stack(config)
    stack.start()
    try:
        yield RunningBot(stack, handoff_config)
    finally:
        stack.stop()
