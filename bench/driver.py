"""A small closed-loop load driver: N simulated shoppers, each waiting for its reply.

Every worker runs whole conversations one after another, each with a fresh shopper
(a new sender id or socket), until the time or message budget is spent; a message in
flight at the deadline still counts. Latency is from sending a message to its reply.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bench.script import Turn
from bench.stats import LoadSummary

MESSAGE_TIMEOUT = 60.0


class Shopper(Protocol):
    """One conversation over one channel."""

    async def open(self, language: str) -> None: ...

    async def say(self, turn: Turn) -> None:
        """Send the message; return once its reply is here."""
        ...

    async def close(self) -> None: ...


ShopperFactory = Callable[[], Shopper]


@dataclass(frozen=True)
class Load:
    concurrency: int
    seconds: float
    max_messages: int


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    started: int = 0
    last_error: str = ""


async def run_load(
    new_shopper: ShopperFactory, scripts: Sequence[Sequence[Turn]], load: Load
) -> LoadSummary:
    tally = _Tally()
    order = itertools.cycle(scripts)
    start = time.perf_counter()
    deadline = start + load.seconds

    def more() -> bool:
        return time.perf_counter() < deadline and tally.started < load.max_messages

    async def worker() -> None:
        while more():
            turns = next(order)
            shopper = new_shopper()
            try:
                await asyncio.wait_for(shopper.open(turns[0].language), MESSAGE_TIMEOUT)
                for turn in turns:
                    if not more():
                        break
                    tally.started += 1
                    sent = time.perf_counter()
                    await asyncio.wait_for(shopper.say(turn), MESSAGE_TIMEOUT)
                    tally.latencies.append(time.perf_counter() - sent)
            except Exception as error:  # counted; the conversation ends, the load goes on
                tally.errors += 1
                tally.last_error = f"{type(error).__name__}: {error}"
            finally:
                await _close_quietly(shopper)

    await asyncio.gather(*(worker() for _ in range(load.concurrency)))
    summary = LoadSummary.of(tally.latencies, tally.errors, time.perf_counter() - start)
    if tally.errors:
        print(f"    {tally.errors} errors, last: {tally.last_error[:200]}", flush=True)
    return summary


async def _close_quietly(shopper: Shopper) -> None:
    try:
        await shopper.close()
    except Exception:  # a socket that already broke
        pass


async def run_turns(
    shopper: Shopper, turns: Sequence[Turn], seconds: float = math.inf
) -> list[float]:
    """One conversation, message after message; the latency of each in seconds.

    No message is sent after `seconds`, so the list may be shorter than `turns`.
    """
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    await shopper.open(turns[0].language)
    try:
        for turn in turns:
            if time.perf_counter() > deadline:
                break
            sent = time.perf_counter()
            await asyncio.wait_for(shopper.say(turn), MESSAGE_TIMEOUT)
            latencies.append(time.perf_counter() - sent)
    finally:
        await _close_quietly(shopper)
    return latencies
