"""Asking for a person: join the team's queue when it is staffed, else leave a ticket.

The queue and the tickets live in Redis (handoff.queue, handoff.tickets); the web
service on :8080 serves them to agents. While queued or with an agent the bot is
paused, so it stays silent until the agent hands the conversation back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis.asyncio
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import language_of
from actions.redis_connection import redis_client
from handoff.audit import masked_id
from handoff.config import HandoffConfig, LiveConfig, TeamConfig, config_path
from handoff.queue import HandoffQueue
from handoff.schedule import format_moment, is_open, next_opening
from handoff.service import eta_minutes
from handoff.tickets import create_ticket, outbox_from_environment
from shop.identity import extract_contact

logger = logging.getLogger(__name__)

TICKET_SLOTS = ("ticket_kind", "ticket_contact", "ticket_message")
MAX_TICKET_MESSAGE_CHARS = 4000

live_config = LiveConfig(config_path())
_queue: HandoffQueue | None = None


def handoff_queue() -> HandoffQueue:
    global _queue
    if _queue is None:
        _queue = HandoffQueue(redis_client())
    return _queue


def shopper_timezone(tracker: Tracker, team: TeamConfig) -> ZoneInfo:
    """The time zone the widget reported for the shopper's browser, else the team's."""
    name = (tracker.latest_message.get("metadata") or {}).get("timezone")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return team.timezone


def shopper_words(tracker: Tracker) -> str:
    """What the shopper said about their problem: the last words that were not "agent!"."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        text = event.get("text") or ""
        if intent != "request_agent" and text and not text.startswith("/"):
            return str(text)
    return str(tracker.latest_message.get("text") or "")


class ActionRequestAgent(Action):
    def name(self) -> str:
        return "action_request_agent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        config = live_config.get()
        team = config.team_for_language(language)
        now = datetime.now(timezone.utc)
        reset = [SlotSet("agent_offered", False)]
        if not is_open(team, now):
            opening = next_opening(team, now)
            shown = (
                format_moment(opening, language, shopper_timezone(tracker, team))
                if opening
                else "-"
            )
            dispatcher.utter_message(response="utter_handoff_closed", opening=shown)
            return reset
        try:
            position, eta = await self._enqueue(tracker, config, team, language)
        except redis.RedisError:
            logger.exception("could not queue %s for an agent", masked_id(tracker.sender_id))
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return reset
        dispatcher.utter_message(response="utter_handoff_queued", position=position, eta=eta)
        # Machine-readable twin of the notice: the widget shows a "waiting" state from it.
        dispatcher.utter_message(
            json_message={"handoff": {"event": "queue", "position": position, "eta_minutes": eta}}
        )
        return [*reset, ConversationPaused()]

    async def _enqueue(
        self, tracker: Tracker, config: HandoffConfig, team: TeamConfig, language: str
    ) -> tuple[int, int]:
        """The shopper's place in the queue and the expected wait in minutes."""
        queue = handoff_queue()
        _, current_team = await queue.enqueue(
            tracker.sender_id,
            team.key,
            language,
            shopper_timezone(tracker, team).key,
            shopper_words(tracker),
        )
        position = await queue.position(tracker.sender_id, current_team) or 1
        online = await queue.online_agents(current_team)
        return position, eta_minutes(position, config.queue.minutes_per_chat, online)


class ActionAskTicketContact(Action):
    def name(self) -> str:
        return "action_ask_ticket_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        callback = tracker.get_slot("ticket_kind") == "callback"
        dispatcher.utter_message(
            response="utter_ask_ticket_phone" if callback else "utter_ask_ticket_email"
        )
        return []


class ValidateTicketForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # A call-back needs only the number; a message needs its text too.
        if tracker.get_slot("ticket_kind") == "callback":
            return ["ticket_contact"]
        return ["ticket_contact", "ticket_message"]

    def validate_ticket_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        contact = extract_contact(value)
        callback = tracker.get_slot("ticket_kind") == "callback"
        if contact is None or (callback and "@" in contact):
            dispatcher.utter_message(
                response="utter_ticket_bad_phone" if callback else "utter_ticket_bad_contact"
            )
            return {"ticket_contact": None}
        return {"ticket_contact": contact}

    def validate_ticket_message(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return {"ticket_message": None}
        return {"ticket_message": text[:MAX_TICKET_MESSAGE_CHARS]}


class ActionCreateTicket(Action):
    def name(self) -> str:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        config = live_config.get()
        kind: Literal["message", "callback"] = (
            "callback" if tracker.get_slot("ticket_kind") == "callback" else "message"
        )
        reset = [SlotSet(slot, None) for slot in TICKET_SLOTS]
        try:
            ticket = await create_ticket(
                redis_client(),
                config.tickets,
                outbox_from_environment(config.tickets),
                kind=kind,
                conversation_id=tracker.sender_id,
                language=language,
                team=config.team_for_language(language).key,
                contact=str(tracker.get_slot("ticket_contact") or ""),
                message=str(tracker.get_slot("ticket_message") or ""),
                keep_seconds=config.retention.seconds,
            )
        except (redis.RedisError, OSError):
            logger.exception("could not create a ticket for %s", masked_id(tracker.sender_id))
            dispatcher.utter_message(response="utter_ticket_failed")
            return reset
        if kind == "callback":
            dispatcher.utter_message(
                response="utter_callback_created",
                ticket_id=ticket.id,
                minutes=config.tickets.callback_within_minutes,
            )
        else:
            dispatcher.utter_message(
                response="utter_ticket_created",
                ticket_id=ticket.id,
                hours=config.tickets.reply_within_hours,
            )
        return reset


class ActionDeclineAgent(Action):
    """The shopper does not want a person or a ticket after all: back to the menu."""

    def name(self) -> str:
        return "action_decline_agent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_how_can_i_help")
        return [SlotSet("agent_offered", False), *(SlotSet(slot, None) for slot in TICKET_SLOTS)]
