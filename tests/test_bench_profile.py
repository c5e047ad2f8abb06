"""The profile summary counts each function once per sampled stack."""

from __future__ import annotations

from pathlib import Path

from bench.profile import inclusive_shares, py_spy_command

COLLAPSED = """main (app.py:1);handle (app.py:10);parse (nlu.py:5) 3
main (app.py:1);handle (app.py:12);handle (app.py:10);save (store.py:7) 2
not a sample line
"""


def test_inclusive_shares_count_each_function_once_per_stack():
    total, shares = inclusive_shares(COLLAPSED)
    assert total == 5
    assert shares["main (app.py)"] == 5
    # Recursion (handle twice in one stack) is still counted once for that stack.
    assert shares["handle (app.py)"] == 5
    assert shares["parse (nlu.py)"] == 3
    assert shares["save (store.py)"] == 2


def test_with_gil_only_the_thread_holding_it_is_sampled() -> None:
    everything = py_spy_command(42, 20.0, Path("samples.txt"), gil=False)
    holder = py_spy_command(42, 20.0, Path("samples.txt"), gil=True)
    assert "--gil" not in everything and "--gil" in holder
    assert [part for part in holder if part != "--gil"] == everything
    assert everything[everything.index("--pid") + 1] == "42"
