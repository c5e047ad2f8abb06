"""Rasa's workers even out the kept-alive connections they serve.

Each Sanic worker listens on a SO_REUSEPORT socket of its own (bot/speedups.py), and
the kernel hands each new connection to one of them by a hash of its addresses. A
client keeps its connection open for many requests, so the split stays as it fell:
measured, 32 shoppers came in as 19 connections on one worker and 13 on the other.
Both workers get the same share of the CPU, so the busier one answered each of its
shoppers about 1.5 times slower, and those answers made the 95th percentile.

Here every worker publishes how many connections it has in a small array shared by
all of them (made by the server's first process before it starts the workers). A
worker with more than one connection above the least busy worker answers its next
request with `Connection: close`; the client opens a new connection, which lands
on either worker, so the split evens out within a few requests. A lone worker never
closes anything.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.sharedctypes import RawArray, RawValue
from typing import Any

from sanic.http import Http
from sanic.server.protocols.base_protocol import SanicProtocol
from sanic.server.protocols.http_protocol import HttpProtocol

ORIGINAL_RESPOND = Http.respond
# Sanic's protocol methods carry no type hints.
ORIGINAL_CONNECTION_MADE: Any = HttpProtocol.connection_made
ORIGINAL_CONNECTION_LOST: Any = SanicProtocol.connection_lost
MAX_WORKERS = 64


class SharedCounts:
    """One slot per worker process: its open connections."""

    def __init__(self) -> None:
        self.counts: Any = RawArray("i", MAX_WORKERS)
        self.claimed: Any = RawValue("i", 0)
        self.lock = multiprocessing.Lock()
        self._slot = -1
        self._slot_pid = 0

    def slot(self) -> int:
        """This process's slot, claimed on first use (the array outlives a fork)."""
        pid = os.getpid()
        if self._slot_pid != pid:
            with self.lock:
                claimed = self.claimed.value
                if claimed >= MAX_WORKERS:
                    return -1
                self.claimed.value = claimed + 1
            self._slot, self._slot_pid = claimed, pid
        return self._slot

    def publish(self, connections: int) -> None:
        slot = self.slot()
        if slot >= 0:
            self.counts[slot] = connections

    def crowded(self, connections: int) -> bool:
        """Whether this worker has more than one connection above the least busy one."""
        slot = self.slot()
        if slot < 0:
            return False
        self.counts[slot] = connections
        others = [self.counts[i] for i in range(self.claimed.value) if i != slot]
        return bool(others) and connections > min(others) + 1


_shared: SharedCounts | None = None


def _connections(protocol: Any) -> int:
    return len(protocol.connections)


def respond(self: Http, response: Any) -> Any:
    """`Http.respond`, closing the connection after this response when crowded."""
    protocol = self.protocol
    if (
        _shared is not None
        and self.keep_alive
        and protocol is not None
        and _shared.crowded(_connections(protocol))
    ):
        self.keep_alive = False
    return ORIGINAL_RESPOND(self, response)


def connection_made(self: HttpProtocol, transport: Any) -> None:
    ORIGINAL_CONNECTION_MADE(self, transport)
    if _shared is not None:
        _shared.publish(_connections(self))


def connection_lost(self: SanicProtocol, exc: Exception | None) -> None:
    ORIGINAL_CONNECTION_LOST(self, exc)
    if _shared is not None:
        _shared.publish(_connections(self))


def install() -> None:
    """In the server's first process, before it starts the workers."""
    global _shared
    if _shared is None:
        _shared = SharedCounts()
    Http.respond = respond  # type: ignore[method-assign]
    HttpProtocol.connection_made = connection_made  # type: ignore[method-assign]
    SanicProtocol.connection_lost = connection_lost  # type: ignore[method-assign]
