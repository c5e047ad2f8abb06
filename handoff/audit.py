"""Audit lines (issue #21): who read a transcript (handoff/reading_scope.py), what
`eva forget` deleted (handoff/forget.py). Each goes to a Redis list, newest first and the
last AUDIT_KEEP kept, and to the log. Conversation ids and e-mail addresses appear only
as digests: the audit must not keep what `eva forget` deletes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import redis.asyncio

logger = logging.getLogger(__name__)

AUDIT_KEEP = 100_000


def masked_id(conversation_id: str) -> str:
    """A conversation id (or an e-mail address) as audit lines and logs show it: a digest,
    so the id (a secret that opens the conversation) is not written down, while an
    operator who has an id can still find its lines (sha256 of the id, first 16 hex
    digits)."""
    return "sha256:" + hashlib.sha256(conversation_id.encode()).hexdigest()[:16]


async def write_audit(client: redis.asyncio.Redis, key: str, entry: dict[str, Any]) -> str:
    """Append one audit line to the list `key` and the log; the line."""
    line = json.dumps(entry, ensure_ascii=False)
    async with client.pipeline(transaction=True) as pipe:
        pipe.lpush(key, line)
        pipe.ltrim(key, 0, AUDIT_KEEP - 1)
        await pipe.execute()
    logger.info("audit %s: %s", key, line)
    return line
