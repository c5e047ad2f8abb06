"""The shared parts one web service process works with, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio

from bot.faq.store import FaqStore
from bot.outbox import Outbox
from handoff.config import LiveConfig
from handoff.queue import HandoffQueue
from handoff.rasa_api import RasaApi
from handoff.service import HandoffService


@dataclass
class HandoffContext:
    client: redis.asyncio.Redis
    config: LiveConfig
    queue: HandoffQueue
    rasa: RasaApi
    service: HandoffService
    faq: FaqStore

    @classmethod
    def build(
        cls, client: redis.asyncio.Redis, config: LiveConfig, rasa: RasaApi, faq: FaqStore
    ) -> HandoffContext:
        queue = HandoffQueue(client)
        service = HandoffService(queue, Outbox(client), rasa, config)
        return cls(client, config, queue, rasa, service, faq)
