"""Benchmark 6: from starting the processes to the first reply on the REST channel."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bench.clients import RestShopper, new_http_session
from bench.script import Turn

FIRST_MESSAGE = Turn("안녕하세요", "ko")


async def first_reply(rasa_url: str, timeout: float) -> None:
    """Send a greeting until one comes back answered (the server may still be loading)."""
    deadline = time.monotonic() + timeout
    async with new_http_session() as http:
        while True:
            try:
                shopper = RestShopper(http, rasa_url)
                await shopper.say(FIRST_MESSAGE)
                if shopper.replies:
                    return
            except (aiohttp.ClientError, RuntimeError, asyncio.TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{rasa_url} gave no reply within {timeout:.0f}s")
            await asyncio.sleep(0.1)
