"""Sign-in and sign-out for a set of pages that one role may use (agent, editor).

Both the console and the review inbox sign in with the same agent accounts and the same
session cookie (see handoff.auth); each answers a different role.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from handoff.api import context
from handoff.auth import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    Forbidden,
    Unauthenticated,
    authenticate,
    check_password,
    end_session,
    start_session,
)
from handoff.config import AgentConfig, HandoffConfig
from handoff.malformed import form_fields
from handoff.passwords import hash_password, verify_password
from handoff.signin_throttle import TOO_MANY, SignInThrottle
from handoff.web_pages import Pages, redirect, set_cookie
from handoff.web_security import (
    CSRF_FIELD,
    CSRF_REFUSED,
    client_ip,
    csrf_ok,
    csrf_token,
    from_our_pages,
    is_secure,
    request_origin,
)

PageHandler = Callable[[Request, AgentConfig], Coroutine[Any, Any, HTTPResponse]]
Handler = Callable[[Request], Coroutine[Any, Any, HTTPResponse]]

# Longer input is no agent id or password of ours; refusing it early keeps a huge form
# from costing a scrypt run.
MAX_AGENT_ID_CHARS = 128
MAX_PASSWORD_CHARS = 1024

# Shown in both languages whatever the UI language: whoever failed to sign in may not
# read the one the browser asked for.
LOGIN_FAILED = {
    "ko": "아이디 또는 비밀번호가 맞지 않아요. 확인하고 다시 시도해 주세요.",
    "en": "That agent ID and password do not match. Please check them and try again.",
}


@functools.cache
def _decoy_hash() -> str:
    # Checked for unknown agent ids so that a failed sign-in takes as long as a wrong
    # password: the timing must not tell which agent ids exist.
    return hash_password(secrets.token_urlsafe(16))


async def _check(config: HandoffConfig, agent_id: str, password: str) -> AgentConfig | None:
    loop = asyncio.get_running_loop()
    # scrypt takes tens of milliseconds of CPU: off the event loop, so other agents'
    # live feeds do not stall while someone signs in.
    if agent_id not in config.agents:
        await loop.run_in_executor(None, verify_password, password, _decoy_hash())
        return None
    return await loop.run_in_executor(None, check_password, config, agent_id, password)


class SignIn:
    """{root}/login (GET, POST) and {root}/logout (POST) for `pages`, for agents with
    `role`; a signed-in one goes on to the page at {root}. `not_allowed` (both
    languages) tells an account without the role why it is refused."""

    def __init__(self, pages: Pages, role: str, not_allowed: Mapping[str, str]) -> None:
        self.pages = pages
        self.role = role
        self.home = pages.root
        self.login_path = f"{pages.root}/login"
        self.logout_path = f"{pages.root}/logout"
        self.not_allowed = not_allowed

    async def signed_in(self, request: Request) -> AgentConfig | None:
        """The agent behind the session cookie; None without one. Raises Forbidden."""
        ctx = context(request)
        try:
            return await authenticate(ctx.client, ctx.config.get(), request, self.role)
        except Unauthenticated:
            return None

    def page(self, handler: PageHandler) -> Handler:
        """A page for the role, handed the signed-in agent: anyone without a session is
        sent to sign in, an account without the role gets the 403 page."""

        @functools.wraps(handler)
        async def wrapped(request: Request) -> HTTPResponse:
            try:
                agent = await self.signed_in(request)
            except Forbidden:
                return self._forbidden(request, signed_in=True)
            if agent is None:
                return redirect(self.login_path)
            return await handler(request, agent)

        return wrapped

    def _forbidden(
        self, request: Request, *, signed_in: bool, message: Mapping[str, str] | None = None
    ) -> HTTPResponse:
        """403: the account lacks the role, or (`message`) the request is not our page's;
        with a logout button when it is signed in."""
        return self.render(
            request,
            "forbidden.html",
            403,
            message=message or self.not_allowed,
            signed_in=signed_in,
        )

    def render(
        self, request: Request, template: str, status: int = 200, **values: object
    ) -> HTTPResponse:
        """One of the pages, with the sign-in and logout paths its templates link to and,
        for a signed-in browser, the CSRF token its forms and scripts send back."""
        session_id = request.cookies.get(SESSION_COOKIE)
        return self.pages.page(
            request,
            template,
            status,
            login_path=self.login_path,
            logout_path=self.logout_path,
            csrf_token=csrf_token(session_id) if session_id else "",
            **values,
        )

    def register(self, blueprint: Blueprint) -> None:
        @blueprint.get(self.login_path)
        async def login_form(request: Request) -> HTTPResponse:
            try:
                if await self.signed_in(request) is not None:
                    return redirect(self.home)
            except Forbidden:
                pass  # signed in without the role: may sign in with another account
            return self.render(request, "login.html", 200, agent_id="", error=None)

        @blueprint.post(self.login_path)
        async def login(request: Request) -> HTTPResponse:
            ctx = context(request)
            config = ctx.config.get()
            # Another site's form must not sign this browser in to an account of its
            # choosing; a browser always names the page's origin, other clients may not.
            if request_origin(request) and not from_our_pages(request):
                return self._forbidden(request, signed_in=False, message=CSRF_REFUSED)
            form = form_fields(request)
            agent_id = form.get("agent_id", "").strip()
            shown_id = agent_id[:MAX_AGENT_ID_CHARS]
            password = form.get("password", "")
            throttle = SignInThrottle(ctx.client, config.signin)
            ip = client_ip(request)
            # Before the password is looked at: a blocked guesser learns nothing and
            # costs no scrypt.
            if (wait := await throttle.retry_after(shown_id, ip)) is not None:
                reply = self.render(request, "login.html", 429, agent_id=shown_id, error=TOO_MANY)
                reply.headers["Retry-After"] = str(wait)
                return reply
            agent = None
            if 0 < len(agent_id) <= MAX_AGENT_ID_CHARS and 0 < len(password) <= MAX_PASSWORD_CHARS:
                agent = await _check(config, agent_id, password)
            if agent is None:
                await throttle.record_failure(shown_id, ip)
                return self.render(
                    request, "login.html", 401, agent_id=shown_id, error=LOGIN_FAILED
                )
            if self.role not in agent.roles:
                return self._forbidden(request, signed_in=False)
            # A fresh id on every sign-in; whatever session this browser had is ended so
            # an id planted before sign-in can never become an agent's session.
            if old := request.cookies.get(SESSION_COOKIE):
                await end_session(ctx.client, old)
            session_id = await start_session(ctx.client, agent)
            reply = redirect(self.home)
            set_cookie(
                reply,
                SESSION_COOKIE,
                session_id,
                path="/",
                max_age=SESSION_SECONDS,
                samesite="Strict",
                secure=is_secure(request),
            )
            return reply

        @blueprint.post(self.logout_path)
        async def logout(request: Request) -> HTTPResponse:
            if session_id := request.cookies.get(SESSION_COOKIE):
                # Only our own logout button: another site must not end agents' sessions.
                if not csrf_ok(request, session_id, form_fields(request).get(CSRF_FIELD)):
                    return self._forbidden(request, signed_in=True, message=CSRF_REFUSED)
                await end_session(context(request).client, session_id)
            reply = redirect(self.login_path)
            set_cookie(
                reply,
                SESSION_COOKIE,
                "",
                path="/",
                max_age=0,
                samesite="Strict",
                secure=is_secure(request),
            )
            return reply
