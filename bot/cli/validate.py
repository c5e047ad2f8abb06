"""`eva validate`: check the content files the way training and the bot will read them.

YAML syntax and shape with file:line, Rasa's own validator, and our rules (enough
examples per intent and language, FAQ questions and sources, no text under two
intents, one Korean and one English variation per response, sound buttons,
regexes and intent names). Errors and warnings are listed apart; the exit code
is 1 when there are errors, 0 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.content_checks.messages import language_from_environment, message
from bot.content_checks.report import report_lines
from bot.content_checks.rules import DEFAULT_MIN_EXAMPLES
from bot.content_checks.runner import DEFAULT_MIN_FAQ_QUESTIONS, Options, validate_project
from bot.language import Language
from bot.stack import PROJECT_DIR


def _positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="eva validate",
        description="Check data/, domain.yml and config.yml; exit code 1 on errors.",
    )
    cli.add_argument(
        "--lang",
        choices=["ko", "en"],
        help="language of the messages (default: from LC_ALL/LANG, ko* = Korean, else English)",
    )
    cli.add_argument(
        "--min-examples",
        type=_positive,
        default=DEFAULT_MIN_EXAMPLES,
        help=f"examples each intent needs per language (default {DEFAULT_MIN_EXAMPLES})",
    )
    cli.add_argument(
        "--min-faq-questions",
        type=_positive,
        default=DEFAULT_MIN_FAQ_QUESTIONS,
        help=f"questions each FAQ entry needs per language (default {DEFAULT_MIN_FAQ_QUESTIONS})",
    )
    cli.add_argument(
        "--seeds",
        type=Path,
        help="folder of the FAQ source articles (default: ../shared/seeds when it exists)",
    )
    cli.add_argument(
        "--no-rasa",
        action="store_true",
        help="skip Rasa's own validator (quicker)",
    )
    cli.add_argument("--project", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    language: Language = args.lang or language_from_environment(os.environ)
    root: Path = args.project
    if not root.is_dir():
        print(message(language, "report.no_project", {"path": str(root)}), file=sys.stderr)
        return 2
    options = Options(
        min_examples=args.min_examples,
        min_faq_questions=args.min_faq_questions,
        seeds_dir=args.seeds,
        run_rasa=not args.no_rasa,
    )
    result = validate_project(root, options)
    print("\n".join(report_lines(result.errors, result.warnings, language)))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
