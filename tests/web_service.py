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
    log = run_dir / "web.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "handoff"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", process, log, START_SECONDS)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
