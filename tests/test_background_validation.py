"""`rasa train` through bot.server validates beside the training, with Rasa's verdicts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.stack import PROJECT_DIR

DOMAIN = """
version: "3.1"
intents:
  - greet
  - thank
responses:
  utter_greet:
  - text: Hello!
  utter_welcome:
  - text: You are welcome.
"""

# "hello" in two intents: a validation warning, an error with --fail-on-validation-warnings.
NLU_DATA = """
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
- intent: thank
  examples: |
    - thanks
    - thank you very much
    - {repeated}
rules:
- rule: greet back
  steps:
  - intent: greet
  - action: utter_greet
- rule: welcome
  steps:
  - intent: thank
  - action: utter_welcome
"""

CONFIG = """
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: {classifier}
policies:
  - name: RulePolicy
"""

NO_TENSORFLOW = "LogisticRegressionClassifier"
TENSORFLOW = "DIETClassifier\n    epochs: 1"


def _train(folder: Path, classifier: str, repeated: str) -> tuple[int, str]:
    """`python -m bot.server train --fail-on-validation-warnings`: exit status and log."""
    (folder / "config.yml").write_text(CONFIG.format(classifier=classifier), encoding="utf-8")
    (folder / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (folder / "data").mkdir()
    (folder / "data" / "nlu.yml").write_text(NLU_DATA.format(repeated=repeated), encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_DIR),
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(folder / "cache"),
    }
    command = [sys.executable, "-m", "bot.server", "train", "--fail-on-validation-warnings"]
    command += ["--out", str(folder), "--fixed-model-name", "m"]
    done = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    return done.returncode, done.stdout + done.stderr


def test_a_valid_project_trains(tmp_path: Path) -> None:
    status, log = _train(tmp_path, NO_TENSORFLOW, "cheers")
    assert status == 0, log
    assert (tmp_path / "m.tar.gz").exists()


@pytest.mark.parametrize("classifier", [NO_TENSORFLOW, TENSORFLOW])
def test_an_invalid_project_gets_no_model(tmp_path: Path, classifier: str) -> None:
    status, log = _train(tmp_path, classifier, "hello")
    assert status == 1, log
    # Rasa's validator says what is wrong; the training says why it stopped.
    assert "hello" in log and "Training stopped" in log
    assert not (tmp_path / "m.tar.gz").exists()
    # With a TensorFlow training ahead, the training stops before it.
    assert "Starting to train component 'DIETClassifier'" not in log
