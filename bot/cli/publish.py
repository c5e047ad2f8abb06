"""`eva publish` and `eva rollback`: put a trained model live without restarting the bot.

`eva publish` scores the model on the held-out split (tests/nlu/) and the independent set
(tests/nlu/independent/), compares it with the live model and refuses (exit code 1) when
Korean or English intent accuracy would drop by more than 1 point on either, unless
--force; then it loads the model into the running Rasa server (HTTP API PUT /model).
`eva rollback` loads the release before the live one. Releases are kept in
models/releases/ (EVA_RELEASES_DIR), the last five of them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.content_checks.messages import language_from_environment
from bot.language import Language
from bot.publishing.messages import printer
from bot.publishing.publisher import Setup, publish
from bot.publishing.publisher import rollback as rollback_release
from bot.publishing.rasa_server import RasaServer
from bot.publishing.registry import releases_dir
from bot.stack import PROJECT_DIR


def _common(cli: argparse.ArgumentParser) -> None:
    cli.add_argument(
        "--server",
        help="the Rasa server's URL (default: RASA_URL, else http://localhost:5005)",
    )
    cli.add_argument(
        "--token",
        help="the secret the server's API calls are signed with (default: RASA_API_TOKEN, "
        "where it is better kept: a command line shows in `ps`)",
    )
    cli.add_argument(
        "--lang",
        choices=["ko", "en"],
        help="language of the messages (default: from LC_ALL/LANG, ko* = Korean, else English)",
    )
    cli.add_argument("--releases", type=Path, help=argparse.SUPPRESS)
    # bot.evaluation.TEST_SPLIT_DIR, named here so that a rollback never imports TensorFlow.
    cli.add_argument(
        "--split", type=Path, default=PROJECT_DIR / "tests" / "nlu", help=argparse.SUPPRESS
    )


def _setup(args: argparse.Namespace) -> Setup:
    language: Language = args.lang or language_from_environment(os.environ)
    return Setup(
        releases=args.releases or releases_dir(),
        split=args.split,
        server=RasaServer(args.server, args.token),
        language=language,
        say=printer(language),
    )


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="eva publish", description=__doc__)
    cli.add_argument(
        "--model",
        type=Path,
        default=PROJECT_DIR / "models" / "current.tar.gz",
        help="the model to publish (default: models/current.tar.gz)",
    )
    cli.add_argument(
        "--force",
        action="store_true",
        help="publish even if held-out accuracy drops by more than 1 point",
    )
    _common(cli)
    args = cli.parse_args(argv)
    return publish(_setup(args), args.model, force=args.force)


def rollback(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(
        prog="eva rollback",
        description="Load the release published before the live one (no accuracy check).",
    )
    _common(cli)
    return rollback_release(_setup(cli.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
