"""NLU files (`nlu:` lists of intents, regexes, lookup tables and synonyms).

Reads them with the line of every example, checks their shape the way Rasa's
reader expects it, and checks regexes and lookup tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa.shared.nlu.training_data.entities_parser import (
    find_entities_in_training_example,
    replace_entities,
)

from bot.content_checks.findings import Finding, Location, error, warning
from bot.content_checks.yaml_files import YamlFile, YamlMap, line_of, load_yaml
from bot.language import SUPPORTED_LANGUAGES, Language

KINDS = ("intent", "regex", "lookup", "synonym")
ITEM_KEYS = {*KINDS, "examples", "metadata"}
# Rasa reads an example as the rest of a line starting with "-", without spaces.
_LIST_MARK = "-"
_STRIP = "\n\r "
# Texts a regex is tried on: a zero-length match in any of them is an empty entity.
_REGEX_SAMPLES = ("", "order 8100123456789012 주문 a-1_b.")


@dataclass(frozen=True)
class Example:
    """One training text (entity annotations kept) and what it is an example of."""

    text: str
    label: str
    at: Location
    language: Language | None = None

    @property
    def plain_text(self) -> str:
        """The text as the model sees it: "[1234](order_id)" becomes "1234"."""
        return str(replace_entities(self.text))


@dataclass
class NluItem:
    kind: str
    name: str
    at: Location
    values: list[tuple[str, Location]] = field(default_factory=list)


@dataclass
class NluFile:
    rel: str
    language: Language | None
    items: list[NluItem] = field(default_factory=list)

    def examples(self) -> list[Example]:
        return [
            Example(text, item.name, at, self.language)
            for item in self.items
            if item.kind == "intent"
            for text, at in item.values
        ]


def normalised(text: str) -> str:
    """Text without entity annotations, case, spacing and punctuation, to spot near-copies."""
    return re.sub(r"[\W_]+", "", replace_entities(text).lower())


def language_of_path(rel: str) -> Language | None:
    """`data/nlu/ko/x.yml` is Korean; files outside a language folder have none."""
    parts = rel.split("/")
    if len(parts) < 4 or parts[:2] != ["data", "nlu"]:
        return None
    for language in SUPPORTED_LANGUAGES:
        if parts[2] == language:
            return language
    return None


def _examples_text(
    yf: YamlFile, item: YamlMap, name: str, findings: list[Finding]
) -> list[tuple[str, Location]]:
    value = item["examples"]
    key_line = item.line_of("examples")
    block = item.block_line_of("examples")
    found: list[tuple[str, Location]] = []
    for index, raw in enumerate(value.splitlines()):
        at = yf.at(block + index if block is not None else key_line)
        if not raw.strip():
            findings.append(warning("nlu.blank_line", at, name=name))
            continue
        if not raw.startswith(_LIST_MARK):
            findings.append(error("nlu.not_a_list_item", at, name=name, line_text=raw.strip()))
            continue
        text = raw[1:].strip(_STRIP)
        if not text:
            findings.append(error("nlu.empty_example", at, name=name))
            continue
        found.append((text, at))
    return found


def _examples_list(
    yf: YamlFile, item: YamlMap, name: str, findings: list[Finding]
) -> list[tuple[str, Location]]:
    value = item["examples"]
    found: list[tuple[str, Location]] = []
    for index, entry in enumerate(value):
        at = yf.at(line_of(value, index, item.line_of("examples")))
        text = entry.get("text") if isinstance(entry, dict) else entry
        if not isinstance(text, str) or not text.strip():
            findings.append(error("nlu.empty_example", at, name=name))
            continue
        found.append((text.strip(), at))
    return found


def _read_item(yf: YamlFile, raw: Any, line: int | None, findings: list[Finding]) -> NluItem | None:
    at = yf.at(line)
    if not isinstance(raw, dict):
        findings.append(error("nlu.item_not_mapping", at))
        return None
    kinds = [kind for kind in KINDS if kind in raw]
    if len(kinds) != 1:
        key = "nlu.item_no_kind" if not kinds else "nlu.item_many_kinds"
        findings.append(error(key, at, kinds=", ".join(KINDS)))
        return None
    kind = kinds[0]
    name = raw[kind]
    if not isinstance(name, str) or not name.strip():
        findings.append(error("nlu.item_no_name", at, kind=kind))
        return None
    for key in raw:
        if key not in ITEM_KEYS:
            findings.append(
                error("nlu.unknown_key", yf.at(line_of(raw, key, line)), key=str(key), name=name)
            )
    item = NluItem(kind, name, at)
    examples = raw.get("examples")
    if isinstance(examples, str) and isinstance(raw, YamlMap):
        item.values = _examples_text(yf, raw, name, findings)
    elif isinstance(examples, list) and isinstance(raw, YamlMap):
        item.values = _examples_list(yf, raw, name, findings)
    elif examples is not None:
        findings.append(error("nlu.examples_not_list", yf.at(line_of(raw, "examples", line))))
    if not item.values:
        findings.append(error("nlu.no_examples", at, kind=kind, name=name))
    if kind == "intent":
        for text, where in item.values:
            try:
                find_entities_in_training_example(text)
            except Exception as exc:  # Rasa raises several kinds for a bad annotation
                findings.append(error("nlu.bad_annotation", where, text=text, detail=str(exc)))
    return item


def read_nlu(yf: YamlFile) -> tuple[NluFile, list[Finding]]:
    """The items of a file's `nlu:` list and what is wrong with their shape."""
    nlu_file = NluFile(yf.rel, language_of_path(yf.rel))
    findings: list[Finding] = []
    document = yf.data
    if not isinstance(document, dict) or "nlu" not in document:
        findings.append(error("nlu.no_list", yf.at(1)))
        return nlu_file, findings
    items = document["nlu"]
    if not isinstance(items, list):
        findings.append(error("nlu.no_list", yf.at(line_of(document, "nlu"))))
        return nlu_file, findings
    for index, raw in enumerate(items):
        item = _read_item(yf, raw, line_of(items, index), findings)
        if item is not None:
            nlu_file.items.append(item)
    return nlu_file, findings


