"""Intent accuracy per language on the held-out split and on the independent set, of a
model file or of the live server.

Both use `bot.evaluation`'s sets and scoring, so `eva publish` judges models exactly as
`eva eval` reports them. The live model is measured through the server's /model/parse:
the file it was started with may have been retrained since.

An `Accuracy` maps a score's key to its accuracy: the language ("ko") on the held-out
split, "independent/<language>" on the independent set (tests/nlu/independent/). A model
must hold up on both (issue #20): the split was written with the training data and
rewards memory, the independent set was not. Registries written before the independent
set was scored hold held-out keys only, and are compared on those.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.language import SUPPORTED_LANGUAGES, Language
from bot.publishing.registry import Accuracy

if TYPE_CHECKING:
    from bot.evaluation import Example

# Percentage points a language may lose before publishing is refused.
MAX_DROP_POINTS = 1.0


INDEPENDENT_PREFIX = "independent/"
INDEPENDENT_DIR_NAME = "independent"


@dataclass(frozen=True)
class Drop:
    key: str
    live: float
    new: float

    @property
    def points(self) -> float:
        return 100 * (self.live - self.new)


def _set_files(split_dir: Path) -> list[tuple[str, Language, list[Path]]]:
    """(key, language, files) of every scored set under `split_dir`: the held-out YAML
    per language, then the independent CSV per language where there is one."""
    sets: list[tuple[str, Language, list[Path]]] = [
        (language, language, sorted((split_dir / language).glob("*.yml")))
        for language in SUPPORTED_LANGUAGES
    ]
    for language in SUPPORTED_LANGUAGES:
        path = split_dir / INDEPENDENT_DIR_NAME / f"{language}.csv"
        if path.is_file():
            sets.append((INDEPENDENT_PREFIX + language, language, [path]))
    return sets


def score_keys(split_dir: Path) -> list[str]:
    return [key for key, _, _ in _set_files(split_dir)]


def _examples(split_dir: Path) -> list[tuple[str, Language, list[Example]]]:
    from bot.evaluation import load_independent, load_split

    return [
        (
            key,
            language,
            load_independent(files[0])
            if key.startswith(INDEPENDENT_PREFIX)
            else load_split(split_dir / language),
        )
        for key, language, files in _set_files(split_dir)
    ]


def split_fingerprint(split_dir: Path) -> str:
    """Changes whenever a scored file changes: scores on other sets do not compare."""
    digest = hashlib.sha256()
    for key, _, files in _set_files(split_dir):
        for path in files:
            digest.update(f"{key}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def split_size(split_dir: Path) -> int:
    return sum(len(examples) for _, _, examples in _examples(split_dir))


def parser_accuracy(parse: Callable[[str], dict[str, Any]], split_dir: Path) -> Accuracy:
    """Accuracy of any parser that answers like Rasa's /model/parse."""
    from bot.evaluation import predicted_label, score

    accuracy: Accuracy = {}
    for key, language, examples in _examples(split_dir):
        predicted = [predicted_label(parse(e.text)) for e in examples]
        accuracy[key] = score(language, examples, predicted).intent_accuracy
    return accuracy


def model_accuracy(model: Path, split_dir: Path) -> Accuracy:
    """Loads the model here (TensorFlow: imported only when a model is scored)."""
    import asyncio

    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    # One loop for every message, as `eva eval` parses them.
    loop = asyncio.new_event_loop()
    try:
        return parser_accuracy(
            lambda text: loop.run_until_complete(agent.parse_message(text)), split_dir
        )
    finally:
        loop.close()


def drops(live: Accuracy, new: Accuracy, limit: float = MAX_DROP_POINTS) -> list[Drop]:
    """The scores (language and set) on which `new` is more than `limit` points below
    `live`; a score the live model was never measured on is not compared."""
    found = []
    for key, before in live.items():
        drop = Drop(key, before, new.get(key, 0.0))
        # Rounded: 0.1 points of floating-point noise must not refuse a model.
        if round(drop.points, 6) > limit:
            found.append(drop)
    return found
