"""Shopper messages of a handed-off conversation, passed on to the agents' consoles.

Rasa records them either way (the paused bot just does not answer); this makes them
reach the agent at once, whichever channel the shopper writes on.
"""

from __future__ import annotations

import time

from handoff.queue import HandoffQueue


async def relay_to_agents(
    queue: HandoffQueue, conversation_id: str, text: str, seq: int | None = None
) -> bool:
    """Publish the message when the conversation is queued or with an agent."""
    return await queue.relay(
        conversation_id,
        {
            "type": "shopper_message",
            "conversation_id": conversation_id,
            "text": text,
            "seq": seq,
            "timestamp": time.time(),
        },
    )
