"""Percentiles and medians, and the summary of one load run."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` (0-1) percentile by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    """The median of the values that are numbers; NaN when there are none."""
    numbers = [value for value in values if not math.isnan(value)]
    return statistics.median(numbers) if numbers else math.nan


def is_number(value: float | None) -> bool:
    return value is not None and not math.isnan(value) and not math.isinf(value)


@dataclass(frozen=True)
class LoadSummary:
    """One run of one load: how many replies came back, how fast and how soon."""

    messages: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.messages and self.seconds > 0 else math.nan

    @classmethod
    def of(cls, latencies: Sequence[float], errors: int, seconds: float) -> LoadSummary:
        """From reply latencies in seconds."""
        return cls(
            messages=len(latencies),
            errors=errors,
            seconds=seconds,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p95_ms=percentile(latencies, 0.95) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
        )


@dataclass(frozen=True)
class MedianLoad:
    """The medians of several runs of the same load."""

    runs: int
    messages: int
    errors: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @classmethod
    def of(cls, runs: Sequence[LoadSummary]) -> MedianLoad:
        return cls(
            runs=len(runs),
            messages=sum(run.messages for run in runs),
            errors=sum(run.errors for run in runs),
            per_second=median([run.per_second for run in runs]),
            p50_ms=median([run.p50_ms for run in runs]),
            p95_ms=median([run.p95_ms for run in runs]),
            p99_ms=median([run.p99_ms for run in runs]),
        )

    @property
    def has_numbers(self) -> bool:
        return all(is_number(v) for v in (self.per_second, self.p50_ms, self.p95_ms, self.p99_ms))
