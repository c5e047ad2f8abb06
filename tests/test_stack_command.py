"""The Rasa server's command line, read back by Rasa's own argument parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.__main__ import create_argument_parser

from bot.stack import Stack, StackConfig


@pytest.mark.parametrize(
    "token", ["-starts-with-a-dash", "--looks-like-an-option", "plain_Token-1"]
)
def test_any_api_token_reaches_rasa_whole(
    token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Random url-safe tokens begin with "-" one time in 64; as a separate argument
    # argparse took such a token for an option and the server exited at start.
    monkeypatch.setenv("RASA_API_TOKEN", token)
    stack = Stack(StackConfig(model=tmp_path / "model.tar.gz", run_dir=tmp_path, rasa_port=5123))
    arguments = create_argument_parser().parse_args(stack.rasa_command()[3:])
    assert arguments.auth_token == token
    assert arguments.port == 5123
    assert arguments.enable_api is True
