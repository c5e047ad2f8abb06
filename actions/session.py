"""A new session starts in the page's language and keeps what the shopper already told,
but not an order or its proof: those belong to whoever was writing then (issue #21).

The language slot normally follows the shopper's words; a conversation that begins
with a button click (a payload, which skips NLU) has no words yet, so the language
the widget or REST client reports in the metadata decides.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import handoff_queue
from actions.verification import PROVED_SLOTS
from bot.language import normalise_language
from handoff.queue import HANDED_OFF

SESSION_METADATA_SLOT = "session_started_metadata"
NOT_CARRIED = frozenset({SESSION_METADATA_SLOT, *PROVED_SLOTS})


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        # session_config.carry_over_slots_to_new_session is on: keep every other set slot.
        carried = {
            name: value
            for name, value in tracker.slots.items()
            if value is not None and name not in NOT_CARRIED
        }
        metadata = tracker.get_slot(SESSION_METADATA_SLOT) or {}
        page_language = normalise_language(metadata.get("language"))
        spoke_before = any(event.get("event") == "user" for event in tracker.events)
        if page_language and not spoke_before:
            carried["language"] = page_language
        return [
            SessionStarted(),
            *(SlotSet(name, value) for name, value in carried.items()),
            # A new session un-pauses the bot; a person still has this conversation.
            *([ConversationPaused()] if await self._with_a_person(tracker) else []),
            ActionExecuted("action_listen"),
        ]

    @staticmethod
    async def _with_a_person(tracker: Tracker) -> bool:
        try:
            return await handoff_queue().state(tracker.sender_id) in HANDED_OFF
        except redis.RedisError:
            return False
