"""Rasa's calls to the action server over connections that stay open between calls.

`EndpointConfig.request` made a new aiohttp `ClientSession` (a connection pool, a
cookie jar, a name lookup of the host and a new TCP connection) for every custom action
call and closed it after the reply, so the action server accepted and tore down a
connection per call too: about 2 % of the Rasa server's CPU (py-spy), plus the action
server's share. Here each endpoint keeps one session per event loop (a Sanic worker
runs one loop), and its idle connections are closed after 2 s, before the action server
(Sanic, 5 s keep-alive) would close them, so no request is sent on a connection the
server is closing. Headers, authentication and the timeout are the endpoint's own, as
in Rasa's `session()`; request bodies are written by `bot/fast_json.py`. A worker
closes its sessions when it stops, with Rasa's other resources
(`rasa.core.run.close_resources`).
"""

from __future__ import annotations

import asyncio
import weakref
from types import TracebackType
from typing import Any

import aiohttp
import rasa.core.run
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig
from sanic import Sanic

from bot import fast_json

ORIGINAL_SESSION = EndpointConfig.session
ORIGINAL_CLOSE_RESOURCES = rasa.core.run.close_resources
# Seconds an idle connection stays open: under Sanic's default keep-alive of 5 s.
IDLE_SECONDS = 2.0
SESSIONS_ATTRIBUTE = "_eva_sessions"
_open_sessions: weakref.WeakSet[aiohttp.ClientSession] = weakref.WeakSet()


class _KeptSession:
    """`async with` gives the shared session and leaves it open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


def _new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    auth = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS),
        json_serialize=fast_json.dumps,
    )


def kept_session(self: EndpointConfig) -> Any:
    """`EndpointConfig.session`: this loop's open session for the endpoint."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        # Not called from a coroutine: Rasa's own, short-lived session.
        return ORIGINAL_SESSION(self)
    sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = self.__dict__.setdefault(
        SESSIONS_ATTRIBUTE, {}
    )
    session = sessions.get(loop)
    if session is None or session.closed:
        # Sessions of loops that have ended go with them.
        for ended in [other for other in sessions if other.is_closed()]:
            del sessions[ended]
        session = sessions[loop] = _new_session(self)
        _open_sessions.add(session)
    return _KeptSession(session)


async def close_sessions() -> None:
    """Closes the sessions of the running loop."""
    loop = asyncio.get_running_loop()
    for session in list(_open_sessions):
        if session._loop is loop and not session.closed:
            await session.close()


async def close_resources(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
    """`rasa.core.run.close_resources`, and this worker's kept sessions."""
    try:
        await ORIGINAL_CLOSE_RESOURCES(app, loop)
    finally:
        await close_sessions()


def install() -> None:
    EndpointConfig.session = kept_session  # type: ignore[method-assign]
    rasa.core.run.close_resources = close_resources
