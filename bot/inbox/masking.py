"""Personal data out of shoppers' words before the inbox stores or shows them.

E-mail addresses become `<email>`, phone numbers `<phone>`, order numbers `<order_id>`.
The patterns are the ones the bot itself uses to find them: e-mail and phone as the
order checks read contact details (shop.identity), order numbers as the NLU regex in
data/nlu/order_id.yml (tests/test_inbox.py keeps the two in step). A run of digits can
be both a phone and an order number; which mask it gets matters less than that it
gets one.
"""

from __future__ import annotations

import re

from shop.identity import _EMAIL_IN_TEXT, _PHONE_IN_TEXT, _phone

EMAIL_MASK = "<email>"
PHONE_MASK = "<phone>"
ORDER_ID_MASK = "<order_id>"

# data/nlu/order_id.yml: 8-20 digits in a row, look-arounds instead of word boundaries.
ORDER_ID_PATTERN = r"(?<![0-9])[0-9]{8,20}(?![0-9])"
_ORDER_ID = re.compile(ORDER_ID_PATTERN)


# As many digits as the shortest phone number shop.identity accepts.
MIN_PHONE_DIGITS = 7


def _phone_mask(match: re.Match[str]) -> str:
    text = match.group(0)
    # Bare digits not starting with 0 are an order number's shape ("8100203948571234");
    # the order pass below takes them. "010-1234-5678", "+82 10 ..." and "01012345678"
    # are phone numbers.
    if text.isdigit() and not text.startswith("0"):
        return text
    if _phone(text) is not None:
        return PHONE_MASK
    # Not one number but several run together ("010-1234-5678 8100203948571234"): too
    # many digits to leave, so the whole run goes.
    return PHONE_MASK if sum(c.isdigit() for c in text) >= MIN_PHONE_DIGITS else text


def mask_personal_data(text: str) -> str:
    """The text with e-mail addresses, phone numbers and order numbers replaced."""
    text = _EMAIL_IN_TEXT.sub(EMAIL_MASK, text)
    text = _PHONE_IN_TEXT.sub(_phone_mask, text)
    return _ORDER_ID.sub(ORDER_ID_MASK, text)
