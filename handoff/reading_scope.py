"""Who may read which conversation, and the audit of every transcript read (issue #21).

A transcript holds a shopper's words, order numbers and addresses: an agent reads the
conversations they hold or held, and those waiting in their teams' queues (to decide
whether to claim them). A supervisor reads every conversation. Every read of a
transcript, allowed or refused, leaves an audit line: in Redis (AUDIT_KEY, newest
first, the last AUDIT_KEEP kept) and in the web service's log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time

import redis.asyncio

from handoff.config import AgentConfig
from handoff.queue import QUEUED, Handoff, HandoffQueue

logger = logging.getLogger(__name__)

SUPERVISOR = "supervisor"
AUDIT_KEY = "eva:audit:transcript_reads"
AUDIT_KEEP = 100_000


def masked_id(conversation_id: str) -> str:
    """A conversation id as audit lines and logs show it: a digest, so the id (a secret
    that opens the conversation) is not written down, while an operator who has an id
    can still find its lines (sha256 of the id, first 16 hex digits)."""
    return "sha256:" + hashlib.sha256(conversation_id.encode()).hexdigest()[:16]


def is_supervisor(agent: AgentConfig) -> bool:
    return SUPERVISOR in agent.roles


async def may_read(queue: HandoffQueue, agent: AgentConfig, handoff: Handoff) -> bool:
    if is_supervisor(agent) or handoff.agent == agent.id:
        return True
    if handoff.state == QUEUED and handoff.team in agent.teams:
        return True
    return await queue.has_held(agent.id, handoff.conversation_id)


async def audit_read(
    client: redis.asyncio.Redis, agent: AgentConfig, conversation_id: str, allowed: bool
) -> None:
    line = json.dumps(
        {
            "at": round(time.time(), 3),
            "agent": agent.id,
            "conversation": masked_id(conversation_id),
            "allowed": allowed,
        }
    )
    async with client.pipeline(transaction=True) as pipe:
        pipe.lpush(AUDIT_KEY, line)
        pipe.ltrim(AUDIT_KEY, 0, AUDIT_KEEP - 1)
        await pipe.execute()
    logger.info("transcript read: %s", line)
