"""Tells the shopper, in their language, why the bot could not answer.

A message the bot did not understand (nlu_fallback) or cannot help with
(out_of_scope) is a miss. After two misses in a row the bot offers a person instead
of a third explanation; a yes then goes to action_request_agent (data/rules/rules.yml).
A message the bot was unsure of between a few readings gets them as buttons
("Did you mean ...?", actions/did_you_mean.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import language_of, latest_entity
from actions.did_you_mean import choices
from actions.faq import faq_store
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
        if not issue and consecutive_misses(tracker) >= OFFER_AGENT_AFTER:
            dispatcher.utter_message(response="utter_offer_agent")
            return [SlotSet("agent_offered", True)]
        if tracker.get_intent_of_latest_message() == OUT_OF_SCOPE:
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        buttons = [] if issue else choices(tracker, faq_store, language_of(tracker))
        if buttons:
            dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
            return []
        response = ISSUE_RESPONSES.get(issue.get("value", ""), "utter_fallback")
        dispatcher.utter_message(response=response, limit=issue.get("limit"))
        return []


OFFER_AGENT_AFTER = 2
OUT_OF_SCOPE = "out_of_scope"
MISSES = ("nlu_fallback", OUT_OF_SCOPE)


def _missed(event: dict[str, Any]) -> bool:
    # Empty or unreadable input is the shopper's slip, not the bot's: it does not count.
    parse = event.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    issues = [e for e in parse.get("entities") or [] if e.get("entity") == INPUT_ISSUE_ENTITY]
    return intent in MISSES and not issues


def consecutive_misses(tracker: Tracker) -> int:
    """How many of the shopper's latest messages in a row the bot could not help with."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if not _missed(event):
            break
        count += 1
    return count
