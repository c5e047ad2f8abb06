"""The order store, the shop's policies and the token secret of the action server.

Created on first use from endpoints.yml and shop_policies.yml, so the action
server starts even when the shop's API is down; every use after that shares them.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from rasa_sdk import Tracker

from actions.conversation import message_metadata
from bot.stack import PROJECT_DIR
from shop.config import customer_token_secret, order_store_from_endpoints
from shop.identity import verify_customer_token
from shop.orders import OrderStore, StoreUnavailable
from shop.policies import ShopPolicies, load_policies

ENDPOINTS_ENV = "ENDPOINTS_PATH"
POLICIES_ENV = "SHOP_POLICIES_PATH"
# The widget passes the shop's signed customer token under this metadata key.
TOKEN_METADATA_KEY = "customer_token"
MAX_IDENTITY_TRIES = 3


def _endpoints_path() -> Path:
    return Path(os.environ.get(ENDPOINTS_ENV, PROJECT_DIR / "endpoints.yml"))


@lru_cache(maxsize=1)
def _store() -> OrderStore:
    return order_store_from_endpoints(_endpoints_path(), PROJECT_DIR)


def order_store() -> OrderStore:
    """The shop's order store; StoreUnavailable when it cannot be opened."""
    try:
        return _store()
    except StoreUnavailable:
        raise
    except (OSError, ValueError) as error:
        raise StoreUnavailable(f"order store could not be opened: {error}") from error


@lru_cache(maxsize=1)
def policies() -> ShopPolicies:
    path = os.environ.get(POLICIES_ENV)
    return load_policies(Path(path)) if path else load_policies()


@lru_cache(maxsize=1)
def _token_secret() -> bytes | None:
    # Read once: endpoints.yml and the environment do not change while the server runs.
    return customer_token_secret(_endpoints_path())


def now() -> datetime:
    return datetime.now(timezone.utc)


def token_customer_id(tracker: Tracker) -> str | None:
    """The customer a valid signed token in the latest message names, if any."""
    token = message_metadata(tracker, TOKEN_METADATA_KEY)
    if token is None:
        return None
    return verify_customer_token(token, _token_secret(), now())
