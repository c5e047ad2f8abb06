"""The secret the Rasa server shows the action server, and the header that carries it.

Apart from bot/action_server.py so that the stack and the tests can name them without
importing rasa_sdk's web app.
"""

from __future__ import annotations

import hmac

SECRET_ENV = "ACTION_SERVER_SECRET"
# endpoints.yml's action_endpoint sends it (headers, from ${ACTION_SERVER_SECRET}).
ACTION_SECRET_HEADER = "X-Eva-Action-Secret"


def secret_matches(given: str | None, secret: bytes) -> bool:
    if given is None:
        return False
    # compare_digest takes as long whatever prefix matches: no guessing byte by byte.
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret)
