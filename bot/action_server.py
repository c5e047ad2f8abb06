"""`python -m bot.action_server`: rasa_sdk's action server, on BIND_HOST, for Rasa only.

The action server trusts the tracker it is sent (a `verified_order_id` slot opens that
order), so whoever can call /webhook can read, cancel or dispute any order. Stock
rasa_sdk listens on every interface and asks nobody who they are; here it listens on
BIND_HOST (127.0.0.1 by default) and every call but /health must carry the secret it
shares with the Rasa server (ACTION_SERVER_SECRET, sent as the ACTION_SECRET_HEADER
header from endpoints.yml), compared in constant time.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.action_secret import ACTION_SECRET_HEADER, SECRET_ENV, secret_matches
from bot.production import Bilingual, is_production, refuse_to_start, secret_problems
from shop.identity import DEFAULT_SECRET_ENV as SHOP_TOKEN_SECRET_ENV

# Load balancers and `eva run` wait for this; it tells nothing about orders.
OPEN_PATHS = frozenset({"/health"})

REFUSED = {
    "error": "action_secret_required",
    "message": {
        "ko": "이 서버는 Eva의 Rasa 서버만 호출할 수 있어요(공유 비밀 헤더가 없거나 틀려요).",
        "en": "Only Eva's Rasa server may call this server "
        "(the shared secret header is missing or wrong).",
    },
}

COMPONENT = Bilingual("액션 서버", "action server")

logger = logging.getLogger(__name__)


def create_action_app(secret: str, actions_package: str = "actions") -> Sanic:
    """rasa_sdk's app for `actions_package`, refusing calls without `secret` (403)."""
    if not secret:
        raise ValueError("the action server needs a non-empty shared secret")
    key = secret.encode("utf-8")
    # No CORS: browsers have no business here, only the Rasa server.
    app: Sanic = create_app(actions_package, cors_origins=None)

    @app.on_request
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if secret_matches(request.headers.get(ACTION_SECRET_HEADER), key):
            return None
        # 401 for a call without the header (say who you are), 403 for a wrong one.
        status = 401 if ACTION_SECRET_HEADER not in request.headers else 403
        return response.json(REFUSED, status=status)

    return app


def startup_problems(secret: str) -> list[Bilingual]:
    if is_production():
        problems = secret_problems(SECRET_ENV)
        # Optional (without it shoppers prove orders by contact), but a short one could
        # be guessed and then sign any customer's token.
        if os.environ.get(SHOP_TOKEN_SECRET_ENV, "").strip():
            problems += secret_problems(SHOP_TOKEN_SECRET_ENV)
        return problems
    if not secret:
        return [
            Bilingual(
                f"{SECRET_ENV} 값이 없어요. Rasa 서버와 같은 값을 설정하세요(make run은 "
                "자동으로 만들어요).",
                f"{SECRET_ENV} is not set. Set the same value as the Rasa server's "
                "(make run makes one up).",
            )
        ]
    return []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__)
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--host", default=os.environ.get("BIND_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)

    secret = os.environ.get(SECRET_ENV, "").strip()
    if problems := startup_problems(secret):
        if not is_production():
            # Outside production a missing secret is a plain mistake, not a checklist.
            print("\n".join(f"{p.ko}\n{p.en}" for p in problems), file=sys.stderr)
            sys.exit(2)
        refuse_to_start(COMPONENT, problems)

    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger(APPLICATION_ROOT_LOGGER_NAME).setLevel(logging.INFO)
    utils.update_sanic_log_level()
    app = create_action_app(secret, args.actions)
    logger.info("Action server on http://%s:%d (calls need %s)", args.host, args.port, SECRET_ENV)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
