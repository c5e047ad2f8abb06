"""Scores a trained model on the held-out test split and the independent set, per language.

The split lives in `tests/nlu/<language>/*.yml` and is never used for training.
Each example is labelled with its intent, or `faq/<key>` for an FAQ question, so
one run measures both the intent classifier and the FAQ entry selection.

The independent set (`tests/nlu/independent/<language>.csv`) was not written with
the training data: public corpora and messages written fresh in other styles, each
with its source and licence (its README). The split measures what the model
remembers of our own writing; the independent set what it understands.
"""

from __future__ import annotations

import asyncio
import csv
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
from bot.menu import task_titles
from bot.nlu.offered_readings import offered_readings
from bot.nlu.parse_keys import LABEL_RANKING

TEST_SPLIT_DIR = Path("tests/nlu")
INDEPENDENT_DIR = TEST_SPLIT_DIR / "independent"
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
# Issue #20: a wrong answer given at this confidence or above is the worst kind of
# mistake; the bot should have asked or declined instead.
CONFIDENT = 0.8


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    # Where an independent item comes from ("fresh" or a corpus); "" for the split.
    source: str = ""


# What a shopper gets from one message: the right answer; "Did you mean ...?" buttons
# with the right reading among them, or without it; no answer (the out-of-scope reply,
# or the fallback with nothing to offer); a wrong answer.
OUTCOMES = ("right", "buttons_with_right", "buttons_without_right", "no_answer", "wrong")


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    intent_confidence: float
    # The readings "Did you mean ...?" offers for an unsure message (else none).
    offered: tuple[str, ...] = ()


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
    # Out-of-scope messages answered `out_of_scope`, and those answered with no
    # answer at all (`out_of_scope` or the fallback): both spare the shopper a
    # wrong answer. None when the examples hold no out-of-scope message.
    oos_recall: float | None = None
    oos_declined: float | None = None
    # Wrong answers (not the fallback) at confidence >= CONFIDENT, among all examples.
    confident_wrong_rate: float = 0.0
    # The same by the intent's confidence alone: the rate shoppers see from a model that
    # answers an FAQ entry however unsure of the entry it is (DIET with a selector).
    confident_wrong_intent_rate: float = 0.0
    confident_wrong: list[tuple[str, str, str, float]] = field(default_factory=list)
    # Full accuracy per source of the examples: (right, examples).
    per_source: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Messages per OUTCOMES key; empty when the offered readings were not given.
    outcomes: dict[str, int] = field(default_factory=dict)


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


def load_independent(path: Path) -> list[Example]:
    """One language's independent set: a CSV with text, label, source, licence, note."""
    with path.open(encoding="utf-8", newline="") as file:
        return [
            Example(text=row["text"], label=row["label"], source=row["source"])
            for row in csv.DictReader(file)
        ]


def predicted_label(parse: dict[str, Any]) -> str:
    intent = parse.get("intent") or {}
    return str(intent.get("full_retrieval_intent_name") or intent.get("name") or "none")


def predicted_confidence(parse: dict[str, Any]) -> float:
    """How sure the model is of the answer it gives.

    For an FAQ answer both picks must hold, the intent and the entry: the lower
    of the two confidences, since either one being wrong gives a wrong answer.
    """
    intent = parse.get("intent") or {}
    confidence = float(intent.get("confidence") or 0.0)
    if predicted_label(parse).startswith("faq/"):
        selector = (parse.get("response_selector") or {}).get("faq") or {}
        entry = float((selector.get("response") or {}).get("confidence") or 0.0)
        confidence = min(confidence, entry)
    return confidence


def score(
    language: Language,
    examples: Sequence[Example],
    predicted: Sequence[str],
    confidences: Sequence[float] | None = None,
    intent_confidences: Sequence[float] | None = None,
    offered: Sequence[Sequence[str]] | None = None,
) -> LanguageScore:
    """`confidences` and `intent_confidences` (one per prediction, see
    `predicted_confidence`) are needed for the confident-wrong rates only, `offered`
    (the readings offered for each) for the outcomes."""
    gold = [e.label for e in examples]
    gold_coarse = [coarse(label) for label in gold]
    predicted_coarse = [coarse(label) for label in predicted]
    faq = [(g, p) for g, p in zip(gold, predicted, strict=True) if coarse(g) == "faq"]
    per_label: dict[str, tuple[int, int]] = {}
    totals = Counter(gold_coarse)
    hits = Counter(g for g, p in zip(gold_coarse, predicted_coarse, strict=True) if g == p)
    for label in sorted(totals):
        per_label[label] = (hits[label], totals[label])
    confident_wrong = _confident_wrong(examples, predicted, confidences)
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
        oos_recall=_oos_share(gold, predicted, (OUT_OF_SCOPE,)),
        oos_declined=_oos_share(gold, predicted, (OUT_OF_SCOPE, FALLBACK)),
        confident_wrong_rate=_share(len(confident_wrong), len(examples)),
        confident_wrong_intent_rate=_share(
            len(_confident_wrong(examples, predicted, intent_confidences)), len(examples)
        ),
        confident_wrong=confident_wrong,
        per_source=_per_source(examples, predicted),
        outcomes=_outcomes(gold, predicted, offered),
    )


