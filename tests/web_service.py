"""The web service alone (`python -m handoff`) for tests that need no Rasa server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.redis_server import RedisSettings
from bot.stack import PROJECT_DIR, free_port, wait_for_http

START_SECONDS = 60.0


@contextmanager
def web_service(settings: RedisSettings, run_dir: Path, extra_env: dict[str, str]) -> Iterator[int]:
    """Runs the web service on a free port until the block ends; yields the port."""
    port = free_port()
    env = {
        **os.environ,
        **settings.environment(),
        "WEB_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        # Nothing here talks to Rasa; a closed port makes any attempt fail fast.
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        **extra_env,
    }
    with served(
        [sys.executable, "-m", "handoff"],
        env,
        run_dir / "web.log",
        f"http://127.0.0.1:{port}/health",
    ):
        yield port


@contextmanager
def served(
    command: list[str],
    env: dict[str, str],
    log: Path,
    health_url: str,
    start_seconds: float = START_SECONDS,
) -> Iterator[subprocess.Popen[bytes]]:
    """Runs one server process, logging to `log`, from the moment `health_url` answers
    until the block ends; then stops it (killed if it will not stop)."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_for_http(health_url, process, log, start_seconds)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
