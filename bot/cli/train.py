"""`eva train`: train models/current.tar.gz from config.yml, domain.yml and data/.

Rasa keeps the result of every training step in its cache (.rasa/cache) and reuses
the steps whose inputs did not change, so adding a few examples retrains the
classifiers but not everything. The cache cannot see our components' code
(bot/nlu, bot/faq): when that is newer than the model, training starts from
scratch (--force), as `make model` does. Nothing newer than the model: no training.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from bot.content_checks.messages import language_from_environment
from bot.language import Language
from bot.publishing.messages import duration, printer
from bot.stack import PROJECT_DIR

# Code whose changes the cache cannot see; keep in step with the Makefile's MODEL_INPUTS.
COMPONENT_DIRS = ("bot/nlu", "bot/faq")
SKIPPED_DATA = ("data/demo",)


def _files(root: Path, folder: str, suffixes: tuple[str, ...]) -> Iterable[Path]:
    base = root / folder
    skipped = [root / name for name in SKIPPED_DATA]
    for path in base.rglob("*"):
        if path.suffix in suffixes and path.is_file():
            if not any(path.is_relative_to(s) for s in skipped):
                yield path


def model_inputs(root: Path) -> list[Path]:
    files = [root / "config.yml", root / "domain.yml", *_files(root, "data", (".yml", ".yaml"))]
    for folder in COMPONENT_DIRS:
        files += _files(root, folder, (".yml", ".py"))
    return files


def component_code(root: Path) -> list[Path]:
    return [p for folder in COMPONENT_DIRS for p in _files(root, folder, (".py",))]


def _newer_than(files: Iterable[Path], model: Path) -> bool:
    stamp = model.stat().st_mtime
    return any(f.stat().st_mtime > stamp for f in files if f.exists())


def rasa_command(
    config: Path, domain: Path, data: Path, out: Path, name: str, force: bool
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "bot.server",
        "train",
        "--quiet",
        "--config",
        str(config),
        "--domain",
        str(domain),
        "--data",
        str(data),
        "--out",
        str(out),
        "--fixed-model-name",
        name,
    ]
    return [*command, "--force"] if force else command


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="eva train", description=__doc__)
    cli.add_argument("--force", action="store_true", help="train every step again")
    cli.add_argument(
        "--lang",
        choices=["ko", "en"],
        help="language of the messages (default: from LC_ALL/LANG, ko* = Korean, else English)",
    )
    cli.add_argument("--out", type=Path, default=PROJECT_DIR / "models")
    cli.add_argument("--name", default="current", help="model file name without .tar.gz")
    args = cli.parse_args(argv)
    language: Language = args.lang or language_from_environment(os.environ)
    say = printer(language)
    root = PROJECT_DIR
    config, domain, data = root / "config.yml", root / "domain.yml", root / "data"
    model = args.out / f"{args.name}.tar.gz"
    shown = os.path.relpath(model, Path.cwd())
    exists = model.is_file()
    if exists and not args.force and not _newer_than(model_inputs(root), model):
        say("train.up_to_date", model=shown)
        return 0
    from_scratch = args.force or not exists or _newer_than(component_code(root), model)
    say("train.start_full" if from_scratch else "train.start", model=shown)
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # As in the Makefile: the same data gives the same model.
    env.setdefault("PYTHONHASHSEED", "0")
    started = time.monotonic()
    code = subprocess.call(
        rasa_command(config, domain, data, args.out, args.name, from_scratch), cwd=root, env=env
    )
    took = duration(language, time.monotonic() - started)
    if code != 0:
        say("train.failed", duration=took, code=code)
        return 1
    say("train.done", model=shown, duration=took)
    return 0


if __name__ == "__main__":
    sys.exit(main())
