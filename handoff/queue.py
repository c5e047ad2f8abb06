"""Handoff state in Redis: who waits for which team, and which agent has whom.

A conversation moves bot → queued → with_agent → (bot | closed). Each move is one
Lua script, so Redis runs it without interleaving: two agents claiming the same
conversation, or an agent at capacity claiming one more, can never both succeed,
however many web service processes share the Redis.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

import redis.asyncio

EVENTS_CHANNEL = "eva:handoff:events"

QUEUED = "queued"
WITH_AGENT = "with_agent"
BOT = "bot"
CLOSED = "closed"
HANDED_OFF = (QUEUED, WITH_AGENT)

FIRST_WORDS_CHARS = 120


class Outcome(str, Enum):
    OK = "ok"
    NOT_FOUND = "not_found"
    TAKEN = "taken"
    NOT_QUEUED = "not_queued"
    CAPACITY = "capacity"
    WRONG_TEAM = "wrong_team"
    NOT_YOURS = "not_yours"
    NOT_ACTIVE = "not_active"
    ALREADY_CLOSED = "already_closed"


def conversation_key(conversation_id: str) -> str:
    return f"eva:handoff:conv:{conversation_id}"


def queue_key(team: str) -> str:
    return f"eva:handoff:queue:{team}"


def agent_key(agent_id: str) -> str:
    return f"eva:handoff:agent:{agent_id}"


def held_key(conversation_id: str) -> str:
    # Everyone who ever had the conversation: they may read it later (reading_scope).
    return f"eva:handoff:held:{conversation_id}"


def _online_key(team: str) -> str:
    return f"eva:handoff:online:{team}"


# KEYS: conversation, queue. ARGV: team, language, time zone, first words, now.
# A conversation already waiting or with an agent keeps its place. A waiting one is in
# progress: an ended handoff's time to live (handoff/retention.py) is taken off.
_ENQUEUE = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'queued' or state == 'with_agent' then
  return {state, redis.call('HGET', KEYS[1], 'team')}
end
redis.call('HSET', KEYS[1], 'state', 'queued', 'team', ARGV[1], 'language', ARGV[2],
  'timezone', ARGV[3], 'first_words', ARGV[4], 'queued_at', ARGV[5],
  'last_seen', ARGV[5], 'agent', '', 'resolution', '')
redis.call('PERSIST', KEYS[1])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
return {'queued', ARGV[1]}
"""

