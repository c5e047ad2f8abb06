"""Scores a trained model on the held-out test split, per language.

The split lives in `tests/nlu/<language>/*.yml` and is never used for training.
Each example is labelled with its intent, or `faq/<key>` for an FAQ question, so
one run measures both the intent classifier and the FAQ entry selection.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sklearn.metrics import f1_score

from bot.language import SUPPORTED_LANGUAGES, Language

TEST_SPLIT_DIR = Path("tests/nlu")


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass
class LanguageScore:
    language: Language
    examples: int
    intent_accuracy: float
    intent_macro_f1: float
    full_accuracy: float
    faq_accuracy: float
    misclassified: list[tuple[str, str, str]] = field(default_factory=list)
    per_label: dict[str, tuple[int, int]] = field(default_factory=dict)


def coarse(label: str) -> str:
    """The intent of a label: "faq/refund_time" -> "faq"."""
    return label.split("/", 1)[0]


def load_split(directory: Path) -> list[Example]:
    """Examples of every YAML file in one language's test folder."""
    examples: list[Example] = []
    for path in sorted(directory.glob("*.yml")):
        # A reader keeps what it read before: one reader per file.
        data = RasaYAMLReader().read(str(path))
        for message in data.intent_examples:
            label = message.get(INTENT_RESPONSE_KEY) or message.get("intent")
            examples.append(Example(text=message.get("text"), label=str(label)))
    return examples


def predicted_label(parse: dict[str, Any]) -> str:
    intent = parse.get("intent") or {}
    return str(intent.get("full_retrieval_intent_name") or intent.get("name") or "none")


def score(
    language: Language, examples: Sequence[Example], predicted: Sequence[str]
) -> LanguageScore:
    gold = [e.label for e in examples]
    gold_coarse = [coarse(label) for label in gold]
    predicted_coarse = [coarse(label) for label in predicted]
    faq = [(g, p) for g, p in zip(gold, predicted, strict=True) if coarse(g) == "faq"]
    per_label: dict[str, tuple[int, int]] = {}
    totals = Counter(gold_coarse)
    hits = Counter(g for g, p in zip(gold_coarse, predicted_coarse, strict=True) if g == p)
    for label in sorted(totals):
        per_label[label] = (hits[label], totals[label])
    return LanguageScore(
        language=language,
        examples=len(examples),
        intent_accuracy=_share(sum(hits.values()), len(examples)),
        intent_macro_f1=float(
            f1_score(
                gold_coarse,
                predicted_coarse,
                # Over the intents of the split: a wrong guess such as
                # nlu_fallback lowers recall once, not the average again.
                labels=sorted(totals),
                average="macro",
                zero_division=0,
            )
        ),
        full_accuracy=_share(
            sum(g == p for g, p in zip(gold, predicted, strict=True)), len(examples)
        ),
        faq_accuracy=_share(sum(g == p for g, p in faq), len(faq)),
        misclassified=[
            (e.text, e.label, p) for e, p in zip(examples, predicted, strict=True) if e.label != p
        ],
        per_label=per_label,
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


async def _parse_all(agent: Agent, texts: Sequence[str]) -> list[str]:
    return [predicted_label(await agent.parse_message(text)) for text in texts]


def evaluate(model: Path, split_dir: Path = TEST_SPLIT_DIR) -> list[LanguageScore]:
    agent = Agent.load(str(model))
    scores = []
    for language in SUPPORTED_LANGUAGES:
        examples = load_split(split_dir / language)
        predicted = asyncio.run(_parse_all(agent, [e.text for e in examples]))
        scores.append(score(language, examples, predicted))
    return scores
