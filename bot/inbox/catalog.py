"""What an inbox message can be labelled with: the domain's intents and the FAQ entries.

`faq` itself is no choice: its examples are the FAQ questions, so an editor picks
the entry. The data folder is EVA_DATA_DIR (tests point it at a copy), else data/.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.faq.store import FaqStore
from bot.inbox.errors import rejected
from bot.language import SUPPORTED_LANGUAGES, Language
from bot.stack import PROJECT_DIR

FAQ_INTENT = "faq"


def data_dir() -> Path:
    return Path(os.environ.get("EVA_DATA_DIR") or PROJECT_DIR / "data")


def domain_path() -> Path:
    return PROJECT_DIR / "domain.yml"


@dataclass(frozen=True)
class FaqChoice:
    key: str
    # The entry's first question per language: what the editor recognises it by.
    question: dict[Language, str]


@dataclass(frozen=True)
class Label:
    kind: str  # "intent" or "faq"
    name: str

    @property
    def intent(self) -> str:
        """The label as Rasa training data names it: `out_of_scope`, `faq/refund_time`."""
        return self.name if self.kind == "intent" else f"{FAQ_INTENT}/{self.name}"

    @property
    def value(self) -> str:
        """As the page's choice list sends it: `intent:out_of_scope`, `faq:refund_time`."""
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class Catalog:
    intents: tuple[str, ...]
    faq: tuple[FaqChoice, ...]

    def label(self, value: Any) -> Label:
        """The label an editor chose, checked; raises Rejected for anything unknown."""
        if not isinstance(value, str) or ":" not in value:
            raise rejected("bad_label", 400)
        kind, _, name = value.partition(":")
        name = name.strip()
        if kind == "intent":
            if name in self.intents:
                return Label(kind, name)
            close = difflib.get_close_matches(name, self.intents, n=1)
            if close:
                raise rejected("unknown_intent_hint", 400, name=name, suggestion=close[0])
            raise rejected("unknown_intent", 400, name=name)
        if kind == "faq":
            if name in {choice.key for choice in self.faq}:
                return Label(kind, name)
            raise rejected("unknown_faq", 400, name=name)
        raise rejected("bad_label", 400)


def _intent_names(domain: Path) -> tuple[str, ...]:
    try:
        document = yaml.safe_load(domain.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise rejected("catalog_unreadable", 503, detail=f"{domain.name}: {error}") from error
    listed = document.get("intents") if isinstance(document, dict) else None
    if not isinstance(listed, list):
        raise rejected("catalog_unreadable", 503, detail=f"{domain.name}: no intents list")
    names = []
    for entry in listed:
        # An intent is a name, or a one-key mapping {name: {use_entities: ...}}.
        name = next(iter(entry), None) if isinstance(entry, dict) else entry
        if isinstance(name, str) and name != FAQ_INTENT:
            names.append(name)
    return tuple(names)


def load_catalog(domain: Path, faq: FaqStore) -> Catalog:
    """The choices now; FaqStore keeps the last good FAQ entries while a file is broken."""
    choices = tuple(
        FaqChoice(
            key=entry.key,
            question={lang: entry.questions[lang][0] for lang in SUPPORTED_LANGUAGES},
        )
        for entry in sorted(faq.entries().values(), key=lambda e: e.key)
    )
    return Catalog(intents=_intent_names(domain), faq=choices)
