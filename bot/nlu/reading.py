"""From each class's probability to what a parse says: an intent, an FAQ entry, or that
the bot is unsure (`nlu_fallback`).

The intent classifier learns an FAQ entry as a class of its own (`faq/<key>`), so one
set of probabilities answers both questions Rasa asks: which intent, and for the FAQ
intent which entry (Rasa's `response_selector` output, read by the FAQ answer, the
review inbox, the agents' suggested answer and `make eval`). The bot answers only when
the intent is clear and, for an FAQ question, the entry is clear too (issue #20): a
near tie between two entries is as likely wrong as right, and gets "Did you mean ...?"
instead (actions/did_you_mean.py reads the finer ranking kept under LABEL_RANKING).
The unsure parse has the FallbackClassifier's shape, so Rasa's fallback handling reads
it as its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
)

from bot.nlu.parse_keys import LABEL_RANKING


@dataclass(frozen=True)
class Thresholds:
    """Below `intent`, or within `intent_margin` of the runner-up intent, the bot does
    not guess; for an FAQ question the same holds for its entry against every other
    class (`entry`, `entry_margin`)."""

    intent: float
    intent_margin: float
    entry: float
    entry_margin: float


def read(
    labels: Sequence[str], probabilities: Sequence[float], thresholds: Thresholds
) -> dict[str, Any]:
    """A parse's intent, intent ranking, finer ranking and (for an FAQ entry that is
    clear) response selection, from each class's probability."""
    finer = sorted(zip(labels, map(float, probabilities), strict=True), key=lambda p: -p[1])
    intents: dict[str, float] = defaultdict(float)
    for label, probability in finer:
        intents[label.split("/", 1)[0]] += probability
    ranking = sorted(intents.items(), key=lambda item: -item[1])
    parse: dict[str, Any] = {
        INTENT: _named(*ranking[0]),
        INTENT_RANKING_KEY: [_named(*item) for item in ranking[:LABEL_RANKING_LENGTH]],
        LABEL_RANKING: [_named(*item) for item in finer[:LABEL_RANKING_LENGTH]],
    }
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    if ranking[0][1] < thresholds.intent or ranking[0][1] - runner_up < thresholds.intent_margin:
        return _unsure(parse, thresholds.intent)
    intent = ranking[0][0]
    entries = [item for item in finer if item[0].startswith(f"{intent}/")]
    if not entries:
        return parse
    entry, probability = entries[0]
    others = [p for label, p in finer if label != entry]
    if probability < thresholds.entry or probability - max(others, default=0.0) < (
        thresholds.entry_margin
    ):
        return _unsure(parse, thresholds.entry)
    parse[RESPONSE_SELECTOR_PROPERTY_NAME] = {
        RESPONSE_SELECTOR_RETRIEVAL_INTENTS: [intent],
        intent: {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                # The answers come from the FAQ files when the action runs (actions/faq.py).
                RESPONSE_SELECTOR_RESPONSES_KEY: [],
                PREDICTED_CONFIDENCE_KEY: probability,
                INTENT_RESPONSE_KEY: entry,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{entry}",
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: label}
                for label, p in entries[:LABEL_RANKING_LENGTH]
            ],
        },
    }
    return parse


def _named(name: str, confidence: float) -> dict[str, Any]:
    return {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}


def _unsure(parse: dict[str, Any], threshold: float) -> dict[str, Any]:
    # As Rasa's FallbackClassifier says it: the threshold as confidence, first in the
    # ranking, the classifier's own ranking after it.
    fallback = _named(DEFAULT_NLU_FALLBACK_INTENT_NAME, threshold)
    return {**parse, INTENT: fallback, INTENT_RANKING_KEY: [fallback, *parse[INTENT_RANKING_KEY]]}
