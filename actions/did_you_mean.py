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

from actions.menu import task_titles
from bot.faq.store import FaqStore
from bot.language import Language
from bot.nlu.parse_keys import FAQ_ENTRY_ENTITY, LABEL_RANKING

# At most this many buttons, and only readings at least this likely: below it a reading
# is noise, and a list of unlikely buttons reads as a menu, not a question.
MAX_CHOICES = 3
MIN_CONFIDENCE = 0.1
FAQ_PREFIX = "faq/"


def choices(tracker: Tracker, faq_store: FaqStore, language: Language) -> list[dict[str, str]]:
    """Buttons for the likeliest readings of the latest message; none unless two or more
    readings are both likely and offerable."""
    ranking = tracker.latest_message.get(LABEL_RANKING) or []
    tasks = task_titles(language)
    buttons: list[dict[str, str]] = []
    for reading in ranking if isinstance(ranking, list) else []:
        # The ranking comes in the tracker Rasa sends: anything odd is skipped, not trusted.
        name = reading.get("name") if isinstance(reading, dict) else None
        confidence = reading.get("confidence") if isinstance(reading, dict) else None
        if not isinstance(name, str) or not isinstance(confidence, int | float):
            continue
        if confidence < MIN_CONFIDENCE:
            continue
        button = _button(name, tasks, faq_store, language)
        if button and button not in buttons:
            buttons.append(button)
        if len(buttons) == MAX_CHOICES:
            break
    return buttons if len(buttons) >= 2 else []


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
