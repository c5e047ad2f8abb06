"""Benchmark 7 (ours only): the human handoff's relay latency and claim race.

The stack runs with both teams staffed around the clock and a few benchmark agents
(`handoff_config`). Relay: shoppers on the widget socket, each with an agent, exchange
messages both ways while a REST load runs next to them: shopper → agent is from the
widget frame to the event on the agent's console socket, agent → shopper from the API
call to the frame on the shopper's socket. Claim race: conversations are queued, then
2, 5 or 10 agents try to claim all of them at once through the API; every conversation
must be won exactly once (a double claim is a bug).
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from websockets.client import connect

from bench.clients import new_http_session
from bot.stack import PROJECT_DIR
from handoff.passwords import hash_password, token_sha256

ALWAYS = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
AGENT_COUNT = 10
ASK_FOR_AGENT = "상담원 연결해 주세요"
EVENT_TIMEOUT = 30.0
CLOSE = {"resolution": "benchmark"}


@dataclass(frozen=True)
class BenchAgent:
    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


# Every simulated shopper of the benchmark comes from 127.0.0.1, at up to hundreds of
# messages a second and several a second per conversation: far beyond what handoff.yml
# lets one address or one conversation send (its limits are for shoppers on the
# internet). The benchmark measures the bot, not the limiter, whose cost (one Redis
# round trip per message) it still pays.
BENCH_LIMIT = 10**9
UNLIMITED = {
    "window_seconds": 60,
    "rest": {"per_ip": BENCH_LIMIT, "per_conversation": BENCH_LIMIT},
    "widget": {"per_ip": BENCH_LIMIT},
    "api": {"per_ip": BENCH_LIMIT, "per_conversation": BENCH_LIMIT},
}


def handoff_config(run_dir: Path) -> tuple[Path, list[BenchAgent]]:
    """handoff.yml with both teams always open, benchmark agents, the outbox in run_dir."""
    data: dict[str, Any] = yaml.safe_load((PROJECT_DIR / "handoff.yml").read_text("utf-8"))
    for team in data["teams"].values():
        team.update(hours=dict(ALWAYS), holidays=[], closed_dates=[])
    data["tickets"]["outbox"] = str(run_dir / "outbox")
    data["rate_limits"] = UNLIMITED
    agents = [BenchAgent(f"bench{n}", secrets.token_urlsafe(24)) for n in range(AGENT_COUNT)]
    password_hash = hash_password(secrets.token_urlsafe(16))  # nobody logs in to the console
    data["agents"] = [
        {
            "id": agent.id,
            "name": f"Bench Agent {n}",
            "teams": list(data["teams"]),
            "roles": ["agent"],
            "max_chats": 1000,
            "password_hash": password_hash,
            "api_token_sha256": token_sha256(agent.token),
        }
        for n, agent in enumerate(agents)
    ]
    path = run_dir / "handoff.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path, agents


@dataclass
class RelayTimes:
    shopper_to_agent: list[float] = field(default_factory=list)
    agent_to_shopper: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimRace:
    agents: int
    conversations: int
    claimed: int
    double_claims: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.claimed / self.seconds if self.seconds > 0 else float("nan")


class _Api:
    def __init__(self, http: aiohttp.ClientSession, web_url: str, agent: BenchAgent) -> None:
        self.http = http
        self.base = f"{web_url}/api"
        self.agent = agent

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(
            method, self.base + path, json=body, headers=self.agent.headers
        ) as reply:
            return reply.status, await reply.json(content_type=None)


async def _queue_by_rest(http: aiohttp.ClientSession, rasa_url: str, count: int) -> list[str]:
    """`count` conversations that asked for a person over REST, now in the queue."""
    ids = [f"benchq{uuid.uuid4().hex}" for _ in range(count)]
    for conversation_id in ids:
        payload = {"sender": conversation_id, "message": ASK_FOR_AGENT}
        async with http.post(f"{rasa_url}/webhooks/rest/webhook", json=payload) as reply:
            if reply.status != 200:
                raise RuntimeError(f"could not ask for an agent: HTTP {reply.status}")
    return ids


async def claim_race(
    rasa_url: str, web_url: str, agents: list[BenchAgent], conversations: int
) -> ClaimRace:
    async with new_http_session() as http:
        ids = await _queue_by_rest(http, rasa_url, conversations)
        apis = [_Api(http, web_url, agent) for agent in agents]
        winners: dict[str, list[str]] = {conversation_id: [] for conversation_id in ids}

        async def race(api: _Api) -> None:
            order = list(ids)
            random.shuffle(order)
            for conversation_id in order:
                status, _ = await api.call("POST", f"/conversations/{conversation_id}/claim")
                if status == 200:
                    winners[conversation_id].append(api.agent.id)

        start = time.perf_counter()
        await asyncio.gather(*(race(api) for api in apis))
        seconds = time.perf_counter() - start
        for conversation_id, owners in winners.items():
            for owner in owners:
                api = next(api for api in apis if api.agent.id == owner)
                await api.call("POST", f"/conversations/{conversation_id}/close", CLOSE)
    return ClaimRace(
        agents=len(agents),
        conversations=conversations,
        claimed=sum(1 for owners in winners.values() if owners),
        double_claims=sum(1 for owners in winners.values() if len(owners) > 1),
        seconds=seconds,
    )


class _Shopper:
    """A widget socket that keeps every frame, for the relay."""

    def __init__(self, web_url: str) -> None:
        self.url = web_url.replace("http://", "ws://") + "/webhooks/widget/socket"
        # The conversation id the server issues in its welcome (the agent claims it).
        self.session_id = ""
        self.socket: Any = None

    async def open(self) -> None:
        self.socket = await connect(self.url, max_size=2**20)
        await self.socket.send(json.dumps({"type": "hello", "last_seq": 0, "language": "ko"}))
        welcome = await self.wait_for_type("welcome")
        self.session_id = str(welcome["session_id"])

    async def say(self, text: str) -> None:
        frame = {"type": "message", "text": text, "client_id": uuid.uuid4().hex}
        await self.socket.send(json.dumps(frame, ensure_ascii=False))

    async def _next(self) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(
            await asyncio.wait_for(self.socket.recv(), EVENT_TIMEOUT)
        )
        return frame

    async def wait_for_type(self, kind: str) -> dict[str, Any]:
        while (frame := await self._next()).get("type") != kind:
            pass
        return frame

    async def wait_for(self, roles: set[str], text: str | None = None) -> dict[str, Any]:
        while True:
            frame = await self._next()
            if frame.get("type") == "message" and frame.get("role") in roles:
                if text is None or frame.get("text") == text:
                    return frame


class _Feed:
    """An agent's console socket, with the shopper messages it heard by text."""

    def __init__(self, web_url: str, agent: BenchAgent) -> None:
        self.url = web_url.replace("http://", "ws://") + "/agent/socket"
        self.agent = agent
        self.socket: Any = None
        self.heard: dict[str, asyncio.Future[float]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.socket = await connect(self.url, extra_headers=self.agent.headers)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.socket:
            event = json.loads(raw)
            if event.get("type") == "shopper_message":
                waiting = self.heard.get(str(event.get("text")))
                if waiting is not None and not waiting.done():
                    waiting.set_result(time.perf_counter())

    def expect(self, text: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.heard[text] = future
        return future

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.socket is not None:
            await self.socket.close()


async def relay(web_url: str, agents: list[BenchAgent], pairs: int, exchanges: int) -> RelayTimes:
    """`pairs` shoppers each talking with an agent, `exchanges` messages each way."""
    times = RelayTimes()
    async with new_http_session() as http:

        async def pair(index: int) -> None:
            agent = agents[index % len(agents)]
            api = _Api(http, web_url, agent)
            feed = _Feed(web_url, agent)
            shopper = _Shopper(web_url)
            await feed.open()
            await shopper.open()
            try:
                await shopper.say(ASK_FOR_AGENT)
                # The bot's answer, or the queue notice when it puts the shopper in line.
                await shopper.wait_for({"bot", "system"})
                status, body = await api.call("POST", f"/conversations/{shopper.session_id}/claim")
                if status != 200:
                    raise RuntimeError(f"claim failed: {status} {body}")
                for turn in range(exchanges):
                    text = f"shopper {index}-{turn} {uuid.uuid4().hex[:6]}"
                    heard = feed.expect(text)
                    sent = time.perf_counter()
                    await shopper.say(text)
                    times.shopper_to_agent.append(
                        await asyncio.wait_for(heard, EVENT_TIMEOUT) - sent
                    )
                    answer = f"agent {index}-{turn} {uuid.uuid4().hex[:6]}"
                    sent = time.perf_counter()
                    status, body = await api.call(
                        "POST", f"/conversations/{shopper.session_id}/messages", {"text": answer}
                    )
                    if status != 200:
                        raise RuntimeError(f"agent message failed: {status} {body}")
                    await shopper.wait_for({"agent"}, answer)
                    times.agent_to_shopper.append(time.perf_counter() - sent)
                await api.call("POST", f"/conversations/{shopper.session_id}/close", CLOSE)
            finally:
                await feed.close()
                await shopper.socket.close()

        await asyncio.gather(*(pair(index) for index in range(pairs)))
    return times
