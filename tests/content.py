"""Readers of the project's content files, for the tests that check them."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.stack import PROJECT_DIR

NLU_DIR = PROJECT_DIR / "data" / "nlu"
TEST_SPLIT_DIR = PROJECT_DIR / "tests" / "nlu"
FAQ_DIR = PROJECT_DIR / "data" / "faq"


def examples_by_label(directory: Path) -> dict[str, list[str]]:
    """Texts per intent (or faq/<key>) in every NLU file under a folder."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(directory.glob("*.yml")):
        for message in RasaYAMLReader().read(str(path)).intent_examples:
            label = message.get("intent_response_key") or message.get("intent")
            found[str(label)].append(str(message.get("text")))
    return found


def domain() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text("utf-8"))
    return loaded


def normalised(text: str) -> str:
    """Text without case, spacing and punctuation, to spot near-copies."""
    return re.sub(r"[\W_]+", "", text.lower())
