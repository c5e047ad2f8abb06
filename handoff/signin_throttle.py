"""Sign-in throttling for the console and the review inbox (handoff.yml `signin`).

Each sign-in runs a 16 MiB scrypt, so unthrottled password guessing both finds weak
passwords and fills two cores with a few dozen requests a second. Failed sign-ins are
counted in Redis per agent id and per client IP for `window_seconds` from the first
failure; at a limit the form answers 429 with Retry-After and runs no scrypt at all,
even for the right password, until the window ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio

from bot.failure_counts import add_failure, blocked_for, key_part

KEY_PREFIX = "eva:signin:failures"
KEYS = ("failures_per_account", "failures_per_ip", "window_seconds")

# Both languages whatever the UI language, as for a failed sign-in.
TOO_MANY = {
    "ko": "로그인 실패가 너무 많아요. 잠시 후 다시 시도해 주세요.",
    "en": "Too many failed sign-ins. Please wait a while and try again.",
}


@dataclass(frozen=True)
class SignInLimits:
    # Enough for an agent who mistypes a few times; far too few to guess a password.
    failures_per_account: int = 5
    # An office behind one address has several agents mistyping now and then.
    failures_per_ip: int = 20
    window_seconds: int = 900


def parse_signin_limits(value: Any) -> SignInLimits:
    """The `signin` section (defaults when absent). ValueError names the bad key."""
    if value is None:
        return SignInLimits()
    if not isinstance(value, Mapping):
        raise ValueError(f"signin: must be a mapping, got {type(value).__name__}")
    unknown = sorted(str(key) for key in value if key not in KEYS)
    if unknown:
        raise ValueError(f"signin: unknown key(s) {', '.join(unknown)}; known: {list(KEYS)}")
    numbers: dict[str, int] = {}
    for key in KEYS:
        number = value.get(key, getattr(SignInLimits(), key))
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"signin.{key}: must be a whole number of at least 1, got {number!r}")
        numbers[key] = number
    return SignInLimits(**numbers)


class SignInThrottle:
    def __init__(self, client: redis.asyncio.Redis, limits: SignInLimits) -> None:
        self.client = client
        self.limits = limits

    @staticmethod
    def _account_key(agent_id: str) -> str:
        return f"{KEY_PREFIX}:account:{key_part('account', agent_id)}"

    @staticmethod
    def _ip_key(ip: str) -> str:
        return f"{KEY_PREFIX}:ip:{key_part('ip', ip)}"

    async def retry_after(self, agent_id: str, ip: str) -> int | None:
        """Seconds to wait before this account may be tried from this IP; None: go on."""
        limits = {self._ip_key(ip): self.limits.failures_per_ip}
        if agent_id:
            limits[self._account_key(agent_id)] = self.limits.failures_per_account
        return await blocked_for(self.client, limits)

    async def record_failure(self, agent_id: str, ip: str) -> None:
        keys = [self._ip_key(ip)]
        if agent_id:
            keys.append(self._account_key(agent_id))
        await add_failure(self.client, keys, self.limits.window_seconds)
