"""`eva`: the project's command line. `eva run` starts the bot, `eva eval` scores it,
`eva validate` checks the content files, `eva train` trains, `eva publish` and
`eva rollback` change the live model, `eva hash-password` makes agent credentials,
`eva forget` deletes a shopper's data."""

from __future__ import annotations

import sys

COMMANDS = {
    "run": "bot.cli.run",
    "eval": "bot.cli.evaluate",
    "validate": "bot.cli.validate",
    "hash-password": "bot.cli.hash_password",
    "train": "bot.cli.train",
    "publish": "bot.cli.publish",
    "forget": "bot.cli.forget",
    # module:function when a module serves two commands.
    "rollback": "bot.cli.publish:rollback",
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in COMMANDS:
        print("usage: eva {" + ",".join(COMMANDS) + "} [options]", file=sys.stderr)
        return 2
    # Import lazily: `eva eval` loads TensorFlow, `eva run` must not wait for it.
    module_name, _, function = COMMANDS[args[0]].partition(":")
    module = __import__(module_name, fromlist=["main"])
    result: int = getattr(module, function or "main")(args[1:])
    return result


if __name__ == "__main__":
    sys.exit(main())
