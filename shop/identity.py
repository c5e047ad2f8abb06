"""Who the shopper is: signed tokens from the shop's widget, and contact checks.

A logged-in shopper's widget sends `metadata.customer_token`, signed by the
shop with a secret it shares with the action server; the bot then lists that
customer's orders without asking anything. Anyone else names an order and
proves it is theirs with the e-mail or phone number on it (`contact_matches`).

Token: `<payload>.<signature>`, both base64url without padding; the payload is
the JSON `{"cid": customer id, "exp": expiry as Unix seconds}` and the
signature HMAC-SHA256 over the payload's base64url text. The secret is read
from an environment variable named in endpoints.yml, never from the code.
Verification never raises: whatever arrives in metadata, a token that is not
valid, not ours or expired is simply no identity (None).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from datetime import datetime

from shop.orders import Order

DEFAULT_SECRET_ENV = "SHOP_CUSTOMER_TOKEN_SECRET"
MAX_TOKEN_LENGTH = 2048  # a real token is ~120 characters; anything far longer is junk

_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9\s().\-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KOREA_COUNTRY_CODE = "82"


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64URL.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _signature(payload: str, key: bytes) -> bytes:
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()


def sign_customer_token(customer_id: str, secret: str | bytes, expires_at: datetime) -> str:
    """A token for `customer_id` valid until `expires_at` (what the shop's backend does)."""
    if not isinstance(customer_id, str) or not customer_id.strip():
        raise ValueError("customer_id must be non-empty text")
    if not isinstance(secret, (str, bytes)) or not secret:
        raise ValueError("the token secret must be non-empty")
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("expires_at must be time-zone aware")
    body = {"cid": customer_id, "exp": int(expires_at.timestamp())}
    payload = _b64encode(json.dumps(body, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_b64encode(_signature(payload, _key(secret)))}"


def verify_customer_token(token: object, secret: object, now: object) -> str | None:
    """The customer id of a valid, unexpired token signed with `secret`; else None.

    Never raises: tokens come from the client and may be anything. An empty
    secret verifies nothing (it would let anyone sign).
    """
    try:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            return None
        if not isinstance(secret, (str, bytes)) or not secret:
            return None
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            return None
        payload, separator, signature = token.strip().partition(".")
        if not separator or not payload or not signature:
            return None
        given = _b64decode(signature)
        if not hmac.compare_digest(given, _signature(payload, _key(secret))):
            return None
        body = json.loads(_b64decode(payload).decode("utf-8"))
        if not isinstance(body, dict):
            return None
        customer_id, expires = body.get("cid"), body.get("exp")
        if not isinstance(customer_id, str) or not customer_id.strip():
            return None
        if isinstance(expires, bool) or not isinstance(expires, int):
            return None
        if now.timestamp() >= expires:
            return None
        return customer_id
    except (ValueError, TypeError, UnicodeError, binascii.Error, OverflowError, RecursionError):
        return None


def token_secret_from_env(
    variable: str = DEFAULT_SECRET_ENV, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """The shared secret from the environment; None when unset (tokens then verify nothing)."""
    value = (os.environ if environ is None else environ).get(variable, "")
    return value.encode("utf-8") if value.strip() else None


# --- contact checks ----------------------------------------------------------


def _phone(text: str) -> tuple[str, bool] | None:
    """(digits, has country code) for a phone number, or None when it is not one.

    Korean numbers get their country code: "010-1234-5678" and "+82 10-1234-5678"
    (and "+82 (0)10 ...") all become ("821012345678", True).
    """
    text = text.strip()
    if not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        international = True
    elif digits.startswith("00"):  # 00 + country code, the international call prefix
        digits, international = digits[2:], True
    elif digits.startswith("0"):  # a Korean domestic number: trunk 0 -> +82
        digits, international = KOREA_COUNTRY_CODE + digits[1:], True
    else:
        international = False
    if international and digits.startswith(KOREA_COUNTRY_CODE + "0"):
        digits = KOREA_COUNTRY_CODE + digits[len(KOREA_COUNTRY_CODE) + 1 :]
    if not 7 <= len(digits) <= 15:
        return None
    return digits, international


# E.164 country codes are prefix-free: "1" and "7" are the only one-digit codes,
# these are the two-digit ones, and every other code has three digits. That is enough
# to cut a full number into country code and national number without a phone library.
_TWO_DIGIT_COUNTRY_CODES = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)


def _country_code_length(digits: str) -> int:
    if digits[:1] in ("1", "7"):
        return 1
    return 2 if digits[:2] in _TWO_DIGIT_COUNTRY_CODES else 3


def national_number(text: str) -> str | None:
    """The national number's digits (no country code, no trunk 0), or None for no phone.

    Every way of writing one number gives the same digits, so failed identity checks
    can be counted per number however the shopper types it (actions/identity_lockout.py).
    """
    phone = _phone(text)
    if phone is None:
        return None
    digits, international = phone
    return digits[_country_code_length(digits) :] if international else digits


def _phones_match(stored: str, given: str) -> bool:
    a, b = _phone(stored), _phone(given)
    if a is None or b is None:
        return False
    (a_digits, a_international), (b_digits, b_international) = a, b
    if a_digits == b_digits:
        return True
    if a_international == b_international:
        return False
    # One side without its country code ("415-555-0132" for +1 415-555-0132,
    # "10-1234-5678" for +82): the rest must be exactly the whole national number. A
    # mere ending ("5555-0132") would leave a few thousand guesses to an attacker who
    # has seen a masked parcel label ("010-****-2251").
    full, bare = (a_digits, b_digits) if a_international else (b_digits, a_digits)
    return full[_country_code_length(full) :] == bare


# An e-mail or phone number inside a sentence ("제 메일은 a@b.com 이에요"). ASCII only,
# so Korean particles glued to the address ("a@b.com이에요") are not taken with it.
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE_IN_TEXT = re.compile(r"\+?[0-9(][0-9\s().\-]{5,}[0-9]")


def extract_contact(text: object) -> str | None:
    """The e-mail address or phone number a shopper's message gives, if any."""
    if not isinstance(text, str) or len(text) > 1000:
        return None
    email = _EMAIL_IN_TEXT.search(text)
    if email:
        return email.group(0)
    for candidate in _PHONE_IN_TEXT.finditer(text):
        if _phone(candidate.group(0)) is not None:
            return candidate.group(0).strip()
    return None


def contact_matches(order: Order, given: object) -> bool:
    """Whether `given` is the order's e-mail (any case) or phone number (any format)."""
    if not isinstance(given, str):
        return False
    given = given.strip()
    if not given or len(given) > 320:
        return False
    if "@" in given:
        stored = order.email.strip().lower()
        return bool(_EMAIL.match(given)) and bool(stored) and given.lower() == stored
    return _phones_match(order.phone, given)
