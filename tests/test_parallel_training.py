"""DIET and the ResponseSelector trained side by side give the model trained one by one,
and our training gives stock Rasa's model: the same predictions, and weights that differ
only by floating-point rounding.

What is and is not promised (checked on AMD EPYC and Intel Xeon CPUs, see
docs/benchmarks.md): TensorFlow's CPU kernels (oneDNN, Eigen) split a sum over their
threads and pick their blocking per CPU, so the order in which float32 numbers are added,
and with it the last bits of every result, depends on the CPU and on the number of
threads. One by one, each classifier uses both cores; side by side, one each; our XLA
training step (bot/fused_training_step.py) rounds Adam's update differently from stock
Rasa's. So the three trainings are compared the way a shopper would notice a difference,
by what the models answer, and their weights within a tolerance that rounding stays far
inside and a different random seed far outside (`test_a_different_seed_is_caught`).
"""

from __future__ import annotations

import asyncio
import functools
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
from rasa.core.agent import Agent

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
    random_seed: {seed}
  - name: {selector}
    epochs: 3
    random_seed: {seed}
"""
SEED = 7

# Messages none of the trainings saw, for each intent and FAQ entry.
HELD_OUT = [
    "hello to you",
    "hi, good evening",
    "thanks a lot",
    "cheers, many thanks",
    "how long will shipping take to arrive",
    "my parcel, when does it arrive",
    "do you take my card",
    "what payment methods are there",
]

# How far two models' confidences may be apart. Measured on AMD EPYC: at most 3e-7
# between the three trainings, against 0.1 to 0.5 with another seed. 1e-3 leaves a
# factor of a thousand for other CPUs and thread counts and is far below what could
# move an answer across a threshold of config.yml (0.5, 0.1 apart).
CONFIDENCE_TOLERANCE = 1e-3

# How far a weight may be from its counterpart, as a share of the largest magnitude in
# its variable (so Adam's tiny second moments are held to their own scale). Rounding
# differences start at float32's 6e-8 and grow over the training's steps. Measured on
# AMD EPYC: at most 5.3e-5 of a variable's scale (DIET, side by side against one by
# one and against stock; the ResponseSelector 1.7e-6), so 1e-3 leaves a factor of 20.
# Another random seed draws other initial weights: the median variable then differs by
# 1.4 times its scale.
WEIGHT_TOLERANCE = 1e-3
CLASSIFIERS = ("DIETClassifier", "ResponseSelector")


def _train(
    command_module: str, folder: Path, classifier: str, selector: str, seed: int = SEED
) -> tuple[int, str]:
    """`python -m <command_module> train nlu` in folder: exit status and log."""
    config = folder / "config.yml"
    config.write_text(
        CONFIG.format(classifier=classifier, selector=selector, seed=seed), encoding="utf-8"
    )
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


def _other_files(model: Path) -> dict[str, bytes]:
    """Every file of a packed model but its TensorFlow checkpoints and metadata (dates)."""
    with tarfile.open(model) as packed:
        return {
            member.name: packed.extractfile(member).read()  # type: ignore[union-attr]
            for member in packed.getmembers()
            if member.isfile()
            and not member.name.endswith("metadata.json")
            and ".tf_model." not in member.name
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


def weight_differences(ours: Path, theirs: Path, folder: Path) -> list[str]:
    """What sets two models' weights apart by more than rounding (empty: nothing)."""
    our_models = _checkpoints(ours, folder / "ours")
    their_models = _checkpoints(theirs, folder / "theirs")
    assert our_models.keys() == their_models.keys()
    assert our_models.keys() == {
        f"train_{name}{index}" for index, name in enumerate(CLASSIFIERS, start=2)
    }
    differences = []
    for component, variables in their_models.items():
        assert our_models[component].keys() == variables.keys()
        for name, value in variables.items():
            mine = np.asarray(our_models[component][name])
            value = np.asarray(value)
            if value.dtype.kind != "f":  # the object graph, step counters: exactly equal
                if not np.array_equal(mine, value):
                    differences.append(f"{component} {name}: {mine!r} != {value!r}")
                continue
            assert mine.shape == value.shape, name
            scale = float(np.abs(value).max(initial=0.0))
            gap = float(np.abs(mine - value).max(initial=0.0))
            if gap > WEIGHT_TOLERANCE * scale:
                differences.append(f"{component} {name}: {gap:.3g} apart, scale {scale:.3g}")
    return differences


