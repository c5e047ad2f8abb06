"""Tells the shopper, in their language, why the bot could not answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import latest_entity
from bot.input_issues import EMPTY, INPUT_ISSUE_ENTITY, NO_TEXT, TOO_LONG, UNREADABLE

# One response per problem the InputGuard names (see domain.yml).
ISSUE_RESPONSES = {
    EMPTY: "utter_input_empty",
    TOO_LONG: "utter_input_too_long",
    NO_TEXT: "utter_input_no_text",
    UNREADABLE: "utter_input_unreadable",
}


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        issue = latest_entity(tracker, INPUT_ISSUE_ENTITY) or {}
        response = ISSUE_RESPONSES.get(issue.get("value", ""), "utter_fallback")
        dispatcher.utter_message(response=response, limit=issue.get("limit"))
        return []
