"""The command line: which mode, where the report goes, and the exit status."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import chart, report
from bench.models import WORK_DIR, ModelMissing
from bench.plan import FULL, QUICK
from bench.run import run
from bot.stack import PROJECT_DIR

DOCS_REPORT = PROJECT_DIR / "docs" / "benchmarks.md"
QUICK_REPORT = WORK_DIR / "quick.md"


def chart_path(report_path: Path) -> Path:
    """The chart sits in img/ next to the report, which links to it relatively."""
    return report_path.parent / "img" / "bench-latency.png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: ours only, concurrency 1 and 8, few messages (< 3 minutes)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help=f"report path (default: {DOCS_REPORT.relative_to(PROJECT_DIR)}, "
        f"quick: {QUICK_REPORT.relative_to(PROJECT_DIR)})",
    )
    args = parser.parse_args(argv)
    out: Path = (args.out or (QUICK_REPORT if args.quick else DOCS_REPORT)).resolve()
    if args.quick and out == DOCS_REPORT.resolve():
        parser.error("quick mode never overwrites docs/benchmarks.md; choose another --out")

    try:
        results = run(QUICK if args.quick else FULL)
    except ModelMissing as error:
        print(error, file=sys.stderr)
        return 2
    missing = results.missing()
    results.problems += [f"no numbers for {gap}" for gap in missing]
    results.save(WORK_DIR / ("quick.json" if args.quick else "results.json"))
    chart.draw(results, chart_path(out))
    report.write(results, out)
    print(f"wrote {out} and {chart_path(out)} in {results.total_seconds:.0f} s")
    if missing:
        print("no numbers for: " + "; ".join(missing), file=sys.stderr)
        return 1
    return 0
