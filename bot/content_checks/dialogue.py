"""Rules and stories files: their shape, and the intents their steps name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.content_checks.findings import Finding, Location, error
from bot.content_checks.yaml_files import YamlFile, line_of

SECTIONS = {"rules": "rule", "stories": "story"}


@dataclass(frozen=True)
class IntentUse:
    """An intent named somewhere (a step, a slot mapping) and where."""

    intent: str
    at: Location
    block: str


def _steps(
    yf: YamlFile,
    steps: Any,
    block: str,
    line: int | None,
    uses: list[IntentUse],
    findings: list[Finding],
) -> None:
    if not isinstance(steps, list):
        findings.append(error("dialogue.steps_not_list", yf.at(line), block=block))
        return
    for index, step in enumerate(steps):
        step_line = line_of(steps, index, line)
        if not isinstance(step, dict):
            findings.append(error("dialogue.step_not_mapping", yf.at(step_line), block=block))
            continue
        if "intent" in step:
            intent = step["intent"]
            at = yf.at(line_of(step, "intent", step_line))
            if isinstance(intent, str) and intent.strip():
                uses.append(IntentUse(intent.strip(), at, block))
            else:
                findings.append(error("dialogue.intent_not_text", at, block=block))
        if "or" in step:
            _steps(yf, step["or"], block, line_of(step, "or", step_line), uses, findings)


def read_dialogue(yf: YamlFile) -> tuple[list[IntentUse], list[Finding]]:
    """The intents named in the `rules:` and `stories:` of a file, and shape problems."""
    uses: list[IntentUse] = []
    findings: list[Finding] = []
    document = yf.data
    if not isinstance(document, dict):
        return uses, findings
    for section, name_key in SECTIONS.items():
        if section not in document:
            continue
        blocks = document[section]
        section_line = line_of(document, section)
        if not isinstance(blocks, list):
            findings.append(error("dialogue.section_not_list", yf.at(section_line), key=section))
            continue
        for index, raw in enumerate(blocks):
            line = line_of(blocks, index, section_line)
            if not isinstance(raw, dict):
                findings.append(error("dialogue.block_not_mapping", yf.at(line), key=section))
                continue
            name = raw.get(name_key)
            if not isinstance(name, str) or not name.strip():
                findings.append(error("dialogue.block_no_name", yf.at(line), key=name_key))
                name = f"#{index + 1}"
            if "steps" not in raw:
                findings.append(error("dialogue.no_steps", yf.at(line), block=name))
                continue
            _steps(yf, raw["steps"], name, line_of(raw, "steps", line), uses, findings)
    return uses, findings
