"""Where the project's content lives, for the tests that read it."""

from __future__ import annotations

from bot.stack import PROJECT_DIR

TEST_SPLIT_DIR = PROJECT_DIR / "tests" / "nlu"
INDEPENDENT_DIR = TEST_SPLIT_DIR / "independent"
FAQ_DIR = PROJECT_DIR / "data" / "faq"
