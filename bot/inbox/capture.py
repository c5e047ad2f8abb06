"""Which shopper messages are NLU misses worth an editor's look, read from Rasa events.

A `user` event qualifies when the bot fell back (`nlu_fallback`), when its top intent
(or, for an FAQ question, the chosen entry) scored below the threshold, or when it was
classified as one of `capture_intents` (out_of_scope: "I cannot help with that" is
where missing FAQ entries show up; our classifier is sure of itself, so gibberish and
off-topic questions land there with high confidence rather than falling back).
Not NLU misses, so left out: button payloads ("/intent"), and messages the input guard
flagged (empty, too long, emoji only, binary), which carry an `input_issue` entity.
The text is masked here, before it goes anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.inbox.masking import mask_personal_data
from bot.input_issues import INPUT_ISSUE_ENTITY
from bot.language import Language, detect_language, normalise_language

FALLBACK_INTENT = "nlu_fallback"
DEFAULT_MIN_CONFIDENCE = 0.6
DEFAULT_CAPTURE_INTENTS = frozenset({"out_of_scope"})
RETRIEVAL_INTENT = "faq"
# The input guard turns longer messages into a fallback with an input_issue already;
# this only bounds what a misconfigured guard could let through.
MAX_TEXT_CHARS = 1000


@dataclass(frozen=True)
class Candidate:
    language: Language
    text: str
    # The classifier's best real guess (not nlu_fallback) and its confidence.
    intent: str | None
    confidence: float
    fell_back: bool


def _entities(parse_data: dict[str, Any]) -> list[dict[str, Any]]:
    entities = parse_data.get("entities")
    return [e for e in entities if isinstance(e, dict)] if isinstance(entities, list) else []


def _language(event: dict[str, Any], entities: list[dict[str, Any]], text: str) -> Language | None:
    for entity in entities:
        if entity.get("entity") == "language":
            found = normalise_language(entity.get("value"))
            if found:
                return found
    metadata = event.get("metadata")
    if isinstance(metadata, dict):
        found = normalise_language(metadata.get("language"))
        if found:
            return found
    return detect_language(text)


def _best_guess(parse_data: dict[str, Any]) -> tuple[str | None, float]:
    """The top intent other than nlu_fallback: what the bot would have guessed."""
    ranking = parse_data.get("intent_ranking")
    if isinstance(ranking, list):
        for entry in ranking:
            if isinstance(entry, dict) and entry.get("name") not in (None, FALLBACK_INTENT):
                return str(entry["name"]), float(entry.get("confidence") or 0.0)
    intent = parse_data.get("intent")
    if isinstance(intent, dict) and intent.get("name") not in (None, FALLBACK_INTENT):
        return str(intent["name"]), float(intent.get("confidence") or 0.0)
    return None, 0.0


def _selected_entry(parse_data: dict[str, Any]) -> tuple[str, float] | None:
    """The FAQ entry the response selector chose ("faq/refund_time") and its confidence."""
    selector = parse_data.get("response_selector")
    chosen = selector.get(RETRIEVAL_INTENT) if isinstance(selector, dict) else None
    response = chosen.get("response") if isinstance(chosen, dict) else None
    if not isinstance(response, dict) or not response.get("intent_response_key"):
        return None
    return str(response["intent_response_key"]), float(response.get("confidence") or 0.0)


def candidate(
    event: dict[str, Any],
    min_confidence: float,
    capture_intents: frozenset[str] = DEFAULT_CAPTURE_INTENTS,
) -> Candidate | None:
    """The masked inbox entry for a Rasa event, or None when it is not an NLU miss."""
    if event.get("event") != "user":
        return None
    text = event.get("text")
    if not isinstance(text, str) or not text.strip() or text.lstrip().startswith("/"):
        return None
    parse_data = event.get("parse_data")
    if not isinstance(parse_data, dict):
        return None
    entities = _entities(parse_data)
    if any(e.get("entity") == INPUT_ISSUE_ENTITY for e in entities):
        return None
    intent = parse_data.get("intent")
    name = intent.get("name") if isinstance(intent, dict) else None
    confidence = float(intent.get("confidence") or 0.0) if isinstance(intent, dict) else 0.0
    fell_back = name == FALLBACK_INTENT
    guess, guess_confidence = _best_guess(parse_data)
    if not fell_back:
        guess_confidence = confidence
        entry = _selected_entry(parse_data) if name == RETRIEVAL_INTENT else None
        if entry is not None:
            # Sure it is an FAQ question but unsure which one: the answer may be wrong.
            guess, guess_confidence = entry[0], min(confidence, entry[1])
        if guess_confidence >= min_confidence and name not in capture_intents:
            return None
    language = _language(event, entities, text)
    if language is None:
        return None
    return Candidate(
        language=language,
        # Masked before cutting: half an address is still personal data.
        text=mask_personal_data(" ".join(text.split()))[:MAX_TEXT_CHARS],
        intent=guess,
        confidence=guess_confidence,
        fell_back=fell_back,
    )
