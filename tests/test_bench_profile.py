"""The profile summary counts each function once per sampled stack."""

from __future__ import annotations

from bench.profile import inclusive_shares

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
