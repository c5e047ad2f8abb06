"""The benchmark harness works: `python -m bench --quick` produces a report with numbers.

A smoke test of the harness (issue #8), never of speed: it asserts that every
measurement of the quick mode produced numbers, not how good they are.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bot.stack import PROJECT_DIR

# Quick mode takes under 3 minutes on 2 cores; leave room for a busy machine.
TIMEOUT_SECONDS = 600


def test_quick_benchmark_writes_a_report_with_numbers(model_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "quick.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=PROJECT_DIR,
        env={**os.environ, "EVA_MODEL": str(model_path)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    assert (tmp_path / "img" / "bench-latency.png").stat().st_size > 0
    assert "no numbers for" not in report

    # The REST and widget rows at 1 and 8 conversations start with messages/s figures.
    for concurrency in (1, 8):
        rows = re.findall(rf"^\| {concurrency} \| ([0-9][0-9,.]*) \|", report, re.MULTILINE)
        assert len(rows) >= 3, f"no numbers at concurrency {concurrency} in:\n{report}"
        assert all(float(row.replace(",", "")) > 0 for row in rows)
    for heading in ("## 3. Conversation length", "FAQ answer edit → live", "## 5. Memory"):
        assert heading in report
    number = r"[0-9][0-9,.]*"
    assert re.search(rf"\| ours \| {number} \| {number} \| [0-9]+ \| {number}×", report), (
        "no conversation-length ratio"
    )
    assert re.search(rf"\*\*{number} s\*\*", report), "no FAQ edit-to-live time"
    assert re.search(rf"\| ours \| {number} \|\n", report), "no start-up time"
    for direction in ("shopper → agent", "agent → shopper"):
        assert re.search(rf"\| {direction} \| [1-9][0-9]* \| {number} \|", report), direction
    assert re.search(rf"\| 2 \| [1-9][0-9]* \| [1-9][0-9]* \| {number} \| 0 \|", report), (
        "no claim race"
    )