# KEYS: conversation, agent set, the conversation's past agents. ARGV: agent id, max
# chats, now, conversation id, agent name, then the teams the agent serves.
_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'not_found' end
if state == 'with_agent' then return 'taken' end
if state ~= 'queued' then return 'not_queued' end
local team = redis.call('HGET', KEYS[1], 'team')
local serves = false
for i = 6, #ARGV do if ARGV[i] == team then serves = true end end
if not serves then return 'wrong_team' end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 'capacity' end
redis.call('ZREM', 'eva:handoff:queue:' .. team, ARGV[4])
redis.call('HSET', KEYS[1], 'state', 'with_agent', 'agent', ARGV[1], 'agent_name', ARGV[5],
  'claimed_at', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PERSIST', KEYS[3])
return 'ok'
"""

# KEYS: conversation, agent set. ARGV: agent id, new state, resolution, now, id,
# new team (transfer only).
_RELEASE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'not_found' end
if state == 'closed' then return 'already_closed' end
if state ~= 'with_agent' then return 'not_active' end
if redis.call('HGET', KEYS[1], 'agent') ~= ARGV[1] then return 'not_yours' end
redis.call('SREM', KEYS[2], ARGV[5])
if ARGV[2] == 'queued' then
  redis.call('HSET', KEYS[1], 'state', 'queued', 'team', ARGV[6], 'agent', '',
    'last_seen', ARGV[4])
  redis.call('ZADD', 'eva:handoff:queue:' .. ARGV[6],
    redis.call('HGET', KEYS[1], 'queued_at'), ARGV[5])
else
  redis.call('HSET', KEYS[1], 'state', ARGV[2], 'resolution', ARGV[3], 'ended_at', ARGV[4])
end
return 'ok'
"""

# KEYS: conversation, queue. ARGV: oldest allowed last_seen, now, id.
_ABANDON = """
if redis.call('HGET', KEYS[1], 'state') ~= 'queued' then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 0
end
if tonumber(redis.call('HGET', KEYS[1], 'last_seen')) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[1], 'state', 'closed', 'resolution', 'abandoned', 'ended_at', ARGV[2])
return 1
"""

# A shopper message during a handoff, in one round trip (the Rasa server that calls
# this is busy with other conversations, and each await waits its turn there).
# KEYS: conversation. ARGV: now, events channel, event JSON.
_RELAY = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'with_agent' then return 0 end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
"""


@dataclass(frozen=True)
class Handoff:
    conversation_id: str
    state: str
    team: str
    language: str
    timezone: str
    first_words: str
    queued_at: float
    last_seen: float
    agent: str
    agent_name: str
    resolution: str

    @classmethod
    def from_hash(cls, conversation_id: str, fields: dict[str, str]) -> Handoff:
        return cls(
            conversation_id=conversation_id,
            state=fields.get("state", BOT),
            team=fields.get("team", ""),
            language=fields.get("language", "ko"),
            timezone=fields.get("timezone", ""),
            first_words=fields.get("first_words", ""),
            queued_at=float(fields.get("queued_at") or 0),
            last_seen=float(fields.get("last_seen") or 0),
            agent=fields.get("agent", ""),
            agent_name=fields.get("agent_name", ""),
            resolution=fields.get("resolution", ""),
        )

    def to_json(self, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        return {
            "conversation_id": self.conversation_id,
            "state": self.state,
            "team": self.team,
            "language": self.language,
            "first_words": self.first_words,
            "queued_at": self.queued_at,
            "waiting_seconds": max(0, round(now - self.queued_at)),
            "agent": self.agent or None,
            "resolution": self.resolution or None,
        }


class HandoffQueue:
    def __init__(self, client: redis.asyncio.Redis) -> None:
        self.client = client
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)
        self._abandon = client.register_script(_ABANDON)
        self._relay = client.register_script(_RELAY)

    async def publish(self, event: dict[str, Any]) -> None:
        await self.client.publish(EVENTS_CHANNEL, json.dumps(event, ensure_ascii=False))

    async def relay(self, conversation_id: str, event: dict[str, Any]) -> bool:
        """Publish a shopper's message if the conversation is handed off; whether it was."""
        relayed = await self._relay(
            keys=[conversation_key(conversation_id)],
            args=[time.time(), EVENTS_CHANNEL, json.dumps(event, ensure_ascii=False)],
        )
        return bool(relayed)

    async def get(self, conversation_id: str) -> Handoff | None:
        fields = await self.client.hgetall(conversation_key(conversation_id))
        return Handoff.from_hash(conversation_id, fields) if fields else None

    async def state(self, conversation_id: str) -> str:
        value = await self.client.hget(conversation_key(conversation_id), "state")
        return str(value) if value else BOT

    async def enqueue(
        self,
        conversation_id: str,
        team: str,
        language: str,
        timezone: str,
        first_words: str,
    ) -> tuple[str, str]:
        """Put the conversation at the back of its team's queue; (state, team) after."""
        now = time.time()
        state, current_team = await self._enqueue(
            keys=[conversation_key(conversation_id), queue_key(team)],
            args=[team, language, timezone, first_words[:FIRST_WORDS_CHARS], now, conversation_id],
        )
        await self.publish({"type": "queue", "team": current_team})
        return str(state), str(current_team)

    async def position(self, conversation_id: str, team: str) -> int | None:
        rank = await self.client.zrank(queue_key(team), conversation_id)
        return None if rank is None else int(rank) + 1

    async def waiting(self, team: str) -> list[Handoff]:
        ids = await self.client.zrange(queue_key(team), 0, -1)
        handoffs = [await self.get(conversation_id) for conversation_id in ids]
        return [handoff for handoff in handoffs if handoff and handoff.state == QUEUED]

    async def chats_of(self, agent_id: str) -> list[Handoff]:
        ids = sorted(await self.client.smembers(agent_key(agent_id)))
        handoffs = [await self.get(conversation_id) for conversation_id in ids]
        return [handoff for handoff in handoffs if handoff and handoff.state == WITH_AGENT]

    async def has_chat(self, agent_id: str, conversation_id: str) -> bool:
        """Whether the agent has the conversation now (claim adds it, release removes it)."""
        return bool(await self.client.sismember(agent_key(agent_id), conversation_id))

    async def has_held(self, agent_id: str, conversation_id: str) -> bool:
        """Whether the agent has or ever had the conversation."""
        return bool(await self.client.sismember(held_key(conversation_id), agent_id))

    async def claim(
        self,
        conversation_id: str,
        agent_id: str,
        max_chats: int,
        teams: tuple[str, ...],
        agent_name: str = "",
    ) -> Outcome:
        outcome = await self._claim(
            keys=[
                conversation_key(conversation_id),
                agent_key(agent_id),
                held_key(conversation_id),
            ],
            args=[
                agent_id,
                max_chats,
                time.time(),
                conversation_id,
                agent_name or agent_id,
                *teams,
            ],
        )
        return Outcome(outcome)

    async def release(
        self,
        conversation_id: str,
        agent_id: str,
        new_state: str,
        resolution: str = "",
        team: str = "",
    ) -> Outcome:
        """Hand back (state bot), close (closed) or transfer (queued in `team`)."""
        outcome = await self._release(
            keys=[conversation_key(conversation_id), agent_key(agent_id)],
            args=[agent_id, new_state, resolution, time.time(), conversation_id, team],
        )
        return Outcome(outcome)

    async def touch(self, conversation_id: str) -> None:
        """The shopper is still here: keeps a queued conversation from being dropped."""
        key = conversation_key(conversation_id)
        if await self.client.exists(key):
            await self.client.hset(key, "last_seen", time.time())

    async def drop_abandoned(self, team: str, abandon_after_seconds: float) -> list[str]:
        now = time.time()
        dropped = []
        for conversation_id in await self.client.zrange(queue_key(team), 0, -1):
            gone = await self._abandon(
                keys=[conversation_key(conversation_id), queue_key(team)],
                args=[now - abandon_after_seconds, now, conversation_id],
            )
            if gone:
                dropped.append(str(conversation_id))
        return dropped

    async def mark_online(self, team: str, agent_id: str) -> None:
        await self.client.zadd(_online_key(team), {agent_id: time.time()})

    async def online_agents(self, team: str, within_seconds: float = 90) -> int:
        return int(
            await self.client.zcount(_online_key(team), time.time() - within_seconds, "+inf")
        )
