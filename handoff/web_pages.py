"""Server-rendered pages of the web service: the agent console (/agent) and the review
inbox (/editor) are each one `Pages`.

A `Pages` chooses the language (?lang=, its own language cookie, Accept-Language),
renders its Jinja2 templates (autoescaped; its own folder first, then web/shared/
templates/ with the base, sign-in and forbidden pages) with the security headers, and
serves its static files (its web/ folder, then web/shared/).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from sanic import Blueprint, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.language import SUPPORTED_LANGUAGES
from bot.stack import PROJECT_DIR
from handoff.web_security import content_security_policy, is_secure

SHARED_DIR = PROJECT_DIR / "web" / "shared"
STATIC_TYPES = frozenset({".js", ".css", ".svg", ".png", ".ico"})
LANGUAGES = SUPPORTED_LANGUAGES
LANG_COOKIE_SECONDS = 365 * 24 * 3600

# --- language -------------------------------------------------------------------------


def requested_language(request: Request) -> str | None:
    value = request.args.get("lang")
    return value if value in LANGUAGES else None


def from_accept_language(header: str) -> str:
    """ko for a browser that prefers Korean (ko, ko-KR ...), else en."""
    best, best_q = "", 0.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and q > best_q:
            best, best_q = tag.strip().lower(), q
    return "ko" if best.startswith("ko") else "en"


# --- responses ------------------------------------------------------------------------


def security_headers(request: Request) -> dict[str, str]:
    return {
        # Our own socket by PUBLIC_URL, never by the request's Host header.
        "Content-Security-Policy": content_security_policy(),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        # Pages carry shoppers' words and a signed-in state: keep them out of caches.
        "Cache-Control": "no-store",
    }


def redirect(to: str) -> HTTPResponse:
    return response.redirect(to, status=303, headers={"Cache-Control": "no-store"})


def set_cookie(
    reply: HTTPResponse,
    name: str,
    value: str,
    *,
    path: str,
    max_age: int,
    samesite: str,
    secure: bool,
) -> None:
    """An httponly cookie; max_age 0 clears it."""
    reply.cookies[name] = value
    cookie = reply.cookies[name]
    cookie["path"] = path
    cookie["httponly"] = True
    cookie["samesite"] = samesite
    cookie["max-age"] = max_age
    if secure:
        cookie["secure"] = True


async def serve_static(name: str, *folders: Path) -> HTTPResponse:
    """A plain file directly in one of `folders` (the first that has it): never one in a
    subfolder such as templates/, nothing above them."""
    for folder in folders:
        root = folder.resolve()
        path = (root / name).resolve()
        if path.parent == root and path.suffix in STATIC_TYPES and path.is_file():
            return await response.file(
                path, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
            )
    raise NotFound("no such file")


# --- one set of pages -----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Pages:
    """The pages under `root` (such as /agent), from the web/ folder `folder`.

    `strings` holds each language's texts; `strings[lang][title_key]` is the site's name
    that every page shows. `stylesheets` are linked from every page.
    """

    root: str
    folder: Path
    strings: Mapping[str, Mapping[str, str]]
    lang_cookie: str
    title_key: str
    stylesheets: tuple[str, ...]

    @functools.cached_property
    def templates(self) -> Environment:
        # Autoescaping everywhere: agent names and shoppers' words reach these pages.
        return Environment(
            loader=ChoiceLoader(
                [
                    FileSystemLoader(str(self.folder / "templates")),
                    FileSystemLoader(str(SHARED_DIR / "templates")),
                ]
            ),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def language(self, request: Request) -> str:
        """?lang= first, then the language cookie, then Accept-Language."""
        requested = requested_language(request)
        if requested:
            return requested
        cookie = request.cookies.get(self.lang_cookie)
        if cookie in LANGUAGES:
            return str(cookie)
        return from_accept_language(request.headers.get("accept-language", ""))

    def page(
        self, request: Request, template: str, status: int = 200, **values: Any
    ) -> HTTPResponse:
        lang = self.language(request)
        other = "en" if lang == "ko" else "ko"
        t = self.strings[lang]
        html = self.templates.get_template(template).render(
            lang=lang,
            other_lang=other,
            t=t,
            site_title=t[self.title_key],
            stylesheets=self.stylesheets,
            **values,
        )
        return response.html(html, status=status, headers=security_headers(request))

    def register(self, blueprint: Blueprint) -> None:
        """The language cookie (set by ?lang= on the pages) and {root}/static/<name>."""

        @blueprint.middleware("response")
        async def remember_language(request: Request, reply: HTTPResponse) -> None:
            requested = requested_language(request)
            if requested and reply is not None and request.path.startswith(self.root):
                set_cookie(
                    reply,
                    self.lang_cookie,
                    requested,
                    path=self.root,
                    max_age=LANG_COOKIE_SECONDS,
                    samesite="Lax",
                    secure=is_secure(request),
                )

        @blueprint.get(f"{self.root}/static/<name:str>")
        async def static_file(request: Request, name: str) -> HTTPResponse:
            return await serve_static(name, self.folder, SHARED_DIR)
