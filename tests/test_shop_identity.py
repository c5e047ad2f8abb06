"""Signed customer tokens and contact checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from shop.identity import (
    contact_matches,
    extract_contact,
    sign_customer_token,
    token_secret_from_env,
    verify_customer_token,
)
from tests.order_factory import make_order

SECRET = "demo-secret-for-tests-only"
NOW = datetime(2024, 6, 15, 3, 0, tzinfo=timezone.utc)
EXPIRES = NOW + timedelta(hours=1)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed(payload: bytes, secret: str = SECRET) -> str:
    """A token with an arbitrary payload but a correct signature."""
    text = b64(payload)
    signature = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return f"{text}.{b64(signature)}"


# --- tokens ------------------------------------------------------------------


def test_good_token_names_the_customer():
    token = sign_customer_token("c-100231", SECRET, EXPIRES)
    assert verify_customer_token(token, SECRET, NOW) == "c-100231"
    assert verify_customer_token(token, SECRET.encode(), NOW) == "c-100231"
    assert verify_customer_token(f"  {token}\n", SECRET, NOW) == "c-100231"


def test_token_expires_at_its_expiry_second():
    token = sign_customer_token("c-100231", SECRET, EXPIRES)
    assert verify_customer_token(token, SECRET, EXPIRES - timedelta(seconds=1)) == "c-100231"
    assert verify_customer_token(token, SECRET, EXPIRES) is None
    assert verify_customer_token(token, SECRET, EXPIRES + timedelta(days=1)) is None
    kst = timezone(timedelta(hours=9))
    assert verify_customer_token(token, SECRET, NOW.astimezone(kst)) == "c-100231"


def test_forged_tokens_are_refused():
    token = sign_customer_token("c-100231", SECRET, EXPIRES)
    assert verify_customer_token(token, "another-secret", NOW) is None
    payload, signature = token.split(".")
    other = b64(json.dumps({"cid": "c-200314", "exp": int(EXPIRES.timestamp())}).encode())
    assert verify_customer_token(f"{other}.{signature}", SECRET, NOW) is None
    longer = b64(json.dumps({"cid": "c-100231", "exp": 4102444800}).encode())
    assert verify_customer_token(f"{longer}.{signature}", SECRET, NOW) is None
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert verify_customer_token(f"{payload}.{flipped}", SECRET, NOW) is None
    assert verify_customer_token(f"{payload}.", SECRET, NOW) is None
    # Signed by someone holding the secret, but not a token we issue:
    assert verify_customer_token(signed(b"not json"), SECRET, NOW) is None
    assert verify_customer_token(signed(b'["c-100231"]'), SECRET, NOW) is None
    assert verify_customer_token(signed(b'{"cid": "c-1", "exp": "soon"}'), SECRET, NOW) is None
    assert verify_customer_token(signed(b'{"cid": "c-1", "exp": true}'), SECRET, NOW) is None
    assert verify_customer_token(signed(b'{"cid": "", "exp": 4102444800}'), SECRET, NOW) is None
    assert verify_customer_token(signed(b'{"exp": 4102444800}'), SECRET, NOW) is None
    assert verify_customer_token(signed(b"\xff\xfe"), SECRET, NOW) is None
    assert verify_customer_token(signed(b'{"cid": "c-1", "exp": 4102444800}'), SECRET, NOW) == "c-1"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "",
        "   ",
        ".",
        "abc",
        "a.b",
        "a.b.c",
        "토큰.서명",
        "@@@@.####",
        "eyJ.===",
        "x" * 10_000 + "." + "y" * 10_000,
        123,
        12.5,
        b"bytes.token",
        ["a", "b"],
        {"cid": "c-100231", "exp": 4102444800},
        object(),
    ],
)
def test_garbled_tokens_are_no_identity(garbage):
    assert verify_customer_token(garbage, SECRET, NOW) is None


def test_unusable_secret_or_clock_is_no_identity():
    token = sign_customer_token("c-100231", SECRET, EXPIRES)
    assert verify_customer_token(token, "", NOW) is None
    assert verify_customer_token(token, None, NOW) is None
    assert verify_customer_token(token, SECRET, datetime(2024, 6, 15)) is None  # naive
    assert verify_customer_token(token, SECRET, "now") is None


def test_signing_checks_its_input():
    with pytest.raises(ValueError, match="secret"):
        sign_customer_token("c-100231", "", EXPIRES)
    with pytest.raises(ValueError, match="customer_id"):
        sign_customer_token(" ", SECRET, EXPIRES)
    with pytest.raises(ValueError, match="aware"):
        sign_customer_token("c-100231", SECRET, datetime(2024, 6, 15))


def test_secret_comes_from_the_environment():
    assert token_secret_from_env("SHOP_CUSTOMER_TOKEN_SECRET", {}) is None
    assert (
        token_secret_from_env("SHOP_CUSTOMER_TOKEN_SECRET", {"SHOP_CUSTOMER_TOKEN_SECRET": " "})
        is None
    )
    assert token_secret_from_env("X", {"X": "비밀"}) == "비밀".encode()


# --- contact checks ----------------------------------------------------------

KO_ORDER = make_order(paid_at=NOW)
US_ORDER = replace(KO_ORDER, email="Emily.Carter@Example.com", phone="+1 415-555-0132")


@pytest.mark.parametrize(
    "given",
    [
        "minji.kim@example.com",
        "  Minji.Kim@Example.COM \n",
        "010-2847-1936",
        "01028471936",
        "010 2847 1936",
        "010.2847.1936",
        "(010) 2847-1936",
        "+82 10-2847-1936",
        "+821028471936",
        "+82 (0)10 2847 1936",
        "+82-010-2847-1936",
        "0082-10-2847-1936",
        "82 10 2847 1936",
        "10-2847-1936",
    ],
)
def test_korean_contact_variants_match(given):
    assert contact_matches(KO_ORDER, given)


@pytest.mark.parametrize(
    "given",
    [
        "emily.carter@example.com",
        "EMILY.CARTER@EXAMPLE.COM",
        "+1 415-555-0132",
        "+14155550132",
        "1-415-555-0132",
        "(415) 555-0132",
        "415.555.0132",
        "001 415 555 0132",
    ],
)
def test_us_contact_variants_match(given):
    assert contact_matches(US_ORDER, given)


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        "minji.kim@example.org",
        "minji.kim@",
        "@example.com",
        "minji kim@example.com",
        "010-2847-1937",
        "2847-1936",
        "1936",
        "+1 010-2847-1936",
        "+83 10-2847-1936",
        "010-2847-1936-1",
        "010-2847-1936 ext",
        "전화번호",
        "abc",
        "+",
        "-- --",
        "0" * 400,
        None,
        1028471936,
        ["010-2847-1936"],
    ],
)
def test_wrong_or_garbage_contacts_do_not_match(given):
    assert not contact_matches(KO_ORDER, given)


def test_us_number_does_not_match_with_a_korean_prefix():
    assert not contact_matches(US_ORDER, "+82 415-555-0132")
    assert not contact_matches(US_ORDER, "010-2847-1936")


def test_order_without_contact_matches_nothing():
    empty = replace(KO_ORDER, email="", phone="")
    assert not contact_matches(empty, "")
    assert not contact_matches(empty, "@")
    assert not contact_matches(empty, "010-2847-1936")


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("minji.kim@example.com", "minji.kim@example.com"),
        ("제 메일은 minji.kim@example.com이에요", "minji.kim@example.com"),
        ("my email is Emily.Carter@Example.com, thanks", "Emily.Carter@Example.com"),
        ("010-2847-1936", "010-2847-1936"),
        ("폰번호 010 2847 1936 입니다", "010 2847 1936"),
        ("+1 415-555-0132", "+1 415-555-0132"),
        ("hello", None),
        ("12", None),
        ("2024년 11월 3일", None),
        ("", None),
        (None, None),
    ],
)
def test_contact_is_found_inside_a_sentence(text, contact):
    assert extract_contact(text) == contact


def test_a_found_contact_matches_the_order():
    assert contact_matches(KO_ORDER, extract_contact("제 번호는 010-2847-1936 이에요"))
