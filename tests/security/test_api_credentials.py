"""The Rasa API's secret (issue #21): on no command line, in no URL.

Rasa's own `--auth-token` put RASA_API_TOKEN in the server's command line, which `ps`
shows every user of the machine, and its callers put it in query strings, which end up
in access logs, proxies and histories. Now the servers get their secrets from the
environment, and every caller sends a short-lived JWT signed with the secret in the
Authorization header (bot/api_auth.py). These tests run against the real stack.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.api_auth import bearer_headers, mint
from tests.conftest import RunningBot
from tests.http import send_json

MODEL_SWAP = "/webhooks/model_swap/model"
WIDGET_TURN = "/webhooks/widget/turn"


def _group_members(leader: int) -> Iterator[int]:
    """The processes of a child's process group: the child and what it forked (the
    Rasa server's Sanic workers). Each child of the stack leads its own group."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == leader:
            yield int(stat.parent.name)


def _secrets(bot: RunningBot) -> dict[str, str]:
    stack = bot.stack
    return {
        "RASA_API_TOKEN": stack.rasa_api_token,
        "ACTION_SERVER_SECRET": stack.action_secret,
        "WIDGET_ID_SECRET": stack.widget_id_secret,
    }


def test_no_process_of_the_stack_shows_a_secret_on_its_command_line(bot: RunningBot) -> None:
    command_lines = {
        pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        for process in bot.stack.processes
        for pid in _group_members(process.pid)
    }
    # Redis, the action server, the Rasa server and its workers, the web service.
    assert len(command_lines) > len(bot.stack.processes), command_lines
    assert any("bot.server run" in line for line in command_lines.values())
    assert any("bot.action_server" in line for line in command_lines.values())
    for name, secret in _secrets(bot).items():
        assert secret, name
        for pid, line in command_lines.items():
            assert secret not in line, f"{name} in the command line of {pid}: {line}"
        # Nor did a server print it at start-up, with its settings.
        for log in bot.stack.log_dir.glob("*.log"):
            assert secret not in log.read_text(errors="replace"), f"{name} in {log}"


def _status(bot: RunningBot, query: str = "", headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(f"{bot.rasa_url}/status{query}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_the_rasa_api_takes_a_signed_jwt_in_the_header_and_no_query_token(
    bot: RunningBot,
) -> None:
    secret = bot.stack.rasa_api_token
    assert _status(bot) == 401
    # What Rasa's own token mode accepted, and our callers used to send.
    assert _status(bot, f"?token={secret}") == 401
    assert _status(bot, headers={"Authorization": f"Bearer {secret}"}) == 401
    assert _status(bot, headers=bearer_headers(secret)) == 200
    # Rasa allows three minutes of clock difference; an hour is past any of it.
    expired = {"Authorization": f"Bearer {mint(secret, lifetime=-3600)}"}
    assert _status(bot, headers=expired) == 401
    assert _status(bot, headers=bearer_headers("another-secret-of-at-least-32-chars")) == 401


def _written_since(log: Path, size: int) -> str:
    with log.open("rb") as file:
        file.seek(size)
        return file.read().decode("utf-8", "replace")


@pytest.mark.parametrize("path", [WIDGET_TURN, MODEL_SWAP])
def test_our_webhooks_refuse_a_query_token_and_answer_a_malformed_body_in_both_languages(
    bot: RunningBot, path: str
) -> None:
    secret = bot.stack.rasa_api_token
    rasa_log = bot.stack.log_dir / "rasa.log"
    url = f"{bot.rasa_url}{path}"
    method = "PUT" if path == MODEL_SWAP else "POST"
    start = rasa_log.stat().st_size

    status, refusal = send_json(method, f"{url}?token={secret}", raw=b"{}")
    assert status == 401 and refusal["error"] == "unauthorised", refusal
    assert refusal["message"]["ko"] and refusal["message"]["en"]
    status, _ = send_json(method, url, raw=b"{}", headers={"Authorization": f"Bearer {secret}"})
    assert status == 401

    headers = bearer_headers(secret)
    for raw, code in [
        (b'{"session_id": "abcdefgh", "message": ', "invalid_json"),
        (b"\xff\xfe not utf-8", "invalid_json"),
        (b"[1, 2]", "invalid_body"),
        (b"", "invalid_body"),
    ]:
        status, error = send_json(method, url, raw=raw, headers=headers)
        assert status == 400 and error["error"] == code, (raw, error)
        assert error["message"]["ko"] and error["message"]["en"], error

    written = _written_since(rasa_log, start)
    assert "Traceback" not in written and "ERROR" not in written, written


def test_the_model_swap_names_a_bad_model_file_in_both_languages(bot: RunningBot) -> None:
    headers = bearer_headers(bot.stack.rasa_api_token)
    for model_file in ["models/current.tar.gz", "/no/such/model.tar.gz", 42]:
        status, error = send_json(
            "PUT", f"{bot.rasa_url}{MODEL_SWAP}", {"model_file": model_file}, headers=headers
        )
        assert status == 400 and error["error"] == "bad_model_file", error
        assert error["message"]["ko"] and error["message"]["en"], error
