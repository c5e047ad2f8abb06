"""The running Rasa server's HTTP API, as publishing uses it (`rasa run --enable-api`).

GET /status names the live model and POST /model/parse scores it without loading it
here. A model file is loaded through our model-swap channel (bot/channels/model_swap.py):
unlike Rasa's own PUT /model, which loads on the server's event loop and makes every
conversation wait for it, it loads in a worker thread and then swaps the agent.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import api_auth

DEFAULT_URL = "http://localhost:5005"
# Loading a model means reading and unpacking ~150 MB and building TensorFlow graphs.
LOAD_TIMEOUT = 600.0
CALL_TIMEOUT = 60.0


class ServerError(Exception):
    """The server could not be reached (`status` None) or refused a call."""

    def __init__(self, url: str, call: str, status: int | None, detail: str) -> None:
        super().__init__(f"{call} {url}: {status} {detail}")
        self.url = url
        self.call = call
        self.status = status
        self.detail = detail

    @property
    def unauthorized(self) -> bool:
        return self.status in (401, 403)


@dataclass(frozen=True)
class LiveModel:
    file: str
    model_id: str


def _detail(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:300]
    if isinstance(document, dict):
        message = document.get("message")
        if isinstance(message, dict):
            # Our channels answer in both languages (bot/channels/json_requests.py).
            return " / ".join(str(text) for text in message.values())[:300]
        return str(message or document.get("reason") or document)[:300]
    return str(document)[:300]


class RasaServer:
    def __init__(self, url: str | None = None, secret: str | None = None) -> None:
        self.url = (url or os.environ.get("RASA_URL") or DEFAULT_URL).rstrip("/")
        # The secret signs a short-lived JWT for each call (bot/api_auth.py); it is never
        # sent itself, nor put in a URL.
        self.secret = secret if secret is not None else os.environ.get(api_auth.TOKEN_ENV) or None

    def _call(
        self, method: str, path: str, payload: Any = None, timeout: float = CALL_TIMEOUT
    ) -> tuple[int, bytes]:
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        headers = api_auth.bearer_headers(self.secret)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method=method, headers=headers
        )
        call = f"{method} {path}"
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                return int(reply.status), reply.read()
        except urllib.error.HTTPError as error:
            raise ServerError(self.url, call, error.code, _detail(error.read())) from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ServerError(self.url, call, None, str(reason)) from error

    def live_model(self) -> LiveModel | None:
        """The loaded model, or None when the server runs without one."""
        try:
            _, body = self._call("GET", "/status")
        except ServerError as error:
            # Rasa answers 409 Conflict to /status while no model is loaded.
            if error.status == 409:
                return None
            raise
        document = json.loads(body)
        return LiveModel(file=str(document.get("model_file")), model_id=str(document["model_id"]))

    def parse(self, text: str) -> dict[str, Any]:
        _, body = self._call("POST", "/model/parse", {"text": text})
        result: dict[str, Any] = json.loads(body)
        return result

    def load_model(self, path: Path) -> None:
        """Load by absolute path; the server must see the same file system."""
        self._call(
            "PUT",
            "/webhooks/model_swap/model",
            {"model_file": str(path.resolve())},
            timeout=LOAD_TIMEOUT,
        )
