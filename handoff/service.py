"""What agents do to a conversation, and what the shopper and the transcript see of it.

Every step keeps three places in agreement: the handoff state in Redis (handoff.queue),
the shopper's numbered messages (bot.outbox, which the widget's socket delivers) and
the Rasa tracker (pause/resume and every agent message, so there is one transcript).
An agent's message reaches the shopper first and the tracker right after, through
handoff.transcript_writer, so it never waits behind the bot's other conversations.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from bot.outbox import Outbox
from handoff.config import AgentConfig, HandoffConfig, LiveConfig
from handoff.notices import notice
from handoff.queue import BOT, CLOSED, QUEUED, WITH_AGENT, Handoff, HandoffQueue, Outcome
from handoff.rasa_api import RasaApi
from handoff.relay import push_typing
from handoff.transcript_writer import TranscriptWriter

MAX_AGENT_MESSAGE_CHARS = 2000
MAX_RESOLUTION_CHARS = 500
# Handing back waits this long for the agent's last messages to reach the tracker, so
# that the transcript keeps its order; after that the bot resumes anyway.
TRANSCRIPT_FLUSH_SECONDS = 10.0


class HandoffError(Exception):
    """A request the state does not allow; `code` says why (see handoff.queue.Outcome)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class QueueEntry:
    handoff: Handoff
    position: int

    def to_json(self) -> dict[str, Any]:
        return {**self.handoff.to_json(), "position": self.position}


def eta_minutes(position: int, minutes_per_chat: float, agents_online: int) -> int:
    return max(1, math.ceil(position * minutes_per_chat / max(1, agents_online)))


