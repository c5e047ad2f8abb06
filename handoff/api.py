"""The agent API under /api/: everything the console does, as JSON for other helpdesks.

Authentication is a bearer token per agent (or the console's session cookie); see
docs/handoff.md for the calls and their answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import datetime, timezone
from functools import wraps
from typing import Any
from urllib.parse import unquote

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from handoff.auth import Forbidden, Unauthenticated, identify
from handoff.config import AgentConfig
from handoff.context import HandoffContext
from handoff.errors import error_response
from handoff.rasa_api import RasaUnavailable
from handoff.rate_limits import RateLimiter, too_many_requests
from handoff.reading_scope import SUPERVISOR, audit_read, may_read
from handoff.schedule import is_open, next_opening
from handoff.service import MAX_AGENT_MESSAGE_CHARS, TRANSCRIPT_FLUSH_SECONDS, HandoffError
from handoff.transcript import suggested_faq_key, transcript
from handoff.web_security import CSRF_HEADER, client_ip, csrf_ok, csrf_refused

MAX_CONVERSATION_ID_CHARS = 128
# Reading needs no CSRF check: another site's page cannot read our answers.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_STATUS = {
    "not_found": 404,
    "not_yours": 403,
    "unknown_team": 400,
    "invalid_json": 400,
    "empty_message": 400,
    "resolution_required": 400,
    "message_too_long": 413,
}

# Who may call the transcript read at all; which transcripts is reading_scope's rule.
READERS = frozenset({"agent", SUPERVISOR})

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def context(request: Request) -> HandoffContext:
    ctx: HandoffContext = request.app.ctx.handoff
    return ctx


def agent_call(roles: str | frozenset[str] = "agent") -> Callable[[Handler], Handler]:
    """Authenticate (a cookie's changes also need our Origin and the CSRF token), check
    the conversation id, and turn refusals into JSON errors."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapped(request: Request, **kwargs: Any) -> HTTPResponse:
            ctx = context(request)
            config = ctx.config.get()
            # Counted before the credentials are looked at: guessing tokens costs too.
            conversation_id = kwargs.get("conversation_id")
            wait = await RateLimiter(ctx.client, "api").retry_after(
                config.rate_limits,
                config.rate_limits.api,
                ip=client_ip(request),
                conversation=unquote(conversation_id) if conversation_id else None,
            )
            if wait is not None:
                return too_many_requests(wait)
            try:
                caller = await identify(ctx.client, config, request, roles)
            except Unauthenticated:
                return error_response("unauthenticated", 401)
            except Forbidden:
                return error_response("forbidden", 403)
            if caller.session_id is not None and request.method not in SAFE_METHODS:
                if not csrf_ok(request, caller.session_id, request.headers.get(CSRF_HEADER)):
                    return csrf_refused()
            agent = caller.agent
            if conversation_id is not None:
                # Sanic hands over the path segment still percent-encoded.
                conversation_id = kwargs["conversation_id"] = unquote(conversation_id)
            if conversation_id is not None and not (
                0 < len(conversation_id) <= MAX_CONVERSATION_ID_CHARS
            ):
                return error_response("not_found", 404)
            try:
                return await handler(request, agent, **kwargs)
            except HandoffError as error:
                return error_response(error.code, _STATUS.get(error.code, 409))
            except RasaUnavailable:
                return error_response("bot_unavailable", 503)

        return wrapped

    return decorate


def json_body(request: Request) -> dict[str, Any]:
    try:
        # The standard library's parser, not Sanic's request.json: ujson takes bytes that
        # are not UTF-8 and makes str objects of code points past U+10FFFF out of them,
        # which break whatever touches them later (bot/channels/rest.py).
        body = json.loads(request.body) if request.body else None
    except (ValueError, RecursionError) as error:
        raise HandoffError("invalid_json") from error
    if not isinstance(body, dict):
        raise HandoffError("invalid_json")
    return body


def message_text(body: dict[str, Any]) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise HandoffError("empty_message")
    if len(text) > MAX_AGENT_MESSAGE_CHARS:
        raise HandoffError("message_too_long")
    return text.strip()


async def queue_view(ctx: HandoffContext, agent: AgentConfig) -> dict[str, Any]:
    config = ctx.config.get()
    teams: dict[str, Any] = {}
    for key in agent.teams:
        team = config.teams.get(key)
        if team is None:
            continue
        now = datetime.now(timezone.utc)
        open_now = is_open(team, now)
        opening = None if open_now else next_opening(team, now)
        teams[key] = {
            "name": team.name,
            "open": open_now,
            "next_opening": opening.isoformat() if opening else None,
            "waiting": [entry.to_json() for entry in await ctx.service.waiting(key)],
        }
        await ctx.queue.mark_online(key, agent.id)
    mine = [handoff.to_json() for handoff in await ctx.queue.chats_of(agent.id)]
    return {"teams": teams, "mine": mine, "capacity": agent.max_chats}


def blueprint() -> Blueprint:
    api = Blueprint("handoff_api", url_prefix="/api")

    @api.get("/me")
    @agent_call()
    async def me(request: Request, agent: AgentConfig) -> HTTPResponse:
        return response.json(
            {
                "id": agent.id,
                "name": agent.name,
                "teams": list(agent.teams),
                "roles": sorted(agent.roles),
                "max_chats": agent.max_chats,
            }
        )

    @api.get("/queue")
    @agent_call()
    async def queue(request: Request, agent: AgentConfig) -> HTTPResponse:
        return response.json(await queue_view(context(request), agent))

    @api.get("/conversations/<conversation_id:str>")
    @agent_call(READERS)
    async def conversation(
        request: Request, agent: AgentConfig, conversation_id: str
    ) -> HTTPResponse:
        ctx = context(request)
        handoff = await ctx.service.require(conversation_id)
        allowed = await may_read(ctx.queue, agent, handoff)
        await audit_read(ctx.client, agent, conversation_id, allowed)
        if not allowed:
            return error_response("forbidden", 403)
        await ctx.service.transcripts.flush(conversation_id, TRANSCRIPT_FLUSH_SECONDS)
        events = await ctx.rasa.events(conversation_id)
        suggestion = None
        if found := suggested_faq_key(events):
            key, confidence = found
            entry = ctx.faq.get(key)
            if entry is not None:
                suggestion = {"key": key, "confidence": confidence, "answer": dict(entry.answer)}
        return response.json(
            {**handoff.to_json(), "transcript": transcript(events), "suggestion": suggestion}
        )

    @api.post("/conversations/<conversation_id:str>/claim")
    @agent_call()
    async def claim(request: Request, agent: AgentConfig, conversation_id: str) -> HTTPResponse:
        handoff = await context(request).service.claim(agent, conversation_id)
        return response.json(
            {"conversation_id": handoff.conversation_id, "state": handoff.state, "agent": agent.id}
        )

    @api.post("/conversations/<conversation_id:str>/messages")
    @agent_call()
    async def send(request: Request, agent: AgentConfig, conversation_id: str) -> HTTPResponse:
        text = message_text(json_body(request))
        seq = await context(request).service.send(agent, conversation_id, text)
        return response.json({"seq": seq})

    @api.post("/conversations/<conversation_id:str>/typing")
    @agent_call()
    async def typing(request: Request, agent: AgentConfig, conversation_id: str) -> HTTPResponse:
        on = bool(json_body(request).get("on"))
        await context(request).service.typing(agent, conversation_id, on)
        return response.json({"on": on})

    @api.post("/conversations/<conversation_id:str>/handback")
    @agent_call()
    async def hand_back(request: Request, agent: AgentConfig, conversation_id: str) -> HTTPResponse:
        await context(request).service.hand_back(agent, conversation_id)
        return response.json({"state": "bot"})

    @api.post("/conversations/<conversation_id:str>/close")
    @agent_call()
    async def close(request: Request, agent: AgentConfig, conversation_id: str) -> HTTPResponse:
        resolution = json_body(request).get("resolution")
        if not isinstance(resolution, str) or not resolution.strip():
            raise HandoffError("resolution_required")
        await context(request).service.close(agent, conversation_id, resolution.strip())
        return response.json({"state": "closed"})

    @api.post("/conversations/<conversation_id:str>/transfer")
    @agent_call()
    async def transfer(request: Request, agent: AgentConfig, conversation_id: str) -> HTTPResponse:
        team = json_body(request).get("team")
        if not isinstance(team, str):
            raise HandoffError("unknown_team")
        await context(request).service.transfer(agent, conversation_id, team)
        return response.json({"state": "queued", "team": team})

    return api
