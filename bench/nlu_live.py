"""Benchmark 4c: from one new NLU example to the bot running on a model that knows it.

An editor adds an example and runs `eva train` and `eva publish`. Here: the data is
copied, one English example is added to it, our config is trained on the copy from
scratch (`eva train --force`, the full training time of benchmark 4), and the model
is put live in the running stack through the model-swap endpoint `eva publish` uses.
Live means: every Rasa worker has swapped, `/status` reports another model id than
before, and the new example parses to its intent.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import yaml

from bench.runners import Target
from bot.publishing.rasa_server import RasaServer
from bot.stack import PROJECT_DIR

NEW_EXAMPLE = ("en", "order_status", "has the parcel I bought last week left your warehouse yet")


def data_with_new_example(destination: Path) -> Path:
    """A copy of data/ with NEW_EXAMPLE in a file of its own."""
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(PROJECT_DIR / "data", destination)
    language, intent, text = NEW_EXAMPLE
    document = {"version": "3.1", "nlu": [{"intent": intent, "examples": f"- {text}\n"}]}
    (destination / "nlu" / language / "bench_new_example.yml").write_text(
        yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return destination


def swap_to_live(target: Target, model: Path) -> float:
    """Seconds from asking the server to load `model` to it answering with it.

    Through the same client `eva publish` uses (bot/publishing/rasa_server.py).
    """
    _, intent, text = NEW_EXAMPLE
    server = RasaServer(target.rasa_url, target.api_token)
    before = server.live_model()
    started = time.perf_counter()
    server.load_model(model)
    after = server.live_model()
    if after is None or (before is not None and after.model_id == before.model_id):
        raise RuntimeError(f"the server still reports model {before}")
    parsed = server.parse(text)
    elapsed = time.perf_counter() - started
    if (parsed.get("intent") or {}).get("name") != intent:
        raise RuntimeError(f"the new example parses as {parsed.get('intent')}, not {intent}")
    return elapsed