class HandoffService:
    def __init__(
        self, queue: HandoffQueue, outbox: Outbox, rasa: RasaApi, config: LiveConfig
    ) -> None:
        self.queue = queue
        self.outbox = outbox
        self.rasa = rasa
        self.transcripts = TranscriptWriter(queue.client, rasa)
        self.live_config = config

    @property
    def config(self) -> HandoffConfig:
        return self.live_config.get()

    async def require(self, conversation_id: str) -> Handoff:
        handoff = await self.queue.get(conversation_id)
        if handoff is None:
            raise HandoffError(Outcome.NOT_FOUND.value)
        return handoff

    async def waiting(self, team: str) -> list[QueueEntry]:
        return [
            QueueEntry(handoff, position)
            for position, handoff in enumerate(await self.queue.waiting(team), start=1)
        ]

    async def _system(self, handoff: Handoff, event: str, text: str, **extra: Any) -> None:
        await self.outbox.append(
            handoff.conversation_id,
            {"role": "system", "event": event, "text": text, "timestamp": time.time(), **extra},
        )

    async def announce_positions(self, team: str) -> None:
        """Tell everyone still waiting for `team` their new place and wait."""
        minutes = self.config.queue.minutes_per_chat
        online = await self.queue.online_agents(team)
        for entry in await self.waiting(team):
            eta = eta_minutes(entry.position, minutes, online)
            text = notice("queue", entry.handoff.language, position=entry.position, eta=eta)
            await self._system(
                entry.handoff, "queue", text, queue={"position": entry.position, "eta_minutes": eta}
            )
        await self.queue.publish({"type": "queue", "team": team})

    async def claim(self, agent: AgentConfig, conversation_id: str) -> Handoff:
        outcome = await self.queue.claim(
            conversation_id, agent.id, agent.max_chats, agent.teams, agent.name
        )
        if outcome is not Outcome.OK:
            raise HandoffError(outcome.value)
        handoff = await self.require(conversation_id)
        text = notice("agent_joined", handoff.language, agent=agent.name)
        await self._system(handoff, "agent_joined", text, agent={"name": agent.name})
        await self.queue.publish(
            {
                "type": "state",
                "conversation_id": conversation_id,
                "state": WITH_AGENT,
                "agent": agent.id,
                "team": handoff.team,
            }
        )
        await self.announce_positions(handoff.team)
        return handoff

    async def _own(self, agent: AgentConfig, conversation_id: str) -> Handoff:
        handoff = await self.require(conversation_id)
        if handoff.state == CLOSED:
            raise HandoffError(Outcome.ALREADY_CLOSED.value)
        if handoff.state != WITH_AGENT:
            raise HandoffError(Outcome.NOT_ACTIVE.value)
        if handoff.agent != agent.id:
            raise HandoffError(Outcome.NOT_YOURS.value)
        return handoff

    async def send(self, agent: AgentConfig, conversation_id: str, text: str) -> int:
        """An agent's message: to the shopper, and queued for the transcript."""
        handoff = await self._own(agent, conversation_id)
        sent = time.time()
        seq = await self.outbox.append(
            conversation_id,
            {"role": "agent", "text": text, "agent": {"name": agent.name}, "timestamp": sent},
        )
        await self.transcripts.append(
            conversation_id,
            [
                {
                    "event": "bot",
                    "text": text,
                    "timestamp": sent,
                    "metadata": {"agent": agent.id, "agent_name": agent.name},
                }
            ],
        )
        await push_typing(self.queue.client, conversation_id, "agent", False)
        await self.queue.publish(
            {
                "type": "agent_message",
                "conversation_id": conversation_id,
                "text": text,
                "agent": agent.id,
                "agent_name": agent.name,
                "seq": seq,
                "team": handoff.team,
                "timestamp": time.time(),
            }
        )
        return seq

    async def typing(self, agent: AgentConfig, conversation_id: str, on: bool) -> None:
        await self._own(agent, conversation_id)
        await push_typing(self.queue.client, conversation_id, "agent", on)

    async def _resume_bot(self, handoff: Handoff, event: str, text: str) -> None:
        await self.transcripts.flush(handoff.conversation_id, TRANSCRIPT_FLUSH_SECONDS)
        await self.rasa.append_events(
            handoff.conversation_id,
            [
                {"event": "resume", "timestamp": time.time()},
                {"event": "bot", "text": text, "timestamp": time.time()},
            ],
        )
        await self._system(handoff, event, text)
        await self.queue.publish(
            {
                "type": "state",
                "conversation_id": handoff.conversation_id,
                "state": BOT if event == "agent_left" else CLOSED,
                "team": handoff.team,
            }
        )

    async def hand_back(self, agent: AgentConfig, conversation_id: str) -> None:
        handoff = await self._own(agent, conversation_id)
        outcome = await self.queue.release(conversation_id, agent.id, BOT)
        if outcome is not Outcome.OK:
            raise HandoffError(outcome.value)
        await self._resume_bot(handoff, "agent_left", notice("agent_left", handoff.language))

    async def close(self, agent: AgentConfig, conversation_id: str, resolution: str) -> None:
        handoff = await self._own(agent, conversation_id)
        outcome = await self.queue.release(
            conversation_id, agent.id, CLOSED, resolution[:MAX_RESOLUTION_CHARS]
        )
        if outcome is not Outcome.OK:
            raise HandoffError(outcome.value)
        await self._resume_bot(handoff, "closed", notice("closed", handoff.language))

    async def transfer(self, agent: AgentConfig, conversation_id: str, team: str) -> None:
        if team not in self.config.teams:
            raise HandoffError("unknown_team")
        handoff = await self._own(agent, conversation_id)
        outcome = await self.queue.release(conversation_id, agent.id, QUEUED, team=team)
        if outcome is not Outcome.OK:
            raise HandoffError(outcome.value)
        team_name = self.config.teams[team].name.get(handoff.language, team)
        await self._system(
            handoff, "transferred", notice("transferred", handoff.language, team=team_name)
        )
        await self.announce_positions(team)
        await self.queue.publish(
            {"type": "state", "conversation_id": conversation_id, "state": QUEUED, "team": team}
        )

    async def drop_abandoned(self) -> list[str]:
        """Shoppers who left the queue long ago: the bot takes their conversation back."""
        dropped: list[str] = []
        for team in self.config.teams:
            gone = await self.queue.drop_abandoned(team, self.config.queue.abandon_after_seconds)
            for conversation_id in gone:
                handoff = await self.require(conversation_id)
                await self.rasa.append_events(
                    conversation_id, [{"event": "resume", "timestamp": time.time()}]
                )
                await self._system(handoff, "closed", notice("abandoned", handoff.language))
            if gone:
                await self.announce_positions(team)
            dropped.extend(gone)
        return dropped
