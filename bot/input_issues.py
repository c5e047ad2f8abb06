"""What can make a shopper's message unreadable for the bot.

Pure Python, shared by the NLU component that detects the problem and the
action that explains it, so the action server never imports Rasa's NLU stack.
"""

from __future__ import annotations

import unicodedata

INPUT_ISSUE_ENTITY = "input_issue"
EMPTY = "empty"
TOO_LONG = "too_long"
NO_TEXT = "no_text"
UNREADABLE = "unreadable"

# Unicode categories that never occur in text a person typed: control
# characters, unpaired surrogates, private-use and unassigned code points.
_UNREADABLE_CATEGORIES = {"Cc", "Cs", "Co", "Cn"}


def _is_unreadable_char(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return char == "\ufffd" or unicodedata.category(char) in _UNREADABLE_CATEGORIES


def input_issue(
    text: str, max_chars: int, max_unreadable_share: float, understood: bool = False
) -> str | None:
    """Name what is wrong with a message's text, or None when it can be read.

    `understood` says the classifier was confident: emoji the bot was trained
    on ("👍" for yes) are then an answer, not a problem. Bare punctuation
    ("?!", "...") never is.
    """
    if not text.strip():
        return EMPTY
    if len(text) > max_chars:
        return TOO_LONG
    unreadable = sum(1 for char in text if _is_unreadable_char(char))
    if unreadable / len(text) > max_unreadable_share:
        return UNREADABLE
    if not any(char.isalnum() for char in text):
        has_emoji = any(unicodedata.category(char) == "So" for char in text)
        return None if understood and has_emoji else NO_TEXT
    return None
