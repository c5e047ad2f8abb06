"""Rate limits on the public surfaces (handoff.yml `rate_limits`, issue #21): the REST
channel (on the Rasa server), the widget's socket and the agent API, each keyed on the
client's IP and on the conversation; and the failed identity checks allowed per IP
(counted by the action server, actions/identity_lockout.py).

Counted in Redis, so every process of every server shares the counts. A key's window
starts at its first request and is not extended by later ones (as for sign-in
failures), so a refused client is told exactly when to come back (Retry-After), and no
window boundary can let twice the limit through in a moment. Refused requests are
counted too: a client that keeps hammering stays refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio
from sanic import response
from sanic.response import HTTPResponse

from bot.failure_counts import key_part

KEY_PREFIX = "eva:rate"

# Both languages in every answer: an integration's log and a shopper's page alike.
TOO_MANY_REQUESTS = {
    "ko": "요청이 너무 많아요. 잠시 후 다시 시도해 주세요.",
    "en": "Too many requests. Please wait a moment and try again.",
}


@dataclass(frozen=True)
class SurfaceLimits:
    """Requests allowed per window from one IP, and for one conversation."""

    per_ip: int
    per_conversation: int


@dataclass(frozen=True)
class IdentityLimits:
    """Failed identity checks (an order number with a wrong e-mail or phone) allowed from
    one IP per window, on top of the lockout per order number and per contact.

    Failures, not checks, are counted: an office or a carrier's NAT is many shoppers who
    mostly type their own details right, while whoever tries many order numbers fails
    nearly every time. The window is hours, not the requests' minute: a guesser would
    just wait a minute."""

    failures_per_ip: int = 20
    window_seconds: int = 3600


@dataclass(frozen=True)
class RateLimits:
    window_seconds: int = 60
    # One IP can be a whole office or a mobile carrier's NAT, shared by hundreds of
    # shoppers who each type a few messages a minute; one conversation is one person
    # (or one integration acting for one).
    rest: SurfaceLimits = field(default_factory=lambda: SurfaceLimits(600, 30))
    # The widget's per-conversation limit is widget.messages_per_minute (older than
    # this section); per_ip counts socket openings and messages together.
    widget: SurfaceLimits = field(default_factory=lambda: SurfaceLimits(600, 30))
    # A console refetches its queue on queue events (at most 4 a second, debounced), so
    # a busy team's office of agents behind one IP, or a helpdesk integration acting for
    # many agents, makes thousands of calls a minute; one conversation's are few.
    api: SurfaceLimits = field(default_factory=lambda: SurfaceLimits(6000, 120))
    identity: IdentityLimits = field(default_factory=IdentityLimits)


SURFACES = ("rest", "widget", "api")


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: must be a whole number of at least 1, got {value!r}")
    return value


def _surface(value: Any, default: SurfaceLimits, where: str) -> SurfaceLimits:
    if value is None:
        return default
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: must be a mapping, got {type(value).__name__}")
    allowed = {"per_ip"} if where.endswith("widget") else {"per_ip", "per_conversation"}
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {sorted(allowed)}")
    return SurfaceLimits(
        per_ip=_whole(value.get("per_ip", default.per_ip), f"{where}.per_ip"),
        per_conversation=_whole(
            value.get("per_conversation", default.per_conversation), f"{where}.per_conversation"
        ),
    )


def _identity(value: Any, default: IdentityLimits) -> IdentityLimits:
    where = "rate_limits.identity"
    if value is None:
        return default
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: must be a mapping, got {type(value).__name__}")
    allowed = {"failures_per_ip", "window_seconds"}
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {sorted(allowed)}")
    return IdentityLimits(
        failures_per_ip=_whole(
            value.get("failures_per_ip", default.failures_per_ip), f"{where}.failures_per_ip"
        ),
        window_seconds=_whole(
            value.get("window_seconds", default.window_seconds), f"{where}.window_seconds"
        ),
    )


def parse_rate_limits(value: Any) -> RateLimits:
    """The `rate_limits` section (defaults when absent). ValueError names the bad key."""
    defaults = RateLimits()
    if value is None:
        return defaults
    if not isinstance(value, Mapping):
        raise ValueError(f"rate_limits: must be a mapping, got {type(value).__name__}")
    known = {"window_seconds", "identity", *SURFACES}
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        raise ValueError(
            f"rate_limits: unknown key(s) {', '.join(unknown)}; known: {sorted(known)}"
        )
    return RateLimits(
        window_seconds=_whole(
            value.get("window_seconds", defaults.window_seconds), "rate_limits.window_seconds"
        ),
        rest=_surface(value.get("rest"), defaults.rest, "rate_limits.rest"),
        widget=_surface(value.get("widget"), defaults.widget, "rate_limits.widget"),
        api=_surface(value.get("api"), defaults.api, "rate_limits.api"),
        identity=_identity(value.get("identity"), defaults.identity),
    )


# KEYS: counters. ARGV: window seconds, then each counter's limit.
# One round trip: the REST channel pays it on every message.
_HIT = """
local wait = 0
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  if count > tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
  end
end
return wait
"""


class RateLimiter:
    """Counts requests of one surface (rest, widget, api) in Redis."""

    def __init__(self, client: redis.asyncio.Redis, surface: str) -> None:
        self.client = client
        self.surface = surface
        self._hit = client.register_script(_HIT)

    def _key(self, kind: str, value: str) -> str:
        # Digests only: IPs and conversation ids are not kept in Redis as they are.
        return f"{KEY_PREFIX}:{self.surface}:{kind}:{key_part(kind, value)}"

    async def retry_after(
        self,
        limits: RateLimits,
        surface: SurfaceLimits,
        *,
        ip: str,
        conversation: str | None = None,
        conversation_limit: int | None = None,
    ) -> int | None:
        """Count one request; seconds to wait when it is over a limit, None to go on."""
        counters = {self._key("ip", ip): surface.per_ip}
        if conversation is not None:
            counters[self._key("conversation", conversation)] = (
                conversation_limit or surface.per_conversation
            )
        wait = await self._hit(
            keys=list(counters), args=[limits.window_seconds, *counters.values()]
        )
        return int(wait) or None


def too_many_requests(retry_after: int) -> HTTPResponse:
    """429 with Retry-After and the reason in Korean and English."""
    return response.json(
        {"error": "rate_limited", "message": TOO_MANY_REQUESTS, "retry_after": retry_after},
        status=429,
        headers={"Retry-After": str(retry_after)},
    )
