""" "Did you mean ...?": on a near tie, the likeliest tasks and FAQ entries as buttons.

The FallbackClassifier turns a message into `nlu_fallback` when the intent classifier
is unsure (config.yml). Often two readings are close, say the refund-time FAQ entry and
the refund task: a guess would be wrong half the time, and "I didn't get that" leaves
the shopper to guess how to say it. Offering the two or three likeliest readings lets
the shopper pick; each button sends what the bot would have understood.
"""

from __future__ import annotations

import json

from rasa_sdk import Tracker

from bot.faq.store import FaqStore
from bot.language import Language
from bot.menu import task_titles
from bot.nlu.offered_readings import offered_readings
from bot.nlu.parse_keys import FAQ_ENTRY_ENTITY, LABEL_RANKING

FAQ_PREFIX = "faq/"


def choices(tracker: Tracker, faq_store: FaqStore, language: Language) -> list[dict[str, str]]:
    """Buttons for the likeliest readings of the latest message; none unless two or more
    readings are both likely and offerable."""
    tasks = task_titles(language)

    def button(label: str) -> dict[str, str] | None:
        return _button(label, tasks, faq_store, language)

    labels = offered_readings(
        tracker.latest_message.get(LABEL_RANKING), lambda label: button(label) is not None
    )
    return [b for b in map(button, labels) if b is not None]


def _button(
    label: str, tasks: dict[str, str], faq_store: FaqStore, language: Language
) -> dict[str, str] | None:
    if label.startswith(FAQ_PREFIX):
        key = label[len(FAQ_PREFIX) :]
        entry = faq_store.get(key)
        questions = entry.questions.get(language) if entry else None
        if not questions:
            return None
        payload = "/faq" + json.dumps({FAQ_ENTRY_ENTITY: key}, separators=(",", ":"))
        return {"title": questions[0], "payload": payload}
    payload = f"/{label}"
    if payload in tasks:
        return {"title": tasks[payload], "payload": payload}
    # Greetings, yes and no, small talk: nothing a button should offer.
    return None
