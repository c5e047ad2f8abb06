"""Every message of a conversation, numbered and kept in Redis for replay.

The widget's live channel, the handoff service and anything else that shows the
shopper a message write it here; the socket serving the shopper reads it back from
the last number the page saw. Numbering and storing happen in one Lua script, so
writers in different processes can never produce a gap or an out-of-order number.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio

from bot.in_progress import ACTIVE_KEY

KEEP_MESSAGES = 500
# How long an ended conversation's messages stay for replay, unless retention is shorter.
KEEP_SECONDS = 7 * 24 * 3600
NOTIFY_CHANNEL = "eva:outbox:notify"

# KEYS: stream, counter, conversations in progress. ARGV: message JSON, max length,
# notify channel, sender, now. The conversation is in progress: its messages carry no
# time to live until retention ends it (bot/in_progress.py).
_APPEND = """
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], seq .. '-1', 'm', ARGV[1])
redis.call('PERSIST', KEYS[1])
redis.call('PERSIST', KEYS[2])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return seq
"""


def stream_key(sender_id: str) -> str:
    return f"eva:outbox:{sender_id}"


def counter_key(sender_id: str) -> str:
    return f"eva:outbox:{sender_id}:seq"


@dataclass(frozen=True)
class StoredMessage:
    seq: int
    body: dict[str, Any]

    def frame(self) -> dict[str, Any]:
        return {"type": "message", "seq": self.seq, **self.body}


class Outbox:
    def __init__(self, client: redis.asyncio.Redis) -> None:
        self._client = client
        self._append = client.register_script(_APPEND)

    async def append(self, sender_id: str, body: dict[str, Any]) -> int:
        """Store one message (role, text, ...) and wake whoever serves this shopper."""
        keys = [stream_key(sender_id), counter_key(sender_id), ACTIVE_KEY]
        args = [
            json.dumps(body, ensure_ascii=False),
            KEEP_MESSAGES,
            NOTIFY_CHANNEL,
            sender_id,
            time.time(),
        ]
        return int(await self._append(keys=keys, args=args))

    async def after(self, sender_id: str, seq: int) -> list[StoredMessage]:
        """Every kept message numbered above `seq`, oldest first."""
        entries = await self._client.xrange(stream_key(sender_id), min=f"{seq + 1}-0")
        return [
            StoredMessage(int(entry_id.split("-")[0]), json.loads(fields["m"]))
            for entry_id, fields in entries
        ]

    async def last_seq(self, sender_id: str) -> int:
        value = await self._client.get(counter_key(sender_id))
        return int(value) if value else 0
