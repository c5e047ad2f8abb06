"""Who may read which conversation, and the audit of every transcript read (issue #21).

A transcript holds a shopper's words, order numbers and addresses: an agent reads the
conversations they hold or held, and those waiting in their teams' queues (to decide
whether to claim them). A supervisor reads every conversation. Every read of a
transcript, allowed or refused, leaves an audit line: in Redis (AUDIT_KEY, newest
first, handoff/audit.py) and in the web service's log.
"""

from __future__ import annotations

import time

import redis.asyncio

from handoff.audit import masked_id, write_audit
from handoff.config import AgentConfig
from handoff.queue import QUEUED, Handoff, HandoffQueue

SUPERVISOR = "supervisor"
AUDIT_KEY = "eva:audit:transcript_reads"


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
    entry = {
        "at": round(time.time(), 3),
        "agent": agent.id,
        "conversation": masked_id(conversation_id),
        "allowed": allowed,
    }
    await write_audit(client, AUDIT_KEY, entry)
