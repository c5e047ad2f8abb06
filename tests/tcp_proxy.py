"""A tiny TCP proxy for tests that need a connection to die: it sits between a client (a
browser page) and a server (the Rasa server) on a free loopback port, in a background
thread with its own asyncio loop, and can

- ``drop_all()``: close every open connection from the server side, at once and without a
  goodbye (no WebSocket close frame): to the page, the server or the network just went;
- ``refuse(True)``: while set, new connections are accepted and closed at once, so a
  client's reconnect attempts fail the way they do while the server is unreachable;
- ``hold(True)``: while set, nothing is forwarded from the server to the client (it waits
  in the socket buffers); a ``drop_all()`` then loses it, as a dying connection does with
  the frames it was carrying.

    with TcpProxy("127.0.0.1", 5005) as proxy:
        ...  # point the client at 127.0.0.1:proxy.port
        proxy.drop_all()
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

CHUNK = 64 * 1024


class _Pair:
    """One proxied connection: the client's side and the server's side."""

    def __init__(self, client: asyncio.StreamWriter, server: asyncio.StreamWriter) -> None:
        self.client = client
        self.server = server
        self.tasks: list[asyncio.Task[None]] = []

    def abort(self) -> None:
        for writer in (self.client, self.server):
            writer.transport.abort()
        for task in self.tasks:
            task.cancel()


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1") -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.listen_host = listen_host
        self.port = 0
        self.connections_made = 0
        self._pairs: set[_Pair] = set()
        self._refusing = False
        self._loop = asyncio.new_event_loop()
        self._flowing: asyncio.Event | None = None
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="tcp-proxy", daemon=True
        )

    # ---------------------------------------------------------------- life cycle

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._start())
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- controls

    @property
    def open_connections(self) -> int:
        return len(self._pairs)

    def drop_all(self) -> int:
        """Closes every open connection (both sides) now; returns how many there were."""
        return self._call(self._drop_all())

    def refuse(self, refusing: bool) -> None:
        """While refusing, a new connection is closed as soon as it is accepted."""
        self._refusing = refusing

    def hold(self, holding: bool) -> None:
        """While holding, nothing is forwarded from the server to the client."""
        self._call(self._hold(holding))

    # ---------------------------------------------------------------- inside the loop

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, self.listen_host, 0)
        sock: socket.socket = self._server.sockets[0]
        self.port = int(sock.getsockname()[1])

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._drop_all()
        if self._server is not None:
            await self._server.wait_closed()

    async def _drop_all(self) -> int:
        pairs = list(self._pairs)
        self._pairs.clear()
        for pair in pairs:
            pair.abort()
        # Let the cancelled pumps finish before anyone looks again.
        await asyncio.sleep(0)
        return len(pairs)

    async def _hold(self, holding: bool) -> None:
        assert self._flowing is not None
        if holding:
            self._flowing.clear()
        else:
            self._flowing.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._refusing:
            writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            writer.transport.abort()
            return
        pair = _Pair(writer, server_writer)
        self._pairs.add(pair)
        self.connections_made += 1
        pair.tasks = [
            asyncio.create_task(self._pump(reader, server_writer, pair, downstream=False)),
            asyncio.create_task(self._pump(server_reader, writer, pair, downstream=True)),
        ]

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pair: _Pair,
        downstream: bool,
    ) -> None:
        assert self._flowing is not None
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                if downstream:
                    await self._flowing.wait()
                    if pair not in self._pairs:
                        return  # dropped while held: what it carried is lost
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        # One side closed (or failed): close the whole pair, like a real connection would.
        if pair in self._pairs:
            self._pairs.discard(pair)
            with contextlib.suppress(Exception):
                pair.client.close()
                pair.server.close()
