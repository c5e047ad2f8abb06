"""bot/kept_connections.py: endpoint calls share one open connection per event loop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import kept_connections


async def _serve(peers: list[Any]) -> tuple[web.AppRunner, int]:
    async def answer(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        if request.query.get("fail"):
            return web.json_response({"error": "no"}, status=500)
        body = await request.json()
        return web.json_response({"echo": body, "token": request.query.get("token")})

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port


def test_calls_reuse_one_connection_and_answer_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "session", kept_connections.kept_session)

    async def scenario() -> None:
        peers: list[Any] = []
        runner, port = await _serve(peers)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", token="secret")
        try:
            for number in range(3):
                # Written by bot/fast_json.py, read back as the same value.
                body: dict[Any, Any] = {"n": number, "text": "취소 </script>", "score": 0.1}
                assert await endpoint.request(json={**body, 7: None}) == {
                    "echo": {**body, "7": None},
                    "token": "secret",
                }
            with pytest.raises(ClientResponseError):
                await endpoint.request(json={}, params={"fail": "1"})
            # Every call came over the same connection.
            assert len(peers) == 4 and len(set(peers)) == 1
            sessions = list(endpoint.__dict__[kept_connections.SESSIONS_ATTRIBUTE].values())
            await kept_connections.close_sessions()
            assert all(session.closed for session in sessions)
            # A closed session is replaced by a new one.
            assert await endpoint.request(json={"n": 9}) == {"echo": {"n": 9}, "token": "secret"}
            await kept_connections.close_sessions()
        finally:
            await runner.cleanup()

    asyncio.run(scenario())


def test_each_event_loop_has_its_own_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "session", kept_connections.kept_session)
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    async def session_of_this_loop() -> Any:
        async with endpoint.session() as session:
            pass
        assert not session.closed  # left open for the next call
        await kept_connections.close_sessions()
        return session

    first, second = asyncio.run(session_of_this_loop()), asyncio.run(session_of_this_loop())
    assert first is not second and first.closed and second.closed
