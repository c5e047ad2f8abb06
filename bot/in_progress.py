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

# KEYS: the conversation's keys, then ACTIVE_KEY. ARGV: now, conversation id. One
# command, so that a tracker save pays for one more, not five.
MARK_IN_PROGRESS = """
for i = 1, #KEYS - 1 do redis.call('PERSIST', KEYS[i]) end
redis.call('ZADD', KEYS[#KEYS], ARGV[1], ARGV[2])
"""
