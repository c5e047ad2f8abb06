"""Where the web service says it lives (PUBLIC_URL), and the checks that rest on it:
CSRF tokens and Origin checks for cookie-authenticated requests, HSTS, Secure cookies.

A browser attaches the session cookie to a request whatever page sent it, so a cookie
alone does not prove that our console or inbox made the request. Two checks together
do (issue #21): the request names our public origin (Origin, or Referer when a browser
left Origin out), and it carries a token that only a page of ours could have read.
Bearer-token calls need neither: no browser sends a bearer token by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from urllib.parse import urlsplit

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
HSTS = "max-age=31536000"

CSRF_REFUSED = {
    "ko": "이 요청이 상담원 페이지에서 온 것인지 확인할 수 없어요. 페이지를 새로 고친 뒤 다시 "
    "시도해 주세요.",
    "en": "This request could not be confirmed as coming from the agent pages. Please reload "
    "the page and try again.",
}


def public_url() -> str:
    """Where shoppers' browsers reach this service: PUBLIC_URL (set it behind a proxy),
    else this machine's port. Never the request's Host header: anyone can send any Host,
    and the demo page shares its origin with the agent console."""
    configured = os.environ.get("PUBLIC_URL") or os.environ.get("WEB_PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    return f"http://localhost:{os.environ.get('WEB_PORT', '8080')}"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def public_origins() -> frozenset[str]:
    """The origins our own pages are served from."""
    origins = {_origin_of(public_url())}
    if not (os.environ.get("PUBLIC_URL") or os.environ.get("WEB_PUBLIC_URL")):
        # The demo without a PUBLIC_URL: the same port is as often opened as 127.0.0.1.
        origins.add(f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8080')}")
    return frozenset(origins)


def uses_https() -> bool:
    """Whether the public address is https: then cookies are Secure and HSTS is sent,
    whatever scheme the request reached us with (a TLS proxy speaks http to us)."""
    return public_url().lower().startswith("https://")


def is_secure(request: Request) -> bool:
    return uses_https() or request.scheme in ("https", "wss")


def client_ip(request: Request) -> str:
    """The caller's address: the proxy's forwarded one when Sanic is told to trust it
    (SANIC_PROXIES_COUNT / SANIC_REAL_IP_HEADER), else the socket's peer."""
    return str(request.remote_addr or request.ip or "")


def request_origin(request: Request) -> str:
    """The origin the browser says the request came from: Origin, else Referer's."""
    origin = str(request.headers.get("origin") or "")
    if origin and origin != "null":
        return origin.rstrip("/").lower()
    referer = str(request.headers.get("referer") or "")
    return _origin_of(referer) if referer else ""


def from_our_pages(request: Request) -> bool:
    return request_origin(request) in public_origins()


def csrf_token(session_id: str) -> str:
    """The token a page of this session sends back. Derived from the session id (which
    is random and never readable by scripts, the cookie being httponly), so every web
    service process on the same Redis computes the same one without storing it, and it
    ends with the session."""
    return hashlib.sha256(f"eva-csrf\0{session_id}".encode()).hexdigest()


def csrf_ok(request: Request, session_id: str, sent: str | None) -> bool:
    """Origin (or Referer) is ours and `sent` is this session's token."""
    if not sent or not from_our_pages(request):
        return False
    return hmac.compare_digest(sent.encode(), csrf_token(session_id).encode())


def csrf_refused() -> HTTPResponse:
    return response.json({"error": "csrf", "message": CSRF_REFUSED}, status=403)


def content_security_policy() -> str:
    """Every page's policy, the demo shop's included: scripts and styles only from files
    of ours (the widget styles its shadow root through CSSOM, which the policy allows),
    nothing framing us."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {websocket_sources()}; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def websocket_sources() -> str:
    """connect-src entries for our own socket: older browsers do not count ws(s):// as
    'self'."""
    sources = []
    for origin in sorted(public_origins()):
        scheme, _, host = origin.partition("://")
        sources.append(f"{'wss' if scheme == 'https' else 'ws'}://{host}")
    return " ".join(sources)
