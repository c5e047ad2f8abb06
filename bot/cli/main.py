"""`eva`: the project's command line. `eva run` starts the bot, `eva eval` scores it,
`eva validate` checks the content files."""

from __future__ import annotations

import sys

COMMANDS = {
    "run": "bot.cli.run",
    "eval": "bot.cli.evaluate",
    "validate": "bot.cli.validate",
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in COMMANDS:
        print("usage: eva {" + ",".join(COMMANDS) + "} [options]", file=sys.stderr)
        return 2
    # Import lazily: `eva eval` loads TensorFlow, `eva run` must not wait for it.
    module = __import__(COMMANDS[args[0]], fromlist=["main"])
    result: int = module.main(args[1:])
    return result


if __name__ == "__main__":
    sys.exit(main())
