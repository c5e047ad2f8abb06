"""Benchmark 3: a turn late in a long conversation against an early one.

One shopper sends `turns` messages (a cycle of 10, so both windows say the same
things); the result compares the median time of the first 10 turns with that of the
last 10, and reports how big the stored tracker has grown. A time limit keeps the
benchmark bounded: a system too slow to reach the last turn in time is compared at
the turn it reached, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from bench.clients import RestShopper, new_http_session
from bench.driver import run_turns
from bench.runners import Target
from bench.script import LENGTH_CYCLE, long_conversation
from bench.stats import median


@dataclass(frozen=True)
class LengthRun:
    turns: int
    # Fewer than `turns` when the time limit ended the conversation first.
    reached: int
    first_ms: float
    last_ms: float
    tracker_bytes: int
    # Every turn's reply time, in order.
    latencies_ms: tuple[float, ...] = ()

    @property
    def ratio(self) -> float:
        return self.last_ms / self.first_ms if self.first_ms > 0 else float("nan")

    def window_ms(self, last_turn: int) -> float:
        """The median reply time of the (up to) 10 turns that end at `last_turn`."""
        window = min(LENGTH_CYCLE, last_turn // 2)
        return median(self.latencies_ms[last_turn - window : last_turn])


def tracker_bytes(redis_url: str, sender: str) -> int:
    """The size of the stored conversation (the Redis value(s) whose key names it)."""
    client = redis.Redis.from_url(redis_url)
    try:
        total = 0
        for key in client.scan_iter(match=f"*{sender}*"):
            usage = client.memory_usage(key)
            total += int(usage or 0)
        return total
    finally:
        client.close()


async def length_run(target: Target, turns: int, seconds: float) -> LengthRun:
    """Up to `turns` messages, none sent after `seconds`."""
    async with new_http_session() as http:
        shopper = RestShopper(http, target.rasa_url)
        latencies = await run_turns(shopper, long_conversation(turns), seconds)
    window = min(LENGTH_CYCLE, len(latencies) // 2)
    return LengthRun(
        turns=turns,
        reached=len(latencies),
        first_ms=median(latencies[:window]) * 1000,
        last_ms=median(latencies[-window:]) * 1000,
        tracker_bytes=tracker_bytes(target.redis_url, shopper.sender),
        latencies_ms=tuple(latency * 1000 for latency in latencies),
    )
