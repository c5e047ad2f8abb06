"""JSON requests for tests, with error statuses returned instead of raised."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def send_json(
    method: str,
    url: str,
    payload: Any = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """The status and the JSON answer (None for an empty one) of one call."""
    data = raw if raw is not None else json.dumps(payload).encode("utf-8")
    sent = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post_json(
    url: str, payload: Any, raw: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    return send_json("POST", url, payload, raw, headers)
