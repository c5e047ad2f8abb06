"""How much each mode measures: the full run for docs/benchmarks.md, the quick smoke test."""

from __future__ import annotations

from dataclasses import dataclass

from bench.driver import Load


@dataclass(frozen=True)
class Plan:
    quick: bool
    concurrencies: tuple[int, ...]
    repetitions: int
    load_seconds: float
    max_messages: int
    nlu_concurrencies: tuple[int, ...]
    nlu_seconds: float
    length_turns: int
    length_seconds: float
    length_repetitions: int
    faq_tries: int
    faq_timeout: float
    with_baseline: bool
    time_training: bool
    relay_pairs: int
    relay_exchanges: int
    claim_agents: tuple[int, ...]
    claim_conversations: int

    def load(self, concurrency: int) -> Load:
        return Load(concurrency, self.load_seconds, self.max_messages)

    def nlu_load(self, concurrency: int) -> Load:
        return Load(concurrency, self.nlu_seconds, self.max_messages)


FULL = Plan(
    quick=False,
    concurrencies=(1, 8, 32, 64),
    repetitions=3,
    load_seconds=6.0,
    max_messages=3000,
    nlu_concurrencies=(1, 8),
    nlu_seconds=4.0,
    length_turns=200,
    length_seconds=120.0,
    length_repetitions=1,
    faq_tries=3,
    faq_timeout=60.0,
    with_baseline=True,
    time_training=True,
    relay_pairs=8,
    relay_exchanges=10,
    claim_agents=(2, 5, 10),
    claim_conversations=20,
)

QUICK = Plan(
    quick=True,
    concurrencies=(1, 8),
    repetitions=1,
    load_seconds=4.0,
    max_messages=200,
    nlu_concurrencies=(1, 8),
    nlu_seconds=2.0,
    length_turns=20,
    length_seconds=60.0,
    length_repetitions=1,
    faq_tries=1,
    faq_timeout=30.0,
    with_baseline=False,
    time_training=False,
    relay_pairs=2,
    relay_exchanges=3,
    claim_agents=(2,),
    claim_conversations=5,
)
