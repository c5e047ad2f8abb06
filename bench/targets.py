"""The targets of issue #8, checked against one run's results."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.results import BASELINE, OURS, REST, Results
from bench.stats import is_number

TARGET_CONCURRENCY = 32
GIB = 1024**3


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    limit: float
    at_least: bool
    unit: str

    @property
    def measured(self) -> bool:
        return is_number(self.value)

    @property
    def met(self) -> bool:
        return self.measured and (
            self.value >= self.limit if self.at_least else self.value <= self.limit
        )

    def verdict(self) -> str:
        if not self.measured:
            return "not measured"
        if self.met:
            return "met"
        if self.limit == 0:
            return f"**missed**: {self.value:g}"
        if self.at_least:
            return (
                f"**missed** by {_amount(self.limit - self.value)} {self.unit} "
                f"({self.value / self.limit:.0%} of the target)"
            )
        return (
            f"**missed** by {_amount(self.value - self.limit)} {self.unit} "
            f"({self.value / self.limit:.1f}× the limit)"
        )


def _amount(number: float) -> str:
    if abs(number) >= 100:
        return f"{number:,.0f}"
    return f"{number:.1f}" if abs(number) >= 10 else f"{number:.2f}"


def value(number: float | None) -> float:
    return math.nan if number is None else number


def _stack_memory(results: Results) -> float:
    processes = results.memory.get("after load", {}).get(OURS, {})
    return sum(processes.values()) / GIB if processes else math.nan


def _relay_p95(results: Results) -> float:
    p95s = [
        summary.p95_ms
        for direction in ("shopper_to_agent", "agent_to_shopper")
        if (summary := results.relay_summary(direction)) is not None
    ]
    return max(p95s) if p95s else math.nan


def _double_claims(results: Results) -> float:
    races = results.claim_races
    return float(sum(race.double_claims for race in races)) if races else math.nan


def _length_name(results: Results) -> str:
    turns = results.length_turns
    reached = min((run.reached for run in results.length.get(OURS, [])), default=turns)
    if reached < turns:
        return f"turn {turns} / turn 1 time (only turn {reached} reached in the time limit)"
    return f"turn {turns} / turn 1 time"


def checks(results: Results) -> list[Check]:
    ours = results.load(OURS, REST, TARGET_CONCURRENCY)
    baseline = results.load(BASELINE, REST, TARGET_CONCURRENCY)
    ratio = (
        ours.per_second / baseline.per_second
        if ours and baseline and baseline.per_second > 0
        else math.nan
    )
    training = results.training.get(OURS)
    return [
        Check(
            f"messages/s at {TARGET_CONCURRENCY} conversations (REST)",
            value(ours.per_second if ours else None),
            100,
            True,
            "msg/s",
        ),
        Check(
            f"p95 latency at {TARGET_CONCURRENCY} conversations (REST)",
            value(ours.p95_ms if ours else None),
            150,
            False,
            "ms",
        ),
        Check(f"messages/s vs baseline at {TARGET_CONCURRENCY}", ratio, 3, True, "×"),
        Check(_length_name(results), results.length_ratio(OURS), 1.5, False, "×"),
        Check("start-up to first answer", value(results.startup_seconds.get(OURS)), 20, False, "s"),
        Check("full training", value(training.seconds if training else None), 60, False, "s"),
        Check("FAQ answer edit to live", results.faq_live(), 15, False, "s"),
        Check("whole stack memory (PSS) after load", _stack_memory(results), 2, False, "GiB"),
        Check("handoff relay p95 (slower direction)", _relay_p95(results), 50, False, "ms"),
        Check("double claims in the claim race", _double_claims(results), 0, False, ""),
    ]
