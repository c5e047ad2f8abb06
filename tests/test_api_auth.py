"""The JWTs that callers of the Rasa API and of our webhooks on it sign (bot/api_auth.py)."""

from __future__ import annotations

import time

import jwt
import pytest

from bot.api_auth import ALGORITHM, AUTHORIZATION, authorised, bearer_headers, mint

SECRET = "a-secret-of-at-least-thirty-two-characters"


def _bearer(token: str) -> dict[str, str]:
    return {AUTHORIZATION: f"Bearer {token}"}


def test_a_minted_token_is_what_rasa_asks_of_an_admin_and_expires_in_minutes() -> None:
    payload = jwt.decode(mint(SECRET), SECRET, algorithms=[ALGORITHM])
    assert payload["user"]["role"] == "admin" and payload["user"]["username"]
    assert 0 < payload["exp"] - time.time() <= 300
    assert authorised(bearer_headers(SECRET), SECRET)
    # The scheme is case-insensitive (RFC 7235).
    assert authorised({"Authorization": f"bearer {mint(SECRET)}"}, SECRET)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {AUTHORIZATION: ""},
        {AUTHORIZATION: "Bearer"},
        {AUTHORIZATION: f"Bearer {SECRET}"},
        {AUTHORIZATION: f"Basic {mint(SECRET)}"},
        _bearer(mint(SECRET, lifetime=-3600)),
        _bearer(mint("another-secret-of-at-least-32-characters")),
        _bearer(jwt.encode({"user": {"role": "admin"}}, SECRET, algorithm=ALGORITHM)),
        _bearer(
            jwt.encode({"user": {"role": "user"}, "exp": int(time.time()) + 60}, SECRET, ALGORITHM)
        ),
        _bearer(jwt.encode({"user": {"role": "admin"}, "exp": int(time.time()) + 60}, "", "none")),
        _bearer("not.a.jwt"),
        _bearer("\udcff\udcfe"),
    ],
    ids=[
        "none",
        "empty",
        "no token",
        "the secret itself",
        "other scheme",
        "expired",
        "other secret",
        "no expiry",
        "not admin",
        "unsigned",
        "garbage",
        "undecodable bytes",
    ],
)
def test_anything_but_an_unexpired_admin_token_signed_with_the_secret_is_refused(
    headers: dict[str, str],
) -> None:
    assert not authorised(headers, SECRET)


def test_without_a_secret_nobody_is_authorised_and_nothing_is_sent() -> None:
    assert not authorised(bearer_headers(SECRET), None)
    assert not authorised(bearer_headers(SECRET), "")
    assert bearer_headers(None) == {}
