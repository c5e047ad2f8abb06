"""Who is calling: a console session cookie or an API bearer token, both per agent.

Sessions live in Redis (not in a signed cookie), so every web service process on the
same Redis knows them and logout really ends them; the cookie only holds a random id.
"""

from __future__ import annotations

import secrets

import redis.asyncio
from sanic.request import Request

from handoff.config import AgentConfig, HandoffConfig
from handoff.passwords import verify_password, verify_token

SESSION_COOKIE = "eva_session"
SESSION_SECONDS = 12 * 3600


class Unauthenticated(Exception):
    """No credentials, or credentials that match no agent (HTTP 401)."""


class Forbidden(Exception):
    """A known agent without the role the page or call needs (HTTP 403)."""


def _session_key(session_id: str) -> str:
    return f"eva:handoff:session:{session_id}"


def check_password(config: HandoffConfig, agent_id: str, password: str) -> AgentConfig | None:
    agent = config.agents.get(agent_id)
    if agent is None or not verify_password(password, agent.password_hash):
        return None
    return agent


async def start_session(client: redis.asyncio.Redis, agent: AgentConfig) -> str:
    session_id = secrets.token_urlsafe(32)
    await client.set(_session_key(session_id), agent.id, ex=SESSION_SECONDS)
    return session_id


async def end_session(client: redis.asyncio.Redis, session_id: str) -> None:
    await client.delete(_session_key(session_id))


async def _from_session(
    client: redis.asyncio.Redis, config: HandoffConfig, request: Request
) -> AgentConfig | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    agent_id = await client.get(_session_key(session_id))
    return config.agents.get(agent_id) if agent_id else None


def _from_bearer(config: HandoffConfig, request: Request) -> AgentConfig | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    for agent in config.agents.values():
        if agent.api_token_sha256 and verify_token(token.strip(), agent.api_token_sha256):
            return agent
    raise Unauthenticated()


async def authenticate(
    client: redis.asyncio.Redis, config: HandoffConfig, request: Request, role: str
) -> AgentConfig:
    """The calling agent, who must hold `role`; raises Unauthenticated or Forbidden."""
    agent = _from_bearer(config, request) or await _from_session(client, config, request)
    if agent is None:
        raise Unauthenticated()
    if role not in agent.roles:
        raise Forbidden()
    return agent
