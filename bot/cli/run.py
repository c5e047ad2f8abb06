"""`eva run`: start Redis, the action server, the Rasa server and the web service."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from bot.production import is_production
from bot.stack import PROJECT_DIR, Stack, StackConfig

DEFAULT_MODEL = PROJECT_DIR / "models" / "current.tar.gz"

# `make run` is the demo; nobody should mistake it for a deployment (docs/security.md).
DEMO_NOTICE = (
    "이것은 데모예요(make run): 데모 상담원 계정(minji, sam)과 그때그때 만든 비밀값을 써요. "
    "운영에는 쓰지 마세요(docs/security.md).\n"
    "This is the demo (make run): it uses the demo agent accounts (minji, sam) and "
    "made-up secrets. Do not run it in production (docs/security.md)."
)
PRODUCTION_NOTICE = (
    "운영 모드(EVA_ENV=production): 각 서버가 설정을 확인하고, 빠진 것이 있으면 시작하지 않아요.\n"
    "Production mode (EVA_ENV=production): each server checks its settings and refuses "
    "to start while one is missing."
)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eva run", description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--run-dir", type=Path, default=PROJECT_DIR / ".run")
    args = parser.parse_args(argv)
    print(PRODUCTION_NOTICE if is_production() else DEMO_NOTICE, flush=True)
    if not args.model.exists():
        print(f"No trained model at {args.model}. Run `make model` first.", file=sys.stderr)
        return 2

    config = StackConfig.from_environment(args.model, args.run_dir)
    stack = Stack(config)
    signal.signal(signal.SIGTERM, _raise_stop)
    print("Starting Redis, the action server, the Rasa server and the web service...")
    try:
        stack.start()
        redis = stack.redis_settings.url if stack.redis_settings else "?"
        print(
            "\nEva is running:\n"
            f"  Rasa server     {config.rasa_url}\n"
            f"  REST channel    {config.rasa_url}/webhooks/rest/webhook\n"
            f"  Widget socket   ws://localhost:{config.web_port}/webhooks/widget/socket\n"
            f"  Demo shop       {config.web_url}/\n"
            f"  Agent console   {config.web_url}/agent\n"
            f"  Review inbox    {config.web_url}/editor\n"
            f"  Agent API       {config.web_url}/api/\n"
            f"  Action server   {config.action_url}\n"
            f"  Redis           {redis}\n"
            f"  Logs            {stack.log_dir}\n\n"
            "Try:  curl -s "
            f"{config.rasa_url}/webhooks/rest/webhook "
            '-d \'{"sender":"me","message":"주문 취소하고 싶어요"}\'\n'
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while (failed := stack.failed_process()) is None:
            time.sleep(1)
        print(f"A process exited with {failed.returncode}; stopping. See {stack.log_dir}.")
        return 1
    except (KeyboardInterrupt, _Stop):
        print("\nStopping...")
        return 0
    except RuntimeError as error:
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
