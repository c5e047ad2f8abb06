"""`eva hash-password`: the scrypt hash of an agent's password for handoff.yml, or with
`--token` a new API token and the SHA-256 hash that goes into handoff.yml."""

from __future__ import annotations

import argparse
import getpass
import sys

from handoff.passwords import hash_password, new_api_token, token_sha256


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="eva hash-password",
        description=(
            "Print the scrypt hash of a password (asked for, or read from stdin when it is "
            "not a terminal) to put under password_hash in handoff.yml."
        ),
    )
    cli.add_argument(
        "--token",
        action="store_true",
        help="print a new random API token and the api_token_sha256 to put in handoff.yml",
    )
    return cli


def _read_password() -> str | None:
    if not sys.stdin.isatty():
        # Only the first line, so `echo secret | eva hash-password` works.
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        print("the passwords differ", file=sys.stderr)
        return None
    return first


def _print_token() -> None:
    token = new_api_token()
    print(f"token: {token}")
    print(f"api_token_sha256: {token_sha256(token)}")
    print("Give the token to the agent; only its hash goes into handoff.yml.", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.token:
        _print_token()
        return 0
    try:
        password = _read_password()
    except (EOFError, KeyboardInterrupt):
        return 1
    if password is None:
        return 1
    if not password:
        print("the password is empty", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
