"""Who may call the Rasa server's HTTP API and our own webhooks on it: short-lived JWTs.

The secret is RASA_API_TOKEN. It never travels: the Rasa server gets it from the
environment (bot/server.py hands it to Rasa's `--jwt-secret` in-process, so `ps` does
not show it), and each caller sends `Authorization: Bearer <jwt>`, an HS256 token it
signs with the secret and that expires within minutes. Rasa's own token (`?token=`)
went into URLs, and so into access logs, proxies and shell histories, and was good
forever; Rasa is started without one, so a query token is refused.

The payload is what Rasa's JWT mode asks of an API caller with every right:
`{"user": {"username": ..., "role": "admin"}}`. Kept free of Rasa, so the web service
and `eva publish` can import it without loading Rasa.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import jwt

TOKEN_ENV = "RASA_API_TOKEN"
ALGORITHM = "HS256"
# Long enough for one call to queue behind a model load, short enough that a token
# copied from a log or a proxy is useless soon after.
LIFETIME_SECONDS = 300
# The web service and the Rasa server may run on different machines: their clocks may
# disagree by a little.
LEEWAY_SECONDS = 30
USERNAME = "eva"
AUTHORIZATION = "Authorization"


def mint(secret: str, lifetime: float = LIFETIME_SECONDS) -> str:
    """A JWT that Rasa and our webhooks accept until `lifetime` seconds from now."""
    now = int(time.time())
    payload = {
        "user": {"username": USERNAME, "role": "admin"},
        "iat": now,
        "exp": now + int(lifetime),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def bearer_headers(secret: str | None) -> dict[str, str]:
    """The header a caller sends; none without a secret (a server started without one)."""
    return {AUTHORIZATION: f"Bearer {mint(secret)}"} if secret else {}


def authorised(headers: Mapping[str, str], secret: str | None) -> bool:
    """Whether `headers` carry an unexpired admin JWT signed with `secret`.

    Without a secret nobody is: an endpoint that writes into conversations or replaces
    the model must not stay open because a setting is missing.
    """
    if not secret:
        return False
    scheme, _, token = (headers.get(AUTHORIZATION) or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        payload = jwt.decode(
            token.strip(),
            secret,
            # One algorithm only: a token must not choose how it is checked ("none").
            algorithms=[ALGORITHM],
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp"]},
        )
    # UnicodeError: Sanic keeps undecodable header bytes as lone surrogates, which PyJWT
    # cannot encode; that is a bad token, not a server error.
    except (jwt.PyJWTError, UnicodeError):
        return False
    user = payload.get("user")
    return isinstance(user, dict) and user.get("role") == "admin"


def rasa_arguments(environ: Mapping[str, str]) -> list[str]:
    """What `rasa run` is given in-process so that it checks these JWTs."""
    secret = environ.get(TOKEN_ENV, "")
    # One argument: a secret may begin with "-", which argparse would otherwise take for
    # an option and exit with a usage error.
    return [f"--jwt-secret={secret}", f"--jwt-method={ALGORITHM}"] if secret else []
