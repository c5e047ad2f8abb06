"""bot/connection_balance.py: Rasa's workers even out the connections they hold."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from bot import connection_balance
from bot.stack import PROJECT_DIR, free_port

SERVER = Path(__file__).parent / "fixtures" / "two_worker_server.py"
# Split by the kernel's hash alone, 100 connections come within 2 of even about a
# quarter of the time.
CONNECTIONS = 100


def test_a_worker_over_the_least_busy_by_more_than_one_is_crowded() -> None:
    counts = connection_balance.SharedCounts()
    assert not counts.crowded(30)  # alone
    child = os.fork()
    if child == 0:
        # Another worker, forked after the counts were made, with 15 connections.
        counts.publish(15)
        os._exit(0 if counts.slot() == 1 else 1)
    _, status = os.waitpid(child, 0)
    assert status == 0 and counts.claimed.value == 2
    assert counts.crowded(17)
    assert not counts.crowded(16)
    assert not counts.crowded(3)


async def _pids_of_connections(port: int) -> Counter[str]:
    """Which worker answers each of CONNECTIONS connections, after a while of traffic."""
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def ask() -> str:
            async with http.get(f"http://127.0.0.1:{port}/pid") as reply:
                return await reply.text()

        for _ in range(30):
            await asyncio.gather(*(ask() for _ in range(CONNECTIONS)))
        # Every connection is busy at once: one answer per connection.
        return Counter(await asyncio.gather(*(ask() for _ in range(CONNECTIONS))))


def _serve(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, str(SERVER), str(port)],
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/pid", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    pytest.fail("the two-worker server did not start")


@pytest.mark.parametrize("attempt", range(2))
def test_two_workers_end_up_with_even_shares_of_the_connections(attempt: int) -> None:
    port = free_port()
    server = _serve(port)
    try:
        shares = asyncio.run(_pids_of_connections(port))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert len(shares) == 2 and sum(shares.values()) == CONNECTIONS
    assert max(shares.values()) - min(shares.values()) <= 2
