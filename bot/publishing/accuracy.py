"""Intent accuracy per language on the held-out split, of a model file or of the live server.

Both use `bot.evaluation`'s split and scoring, so `eva publish` judges models exactly as
`eva eval` reports them. The live model is measured through the server's /model/parse:
the file it was started with may have been retrained since.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.language import SUPPORTED_LANGUAGES, Language
from bot.publishing.registry import Accuracy

# Percentage points a language may lose before publishing is refused.
MAX_DROP_POINTS = 1.0


@dataclass(frozen=True)
class Drop:
    language: Language
    live: float
    new: float

    @property
    def points(self) -> float:
        return 100 * (self.live - self.new)


def split_fingerprint(split_dir: Path) -> str:
    """Changes whenever a held-out file changes: scores on another split do not compare."""
    digest = hashlib.sha256()
    for language in SUPPORTED_LANGUAGES:
        for path in sorted((split_dir / language).glob("*.yml")):
            digest.update(f"{language}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def split_size(split_dir: Path) -> int:
    from bot.evaluation import load_split

    return sum(len(load_split(split_dir / language)) for language in SUPPORTED_LANGUAGES)


def model_accuracy(model: Path, split_dir: Path) -> Accuracy:
    """Loads the model here (TensorFlow: imported only when a model is scored)."""
    from bot.evaluation import evaluate

    return {s.language: s.intent_accuracy for s in evaluate(model, split_dir)}


def parser_accuracy(parse: Callable[[str], dict[str, Any]], split_dir: Path) -> Accuracy:
    """Accuracy of any parser that answers like Rasa's /model/parse."""
    from bot.evaluation import load_split, predicted_label, score

    accuracy: Accuracy = {}
    for language in SUPPORTED_LANGUAGES:
        examples = load_split(split_dir / language)
        predicted = [predicted_label(parse(e.text)) for e in examples]
        accuracy[language] = score(language, examples, predicted).intent_accuracy
    return accuracy


def drops(live: Accuracy, new: Accuracy, limit: float = MAX_DROP_POINTS) -> list[Drop]:
    """The languages in which `new` is more than `limit` points below `live`."""
    found = []
    for language in SUPPORTED_LANGUAGES:
        if language not in live:
            continue
        drop = Drop(language, live[language], new.get(language, 0.0))
        # Rounded: 0.1 points of floating-point noise must not refuse a model.
        if round(drop.points, 6) > limit:
            found.append(drop)
    return found
