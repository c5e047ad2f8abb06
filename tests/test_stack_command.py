"""The Rasa server's command line, read back by Rasa's own argument parser."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rasa.__main__ import create_argument_parser

from bot.api_auth import rasa_arguments
from bot.stack import PROJECT_DIR, Stack, StackConfig


@pytest.mark.parametrize(
    "token", ["-starts-with-a-dash", "--looks-like-an-option", "plain_Token-1"]
)
def test_the_api_secret_reaches_rasa_whole_and_never_the_command_line(
    token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RASA_API_TOKEN", token)
    stack = Stack(StackConfig(model=tmp_path / "model.tar.gz", run_dir=tmp_path, rasa_port=5123))
    command = stack.rasa_command()
    # The command line is in `ps` for every user of the machine.
    assert not any(token in argument for argument in command)
    # bot.server adds the secret in-process. Random url-safe tokens begin with "-" one
    # time in 64; as a separate argument argparse took such a token for an option and
    # the server exited at start.
    arguments = create_argument_parser().parse_args(
        command[3:] + rasa_arguments({"RASA_API_TOKEN": token})
    )
    assert arguments.jwt_secret == token
    assert arguments.jwt_method == "HS256"
    # Without Rasa's own token, a `?token=` query is no credential.
    assert arguments.auth_token is None
    assert arguments.port == 5123
    assert arguments.enable_api is True


def test_the_rasa_server_will_not_open_its_api_without_a_secret() -> None:
    environment = {name: value for name, value in os.environ.items() if name != "RASA_API_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.server", "run", "--enable-api", "--model", "none.tar.gz"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    assert "RASA_API_TOKEN 값이 없어요" in result.stderr
    assert "RASA_API_TOKEN is not set" in result.stderr