@functools.cache
def _predictions(model: Path) -> list[tuple[str, float, str | None, float | None]]:
    """For each held-out message: intent and confidence, FAQ entry and confidence."""
    agent = Agent.load(str(model))

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in HELD_OUT]

    predictions = []
    for parsed in asyncio.run(parse_all()):
        # The selector's entry for an FAQ question ("default": it serves every retrieval
        # intent); none for other messages.
        picked = parsed.get("response_selector", {}).get("default", {}).get("response", {})
        intent = parsed["intent"]
        entry, entry_confidence = picked.get("intent_response_key"), picked.get("confidence")
        predictions.append((intent["name"], intent["confidence"], entry, entry_confidence))
    return predictions


def prediction_differences(ours: Path, theirs: Path) -> list[str]:
    """Held-out messages two models answer differently (empty: none)."""
    differences = []
    for text, mine, other in zip(HELD_OUT, _predictions(ours), _predictions(theirs), strict=True):
        if (mine[0], mine[2]) != (other[0], other[2]):
            differences.append(f"{text!r}: {mine} against {other}")
        elif any(
            abs(a - b) > CONFIDENCE_TOLERANCE
            for a, b in ((mine[1], other[1]), (mine[3], other[3]))
            if a is not None and b is not None
        ):
            differences.append(f"{text!r}: confidences {mine} against {other}")
    return differences


def _train_with(folder: Path, module: str, first_two: list[str], seed: int = SEED) -> Path:
    folder.mkdir()
    status, log = _train(module, folder, *CLASSIFIERS, seed=seed)
    assert status == 0, log
    events = re.findall(r"(Starting to train|Finished training) component '(\w+)'", log)
    assert [kind for kind, component in events if component in CLASSIFIERS][:2] == first_two
    return folder / "m.tar.gz"


ONE_AFTER_THE_OTHER = ["Starting to train", "Finished training"]
SIDE_BY_SIDE = ["Starting to train", "Starting to train"]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Stock `rasa train`, ours with the classifiers one by one, ours side by side, and
    ours side by side with another seed."""
    folder = tmp_path_factory.mktemp("training")
    return {
        "stock": _train_with(folder / "stock", "rasa", ONE_AFTER_THE_OTHER),
        "one by one": _train_with(
            folder / "one by one", "tests.one_by_one_training", ONE_AFTER_THE_OTHER
        ),
        "side by side": _train_with(folder / "side by side", "bot.server", SIDE_BY_SIDE),
        "other seed": _train_with(folder / "other seed", "bot.server", SIDE_BY_SIDE, SEED + 1),
    }


@pytest.mark.parametrize("other", ["one by one", "stock"])
def test_side_by_side_training_answers_as_the_other_trainings(
    models: dict[str, Path], other: str, tmp_path: Path
) -> None:
    ours, theirs = models["side by side"], models[other]
    files = _other_files(ours)
    assert any("DIETClassifier" in name for name in files)
    assert any("ResponseSelector" in name for name in files)
    # Vocabularies, label maps and the models' settings hold no trained floats: the same
    # bytes on every CPU.
    assert files == _other_files(theirs)
    assert any(entry for _, _, entry, _ in _predictions(ours)), "no FAQ entry was compared"
    assert prediction_differences(ours, theirs) == []
    assert weight_differences(ours, theirs, tmp_path) == []


def test_a_different_seed_is_caught(models: dict[str, Path], tmp_path: Path) -> None:
    """The comparisons above fail when a training really differs: here only its seed."""
    ours, other = models["side by side"], models["other seed"]
    weights = weight_differences(other, ours, tmp_path)
    for component in (f"train_{name}{i}" for i, name in enumerate(CLASSIFIERS, start=2)):
        assert any(line.startswith(component) for line in weights), component
    assert prediction_differences(other, ours) != []


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
