"""Failed identity checks, counted where a new conversation cannot reset them.

The order form's own counter (slot `identity_failures`) lives in one conversation, and
REST senders and widget sessions are chosen by the client: a fresh id used to give
three fresh guesses. So failures are also counted in Redis per order number and per
contact given, across all conversations, for LOCKOUT_SECONDS from the first failure.
Once any count reaches MAX_FAILURES the check is refused before the contact is even
compared, so a right guess after the limit opens nothing.

Unknown order numbers are counted like real ones, so the lockout itself tells nobody
which numbers exist. Keys hold digests, never an e-mail or phone number.

Someone with many order numbers and many contacts to try stays below every one of
those counts, so failures are also counted per client IP (handoff.yml
`rate_limits.identity`); the IP comes from the channel (bot/server_metadata.py).
"""

from __future__ import annotations

import redis.asyncio

from bot.failure_counts import add_failure, blocked_for, key_part
from handoff.rate_limits import IdentityLimits
from shop.identity import national_number

MAX_FAILURES = 3
# Long enough that trying the 10^4 numbers behind a masked label ("010-****-2251")
# takes over two years at three tries per order every six hours; short enough that a
# shopper who mistyped is let in again the same day (an agent can help sooner).
LOCKOUT_SECONDS = 6 * 3600
KEY_PREFIX = "eva:identity:failures"


def contact_identity(contact: str) -> str:
    """One value for every way of writing the same e-mail or phone number."""
    contact = contact.strip()
    if "@" in contact:
        return contact.lower()
    return national_number(contact) or contact


def failure_keys(order_id: str | None, contact: str) -> list[str]:
    """The Redis counters of failed checks for a contact and, if given, an order number."""
    keys = [f"{KEY_PREFIX}:contact:{key_part('contact', contact_identity(contact))}"]
    if order_id:
        keys.append(f"{KEY_PREFIX}:order:{key_part('order', order_id)}")
    return keys


class IdentityLockout:
    def __init__(
        self,
        client: redis.asyncio.Redis,
        per_ip: IdentityLimits,
        limit: int = MAX_FAILURES,
        seconds: int = LOCKOUT_SECONDS,
    ) -> None:
        self.client = client
        self.per_ip = per_ip
        self.limit = limit
        self.seconds = seconds

    async def locked(self, order_id: str | None, contact: str) -> bool:
        """Whether this order number or this contact has failed too often lately."""
        limits = {key: self.limit for key in failure_keys(order_id, contact)}
        return await blocked_for(self.client, limits) is not None

    @staticmethod
    def ip_key(ip: str) -> str:
        # The channels send a digest already; digested again so that whatever a caller
        # with the Rasa server's token put there makes a key of fixed length.
        return f"{KEY_PREFIX}:ip:{key_part('ip', ip)}"

    async def ip_paused(self, ip: str | None) -> bool:
        """Whether too many checks failed from this IP lately (never without an IP: only
        callers that hold the Rasa server's token send messages without one)."""
        if ip is None:
            return False
        limits = {self.ip_key(ip): self.per_ip.failures_per_ip}
        return await blocked_for(self.client, limits) is not None

    async def record_failure(self, order_id: str | None, contact: str, ip: str | None) -> bool:
        """Count a failed check; True when that reaches the order's or the contact's limit
        (the IP's refuses from the next check on)."""
        counts = await add_failure(self.client, failure_keys(order_id, contact), self.seconds)
        if ip is not None:
            await add_failure(self.client, [self.ip_key(ip)], self.per_ip.window_seconds)
        return max(counts) >= self.limit
