"""A JSON POST for tests, with error statuses returned instead of raised."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def post_json(
    url: str, payload: Any, raw: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(payload).encode("utf-8")
    sent = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(url, data=data, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
