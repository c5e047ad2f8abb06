"""DIET and the ResponseSelector trained side by side give the model trained one by one."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from bot.stack import PROJECT_DIR

NLU_DATA = """
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hey
- intent: thank
  examples: |
    - thanks
    - thank you very much
    - many thanks
    - cheers
- intent: faq/shipping
  examples: |
    - how long does shipping take
    - when will my parcel arrive
    - shipping time
- intent: faq/payment
  examples: |
    - which cards do you take
    - can I pay by card
    - payment methods
responses:
  utter_faq/shipping:
  - text: Parcels arrive in 7 to 15 days.
  utter_faq/payment:
  - text: We take cards and bank transfers.
"""

CONFIG = """
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: {classifier}
    epochs: 3
    random_seed: 7
  - name: {selector}
    epochs: 3
    random_seed: 7
"""


def _train(command_module: str, folder: Path, classifier: str, selector: str) -> tuple[int, str]:
    """`python -m <command_module> train nlu` in folder: exit status and log."""
    config = folder / "config.yml"
    config.write_text(CONFIG.format(classifier=classifier, selector=selector), encoding="utf-8")
    (folder / "nlu.yml").write_text(NLU_DATA, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_DIR),
        "PYTHONHASHSEED": "0",
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(folder / "cache"),
    }
    command = [sys.executable, "-m", command_module, "train", "nlu", "--config", str(config)]
    command += ["--nlu", str(folder / "nlu.yml"), "--out", str(folder), "--fixed-model-name", "m"]
    done = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    return done.returncode, done.stdout + done.stderr


def _model_files(model: Path) -> dict[str, str]:
    """Digest of every file of a packed model but its metadata (dates, ids)."""
    with tarfile.open(model) as packed:
        return {
            member.name: hashlib.sha256(packed.extractfile(member).read()).hexdigest()  # type: ignore[union-attr]
            for member in packed.getmembers()
            if member.isfile() and not member.name.endswith("metadata.json")
        }


def test_side_by_side_training_gives_the_same_model(tmp_path: Path) -> None:
    stock, ours = tmp_path / "stock", tmp_path / "ours"
    stock.mkdir()
    ours.mkdir()
    assert _train("rasa", stock, "DIETClassifier", "ResponseSelector")[0] == 0
    status, log = _train("bot.server", ours, "DIETClassifier", "ResponseSelector")
    assert status == 0, log
    # Both had started before either finished.
    events = re.findall(r"(Starting to train|Finished training) component '(\w+)'", log)
    classifiers = [event for event in events if event[1] in ("DIETClassifier", "ResponseSelector")]
    assert [kind for kind, _ in classifiers][:2] == ["Starting to train"] * 2
    stock_files, our_files = _model_files(stock / "m.tar.gz"), _model_files(ours / "m.tar.gz")
    assert any("DIETClassifier" in name for name in our_files)
    assert any("ResponseSelector" in name for name in our_files)
    assert our_files == stock_files


@pytest.mark.parametrize(
    ("classifier", "selector", "message"),
    [
        (
            "tests.failing_classifiers.FailingIntentClassifier",
            "ResponseSelector",
            "the intent classifier could not train",
        ),
        (
            "DIETClassifier",
            "tests.failing_classifiers.FailingResponseSelector",
            "the response selector could not train",
        ),
    ],
)
def test_a_failed_training_fails_the_whole_training(
    tmp_path: Path, classifier: str, selector: str, message: str
) -> None:
    status, log = _train("bot.server", tmp_path, classifier, selector)
    assert status != 0
    assert message in log
    assert not (tmp_path / "m.tar.gz").exists()
