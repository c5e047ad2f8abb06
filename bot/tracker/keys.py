"""The Redis keys of one conversation's tracker and lock, for the stores that write them
and for retention and `eva forget`, which must find every one of them (issue #21)."""

from __future__ import annotations

# endpoints.yml's key_prefix for the tracker and lock stores.
DEFAULT_PREFIX = "eva"


def events_key(sender_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}:events:{sender_id}"


def window_key(sender_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}:window:{sender_id}"


def legacy_key(sender_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Where Rasa's stock RedisTrackerStore kept the whole tracker as one string."""
    return f"{prefix}:tracker:{sender_id}"


def lock_keys(sender_id: str, prefix: str = DEFAULT_PREFIX) -> list[str]:
    """The lock's tickets (sorted set) and its ticket counter."""
    base = f"{prefix}:lock:{sender_id}"
    return [f"{base}:tickets", f"{base}:next"]


def rest_owner_key(sender_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Which REST integration started the conversation (handoff/rest_integrations.py):
    only that one may write into it."""
    return f"{prefix}:rest:owner:{sender_id}"
