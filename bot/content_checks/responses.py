"""The domain's responses: one Korean and one English variation each, and sound buttons."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from bot.content_checks.domain import Domain
from bot.content_checks.findings import Finding, Location, Term, error
from bot.content_checks.yaml_files import line_of
from bot.language import SUPPORTED_LANGUAGES

LANGUAGE_SLOT = "language"
# "/intent" or "/intent{json}"; the intent may be a retrieval intent "faq/<key>".
_PAYLOAD = re.compile(r"^/(?P<intent>[^{}\s]+)(?P<entities>\{.*\})?$", re.DOTALL)


def language_of_variation(variation: dict[str, Any]) -> str | None:
    """The language a variation is for, when its only condition is the language slot."""
    conditions = variation.get("condition")
    if not isinstance(conditions, list) or len(conditions) != 1:
        return None
    condition = conditions[0]
    if not isinstance(condition, dict):
        return None
    if condition.get("type") != "slot" or condition.get("name") != LANGUAGE_SLOT:
        return None
    value = condition.get("value")
    return value if value in SUPPORTED_LANGUAGES else None


def check_payload(
    payload: str, at: Location, domain: Domain, faq_keys: Collection[str]
) -> list[Finding]:
    """A button payload is `/intent` or `/intent{"entity": "value"}` with known names."""
    match = _PAYLOAD.match(payload)
    if match is None:
        return [error("responses.payload_format", at, payload=payload)]
    findings: list[Finding] = []
    intent = match["intent"]
    base, _, key = intent.partition("/")
    if base not in domain.intents or (key and key not in faq_keys):
        findings.append(
            error("responses.payload_unknown_intent", at, payload=payload, intent=intent)
        )
    if match["entities"]:
        try:
            entities = json.loads(match["entities"])
        except json.JSONDecodeError as exc:
            return [
                *findings,
                error("responses.payload_bad_json", at, payload=payload, detail=exc.msg),
            ]
        if not isinstance(entities, dict) or not entities:
            return [*findings, error("responses.payload_not_object", at, payload=payload)]
        findings += [
            error("responses.payload_unknown_entity", at, payload=payload, entity=str(entity))
            for entity in entities
            if entity not in domain.entities
        ]
    return findings


def _buttons(
    variation: dict[str, Any], at: Location, domain: Domain, faq_keys: Collection[str]
) -> tuple[tuple[str, ...], list[Finding]]:
    buttons = variation.get("buttons")
    if buttons is None:
        return (), []
    where = Location(at.file, line_of(variation, "buttons", at.line))
    if not isinstance(buttons, list):
        return (), [error("responses.buttons_not_list", where)]
    payloads: list[str] = []
    findings: list[Finding] = []
    for index, button in enumerate(buttons):
        button_at = Location(at.file, line_of(buttons, index, where.line))
        payload = button.get("payload") if isinstance(button, dict) else None
        title = button.get("title") if isinstance(button, dict) else None
        if not isinstance(title, str) or not title.strip():
            findings.append(error("responses.button_no_title", button_at))
        if not isinstance(payload, str):
            findings.append(error("responses.button_no_payload", button_at))
            continue
        payloads.append(payload)
        findings += check_payload(payload, button_at, domain, faq_keys)
    return tuple(payloads), findings


def _check_response(
    name: str, variations: Any, at: Location, domain: Domain, faq_keys: Collection[str]
) -> list[Finding]:
    if not isinstance(variations, list) or not variations:
        return [error("responses.no_variations", at, name=name)]
    findings: list[Finding] = []
    languages: dict[str, list[Location]] = {}
    payload_sets: set[tuple[str, ...]] = set()
    for index, variation in enumerate(variations):
        where = Location(at.file, line_of(variations, index, at.line))
        if not isinstance(variation, dict):
            findings.append(error("responses.variation_not_mapping", where, name=name))
            continue
        language = language_of_variation(variation)
        if language is None:
            findings.append(error("responses.no_language_condition", where, name=name))
        else:
            languages.setdefault(language, []).append(where)
        text = variation.get("text")
        if not isinstance(text, str) or not text.strip():
            findings.append(error("responses.no_text", where, name=name))
        payloads, button_findings = _buttons(variation, where, domain, faq_keys)
        payload_sets.add(payloads)
        findings += button_findings
    for language in SUPPORTED_LANGUAGES:
        places = languages.get(language, [])
        if not places:
            findings.append(
                error(
                    "responses.missing_language", at, name=name, language=Term(f"lang.{language}")
                )
            )
        for extra in places[1:]:
            findings.append(
                error(
                    "responses.repeated_language",
                    extra,
                    name=name,
                    language=Term(f"lang.{language}"),
                    where=str(places[0]),
                )
            )
    if len(payload_sets) > 1:
        findings.append(error("responses.buttons_differ", at, name=name))
    return findings


def check_responses(domain: Domain, faq_keys: Collection[str]) -> list[Finding]:
    """Every response: exactly one variation per language, text, and matching buttons."""
    findings: list[Finding] = []
    for name, variations in domain.responses.items():
        at = domain.response_lines.get(str(name), Location(domain.rel))
        findings += _check_response(str(name), variations, at, domain, faq_keys)
    return findings
