"""Starting and stopping the two systems under test on free loopback ports.

Ours is the stack `make run` starts (bot.stack): Redis, the action server, the Rasa
server and the web service. The baseline is a stock `rasa run` (bench/stock_rasa.py)
with the stock REST channel and stock Redis stores (bench/baseline/), next to our Redis
(another database) and our action server, which its stories' custom actions need.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.handoffs import handoff_config
from bot.action_secret import SECRET_ENV
from bot.api_auth import TOKEN_ENV
from bot.stack import PROJECT_DIR, Stack, StackConfig, free_port, wait_for_http

BENCH_DIR = Path(__file__).resolve().parent
BASELINE_DIR = BENCH_DIR / "baseline"
BASELINE_REDIS_DB = 1


@dataclass(frozen=True)
class Target:
    """A running system as the benchmarks see it."""

    name: str
    rasa_url: str
    api_token: str
    # The Redis database that holds its trackers.
    redis_url: str
    # The handoff web service (ours only).
    web_url: str
    # Process name -> the process whose tree is that part of the system.
    pids: dict[str, int]


def _process_name(args: object) -> str:
    command = [str(part) for part in args] if isinstance(args, list) else [str(args)]
    if "rasa_sdk" in command or "bot.action_server" in command:
        return "actions"
    if "rasa" in command or "bot.server" in command:
        return "rasa"
    if "handoff" in command:
        return "web"
    if any("redis" in Path(part).name for part in command[:1]):
        return "redis"
    return Path(command[0]).name


class OurStack:
    """Our whole stack: FAQ answers from a copy the benchmark may edit, teams always open."""

    def __init__(self, model: Path, run_dir: Path) -> None:
        self.run_dir = run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        self.faq_dir = run_dir / "faq"
        shutil.copytree(PROJECT_DIR / "data" / "faq", self.faq_dir)
        handoff_path, self.agents = handoff_config(run_dir)
        config = StackConfig(
            model=model,
            run_dir=run_dir,
            rasa_port=free_port(),
            action_port=free_port(),
            redis_port=free_port(),
            web_port=free_port(),
            persistent_redis=False,
            extra_env={
                "FAQ_PATH": str(self.faq_dir),
                "HANDOFF_CONFIG": str(handoff_path),
                "ORDER_DB_PATH": str(run_dir / "orders.sqlite"),
            },
        )
        self.stack = Stack(config)

    def start(self) -> None:
        self.stack.start(timeout=300)

    def stop(self) -> None:
        self.stack.stop()

    @property
    def target(self) -> Target:
        return Target(
            name="ours",
            rasa_url=self.stack.config.rasa_url,
            api_token=self.stack.rasa_api_token,
            redis_url=self.redis_url(0),
            web_url=self.stack.config.web_url,
            pids={_process_name(p.args): p.pid for p in self.stack.processes},
        )

    @property
    def log_dir(self) -> Path:
        return self.stack.log_dir

    def redis_url(self, db: int) -> str:
        settings = self.stack.redis_settings
        assert settings is not None
        return f"redis://{settings.host}:{settings.port}/{db}"


class BaselineServer:
    """Stock `rasa run` with bench/baseline/endpoints.yml and credentials.yml."""

    def __init__(self, model: Path, ours: OurStack) -> None:
        self.model = model
        self.ours = ours
        self.port = free_port()
        self.token = secrets.token_urlsafe(24)
        self.log = ours.log_dir / "baseline-rasa.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def _environment(self) -> dict[str, str]:
        settings = self.ours.stack.redis_settings
        assert settings is not None, "start our stack first: the baseline uses its Redis"
        env = dict(os.environ)
        env.update(
            {
                "REDIS_HOST": settings.host,
                "REDIS_PORT": str(settings.port),
                "BASELINE_REDIS_DB": str(BASELINE_REDIS_DB),
                "ACTION_ENDPOINT_URL": f"{self.ours.stack.config.action_url}/webhook",
                SECRET_ENV: self.ours.stack.action_secret,
                TOKEN_ENV: self.token,
                "PYTHONPATH": str(PROJECT_DIR),
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
            }
        )
        return env

    def spawn(self) -> None:
        """Start the process and return at once (start-up is what is measured)."""
        command = [
            sys.executable,
            "-m",
            "bench.stock_rasa",
            "run",
            "--model",
            str(self.model),
            "--endpoints",
            str(BASELINE_DIR / "endpoints.yml"),
            "--credentials",
            str(BASELINE_DIR / "credentials.yml"),
            "--interface",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--enable-api",
        ]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=self._environment(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 300) -> None:
        assert self.process is not None
        wait_for_http(f"{self.url}/webhooks/rest/", self.process, self.log, timeout)

    def stop(self, timeout: float = 15) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    @property
    def target(self) -> Target:
        assert self.process is not None
        return Target(
            name="baseline",
            rasa_url=self.url,
            api_token=self.token,
            redis_url=self.ours.redis_url(BASELINE_REDIS_DB),
            web_url="",
            pids={"rasa": self.process.pid},
        )
