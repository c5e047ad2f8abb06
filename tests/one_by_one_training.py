"""`python -m tests.one_by_one_training train ...`: our training with the classifiers
trained one after the other in this process, as Rasa does, for comparison."""

from __future__ import annotations

from typing import Any

from bot import speedups
from bot.server import main


def _never_side_by_side(runner: Any, name: str) -> bool:
    return False


if __name__ == "__main__":
    speedups.trains_tensorflow_model = _never_side_by_side  # type: ignore[attr-defined]
    main()
