"""Everything one run measured, as the report and the chart read it."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.handoffs import ClaimRace, RelayTimes
from bench.length import LengthRun
from bench.machine import Machine
from bench.models import TrainTime
from bench.stats import LoadSummary, MedianLoad, is_number, median

OURS = "ours"
BASELINE = "baseline"
# Our config and data trained by stock `rasa train`: what our training path saves.
OURS_STOCK_TRAINING = "ours, stock `rasa train`"
REST = "rest"
WIDGET = "widget"


@dataclass(frozen=True)
class LoadRecord:
    system: str
    channel: str
    concurrency: int
    summary: LoadSummary


@dataclass
class Results:
    quick: bool
    machine: Machine
    concurrencies: tuple[int, ...]
    nlu_concurrencies: tuple[int, ...]
    systems: tuple[str, ...]
    e2e: list[LoadRecord] = field(default_factory=list)
    nlu: list[LoadRecord] = field(default_factory=list)
    length: dict[str, list[LengthRun]] = field(default_factory=dict)
    training: dict[str, TrainTime] = field(default_factory=dict)
    faq_live_seconds: list[float] = field(default_factory=list)
    faq_live_timeout: float = 0.0
    # From asking the server to load the model trained with one new example to its answer.
    nlu_example_swap_seconds: float | None = None
    # stage ("after warm-up", "after load") -> system -> process -> bytes
    memory: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    startup_seconds: dict[str, float] = field(default_factory=dict)
    transcripts: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    load_seconds: float = 0.0
    repetitions: int = 0
    length_turns: int = 0
    length_seconds: float = 0.0
    total_seconds: float = 0.0
    load_average_end: str = ""
    relay: RelayTimes | None = None
    claim_races: list[ClaimRace] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def load(self, system: str, channel: str, concurrency: int) -> MedianLoad | None:
        runs = [
            record.summary
            for record in self.e2e
            if (record.system, record.channel, record.concurrency) == (system, channel, concurrency)
        ]
        return MedianLoad.of(runs) if runs else None

    def parse(self, system: str, concurrency: int) -> MedianLoad | None:
        runs = [
            record.summary
            for record in self.nlu
            if (record.system, record.concurrency) == (system, concurrency)
        ]
        return MedianLoad.of(runs) if runs else None

    def length_ratio(self, system: str) -> float:
        return median([run.ratio for run in self.length.get(system, [])])

    def faq_live(self) -> float:
        return median(self.faq_live_seconds)

    def relay_summary(self, direction: str) -> LoadSummary | None:
        """Latencies of one relay direction ("shopper_to_agent", "agent_to_shopper")."""
        if self.relay is None:
            return None
        return LoadSummary.of(getattr(self.relay, direction), 0, 1.0)

    def missing(self) -> list[str]:
        """The measurements this run should have made and has no numbers for."""
        gaps: list[str] = []
        channels = [(system, REST) for system in self.systems] + [(OURS, WIDGET)]
        for system, channel in channels:
            for concurrency in self.concurrencies:
                result = self.load(system, channel, concurrency)
                if result is None or not result.has_numbers:
                    gaps.append(f"end-to-end {system} {channel} at {concurrency}")
        for system in self.systems:
            for concurrency in self.nlu_concurrencies:
                result = self.parse(system, concurrency)
                if result is None or not result.has_numbers:
                    gaps.append(f"NLU {system} at {concurrency}")
            if not is_number(self.length_ratio(system)):
                gaps.append(f"conversation length {system}")
            if not is_number(self.startup_seconds.get(system, math.nan)):
                gaps.append(f"start-up {system}")
            for stage in ("after warm-up", "after load"):
                if not any(self.memory.get(stage, {}).get(system, {}).values()):
                    gaps.append(f"memory {system} {stage}")
        if not is_number(self.faq_live()):
            gaps.append("FAQ edit to live")
        for direction in ("shopper_to_agent", "agent_to_shopper"):
            relay = self.relay_summary(direction)
            if relay is None or not is_number(relay.p95_ms):
                gaps.append(f"handoff relay {direction}")
        if not self.claim_races or not all(race.claimed for race in self.claim_races):
            gaps.append("handoff claim race")
        if not self.quick and OURS not in self.training:
            gaps.append("training time ours")
        if not self.quick and self.nlu_example_swap_seconds is None:
            gaps.append("NLU example to live")
        return gaps

    def save(self, path: Path) -> None:
        """The raw numbers, for whoever wants more than the report shows."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_plain(asdict(self)), indent=1, ensure_ascii=False) + "\n")


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
