"""REST integrations (handoff.yml `rest:`, issue #21): who may write into a conversation
over the Rasa server's `POST /webhooks/rest/webhook`.

Each integration (a helpdesk, a shop app acting for its shoppers) has a name in
handoff.yml and its token in an environment variable the file names, and sends it as
`Authorization: Bearer <token>`. A conversation belongs to the integration that sent its
first message (its owner key in Redis); any other caller writing to that sender is
refused, so knowing or guessing a conversation id is not enough to write into it.

Outside production (the demo, `make run`) a caller without a token is the integration
ANONYMOUS, with conversations of its own. With EVA_ENV=production it is refused, and the
Rasa server does not start while an integration's token is missing or short.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio

from bot.production import Bilingual, is_production, secret_problems
from bot.tracker.keys import rest_owner_key
from handoff.passwords import token_sha256, verify_token

# The caller without a token, in the demo only; no configured integration may take it.
ANONYMOUS = "anonymous"
# The owner of every widget conversation (bot/channels/widget.py claims it on each
# turn), so no REST caller writes into one by its raw id; no integration may take it.
WIDGET = "widget"
RESERVED = (ANONYMOUS, WIDGET)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")


@dataclass(frozen=True)
class RestIntegration:
    name: str
    # The environment variable holding its token: secrets stay out of the file.
    token_env: str


@dataclass(frozen=True)
class RestSettings:
    integrations: tuple[RestIntegration, ...] = ()


def _integration(value: Any, where: str) -> RestIntegration:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: must be a mapping, got {type(value).__name__}")
    known = {"name", "token_env"}
    if unknown := sorted(str(key) for key in value if key not in known):
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {sorted(known)}")
    name, token_env = value.get("name"), value.get("token_env")
    if not isinstance(name, str) or not _NAME.match(name) or name in RESERVED:
        raise ValueError(
            f"{where}.name: must be 1 to 40 lowercase letters, digits, - or _ "
            f"(not {' or '.join(map(repr, RESERVED))}), got {name!r}"
        )
    if not isinstance(token_env, str) or not _ENV_NAME.match(token_env):
        raise ValueError(
            f"{where}.token_env: must name an environment variable (A-Z, 0-9, _), got {token_env!r}"
        )
    return RestIntegration(name, token_env)


def parse_rest(value: Any) -> RestSettings:
    """handoff.yml's `rest:` section (no integrations when absent); a ValueError says
    `where: what`."""
    if value is None:
        return RestSettings()
    if not isinstance(value, Mapping):
        raise ValueError(f"rest: must be a mapping, got {type(value).__name__}")
    if unknown := sorted(str(key) for key in value if key != "integrations"):
        raise ValueError(f"rest: unknown key(s) {', '.join(unknown)}; known: ['integrations']")
    items = value.get("integrations") or []
    if not isinstance(items, list):
        raise ValueError(f"rest.integrations: must be a list, got {type(items).__name__}")
    integrations: list[RestIntegration] = []
    for index, item in enumerate(items):
        integration = _integration(item, f"rest.integrations[{index}]")
        for other in integrations:
            if integration.name == other.name or integration.token_env == other.token_env:
                raise ValueError(
                    f"rest.integrations[{index}]: the same name or token_env as "
                    f"{other.name!r}; each integration needs its own"
                )
        integrations.append(integration)
    return RestSettings(tuple(integrations))


def caller(
    settings: RestSettings, token: str | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The integration a request acts as: the one whose token it sent, ANONYMOUS for no
    token outside production, else None (refused)."""
    env = os.environ if environ is None else environ
    if token is None:
        return None if is_production(env) else ANONYMOUS
    found = None
    for integration in settings.integrations:
        expected = env.get(integration.token_env, "").strip()
        # Every token is compared (in constant time, as digests), so how long the answer
        # takes tells nothing about which one came close; an unset token opens nothing.
        if expected and verify_token(token, token_sha256(expected)) and found is None:
            found = integration.name
    return found


def production_problems(
    settings: RestSettings, environ: Mapping[str, str] | None = None
) -> list[Bilingual]:
    """Each integration's token must be set and long; no two may share one."""
    env = os.environ if environ is None else environ
    problems: list[Bilingual] = []
    seen: dict[str, str] = {}
    for integration in settings.integrations:
        problems += secret_problems(integration.token_env, env)
        token = env.get(integration.token_env, "").strip()
        if token and (first := seen.setdefault(token, integration.name)) != integration.name:
            problems.append(
                Bilingual(
                    f"REST 연동 {first!r}와 {integration.name!r}의 토큰이 같아요. "
                    "연동마다 다른 토큰을 쓰세요.",
                    f"the REST integrations {first!r} and {integration.name!r} share a "
                    "token; give each its own.",
                )
            )
    return problems


# KEYS: the owner key. ARGV: the calling integration, seconds to keep the key.
# A claim with no conversation after it expires; the tracker save that follows takes
# the time to live off while the conversation is in progress (bot/in_progress.py), and
# retention gives it back once it has ended (handoff/retention.py). Using a
# conversation that has ended refreshes its time to live, as a new message would.
_CLAIM = """
local owner = redis.call('GET', KEYS[1])
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return ARGV[1]
end
if owner == ARGV[1] and redis.call('TTL', KEYS[1]) >= 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return owner
"""


class RestOwners:
    """Which integration each REST conversation belongs to, in Redis."""

    def __init__(self, client: redis.asyncio.Redis) -> None:
        self._claim = client.register_script(_CLAIM)

    async def owner(self, sender_id: str, integration: str, keep_seconds: int) -> str:
        """The conversation's owner: `integration` if it is new or its own."""
        owner = await self._claim(
            keys=[rest_owner_key(sender_id)], args=[integration, keep_seconds]
        )
        return owner if isinstance(owner, str) else bytes(owner).decode()