def matches_empty_text(pattern: re.Pattern[str]) -> bool:
    """True when the regex can match zero characters (an empty entity, a useless feature)."""
    return any(m.end() == m.start() for text in _REGEX_SAMPLES for m in pattern.finditer(text))


def check_regexes(nlu_files: list[NluFile]) -> list[Finding]:
    """Regexes compile and never match empty text."""
    findings: list[Finding] = []
    for nlu_file in nlu_files:
        for item in nlu_file.items:
            if item.kind != "regex":
                continue
            for pattern, at in item.values:
                try:
                    compiled = re.compile(pattern)
                except re.error as exc:
                    findings.append(
                        error(
                            "nlu.regex_invalid",
                            at,
                            name=item.name,
                            pattern=pattern,
                            detail=str(exc),
                        )
                    )
                    continue
                if matches_empty_text(compiled):
                    findings.append(
                        error("nlu.regex_matches_empty", at, name=item.name, pattern=pattern)
                    )
    return findings


def read_nlu_folder(directory: Path, root: Path) -> list[NluFile]:
    """The readable NLU files directly in a folder (problems are left to `eva validate`)."""
    found: list[NluFile] = []
    for path in sorted(directory.glob("*.yml")):
        yf, _ = load_yaml(path, root)
        if yf.readable and isinstance(yf.data, dict) and "nlu" in yf.data:
            found.append(read_nlu(yf)[0])
    return found


def examples_by_intent(directory: Path, root: Path | None = None) -> dict[str, list[str]]:
    """Texts (without annotations) per intent, or `faq/<key>`, in the NLU files of a folder."""
    found: dict[str, list[str]] = {}
    for nlu_file in read_nlu_folder(directory, root or directory):
        for example in nlu_file.examples():
            found.setdefault(example.label, []).append(example.plain_text)
    return found
