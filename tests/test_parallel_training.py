"""DIET and the ResponseSelector trained side by side give the model trained one by one,
and our training gives stock Rasa's model up to the last bits of rounding."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tensorflow as tf

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


def _checkpoints(model: Path, folder: Path) -> dict[str, dict[str, Any]]:
    """Each TensorFlow model in a packed model: its variables by name."""
    with tarfile.open(model) as packed:
        packed.extractall(folder, filter="data")
    checkpoints = {}
    for index in folder.rglob("*.tf_model.index"):
        reader = tf.train.load_checkpoint(str(index.with_suffix("")))
        names = reader.get_variable_to_shape_map()
        checkpoints[index.parent.name] = {name: reader.get_tensor(name) for name in names}
    return checkpoints


CLASSIFIERS = ("DIETClassifier", "ResponseSelector")


def _train_three_ways(folder: Path) -> dict[str, Path]:
    """Stock `rasa train`, ours with the classifiers one by one, ours side by side."""
    models = {}
    for name, module, first_two in [
        ("stock", "rasa", ["Starting to train", "Finished training"]),
        ("one by one", "tests.one_by_one_training", ["Starting to train", "Finished training"]),
        ("side by side", "bot.server", ["Starting to train", "Starting to train"]),
    ]:
        (folder / name).mkdir()
        status, log = _train(module, folder / name, *CLASSIFIERS)
        assert status == 0, log
        events = re.findall(r"(Starting to train|Finished training) component '(\w+)'", log)
        assert [kind for kind, component in events if component in CLASSIFIERS][:2] == first_two
        models[name] = folder / name / "m.tar.gz"
    return models


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _train_three_ways(tmp_path_factory.mktemp("training"))


def test_side_by_side_training_gives_the_same_model(models: dict[str, Path]) -> None:
    side_by_side = _model_files(models["side by side"])
    assert any("DIETClassifier" in name for name in side_by_side)
    assert any("ResponseSelector" in name for name in side_by_side)
    assert side_by_side == _model_files(models["one by one"])


def test_our_training_gives_stock_rasas_model_but_for_rounding(
    models: dict[str, Path], tmp_path: Path
) -> None:
    ours, stock = _model_files(models["side by side"]), _model_files(models["stock"])
    assert ours.keys() == stock.keys()
    # Everything but the TensorFlow checkpoints (weights, and an index holding their
    # checksums) is the same, byte for byte.
    weights = {name for name in ours if ".tf_model." in name}
    assert len(weights) == 4
    assert {n: d for n, d in ours.items() if n not in weights} == {
        n: d for n, d in stock.items() if n not in weights
    }
    our_models = _checkpoints(models["side by side"], tmp_path / "ours")
    stock_models = _checkpoints(models["stock"], tmp_path / "stock")
    assert (
        our_models.keys()
        == stock_models.keys()
        == {f"train_{name}{index}" for index, name in enumerate(CLASSIFIERS, start=2)}
    )
    for component, variables in stock_models.items():
        assert our_models[component].keys() == variables.keys()
        for name, value in variables.items():
            if np.asarray(value).dtype.kind != "f":  # the object graph, step counters
                assert our_models[component][name] == value, name
                continue
            np.testing.assert_allclose(
                our_models[component][name], value, rtol=1e-4, atol=1e-6, err_msg=name
            )


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
