"""domain.yml: its intents, entities and responses with their lines, and its shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.content_checks.dialogue import IntentUse
from bot.content_checks.findings import Finding, Location, error
from bot.content_checks.yaml_files import YamlFile, line_of

LIST_SECTIONS = ("intents", "entities", "actions")
MAPPING_SECTIONS = ("slots", "responses", "forms", "session_config")


@dataclass
class Domain:
    rel: str = "domain.yml"
    intents: dict[str, Location] = field(default_factory=dict)
    entities: set[str] = field(default_factory=set)
    # Response name -> its list of variations, as read (checked by `responses`).
    responses: dict[str, Any] = field(default_factory=dict)
    response_lines: dict[str, Location] = field(default_factory=dict)
    # Intents named by slot mappings (`intent:` / `not_intent:`).
    slot_intents: list[IntentUse] = field(default_factory=list)
    # False when the intents could not be read: checks that need them are skipped.
    intents_read: bool = False


def _names(
    yf: YamlFile, section: str, items: list[Any], findings: list[Finding]
) -> dict[str, Location]:
    """`- name` or `- name: {properties}` items, with their lines; flags repeats."""
    names: dict[str, Location] = {}
    for index, item in enumerate(items):
        at = yf.at(line_of(items, index))
        if isinstance(item, dict) and len(item) == 1:
            item = next(iter(item))
        if not isinstance(item, str) or not item.strip():
            findings.append(error("domain.bad_name", at, section=section))
            continue
        if item in names:
            findings.append(
                error(
                    "domain.repeated_name", at, section=section, name=item, where=str(names[item])
                )
            )
            continue
        names[item] = at
    return names


def _slot_intents(yf: YamlFile, slots: dict[str, Any]) -> list[IntentUse]:
    uses: list[IntentUse] = []
    for slot, definition in slots.items():
        mappings = definition.get("mappings") if isinstance(definition, dict) else None
        if not isinstance(mappings, list):
            continue
        for index, mapping in enumerate(mappings):
            if not isinstance(mapping, dict):
                continue
            for key in ("intent", "not_intent"):
                value = mapping.get(key)
                named = value if isinstance(value, list) else [value]
                line = line_of(mapping, key, line_of(mappings, index))
                uses += [
                    IntentUse(name, yf.at(line), f"slot {slot}")
                    for name in named
                    if isinstance(name, str)
                ]
    return uses


def read_domain(yf: YamlFile) -> tuple[Domain, list[Finding]]:
    domain = Domain(rel=yf.rel)
    findings: list[Finding] = []
    document = yf.data
    if document is None:
        return domain, findings
    if not isinstance(document, dict):
        findings.append(error("file.not_mapping", yf.at(1)))
        return domain, findings
    for section in LIST_SECTIONS:
        if section in document and not isinstance(document[section], list):
            findings.append(
                error("domain.not_list", yf.at(line_of(document, section)), key=section)
            )
    for section in MAPPING_SECTIONS:
        value = document.get(section)
        if section in document and value is not None and not isinstance(value, dict):
            findings.append(
                error("domain.not_mapping", yf.at(line_of(document, section)), key=section)
            )
    intents = document.get("intents")
    if isinstance(intents, list):
        domain.intents = _names(yf, "intents", intents, findings)
        domain.intents_read = True
    elif "intents" not in document:
        findings.append(error("domain.no_intents", yf.at(1)))
    entities = document.get("entities")
    if isinstance(entities, list):
        domain.entities = set(_names(yf, "entities", entities, findings))
    responses = document.get("responses")
    if isinstance(responses, dict):
        domain.responses = dict(responses)
        domain.response_lines = {
            name: yf.at(line_of(responses, name)) for name in responses if isinstance(name, str)
        }
    slots = document.get("slots")
    if isinstance(slots, dict):
        domain.slot_intents = _slot_intents(yf, slots)
    return domain, findings
