"""Plain HTTP to a web service started by the tests, with the headers the tests choose
(Host, Origin, Referer, Cookie); redirects are not followed, so the tests see them."""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from handoff.auth import SESSION_COOKIE

_CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def cookies(self) -> SimpleCookie:
        jar: SimpleCookie = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return jar

    def cookie(self, name: str) -> str | None:
        jar = self.cookies()
        return jar[name].value if name in jar else None

    def set_cookie_header(self, name: str) -> str:
        for header in self.headers.get_all("Set-Cookie") or []:
            if header.startswith(f"{name}="):
                return header
        return ""

    def json(self) -> Any:
        return json.loads(self.body)

    def csrf_token(self) -> str:
        """The CSRF token the page was rendered with."""
        found = _CSRF_META.search(self.body)
        assert found, "the page carries no CSRF token"
        return found.group(1)


def request(
    port: int,
    method: str,
    path: str,
    *,
    form: dict[str, str] | None = None,
    payload: Any = None,
    session: str | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    sent = dict(headers or {})
    body = None
    if form is not None:
        body = urlencode(form).encode("utf-8")
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    if payload is not None:
        body = json.dumps(payload).encode("utf-8")
        sent["Content-Type"] = "application/json"
    if body is not None:
        sent["Content-Length"] = str(len(body))
    if session:
        sent["Cookie"] = f"{SESSION_COOKIE}={session}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.putrequest(method, path, skip_host="Host" in sent)
        for name, value in sent.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        return Answer(answer.status, answer.headers, answer.read().decode("utf-8"))
    finally:
        connection.close()
