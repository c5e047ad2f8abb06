"""Who is calling: a console session cookie or an API bearer token, both per agent.

Sessions live in Redis (not in a signed cookie), so every web service process on the
same Redis knows them and logout really ends them; the cookie only holds a random id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import redis.asyncio
from sanic.request import Request

from handoff.config import AgentConfig, HandoffConfig
from handoff.passwords import bearer_token, verify_password, verify_token

SESSION_COOKIE = "eva_session"
SESSION_SECONDS = 12 * 3600


class Unauthenticated(Exception):
    """No credentials, or credentials that match no agent (HTTP 401)."""


class Forbidden(Exception):
    """A known agent without the role the page or call needs (HTTP 403)."""


@dataclass(frozen=True)
class Caller:
    """An authenticated agent and how: `session_id` is the console cookie's session,
    None for a bearer token (which needs no CSRF check: no browser sends it by itself)."""

    agent: AgentConfig
    session_id: str | None


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
) -> Caller | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    agent_id = await client.get(_session_key(session_id))
    agent = config.agents.get(agent_id) if agent_id else None
    return Caller(agent, session_id) if agent else None


def _from_bearer(config: HandoffConfig, request: Request) -> Caller | None:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    for agent in config.agents.values():
        if agent.api_token_sha256 and verify_token(token, agent.api_token_sha256):
            return Caller(agent, None)
    raise Unauthenticated()


async def identify(
    client: redis.asyncio.Redis,
    config: HandoffConfig,
    request: Request,
    roles: str | frozenset[str],
) -> Caller:
    """The calling agent, who must hold `roles` (one of them, for a set); raises
    Unauthenticated or Forbidden."""
    caller = _from_bearer(config, request) or await _from_session(client, config, request)
    if caller is None:
        raise Unauthenticated()
    wanted = frozenset({roles}) if isinstance(roles, str) else roles
    if not wanted & caller.agent.roles:
        raise Forbidden()
    return caller


async def authenticate(
    client: redis.asyncio.Redis,
    config: HandoffConfig,
    request: Request,
    roles: str | frozenset[str],
) -> AgentConfig:
    """The calling agent, who must hold `roles`; raises Unauthenticated or Forbidden."""
    return (await identify(client, config, request, roles)).agent
