"""Answers FAQ questions from the FAQ files, in the shopper's language."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import language_of, latest_entity
from bot.faq.store import DEFAULT_FAQ_PATH, FaqStore
from bot.menu import task_titles
from bot.nlu.parse_keys import FAQ_ENTRY_ENTITY

FAQ_PATH_ENV = "FAQ_PATH"

# Read on every answer (cheap: a stat per file), so an editor's change to an
# answer is live without restarting or retraining.
faq_store = FaqStore(Path(os.environ.get(FAQ_PATH_ENV, DEFAULT_FAQ_PATH)))


def selected_faq_key(tracker: Tracker) -> str | None:
    """The FAQ entry a button named ("Did you mean ...?"), else the one the
    ResponseSelector picked for the latest message."""
    named = latest_entity(tracker, FAQ_ENTRY_ENTITY)
    value = named.get("value") if named else None
    # A shopper can type the button's payload with any JSON in it: only a name counts.
    if isinstance(value, str) and value:
        return value
    selector = tracker.latest_message.get("response_selector") or {}
    response = (selector.get("faq") or {}).get("response") or {}
    intent_response_key = response.get("intent_response_key") or ""
    prefix = "faq/"
    if intent_response_key.startswith(prefix):
        return str(intent_response_key[len(prefix) :])
    return None


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        key = selected_faq_key(tracker)
        entry = faq_store.get(key) if key else None
        if entry is None:
            # The model knows an entry that the live files no longer have.
            dispatcher.utter_message(response="utter_fallback")
            return []
        language = language_of(tracker)
        buttons = []
        if entry.action:
            # The task the entry is about, one tap away, titled as in the bot's menu.
            title = task_titles(language).get(f"/{entry.action}")
            if title:
                buttons.append({"title": title, "payload": f"/{entry.action}"})
        dispatcher.utter_message(text=entry.answer[language], buttons=buttons)
        return []
