"""docs/benchmarks.md from one run's results: tables of medians, ratios, targets."""

from __future__ import annotations

from pathlib import Path

from bench.models import BASELINE_EPOCHS
from bench.results import BASELINE, OURS, OURS_STOCK_TRAINING, REST, WIDGET, Results
from bench.stats import LoadSummary, MedianLoad, is_number, median
from bench.targets import GIB, checks

MIB = 1024**2
PROCESS_ORDER = ("redis", "actions", "rasa", "web")


def number(value: float | None, digits: int = 0) -> str:
    if value is None or not is_number(value):
        return "—"
    return f"{value:,.{digits}f}"


def ratio(ours: float | None, baseline: float | None) -> str:
    if ours is None or baseline is None or not is_number(ours) or not is_number(baseline):
        return "—"
    if baseline == 0:
        return "—"
    return f"{ours / baseline:.2f}×"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _get(load: MedianLoad | None, field: str) -> float | None:
    return None if load is None else float(getattr(load, field))


def _machine(results: Results) -> list[str]:
    m = results.machine
    lines = ["## Machine", ""]
    lines += _table(
        [
            "CPU",
            "cores",
            "RAM",
            "Python",
            "Rasa",
            "OS",
            "date",
            "load average at start (1/5/15 min)",
            "at end",
        ],
        [
            [
                m.cpu,
                str(m.cores),
                f"{m.ram_gib:.1f} GiB",
                m.python,
                m.rasa,
                m.system,
                m.date,
                m.load_average,
                results.load_average_end,
            ]
        ],
    )
    return lines


def _targets(results: Results) -> list[str]:
    lines = ["## Targets of issue #8", ""]
    rows = [
        [
            check.name,
            f"{'≥' if check.at_least else '≤'} {check.limit:g} {check.unit}".strip(),
            number(check.value, 2 if 0 < abs(check.value) < 10 else 0) if check.measured else "—",
            check.verdict(),
        ]
        for check in checks(results)
    ]
    lines += _table(["target", "limit", "ours", "verdict"], rows)
    return lines


def _end_to_end(results: Results) -> list[str]:
    lines = [
        "## 1. End to end: whole conversations",
        "",
        "Each simulated shopper runs a 7-message conversation (greeting, a FAQ question, order "
        "status through the order form: order number, then the e-mail on the order, an "
        "unreadable message, thanks), in Korean or in English, and sends each message when the "
        "previous one is answered. `N` shoppers at once, for "
        f"{results.load_seconds:g} s a run, {results.repetitions} run(s) each; the table shows "
        "medians of the runs. Ratios are ours / baseline (messages/s: higher is better; "
        "latency: lower is better).",
        "",
        "![latency and throughput vs concurrency](img/bench-latency.png)",
        "",
        "### REST channel",
        "",
    ]
    rows = []
    for concurrency in results.concurrencies:
        ours = results.load(OURS, REST, concurrency)
        base = results.load(BASELINE, REST, concurrency)
        rows.append(
            [
                str(concurrency),
                number(_get(ours, "per_second"), 1),
                number(_get(base, "per_second"), 1),
                ratio(_get(ours, "per_second"), _get(base, "per_second")),
                number(_get(ours, "p50_ms")),
                number(_get(base, "p50_ms")),
                number(_get(ours, "p95_ms")),
                number(_get(base, "p95_ms")),
                ratio(_get(ours, "p95_ms"), _get(base, "p95_ms")),
                number(_get(ours, "p99_ms")),
                number(_get(base, "p99_ms")),
                f"{number(_get(ours, 'errors'))} / {number(_get(base, 'errors'))}",
            ]
        )
    lines += _table(
        [
            "conversations",
            "msg/s ours",
            "msg/s baseline",
            "ratio",
            "p50 ms ours",
            "p50 ms baseline",
            "p95 ms ours",
            "p95 ms baseline",
            "p95 ratio",
            "p99 ms ours",
            "p99 ms baseline",
            "errors ours / baseline",
        ],
        rows,
    )
    lines += [
        "### Widget channel (WebSocket, ours only: stock Rasa has no such channel)",
        "",
        "Latency is from sending the message frame to the first bot message stored after it.",
        "",
    ]
    rows = []
    for concurrency in results.concurrencies:
        widget = results.load(OURS, WIDGET, concurrency)
        rest = results.load(OURS, REST, concurrency)
        rows.append(
            [
                str(concurrency),
                number(_get(widget, "per_second"), 1),
                number(_get(widget, "p50_ms")),
                number(_get(widget, "p95_ms")),
                number(_get(widget, "p99_ms")),
                number(_get(widget, "errors")),
                ratio(_get(widget, "per_second"), _get(rest, "per_second")),
            ]
        )
    lines += _table(
        ["conversations", "msg/s", "p50 ms", "p95 ms", "p99 ms", "errors", "msg/s vs our REST"],
        rows,
    )
    return lines