def outcome(gold: str, predicted: str, offered: Sequence[str]) -> str:
    """One of OUTCOMES."""
    if predicted == gold:
        return "right"
    if predicted == FALLBACK and offered:
        return "buttons_with_right" if gold in offered else "buttons_without_right"
    if predicted in (FALLBACK, OUT_OF_SCOPE):
        return "no_answer"
    return "wrong"


def _outcomes(
    gold: Sequence[str], predicted: Sequence[str], offered: Sequence[Sequence[str]] | None
) -> dict[str, int]:
    if offered is None:
        return {}
    counts = Counter(outcome(*row) for row in zip(gold, predicted, offered, strict=True))
    return {key: counts[key] for key in OUTCOMES}


def _oos_share(
    gold: Sequence[str], predicted: Sequence[str], accepted: tuple[str, ...]
) -> float | None:
    """The share of out-of-scope messages answered with one of `accepted`."""
    answers = [p for g, p in zip(gold, predicted, strict=True) if g == OUT_OF_SCOPE]
    return _share(sum(p in accepted for p in answers), len(answers)) if answers else None


def _confident_wrong(
    examples: Sequence[Example], predicted: Sequence[str], confidences: Sequence[float] | None
) -> list[tuple[str, str, str, float]]:
    if confidences is None:
        return []
    return [
        (e.text, e.label, p, c)
        for e, p, c in zip(examples, predicted, confidences, strict=True)
        # The fallback is no answer: the shopper is asked to rephrase, not misled.
        if e.label != p and p != FALLBACK and c >= CONFIDENT
    ]


def _per_source(
    examples: Sequence[Example], predicted: Sequence[str]
) -> dict[str, tuple[int, int]]:
    totals = Counter(e.source for e in examples)
    hits = Counter(e.source for e, p in zip(examples, predicted, strict=True) if e.label == p)
    return {source: (hits[source], totals[source]) for source in sorted(totals) if source}


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def offered(parse: dict[str, Any], language: Language) -> tuple[str, ...]:
    """The readings "Did you mean ...?" offers for this parse, as actions/did_you_mean.py
    picks them: tasks of the bot's menu and FAQ entries (every entry the model knows has
    questions in both languages: a content check)."""
    if predicted_label(parse) != FALLBACK:
        return ()
    tasks = task_titles(language)
    return tuple(
        offered_readings(
            parse.get(LABEL_RANKING),
            lambda label: label.startswith("faq/") or f"/{label}" in tasks,
        )
    )


async def _parse_all(agent: Agent, texts: Sequence[str], language: Language) -> list[Prediction]:
    parses = [await agent.parse_message(text) for text in texts]
    return [
        Prediction(
            predicted_label(p),
            predicted_confidence(p),
            float((p.get("intent") or {}).get("confidence") or 0.0),
            offered(p, language),
        )
        for p in parses
    ]


def _score_with(agent: Agent, language: Language, examples: Sequence[Example]) -> LanguageScore:
    predictions = asyncio.run(_parse_all(agent, [e.text for e in examples], language))
    return score(
        language,
        examples,
        [p.label for p in predictions],
        [p.confidence for p in predictions],
        [p.intent_confidence for p in predictions],
        [p.offered for p in predictions],
    )


def evaluate(model: Path, split_dir: Path = TEST_SPLIT_DIR) -> list[LanguageScore]:
    return evaluate_both(model, split_dir, None)[0]


def evaluate_both(
    model: Path, split_dir: Path, independent_dir: Path | None
) -> tuple[list[LanguageScore], list[LanguageScore]]:
    """The held-out split's scores and the independent set's ([] without one).

    One model load for both: loading is most of a run's time.
    """
    agent = Agent.load(str(model))
    split = [
        _score_with(agent, language, load_split(split_dir / language))
        for language in SUPPORTED_LANGUAGES
    ]
    independent = []
    if independent_dir is not None:
        independent = [
            _score_with(agent, language, load_independent(independent_dir / f"{language}.csv"))
            for language in SUPPORTED_LANGUAGES
        ]
    return split, independent
