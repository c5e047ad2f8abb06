"""Conversations in progress, for retention (issue #21).

A conversation's keys carry no time to live while it is in progress, so a volatile-*
maxmemory policy (bot/redis_limits.py) never evicts them, and the conversation is
listed in ACTIVE_KEY, scored by when it last moved. The web service's retention
sweeper (handoff/retention.py) ends a conversation idle for long enough: its keys then
get the configured retention as their time to live. A shopper who comes back makes it
in progress again: every tracker save and every outbox message removes the time to
live and lists the conversation anew.
"""

from __future__ import annotations

ACTIVE_KEY = "eva:retention:active"
