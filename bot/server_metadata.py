"""Message metadata that only Eva's channels write, never the shopper (issue #21).

The action server learns from a message's metadata where it came from: the client's
IP, for the per-IP limit on identity checks (actions/identity_lockout.py), and the
widget socket it arrived on, since a verified order holds only on the socket it was
proved on (actions/verification.py). The REST channel and the widget's socket set
these on every message from the connection itself and drop whatever a client sent
under the same names, so nobody can pass for another address or another socket.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.failure_counts import key_part

# A digest, not the address: metadata is kept in the tracker store and its transcripts.
CLIENT_IP_KEY = "client_ip_digest"
WIDGET_CONNECTION_KEY = "widget_connection"
SERVER_KEYS = frozenset({CLIENT_IP_KEY, WIDGET_CONNECTION_KEY})


def with_server_metadata(
    metadata: Mapping[str, Any] | None, ip: str, connection: str | None = None
) -> dict[str, Any]:
    """The client's metadata with the server's own keys set (or removed) here."""
    own = {key: value for key, value in (metadata or {}).items() if key not in SERVER_KEYS}
    own[CLIENT_IP_KEY] = key_part("ip", ip)
    if connection is not None:
        own[WIDGET_CONNECTION_KEY] = connection
    return own