def _nlu(results: Results) -> list[str]:
    lines = [
        "## 2. NLU alone (`POST /model/parse`)",
        "",
        f"The 14 messages of both conversations, over and over, {results.repetitions} run(s) "
        "per row; medians.",
        "",
    ]
    rows = []
    for concurrency in results.nlu_concurrencies:
        ours = results.parse(OURS, concurrency)
        base = results.parse(BASELINE, concurrency)
        rows.append(
            [
                str(concurrency),
                number(_get(ours, "per_second"), 1),
                number(_get(base, "per_second"), 1),
                ratio(_get(ours, "per_second"), _get(base, "per_second")),
                number(_get(ours, "p50_ms"), 1),
                number(_get(base, "p50_ms"), 1),
                number(_get(ours, "p95_ms"), 1),
                number(_get(base, "p95_ms"), 1),
                ratio(_get(ours, "p95_ms"), _get(base, "p95_ms")),
            ]
        )
    lines += _table(
        [
            "concurrent requests",
            "msg/s ours",
            "msg/s baseline",
            "ratio",
            "p50 ms ours",
            "p50 ms baseline",
            "p95 ms ours",
            "p95 ms baseline",
            "p95 ratio",
        ],
        rows,
    )
    return lines


def _length(results: Results) -> list[str]:
    turns = results.length_turns
    window = min(10, turns // 2)
    lines = [
        "## 3. Conversation length",
        "",
        f"One shopper sends up to {turns} messages, one at a time (a cycle of 10, so both "
        f"windows say the same things), and no new message after {results.length_seconds:g} s "
        f"per system. Median reply time of turns 1–{window} against the last {window} turns "
        f"(turns {turns - window + 1}–{turns} when the conversation got that far), and the "
        "size of the stored conversation in Redis at the end.",
        "",
    ]
    rows = []
    short: list[str] = []
    for system in results.systems:
        runs = results.length.get(system, [])
        reached = min((run.reached for run in runs), default=0)
        if runs and reached < turns:
            short.append(f"{system} reached turn {reached} of {turns}")
        rows.append(
            [
                system,
                number(median([run.first_ms for run in runs]), 1),
                number(median([run.last_ms for run in runs]), 1),
                str(reached) if runs else "—",
                f"{number(results.length_ratio(system), 2)}×",
                number(median([run.tracker_bytes / 1024 for run in runs])),
            ]
        )
    lines += _table(
        [
            "system",
            f"turns 1–{window} ms",
            f"last {window} turns ms",
            "last turn",
            "ratio late / early",
            "tracker KiB",
        ],
        rows,
    )
    if short:
        lines += [
            f"**Time limit**: {'; '.join(short)}; a ratio there is for that turn, not turn "
            f"{turns}, and would most likely be higher at turn {turns}.",
            "",
        ]
    lines += _length_common_turn(results)
    return lines


def _length_common_turn(results: Results) -> list[str]:
    """Both systems at the last turn both reached, which is the fair comparison."""
    firsts = {system: results.length.get(system, [])[:1] for system in (OURS, BASELINE)}
    if not firsts[OURS] or not firsts[BASELINE]:
        return []
    ours, base = firsts[OURS][0], firsts[BASELINE][0]
    turn = min(ours.reached, base.reached)
    ours_ms, base_ms = ours.window_ms(turn), base.window_ms(turn)
    return [
        f"At turn {turn}, the last turn both reached (first runs): ours "
        f"{number(ours_ms)} ms ({ratio(ours_ms, ours.first_ms)} its first turns), baseline "
        f"{number(base_ms)} ms ({ratio(base_ms, base.first_ms)}); ours / baseline "
        f"{ratio(ours_ms, base_ms)}.",
        "",
    ]


def _training(results: Results) -> list[str]:
    lines = ["## 4. Training and publishing", ""]
    rows = []
    for system in (OURS, OURS_STOCK_TRAINING, BASELINE):
        train = results.training.get(system)
        if system == OURS_STOCK_TRAINING and train is None:
            continue
        if train is None:
            source = "not timed in quick mode" if results.quick else "—"
            rows.append([system, "—", source])
        else:
            source = "this run" if train.this_run else f"cached model, trained {train.when}"
            rows.append([system, number(train.seconds), source])
    lines += _table(["full training (`--force`)", "seconds", "when"], rows)
    ours_train = results.training.get(OURS)
    base_train = results.training.get(BASELINE)
    if ours_train and base_train:
        lines += [
            f"Ours / baseline: {ratio(ours_train.seconds, base_train.seconds)} "
            "(ours trained fresh with `--force`; the baseline's time is from when its model "
            "was last (re)trained, which happens only when its inputs change, and it trains "
            f"for {BASELINE_EPOCHS} epochs instead of the stock 100 so that `make bench` fits "
            "in 20 minutes: same networks, so the same work per message, but a fifth of the "
            "stock training time).",
            "",
        ]
    stock_train = results.training.get(OURS_STOCK_TRAINING)
    if ours_train and stock_train:
        lines += [
            f"Our training path / stock `rasa train` of the same config and data, one after "
            f"the other in this run: {ratio(ours_train.seconds, stock_train.seconds)} (the "
            "same training: the models give the same answers; they differ in the weights' "
            "last bits of rounding, where XLA computes the weight updates and each training "
            "has one core, and in the order of one list of the "
            "RulePolicy, which Rasa builds from a set: `bot/parallel_training.py`, "
            "`bot/fused_training_step.py`, `bot/background_validation.py`).",
            "",
        ]
    tries = results.faq_live_seconds
    lines += [
        "**FAQ answer edit → live** (ours): a changed answer written into the FAQ file the "
        "running action server reads, then the question asked every 0.1 s until the new "
        f"answer comes back. Median of {len(tries)} edit(s): **{number(results.faq_live(), 2)} "
        f"s** (each: {', '.join(f'{t:.2f}' for t in tries) or '—'} s). The baseline's answers "
        "are responses in the trained model: an edit there needs a full training and a "
        "restart (the baseline's training row above plus section 6).",
        "",
    ]
    swap = results.nlu_example_swap_seconds
    if ours_train and swap is not None:
        lines += [
            "**One new NLU example → live** (ours): the data copied with one example added, "
            "our config trained on it from scratch (the training time above: "
            f"{number(ours_train.seconds)} s), then the model loaded into the running server "
            f"through the model-swap endpoint `eva publish` uses ({number(swap, 1)} s, while "
            "the old model kept answering) until `/status` reports it and the example parses "
            f"to its intent: **{number(ours_train.seconds + swap)} s** in all.",
            "",
        ]
    elif not results.quick:
        lines += ["One new NLU example → live: no numbers (see problems).", ""]
    return lines


def _mib(value: int | None) -> str:
    return "—" if not value else f"{value / MIB:,.0f}"


def _memory(results: Results) -> list[str]:
    lines = [
        "## 5. Memory (PSS, MiB, each process with its children)",
        "",
        "Read from `/proc/<pid>/smaps_rollup` (Pss: a page shared by n processes counts 1/n "
        "in each, so forked Sanic workers sharing TensorFlow and Kiwi are not counted twice). "
        "The baseline runs next to our Redis and "
        "action server (its stories call our custom actions), so only its Rasa server is its "
        "own.",
        "",
    ]
    stages = ("after warm-up", "after load")
    rows = []
    for process in PROCESS_ORDER:
        row = [process]
        for stage in stages:
            row.append(_mib(results.memory.get(stage, {}).get(OURS, {}).get(process)))
        for stage in stages:
            row.append(_mib(results.memory.get(stage, {}).get(BASELINE, {}).get(process)))
        rows.append(row)
    total = ["**whole stack**"]
    for system in (OURS, BASELINE):
        for stage in stages:
            values = results.memory.get(stage, {}).get(system, {})
            total.append(f"**{_mib(sum(values.values()))}**" if values else "—")
    rows.append(total)
    lines += _table(
        [
            "process",
            "ours after warm-up",
            "ours after load",
            "baseline after warm-up",
            "baseline after load",
        ],
        rows,
    )
    ours_rasa = results.memory.get("after load", {}).get(OURS, {}).get("rasa")
    base_rasa = results.memory.get("after load", {}).get(BASELINE, {}).get("rasa")
    if ours_rasa and base_rasa:
        lines += [f"Rasa server after load, ours / baseline: {ratio(ours_rasa, base_rasa)}.", ""]
    stack = results.memory.get("after load", {}).get(OURS, {})
    if stack:
        lines += [f"Our whole stack after load: {sum(stack.values()) / GIB:.2f} GiB.", ""]
    return lines


def _startup(results: Results) -> list[str]:
    lines = [
        "## 6. Start-up to first answer",
        "",
        "From starting the processes to the first reply on the REST channel (ours: Redis, "
        "action server, Rasa server and web service together; the baseline: its Rasa server, "
        "Redis and the action server already up). One start per system per run.",
        "",
    ]
    ours = results.startup_seconds.get(OURS)
    base = results.startup_seconds.get(BASELINE)
    lines += _table(
        ["system", "seconds"],
        [["ours", number(ours, 1)], ["baseline", number(base, 1)], ["ratio", ratio(ours, base)]],
    )
    return lines


def _transcripts(results: Results) -> list[str]:
    lines = [
        "## Sample conversations (the warm-up, over REST)",
        "",
        "What each system answered, so that the load is known to go where it should "
        "(replies shortened).",
        "",
    ]
    for system, by_language in results.transcripts.items():
        for language, turns in by_language.items():
            lines += [f"<details><summary>{system}, {language}</summary>", ""]
            lines += [f"- {_short(turn)}" for turn in turns]
            lines += ["", "</details>", ""]
    return lines


def _short(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _handoff(results: Results) -> list[str]:
    lines = [
        "## 7. Human handoff (ours only: stock Rasa has none)",
        "",
        "Relay: shoppers on the widget socket, each claimed by a benchmark agent, exchange "
        "messages both ways while 8 REST conversations keep the bot busy. Shopper → agent: "
        "from the widget frame to the `shopper_message` event on the agent's console socket; "
        "agent → shopper: from the API call (`POST /api/conversations/<id>/messages`) to the "
        "message frame on the shopper's socket. One untimed exchange goes first, as the "
        "end-to-end runs have their warm-up: the stack's first handoff after start-up "
        "(measured by hand: p95 up to 80 ms in the first round) is not counted.",
        "",
    ]
    rows = []
    for label, direction in (
        ("shopper → agent", "shopper_to_agent"),
        ("agent → shopper", "agent_to_shopper"),
    ):
        summary = results.relay_summary(direction)
        rows.append(
            [
                label,
                number(_get_summary(summary, "messages")),
                number(_get_summary(summary, "p50_ms"), 1),
                number(_get_summary(summary, "p95_ms"), 1),
                number(_get_summary(summary, "p99_ms"), 1),
            ]
        )
    lines += _table(["direction", "messages", "p50 ms", "p95 ms", "p99 ms"], rows)
    lines += [
        "Claim race: conversations queued over REST, then every agent tries to claim all of "
        "them at once, each in its own random order, through the agent API.",
        "",
    ]
    rows = [
        [
            str(race.agents),
            str(race.conversations),
            str(race.claimed),
            number(race.per_second, 1),
            f"**{race.double_claims}**" if race.double_claims else "0",
        ]
        for race in results.claim_races
    ]
    lines += _table(["agents", "conversations", "claimed", "claims/s", "double claims"], rows)
    return lines


def _get_summary(summary: LoadSummary | None, field: str) -> float | None:
    return None if summary is None else float(getattr(summary, field))


def render(results: Results) -> str:
    mode = "quick mode (`python -m bench --quick`)" if results.quick else "`python -m bench`"
    retrained = results.training.get(BASELINE)
    including = (
        f" (of which {retrained.seconds / 60:.1f} retraining the baseline, whose inputs had "
        "changed)"
        if retrained is not None and retrained.this_run
        else ""
    )
    lines = [
        "# Benchmarks: Eva against stock Rasa 3.6",
        "",
        f"Generated by {mode} in {results.total_seconds / 60:.1f} minutes{including}; do not "
        "edit by hand. The baseline is stock Rasa 3.6 as `rasa init` configures it (pipeline and "
        "policies in bench/baseline/config.yml), with the stock Redis tracker and lock "
        "stores and the stock REST channel, trained on our same data and run in the same "
        "run on the same machine. All traffic is on loopback. What each benchmark does: "
        "bench/README.md.",
        "",
    ]
    if results.problems:
        lines += ["**Problems in this run:**", ""] + [f"- {p}" for p in results.problems] + [""]
    lines += _machine(results)
    lines += [
        "Other work shared the machine's CPU during the run (see the load average), so "
        "the numbers are noisy; ratios from the same run are the fairer comparison.",
        "",
    ]
    lines += _targets(results)
    lines += _end_to_end(results)
    lines += _nlu(results)
    lines += _length(results)
    lines += _training(results)
    lines += _memory(results)
    lines += _startup(results)
    lines += _handoff(results)
    lines += _profile()
    lines += _transcripts(results)
    return "\n".join(lines).rstrip() + "\n"


PROFILE_NOTES = Path(__file__).resolve().parent / "profile.md"


def _profile() -> list[str]:
    """Where the time goes: the findings in bench/profile.md (`python -m bench.profile`)."""
    if not PROFILE_NOTES.exists():
        return []
    return [PROFILE_NOTES.read_text(encoding="utf-8").rstrip(), ""]


def write(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results), encoding="utf-8")
