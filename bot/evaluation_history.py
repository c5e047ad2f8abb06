"""The scores of the last `eva eval` run, kept as JSON to compare the next run with.

`docs/nlu-report.json` sits next to the report. `compare` turns the previous
and the current run into lines such as "ko intent accuracy 94.8 % -> 95.8 % (+1.0)"
and "ko out_of_scope 8/15 -> 11/15". The independent set's scores are kept
under "independent/ko" and "independent/en", so its changes are listed the same
way. A missing or unreadable previous file means there is nothing to compare
with, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.evaluation import LanguageScore

FORMAT_VERSION = 1
INDEPENDENT_PREFIX = "independent/"


@dataclass(frozen=True)
class LanguageSummary:
    intent_accuracy: float
    intent_macro_f1: float
    full_accuracy: float
    faq_accuracy: float
    per_intent: dict[str, tuple[int, int]] = field(default_factory=dict)


History = dict[str, LanguageSummary]

# (attribute, name in the comparison, shown as a percentage): the report's order.
_METRICS = (
    ("intent_accuracy", "intent accuracy", True),
    ("intent_macro_f1", "intent macro-F1", False),
    ("full_accuracy", "full accuracy", True),
    ("faq_accuracy", "FAQ entry accuracy", True),
)


def summarize(
    scores: Sequence[LanguageScore], independent: Sequence[LanguageScore] = ()
) -> History:
    history: History = {s.language: _summary(s) for s in scores}
    history.update({f"{INDEPENDENT_PREFIX}{s.language}": _summary(s) for s in independent})
    return history


def _summary(s: LanguageScore) -> LanguageSummary:
    return LanguageSummary(
        intent_accuracy=s.intent_accuracy,
        intent_macro_f1=s.intent_macro_f1,
        full_accuracy=s.full_accuracy,
        faq_accuracy=s.faq_accuracy,
        per_intent=dict(s.per_label),
    )


def to_json(history: Mapping[str, LanguageSummary]) -> str:
    languages = {
        language: {
            "intent_accuracy": s.intent_accuracy,
            "intent_macro_f1": s.intent_macro_f1,
            "full_accuracy": s.full_accuracy,
            "faq_accuracy": s.faq_accuracy,
            "per_intent": {
                label: {"right": right, "total": total}
                for label, (right, total) in sorted(s.per_intent.items())
            },
        }
        for language, s in history.items()
    }
    data = {"version": FORMAT_VERSION, "languages": languages}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def from_json(text: str) -> History:
    """Parse `to_json`'s output; ValueError (or KeyError, TypeError) on anything else."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise ValueError("not an NLU score file of this format")
    history: History = {}
    for language, entry in data["languages"].items():
        history[str(language)] = LanguageSummary(
            intent_accuracy=_number(entry["intent_accuracy"]),
            intent_macro_f1=_number(entry["intent_macro_f1"]),
            full_accuracy=_number(entry["full_accuracy"]),
            faq_accuracy=_number(entry["faq_accuracy"]),
            per_intent={
                str(label): (_count(counts["right"]), _count(counts["total"]))
                for label, counts in entry["per_intent"].items()
            },
        )
    return history


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a number: {value!r}")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a count: {value!r}")
    return value


def save(
    scores: Sequence[LanguageScore], path: Path, independent: Sequence[LanguageScore] = ()
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(summarize(scores, independent)), encoding="utf-8")
    return path


def load(path: Path) -> History | None:
    """The scores saved at `path`, None if the file is missing or unreadable."""
    try:
        return from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None


def compare(
    previous: Mapping[str, LanguageSummary] | None,
    current: Mapping[str, LanguageSummary],
) -> list[str]:
    """What changed since the previous run, one line per change; [] without a previous run."""
    if previous is None:
        return []
    lines: list[str] = []
    for language, now in current.items():
        before = previous.get(language)
        if before is None:
            lines.append(f"{language} is new: intent accuracy {_percent(now.intent_accuracy)}")
            continue
        for key, name, percent in _METRICS:
            line = _change(name, getattr(before, key), getattr(now, key), percent)
            if line:
                lines.append(f"{language} {line}")
        for label in sorted(before.per_intent.keys() | now.per_intent.keys()):
            old, new = before.per_intent.get(label), now.per_intent.get(label)
            if old == new:
                continue
            lines.append(f"{language} {label} {_fraction(old)} -> {_fraction(new)}")
    lines += [f"{language} is gone" for language in previous if language not in current]
    return lines


def _change(name: str, before: float, now: float, percent: bool) -> str | None:
    """Like "intent accuracy 94.8 % -> 95.8 % (+1.0)"; None if the shown values are equal."""
    if percent:
        old, new = round(100 * before, 1), round(100 * now, 1)
        return None if old == new else f"{name} {old:.1f} % -> {new:.1f} % ({new - old:+.1f})"
    old, new = round(before, 3), round(now, 3)
    return None if old == new else f"{name} {old:.3f} -> {new:.3f} ({new - old:+.3f})"


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def _fraction(counts: tuple[int, int] | None) -> str:
    return "-" if counts is None else f"{counts[0]}/{counts[1]}"
