"""Widget conversation ids, issued and signed by the web service (issue #21).

A widget conversation id opens the conversation: whoever presents it on the socket gets
its whole history replayed and can write into it. So the page never chooses one. A hello
without a valid signed id gets a fresh id from `secrets` with an HMAC-SHA256 signature
under WIDGET_ID_SECRET, and only an id that carries our signature is attached to its
conversation again. A raw id (as agents see it in the inbox, or guessed) is not enough.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Mapping

from bot.production import is_production

logger = logging.getLogger(__name__)

SECRET_ENV = "WIDGET_ID_SECRET"
# 24 random bytes: 192 bits, written as 32 characters that match the channel's SESSION_ID.
ID_BYTES = 24
# "<id>.<signature>": the signature is the 43 characters of an unpadded base64url SHA-256.
TOKEN = re.compile(r"([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{43})")
# Binds the key to this one use: the same secret signing anything else never makes an id.
PURPOSE = b"eva-widget-session\0"


class WidgetIds:
    def __init__(self, secret: str) -> None:
        self._key = secret.encode("utf-8")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> WidgetIds:
        """The secret from WIDGET_ID_SECRET. Production refuses to start without it
        (handoff/production_checks.py); a demo web service started alone makes one up,
        so its ids stop verifying when it restarts."""
        secret = (os.environ if environ is None else environ).get(SECRET_ENV, "").strip()
        if not secret:
            if is_production(environ):
                raise RuntimeError(f"{SECRET_ENV} is not set")
            logger.warning("%s is not set: widget ids last until this process ends", SECRET_ENV)
            secret = secrets.token_urlsafe(32)
        return cls(secret)

    def _signature(self, session_id: str) -> str:
        digest = hmac.new(self._key, PURPOSE + session_id.encode("ascii"), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")

    def issue(self) -> tuple[str, str]:
        """A fresh conversation id and the signed token the page presents on reconnect."""
        session_id = secrets.token_urlsafe(ID_BYTES)
        return session_id, f"{session_id}.{self._signature(session_id)}"

    def verify(self, token: object) -> str | None:
        """The conversation id of a token this service signed, else None."""
        found = TOKEN.fullmatch(token) if isinstance(token, str) else None
        if found is None:
            return None
        session_id, signature = found.groups()
        # Constant time: how long a wrong signature takes to refuse must not tell an
        # attacker how much of it was right.
        if not hmac.compare_digest(self._signature(session_id), signature):
            return None
        return session_id
