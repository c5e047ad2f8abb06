"""Runs the benchmarks in order, ours and the baseline interleaved, into a Results."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from bench import e2e, memory
from bench.driver import Load
from bench.faq_live import faq_edit_to_live
from bench.handoffs import RelayTimes, claim_race, relay
from bench.length import length_run
from bench.machine import describe, load_average
from bench.models import WORK_DIR, baseline_model, our_model, time_our_training
from bench.nlu_live import data_with_new_example, swap_to_live
from bench.plan import Plan
from bench.results import (
    BASELINE,
    OURS,
    OURS_STOCK_TRAINING,
    REST,
    WIDGET,
    LoadRecord,
    Results,
)
from bench.runners import BaselineServer, OurStack, Target
from bench.startup import first_reply
from bench.stats import LoadSummary

T = TypeVar("T")
# REST conversations that keep the bot busy while the handoff relay is measured.
RELAY_BACKGROUND = 8
STARTUP_TIMEOUT = 300.0


_BEGUN = time.monotonic()


def _say(text: str) -> None:
    elapsed = int(time.monotonic() - _BEGUN)
    print(f"[{elapsed // 60:02d}:{elapsed % 60:02d}] {text}", flush=True)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def _start_ours(results: Results) -> OurStack:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    ours = OurStack(our_model(), Path(tempfile.mkdtemp(prefix="run-", dir=WORK_DIR)))
    _say("starting our stack...")
    start = time.perf_counter()
    ours.start()
    _run(first_reply(ours.target.rasa_url, STARTUP_TIMEOUT))
    results.startup_seconds[OURS] = time.perf_counter() - start
    _say(f"  first answer after {results.startup_seconds[OURS]:.1f} s")
    return ours


def _start_baseline(results: Results, ours: OurStack) -> BaselineServer:
    model, _ = baseline_model()
    baseline = BaselineServer(model, ours)
    _say("starting the baseline...")
    start = time.perf_counter()
    baseline.spawn()
    try:
        baseline.wait_ready(STARTUP_TIMEOUT)
        _run(first_reply(baseline.url, STARTUP_TIMEOUT))
    except BaseException:
        baseline.stop()
        raise
    results.startup_seconds[BASELINE] = time.perf_counter() - start
    _say(f"  first answer after {results.startup_seconds[BASELINE]:.1f} s")
    return baseline


def _attempt(results: Results, name: str, step: Callable[[], None]) -> None:
    """Run one benchmark; a failure is reported (and leaves gaps), the others still run."""
    try:
        step()
    except Exception as error:
        results.problems.append(f"{name} failed: {type(error).__name__}: {error}")
        _say(f"  FAILED: {type(error).__name__}: {error}")


def _memory(results: Results, stage: str, targets: list[Target]) -> None:
    results.memory[stage] = {target.name: memory.snapshot(target.pids) for target in targets}


def _end_to_end(plan: Plan, results: Results, targets: list[Target]) -> None:
    ours = targets[0]
    for repetition in range(plan.repetitions):
        for concurrency in plan.concurrencies:
            runs: list[tuple[Target, str]] = [(target, REST) for target in targets]
            runs.append((ours, WIDGET))
            for target, channel in runs:
                load = plan.load(concurrency)
                if channel == REST:
                    summary = _run(e2e.rest_load(target, load))
                else:
                    summary = _run(e2e.widget_load(target, load))
                results.e2e.append(LoadRecord(target.name, channel, concurrency, summary))
                _say(
                    f"  [{repetition + 1}/{plan.repetitions}] {target.name:8} {channel:6} "
                    f"x{concurrency:<3} {summary.per_second:6.1f} msg/s  "
                    f"p50 {summary.p50_ms:7.0f} ms  p95 {summary.p95_ms:7.0f} ms  "
                    f"({summary.messages} replies, {summary.errors} errors)"
                )


def _nlu(plan: Plan, results: Results, targets: list[Target]) -> None:
    for _ in range(plan.repetitions):
        for concurrency in plan.nlu_concurrencies:
            for target in targets:
                load = plan.nlu_load(concurrency)
                summary = _run(e2e.parse_load(target, load))
                results.nlu.append(LoadRecord(target.name, "parse", concurrency, summary))
                _say(
                    f"  {target.name:8} parse  x{concurrency:<3} {summary.per_second:6.1f} msg/s"
                    f"  p50 {summary.p50_ms:6.1f} ms  p95 {summary.p95_ms:6.1f} ms"
                )


def _length(plan: Plan, results: Results, targets: list[Target]) -> None:
    for _ in range(plan.length_repetitions):
        for target in targets:
            run = _run(length_run(target, plan.length_turns, plan.length_seconds))
            results.length.setdefault(target.name, []).append(run)
            _say(
                f"  {target.name:8} turn 1-10 {run.first_ms:6.0f} ms, last 10 {run.last_ms:6.0f}"
                f" ms at turn {run.reached}: x{run.ratio:.2f}"
                f"  (tracker {run.tracker_bytes / 1024:.0f} KiB)"
            )


def _faq(plan: Plan, results: Results, ours: OurStack) -> None:
    results.faq_live_seconds = _run(
        faq_edit_to_live(ours.target, ours.faq_dir, plan.faq_tries, plan.faq_timeout)
    )
    _say("  " + ", ".join(f"{seconds:.2f} s" for seconds in results.faq_live_seconds))


def _nlu_live(results: Results, ours: OurStack, model: Path) -> None:
    results.nlu_example_swap_seconds = swap_to_live(ours.target, model)
    _say(f"  loaded and answering after {results.nlu_example_swap_seconds:.1f} s")


async def _relay_under_load(plan: Plan, ours: OurStack) -> RelayTimes:
    """The relay, with REST conversations going on next to it until it is done."""
    target = ours.target
    background = asyncio.create_task(
        e2e.rest_load(target, Load(RELAY_BACKGROUND, 600.0, 1_000_000))
    )
    try:
        # Untimed, like the end-to-end warm-up: the stack's first handoff ever (console
        # feeds, the Rasa API session, first runs of each code path) is not a relay's cost.
        await relay(target.web_url, ours.agents, 1, 1)
        return await relay(target.web_url, ours.agents, plan.relay_pairs, plan.relay_exchanges)
    finally:
        background.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await background


def _handoff(plan: Plan, results: Results, ours: OurStack) -> None:
    results.relay = _run(_relay_under_load(plan, ours))
    for direction, times in (
        ("shopper → agent", results.relay.shopper_to_agent),
        ("agent → shopper", results.relay.agent_to_shopper),
    ):
        summary = LoadSummary.of(times, 0, 1.0)
        _say(f"  relay {direction}: p50 {summary.p50_ms:.0f} ms, p95 {summary.p95_ms:.0f} ms")
    target = ours.target
    for count in plan.claim_agents:
        race = _run(
            claim_race(
                target.rasa_url, target.web_url, ours.agents[:count], plan.claim_conversations
            )
        )
        results.claim_races.append(race)
        _say(
            f"  {count} agents: {race.claimed}/{race.conversations} claimed, "
            f"{race.per_second:.1f} claims/s, {race.double_claims} double claims"
        )


def run(plan: Plan) -> Results:
    begun = time.perf_counter()
    results = Results(
        quick=plan.quick,
        machine=describe(),
        concurrencies=plan.concurrencies,
        nlu_concurrencies=plan.nlu_concurrencies,
        systems=(OURS, BASELINE) if plan.with_baseline else (OURS,),
        load_seconds=plan.load_seconds,
        repetitions=plan.repetitions,
        length_turns=plan.length_turns,
        length_seconds=plan.length_seconds,
        faq_live_timeout=plan.faq_timeout,
    )
    our_model()  # fails at once, with the fix, when there is no model
    if plan.with_baseline:
        _say("checking the baseline model...")
        _, results.training[BASELINE] = baseline_model()
    new_model: Path | None = None
    if plan.time_training:
        _say("timing a fresh training of our model with one new NLU example (--force)...")
        data = data_with_new_example(WORK_DIR / "data-with-new-example")
        results.training[OURS], new_model = time_our_training(data)
        _say(f"  {results.training[OURS].seconds:.0f} s")
        new_model = new_model.rename(WORK_DIR / "new-example.tar.gz")
        _say("the same with stock `rasa train`...")
        results.training[OURS_STOCK_TRAINING], _ = time_our_training(data, "rasa")
        shutil.rmtree(data, ignore_errors=True)
        _say(f"  {results.training[OURS_STOCK_TRAINING].seconds:.0f} s")

    ours = _start_ours(results)
    baseline: BaselineServer | None = None
    try:
        if plan.with_baseline:
            baseline = _start_baseline(results, ours)
        targets = [ours.target] + ([baseline.target] if baseline else [])
        _say("warming up...")
        for target in targets:
            results.transcripts[target.name] = _run(e2e.warm_up(target, widget=target.name == OURS))
        _memory(results, "after warm-up", targets)
        _say("end to end (REST, widget)...")
        _attempt(results, "end to end", lambda: _end_to_end(plan, results, targets))
        _memory(results, "after load", targets)
        _say("NLU alone (/model/parse)...")
        _attempt(results, "NLU", lambda: _nlu(plan, results, targets))
        _say("FAQ answer edit to live...")
        _attempt(results, "FAQ edit to live", lambda: _faq(plan, results, ours))
        if new_model is not None:
            _say("the model with the new NLU example to live...")
            model = new_model
            _attempt(results, "NLU example to live", lambda: _nlu_live(results, ours, model))
        _say(f"handoff (relay with {RELAY_BACKGROUND} REST conversations next to it, claims)...")
        _attempt(results, "handoff", lambda: _handoff(plan, results, ours))
        _say(f"conversation length (up to {plan.length_turns} turns)...")
        _attempt(results, "conversation length", lambda: _length(plan, results, targets))
    finally:
        if baseline is not None:
            baseline.stop()
        ours.stop()
    # The logs stay when the run fails (the exception leaves before this).
    shutil.rmtree(ours.run_dir, ignore_errors=True)
    results.total_seconds = time.perf_counter() - begun
    results.load_average_end = load_average()
    return results
