"""Which order store the action server uses: the `order_store:` section of endpoints.yml.

    order_store:
      type: demo                        # SQLite, seeded from data/demo/orders.yml
      database: .run/orders.sqlite      # optional; env ORDER_DB_PATH overrides it
      seed: data/demo/orders.yml        # optional
      reseed: true                      # optional; false keeps the demo's changes
      customer_token_env: SHOP_CUSTOMER_TOKEN_SECRET   # optional, this is the default

    order_store:
      type: http                        # the shop's REST API (shop.http_store)
      url: https://shop.example.com/api/v1     # ${VAR} is expanded
      token_env: SHOP_API_TOKEN         # the env variable holding the API token
      timeout: 5                        # seconds, optional (default 5)

Secrets never go in the file, only the names of the environment variables that
hold them. Without an `order_store:` section the demo store is used, so a fresh
checkout works; a typo in the section (unknown key or type) is an error, so a
production setting is never silently replaced by the demo.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from shop.demo_store import DemoOrderStore
from shop.http_store import HttpOrderStore
from shop.identity import DEFAULT_SECRET_ENV, token_secret_from_env
from shop.orders import OrderStore

SECTION = "order_store"
ORDER_DB_PATH_ENV = "ORDER_DB_PATH"
DEFAULT_DATABASE = Path(".run/orders.sqlite")
DEFAULT_SEED = Path("data/demo/orders.yml")
DEFAULT_TIMEOUT_SECONDS = 5.0

_COMMON_KEYS = {"type", "customer_token_env"}
_DEMO_KEYS = _COMMON_KEYS | {"database", "seed", "reseed"}
_HTTP_KEYS = _COMMON_KEYS | {"url", "token_env", "timeout"}
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ShopConfigError(ValueError):
    """An order store setting that cannot be used; names the file and the key."""


@dataclass(frozen=True)
class DemoStoreSettings:
    database: Path
    seed: Path
    reseed: bool


@dataclass(frozen=True)
class HttpStoreSettings:
    url: str
    token_env: str
    timeout_seconds: float


def _section(endpoints_path: Path) -> dict[str, Any] | None:
    try:
        document = yaml.safe_load(endpoints_path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ShopConfigError(f"{endpoints_path}: cannot read: {error}") from error
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise ShopConfigError(f"{endpoints_path}: not readable YAML: {error}") from error
    if document is None:
        return None
    if not isinstance(document, dict):
        raise ShopConfigError(f"{endpoints_path}: expected a mapping at the top level")
    section = document.get(SECTION)
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ShopConfigError(f"{endpoints_path}: {SECTION}: expected a mapping")
    return section


def _expand(value: str, key: str, where: Path, environ: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if not environ.get(name):
            raise ShopConfigError(f"{where}: {SECTION}.{key}: environment variable {name} is unset")
        return environ[name]

    return _ENV_REFERENCE.sub(replace, value)


def _text(section: Mapping[str, Any], key: str, where: Path, default: str | None = None) -> str:
    value = section.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ShopConfigError(f"{where}: {SECTION}.{key}: expected text, got {value!r}")
    return value.strip()


def load_order_store_settings(
    endpoints_path: Path, project_dir: Path, environ: Mapping[str, str] | None = None
) -> DemoStoreSettings | HttpStoreSettings:
    """The store settings from endpoints.yml (and the environment), checked."""
    env = os.environ if environ is None else environ
    section = _section(endpoints_path) or {"type": "demo"}
    kind = section.get("type", "demo")
    known = {"demo": _DEMO_KEYS, "http": _HTTP_KEYS}.get(str(kind))
    if known is None:
        raise ShopConfigError(
            f"{endpoints_path}: {SECTION}.type: expected 'demo' or 'http', got {kind!r}"
        )
    unknown = sorted(str(key) for key in section if key not in known)
    if unknown:
        raise ShopConfigError(
            f"{endpoints_path}: {SECTION}: unknown key(s) for type {kind}: {', '.join(unknown)}"
        )
    if kind == "demo":
        database = env.get(ORDER_DB_PATH_ENV) or _expand(
            _text(section, "database", endpoints_path, str(DEFAULT_DATABASE)),
            "database",
            endpoints_path,
            env,
        )
        seed = _text(section, "seed", endpoints_path, str(DEFAULT_SEED))
        reseed = section.get("reseed", True)
        if not isinstance(reseed, bool):
            raise ShopConfigError(
                f"{endpoints_path}: {SECTION}.reseed: expected true or false, got {reseed!r}"
            )
        return DemoStoreSettings(
            database=project_dir / database, seed=project_dir / seed, reseed=reseed
        )
    url = _expand(_text(section, "url", endpoints_path), "url", endpoints_path, env)
    timeout = section.get("timeout", DEFAULT_TIMEOUT_SECONDS)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ShopConfigError(
            f"{endpoints_path}: {SECTION}.timeout: expected seconds > 0, got {timeout!r}"
        )
    return HttpStoreSettings(
        url=url,
        token_env=_text(section, "token_env", endpoints_path),
        timeout_seconds=float(timeout),
    )


def order_store_from_endpoints(
    endpoints_path: Path,
    project_dir: Path,
    environ: Mapping[str, str] | None = None,
    now: Callable[[], datetime] | None = None,
) -> OrderStore:
    """A ready-to-use store: the demo store is opened (and by default reseeded)."""
    env = os.environ if environ is None else environ
    settings = load_order_store_settings(endpoints_path, project_dir, env)
    if isinstance(settings, DemoStoreSettings):
        store = DemoOrderStore(
            settings.database, settings.seed, now or (lambda: datetime.now(timezone.utc))
        )
        store.open(reseed=settings.reseed)
        return store
    token = env.get(settings.token_env, "").strip()
    if not token:
        raise ShopConfigError(
            f"{endpoints_path}: {SECTION}.token_env: environment variable "
            f"{settings.token_env} (the order store API token) is unset or empty"
        )
    return HttpOrderStore(settings.url, token, settings.timeout_seconds)


def customer_token_secret(
    endpoints_path: Path, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """The widget's token secret, from the variable `customer_token_env` names.

    None when the variable is unset: signed tokens are then ignored and shoppers
    identify themselves with an order number and its e-mail or phone.
    """
    section = _section(endpoints_path) or {}
    variable = _text(section, "customer_token_env", endpoints_path, DEFAULT_SECRET_ENV)
    return token_secret_from_env(variable, environ)
