"""The two models: ours (models/current.tar.gz) and the baseline's, trained and cached.

The baseline is retrained only when what it is trained from changed (its config, the
domain, the data, the FAQ importer, the Rasa version); how long that took is kept
with it. Ours is trained by `make model`; the full benchmark times a fresh training
of it into bench/.work/ without touching models/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import yaml

from bot.stack import PROJECT_DIR

WORK_DIR = PROJECT_DIR / "bench" / ".work"
DEFAULT_MODEL = PROJECT_DIR / "models" / "current.tar.gz"
BASELINE_CONFIG = PROJECT_DIR / "bench" / "baseline" / "config.yml"
# The stock config trains each of its four networks for 100 epochs: 12.5 minutes here,
# most of the 20-minute budget of `make bench`. The baseline is trained for a fifth of
# that: the same networks, so the same work per message, which is what is compared.
BASELINE_EPOCHS = 20
BASELINE_MODEL = WORK_DIR / "baseline.tar.gz"
BASELINE_STAMP = WORK_DIR / "baseline.json"


class ModelMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class TrainTime:
    seconds: float
    when: str
    # True when timed in this run, False when read from the cache.
    this_run: bool


def _training_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            # As the Makefile trains: repeatable on 2 cores.
            "PYTHONHASHSEED": "0",
            # Never share (or spoil) the project's training cache in .rasa/.
            "RASA_CACHE_DIRECTORY": str(WORK_DIR / "rasa-cache"),
            "PYTHONPATH": str(PROJECT_DIR),
        }
    )
    return env


def _train(
    command_module: str,
    config: Path,
    out: Path,
    name: str,
    log: Path,
    force: bool,
    data: Path = PROJECT_DIR / "data",
) -> float:
    """`rasa train` (run as `python -m <command_module>`) into `out`; the seconds it took."""
    command = [
        sys.executable,
        "-m",
        command_module,
        "train",
        "--config",
        str(config),
        "--domain",
        str(PROJECT_DIR / "domain.yml"),
        "--data",
        str(data),
        "--out",
        str(out),
        "--fixed-model-name",
        name,
    ]
    if force:
        command.append("--force")
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log.open("wb") as log_file:
        result = subprocess.run(
            command,
            cwd=PROJECT_DIR,
            env=_training_environment(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"rasa train failed ({result.returncode}); see {log}")
    return seconds


def our_model() -> Path:
    """A private copy of our model, so that a `make model` meanwhile changes nothing.

    The model is models/current.tar.gz, or the one EVA_MODEL names (as for the tests).
    """
    model = Path(os.environ.get("EVA_MODEL") or DEFAULT_MODEL)
    if not model.exists():
        raise ModelMissing(f"No trained model at {model}: run `make model` first.")
    copy = WORK_DIR / "ours.tar.gz"
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    source = model.stat()
    if not copy.exists() or (copy.stat().st_size, copy.stat().st_mtime_ns) != (
        source.st_size,
        source.st_mtime_ns,
    ):
        handle, name = tempfile.mkstemp(dir=WORK_DIR, suffix=".tar.gz")
        os.close(handle)
        shutil.copy2(model, name)
        os.replace(name, copy)
    return copy


def baseline_training_config() -> Path:
    """The stock config with every `epochs` set to BASELINE_EPOCHS, in bench/.work/."""
    config = yaml.safe_load(BASELINE_CONFIG.read_text(encoding="utf-8"))
    for part in config.get("pipeline", []) + config.get("policies", []):
        if "epochs" in part:
            part["epochs"] = BASELINE_EPOCHS
    path = WORK_DIR / "baseline-config.yml"
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def baseline_inputs_hash() -> str:
    """What the baseline model is trained from (the demo orders are not training data)."""
    digest = hashlib.sha256(f"rasa {metadata.version('rasa')}\nepochs {BASELINE_EPOCHS}\n".encode())
    files = [BASELINE_CONFIG, PROJECT_DIR / "domain.yml"]
    files += sorted(
        path
        for path in (PROJECT_DIR / "data").rglob("*")
        if path.is_file() and "demo" not in path.relative_to(PROJECT_DIR / "data").parts
    )
    files += sorted((PROJECT_DIR / "bot" / "faq").glob("*.py"))
    files.append(PROJECT_DIR / "bot" / "language.py")
    for path in files:
        digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def cached_baseline() -> TrainTime | None:
    """The cached baseline's training time, if the model is there and up to date."""
    if not BASELINE_MODEL.exists() or not BASELINE_STAMP.exists():
        return None
    stamp = json.loads(BASELINE_STAMP.read_text())
    if stamp.get("inputs") != baseline_inputs_hash():
        return None
    return TrainTime(float(stamp["seconds"]), str(stamp["when"]), this_run=False)


def record_baseline(seconds: float, when: str | None = None) -> TrainTime:
    when = when or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    stamp = {"inputs": baseline_inputs_hash(), "seconds": round(seconds, 1), "when": when}
    BASELINE_STAMP.write_text(json.dumps(stamp, indent=2) + "\n")
    return TrainTime(seconds, when, this_run=True)


def baseline_model() -> tuple[Path, TrainTime]:
    """The baseline model, trained now if its inputs changed since the cached one."""
    cached = cached_baseline()
    if cached is not None:
        return BASELINE_MODEL, cached
    print(
        f"  training the baseline (stock pipeline, {BASELINE_EPOCHS} epochs: minutes)...",
        flush=True,
    )
    log = WORK_DIR / "logs" / "train-baseline.log"
    seconds = _train("rasa", baseline_training_config(), WORK_DIR, "baseline", log, False)
    return BASELINE_MODEL, record_baseline(seconds)


def time_our_training(data: Path, command_module: str = "bot.server") -> tuple[TrainTime, Path]:
    """A fresh, uncached `eva train --force` of our config on `data`, into bench/.work/train/.

    Returns the time and the model, which the benchmark then puts live. With
    `command_module="rasa"`: stock `rasa train --force` of the same config and data.
    """
    out = WORK_DIR / "train"
    shutil.rmtree(out, ignore_errors=True)
    name = "ours" if command_module == "bot.server" else f"ours-{command_module}"
    log = WORK_DIR / "logs" / f"train-{name}.log"
    seconds = _train(command_module, PROJECT_DIR / "config.yml", out, name, log, True, data)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return TrainTime(seconds, when, this_run=True), out / f"{name}.tar.gz"
