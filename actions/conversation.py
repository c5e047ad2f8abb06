"""Small readers of the tracker that several actions share."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.language import Language, normalise_language

DEFAULT_LANGUAGE: Language = "ko"


def language_of(tracker: Tracker) -> Language:
    """The language the bot answers in: the `language` slot, Korean by default."""
    return normalise_language(tracker.get_slot("language")) or DEFAULT_LANGUAGE


def latest_entity(tracker: Tracker, entity: str) -> dict[str, Any] | None:
    """The first entity of a type in the shopper's latest message, if any."""
    entities: list[dict[str, Any]] = tracker.latest_message.get("entities") or []
    return next((e for e in entities if e.get("entity") == entity), None)


def message_metadata(tracker: Tracker, key: str) -> str | None:
    """A text value of the latest message's metadata; None when absent or not text."""
    metadata: Any = tracker.latest_message.get("metadata") or {}
    value = metadata.get(key) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None
