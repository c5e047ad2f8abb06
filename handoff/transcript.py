"""The conversation as an agent reads it, from the Rasa tracker's events."""

from __future__ import annotations

from typing import Any


def _user_entry(event: dict[str, Any]) -> dict[str, Any]:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    return {
        "role": "user",
        "text": event.get("text") or "",
        "timestamp": event.get("timestamp"),
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "entities": [
            {"entity": entity.get("entity"), "value": entity.get("value")}
            for entity in parse.get("entities") or []
            if isinstance(entity, dict)
        ],
    }


def _bot_entry(event: dict[str, Any]) -> dict[str, Any]:
    metadata = event.get("metadata") or {}
    agent = metadata.get("agent_name")
    return {
        "role": "agent" if agent else "bot",
        "text": event.get("text") or "",
        "timestamp": event.get("timestamp"),
        "agent": agent,
    }


def transcript(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            entries.append(_user_entry(event))
        elif kind == "bot" and (event.get("text") or (event.get("data") or {}).get("buttons")):
            entries.append(_bot_entry(event))
        elif kind in ("pause", "resume"):
            entries.append({"role": "system", "event": kind, "timestamp": event.get("timestamp")})
    return entries


def suggested_faq_key(events: list[dict[str, Any]]) -> tuple[str, float] | None:
    """The FAQ entry picked for the shopper's latest FAQ question, and its confidence.

    Only messages the bot took for FAQ questions get a pick (bot/nlu/reading.py),
    so a later "let me talk to a person" does not hide the question before it.
    """
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        selector = (event.get("parse_data") or {}).get("response_selector") or {}
        response = (selector.get("faq") or {}).get("response") or {}
        key = str(response.get("intent_response_key") or "")
        if key.startswith("faq/"):
            return key[len("faq/") :], float(response.get("confidence") or 0.0)
    return None
