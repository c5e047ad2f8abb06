"""Starts and stops the whole bot: Redis, the action server, the Rasa server and the web service.

`make run` uses it through `bot.cli.run`, and the end-to-end tests use it to run
the same stack on free loopback ports, so what is tested is what ships.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.action_secret import ACTION_SECRET_HEADER, SECRET_ENV
from bot.production import is_production
from bot.redis_server import EmbeddedRedis, RedisSettings
from handoff.widget_ids import SECRET_ENV as WIDGET_ID_SECRET_ENV

PROJECT_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass
class StackConfig:
    model: Path
    run_dir: Path
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    redis_port: int = 6379
    web_port: int = 8080
    # An external Redis (REDIS_URL); None starts the embedded one.
    redis_url: str | None = None
    persistent_redis: bool = True
    # Rasa server processes (Sanic workers forked from one parent). One keeps one core
    # busy at most; two answer about 1.6x the messages on two cores, for about 0.8 GiB
    # more memory (docs/benchmarks.md). SANIC_WORKERS changes it.
    rasa_workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, model: Path, run_dir: Path) -> StackConfig:
        return cls(
            model=model,
            run_dir=run_dir,
            host=os.environ.get("BIND_HOST", "127.0.0.1"),
            rasa_port=_env_int("RASA_PORT", 5005),
            action_port=_env_int("ACTION_PORT", 5055),
            redis_port=_env_int("EMBEDDED_REDIS_PORT", 6379),
            web_port=_env_int("WEB_PORT", 8080),
            redis_url=os.environ.get("REDIS_URL") or None,
            rasa_workers=_env_int("SANIC_WORKERS", 2),
        )

    @property
    def client_host(self) -> str:
        """Where this machine reaches the servers: localhost unless bound to one address."""
        if self.host in ("127.0.0.1", "0.0.0.0", "::", "::1", "localhost", ""):
            return "localhost"
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def rasa_url(self) -> str:
        return f"http://{self.client_host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.client_host}:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.client_host}:{self.web_port}"


def _log_tail(log: Path, lines: int = 30) -> str:
    """The end of a process's log, so that a failed start explains itself in CI output."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(log unreadable: {error})"


def wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if process.poll() is not None:
            raise RuntimeError(
                f"{url} exited with {process.returncode}; see {log}:\n{_log_tail(log)}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{url} did not answer within {timeout:.0f}s; see {log}:\n{_log_tail(log)}"
            )
        time.sleep(0.25)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal a child and everything it started (each child leads its own group)."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


class Stack:
    """The running processes of one bot; stop() ends every one it started."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.log_dir = config.run_dir / "logs"
        self.redis: EmbeddedRedis | None = None
        self.redis_settings: RedisSettings | None = None
        self.processes: list[subprocess.Popen[bytes]] = []
        # The handoff service writes agent messages into Rasa trackers through the
        # HTTP API; callers sign short-lived JWTs with this secret (bot/api_auth.py),
        # which keeps everyone else out of it.
        self.rasa_api_token = os.environ.get("RASA_API_TOKEN") or secrets.token_urlsafe(24)
        # What the Rasa server shows the action server (endpoints.yml sends it as a
        # header). The demo makes one up; production must set its own, so none is made
        # up there and the action server refuses to start without it.
        self.action_secret = os.environ.get(SECRET_ENV) or (
            "" if is_production() else secrets.token_urlsafe(32)
        )

        # Signs the widget's conversation ids (handoff/widget_ids.py); made up per demo run
        # like the action secret, so every web process of the run verifies the same ids.
        self.widget_id_secret = os.environ.get(WIDGET_ID_SECRET_ENV) or (
            "" if is_production() else secrets.token_urlsafe(32)
        )

    def action_headers(self) -> dict[str, str]:
        """What a caller of the action server must send, as the Rasa server does."""
        return {ACTION_SECRET_HEADER: self.action_secret}

    def _environment(self) -> dict[str, str]:
        assert self.redis_settings is not None
        env = dict(os.environ)
        env.update(self.redis_settings.environment())
        env.update(
            {
                "ACTION_ENDPOINT_URL": f"{self.config.action_url}/webhook",
                SECRET_ENV: self.action_secret,
                "BIND_HOST": self.config.host,
                "RASA_URL": self.config.rasa_url,
                "RASA_API_TOKEN": self.rasa_api_token,
                WIDGET_ID_SECRET_ENV: self.widget_id_secret,
                "WEB_PORT": str(self.config.web_port),
                "WIDGET_ALLOWED_ORIGINS": ",".join(
                    f"http://{host}:{self.config.web_port}" for host in ("localhost", "127.0.0.1")
                ),
                "PYTHONPATH": str(PROJECT_DIR),
                "SANIC_WORKERS": str(self.config.rasa_workers),
                # No network here: Rasa must not try to send telemetry.
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
            }
        )
        # Each worker makes small TensorFlow calls, one message at a time:
        # run on the calling thread they cost 4 % less CPU than when handed to TF's
        # thread pools (bench/profile.md), and the workers already fill the cores.
        for setting in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS"):
            env.setdefault(setting, "1")
        # oneDNN's kernels pay a set-up cost per call that one message's tiny tensors
        # never earn back: DIET's prediction graph takes about 15 % less time without them.
        env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        env.update(self.config.extra_env)
        return env

    def _spawn(self, name: str, command: list[str]) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as log_file:
            process = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=self._environment(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process, log

    def rasa_command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "bot.server",
            "run",
            "--model",
            str(self.config.model),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
            "--interface",
            self.config.host,
            "--port",
            str(self.config.rasa_port),
            # No secret here: the command line is in `ps` for every user of the machine.
            # bot.server gives Rasa the JWT secret from RASA_API_TOKEN in the environment.
            "--enable-api",
        ]

    def start(self, timeout: float = 180.0) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_redis()
            actions, actions_log = self._spawn(
                "actions",
                [
                    sys.executable,
                    "-m",
                    "bot.action_server",
                    "--actions",
                    "actions",
                    "--host",
                    self.config.host,
                    "--port",
                    str(self.config.action_port),
                ],
            )
            rasa, rasa_log = self._spawn("rasa", self.rasa_command())
            web, web_log = self._spawn("web", [sys.executable, "-m", "handoff"])
            wait_for_http(f"{self.config.action_url}/health", actions, actions_log, timeout)
            wait_for_http(f"{self.config.web_url}/health", web, web_log, timeout)
            wait_for_http(f"{self.config.rasa_url}/webhooks/rest/", rasa, rasa_log, timeout)
        except BaseException:
            self.stop()
            raise

    def _start_redis(self) -> None:
        if self.config.redis_url:
            self.redis_settings = RedisSettings.from_url(self.config.redis_url)
            self.redis_settings.client().ping()
            return
        self.redis = EmbeddedRedis(
            self.config.redis_port,
            self.config.run_dir / "redis",
            persistent=self.config.persistent_redis,
        )
        self.redis.start(self.log_dir / "redis.log")
        assert self.redis.process is not None
        self.processes.append(self.redis.process)
        self.redis_settings = self.redis.settings

    def failed_process(self) -> subprocess.Popen[bytes] | None:
        return next((p for p in self.processes if p.poll() is not None), None)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop in reverse start order, so Redis outlives its clients."""
        for process in reversed(self.processes):
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        self.processes.clear()
