""" "Did you mean ...?": which readings of an unsure message are offered as buttons.

Shared by the action that shows the buttons (actions/did_you_mean.py) and `make eval`,
which counts how often the right reading is among them (bot/evaluation.py). Rasa-free,
like bot/nlu/parse_keys.py, so the action server does not load Rasa for it.
"""

from __future__ import annotations

from collections.abc import Callable

# At most this many buttons, and only readings at least this likely: below it a reading
# is noise, and a list of unlikely buttons reads as a menu, not a question.
MAX_CHOICES = 3
MIN_CONFIDENCE = 0.1


def offered_readings(ranking: object, offerable: Callable[[str], bool]) -> list[str]:
    """The labels (`cancel_order`, `faq/<key>`) of the likeliest offerable readings in a
    parse's LABEL_RANKING, best first; none unless two or more are both likely and
    offerable (one reading is not a choice)."""
    labels: list[str] = []
    for reading in ranking if isinstance(ranking, list) else []:
        # The ranking comes in the tracker Rasa sends: anything odd is skipped, not trusted.
        name = reading.get("name") if isinstance(reading, dict) else None
        confidence = reading.get("confidence") if isinstance(reading, dict) else None
        if not isinstance(name, str) or not isinstance(confidence, int | float):
            continue
        if confidence < MIN_CONFIDENCE or name in labels or not offerable(name):
            continue
        labels.append(name)
        if len(labels) == MAX_CHOICES:
            break
    return labels if len(labels) >= 2 else []
