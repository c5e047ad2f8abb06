"""Where a turn's time goes: py-spy samples of the Rasa server under the benchmark's load.

    python -m bench.profile [--concurrency 8] [--seconds 20] [--gil]

Starts our stack as the benchmarks do, warms it up, then runs REST conversations while
py-spy samples every Rasa server process. With `--gil` only the thread holding the
GIL is sampled: Python's own work, without the waits for the GIL and the time inside
TensorFlow's kernels, which is what a worker's threads share.
Prints the functions that hold the most samples (inclusive: the function and what it
calls) and writes the raw samples to bench/.work/profile-rasa.txt (py-spy's collapsed
format, for flame graph tools).
bench/profile.md holds the findings of the last run by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.driver import Load
from bench.e2e import rest_load, warm_up
from bench.models import WORK_DIR, our_model
from bench.runners import OurStack

SAMPLES = WORK_DIR / "profile-rasa.txt"
_LINE_NUMBER = re.compile(r":\d+\)")


def inclusive_shares(collapsed: str) -> tuple[int, Counter[str]]:
    """Total samples, and samples per function counted once per stack it is on."""
    total, shares = 0, Counter[str]()
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        shares.update({_LINE_NUMBER.sub(")", frame): count for frame in set(stack.split(";"))})
    return total, shares


def _rasa_pids(parent: int) -> list[int]:
    """The Sanic workers the Rasa server forked (it only watches them), or the server."""
    children = subprocess.run(
        ["pgrep", "-P", str(parent)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [int(pid) for pid in children] or [parent]


def py_spy_command(pid: int, seconds: float, output: Path, gil: bool) -> list[str]:
    """py-spy sampling one process at 200 Hz, without pausing it."""
    return [
        str(Path(sys.executable).with_name("py-spy")),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "200",
        "--format",
        "raw",
        "--nonblocking",
        *(["--gil"] if gil else []),
        "--output",
        str(output),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--gil", action="store_true", help="only the thread holding the GIL")
    args = parser.parse_args(argv)
    stack = OurStack(our_model(), Path(tempfile.mkdtemp(prefix="profile-", dir=WORK_DIR)))
    stack.start()
    try:
        target = stack.target
        asyncio.run(warm_up(target, widget=False))
        spies = [
            subprocess.Popen(
                py_spy_command(pid, args.seconds, SAMPLES.with_suffix(f".{pid}.txt"), args.gil),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid in _rasa_pids(target.pids["rasa"])
        ]
        summary = asyncio.run(rest_load(target, Load(args.concurrency, args.seconds, 1_000_000)))
        for spy in spies:
            spy.wait()
    finally:
        stack.stop()
    parts = sorted(WORK_DIR.glob(f"{SAMPLES.stem}.*.txt"))
    SAMPLES.write_text("".join(part.read_text() for part in parts))
    for part in parts:
        part.unlink()
    total, shares = inclusive_shares(SAMPLES.read_text())
    print(
        f"{summary.messages} replies in {summary.seconds:.0f} s at concurrency "
        f"{args.concurrency}; {total} samples of the Rasa processes -> {SAMPLES}"
    )
    for frame, count in shares.most_common(args.top):
        print(f"{100 * count / max(total, 1):5.1f}%  {frame[:140]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
