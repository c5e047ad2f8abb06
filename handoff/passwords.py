"""Agent passwords as scrypt hashes and API tokens as SHA-256 hashes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets

SCHEME = "scrypt"
N = 2**14
R = 8
P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# A stored hash is read from a config file: cap its cost so a bad value cannot make
# one login eat gigabytes of memory or minutes of CPU.
_MAX_N = 2**20
_MAX_R = 32
_MAX_P = 16


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # hashlib refuses anything above 32 MiB by default; n=2**14, r=8 already needs 16.
    maxmem = 128 * r * (n + p + 2) + 1024 * 1024
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=length
    )


def hash_password(password: str) -> str:
    """`scrypt$16384$8$1$<salt b64>$<hash b64>` with a fresh random salt."""
    salt = os.urandom(SALT_BYTES)
    digest = _scrypt(password, salt, N, R, P, HASH_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return None
    power_of_two = n > 1 and n & (n - 1) == 0
    if not (power_of_two and n <= _MAX_N and 0 < r <= _MAX_R and 0 < p <= _MAX_P):
        return None
    if not salt or not 16 <= len(digest) <= 64:
        return None
    return n, r, p, salt, digest


def is_password_hash(stored: str) -> bool:
    """Whether `stored` has the shape `hash_password` produces (not whether it matches)."""
    return _parse(stored) is not None


def verify_password(password: str, stored: str) -> bool:
    parsed = _parse(stored)
    if parsed is None:
        return False
    n, r, p, salt, digest = parsed
    try:
        candidate = _scrypt(password, salt, n, r, p, len(digest))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate, digest)


def new_api_token() -> str:
    return secrets.token_urlsafe(32)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def verify_token(token: str, sha256_hex: str) -> bool:
    expected = sha256_hex.strip().lower()
    try:
        return hmac.compare_digest(token_sha256(token), expected)
    except TypeError:
        # compare_digest rejects non-ASCII str; such a value is no hex digest anyway.
        return False
    except UnicodeEncodeError:
        # Sanic hands over a header's bytes that are not UTF-8 as lone surrogates
        # (surrogateescape): no token of ours, and hashing it answered the API with 500.
        return False


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for none or another
    scheme."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
