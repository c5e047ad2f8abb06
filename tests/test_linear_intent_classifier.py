"""bot/nlu/linear_intent_classifier.py: what it learns, what it says, what it keeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_intent_classifier import LinearIntentClassifier
from bot.nlu.parse_keys import LABEL_RANKING

# Two featurizers' sentence features: a sparse count row and a dense vector. Each intent
# (and each FAQ entry) owns one count column and one direction of the vector.
LABELS = ["greet", "thank", "faq/refund", "faq/coupon"]


def _message(label: str | None, count: float = 1.0, vector_scale: float = 1.0) -> Message:
    column = LABELS.index(label) if label else 0
    counts = np.zeros((1, len(LABELS)), np.float32)
    vector = np.full((1, len(LABELS)), 0.1, np.float32)
    if label:
        counts[0, column] = count
        vector[0, column] = 1.0
    data: dict[str, Any] = {"text": label or ""}
    if label:
        data["intent"] = label.split("/")[0]
        if "/" in label:
            data["intent_response_key"] = label
    message = Message(data=data)
    message.add_features(Features(scipy.sparse.coo_matrix(counts), "sentence", "text", "chars"))
    message.add_features(Features(vector * vector_scale, "sentence", "text", "encoder"))
    # Token-level features are not read.
    message.add_features(Features(np.ones((3, 2), np.float32), "sequence", "text", "encoder"))
    return message


def _classifier(tmp_path: Path, **config: Any) -> LinearIntentClassifier:
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test", node_name="classifier")
    full = {**LinearIntentClassifier.get_default_config(), **config}
    return LinearIntentClassifier.create(full, storage, Resource("classifier"), context)


# Every reading answered: these tests are about the probabilities (test_reading.py is
# about the thresholds).
ALWAYS_SURE = {
    "threshold": 0.0,
    "ambiguity_threshold": 0.0,
    "entry_threshold": 0.0,
    "entry_ambiguity_threshold": 0.0,
}


def _trained(tmp_path: Path, **config: Any) -> LinearIntentClassifier:
    classifier = _classifier(tmp_path, **{**ALWAYS_SURE, **config})
    examples = [_message(label, count) for label in LABELS for count in (1, 2, 3)]
    classifier.train(TrainingData(examples))
    return classifier


def _parsed(classifier: LinearIntentClassifier, message: Message) -> Message:
    classifier.process([message])
    return message


def test_each_faq_entry_is_a_class_and_the_intent_their_sum(tmp_path):
    classifier = _trained(tmp_path)
    message = _parsed(classifier, _message("faq/coupon", vector_scale=1.0))
    assert message.get("intent")["name"] == "faq"
    entries = message.get(LABEL_RANKING)
    assert entries[0]["name"] == "faq/coupon"
    picked = message.get("response_selector")["faq"]["response"]
    assert picked["intent_response_key"] == "faq/coupon"
    assert picked["confidence"] == pytest.approx(entries[0]["confidence"])
    faq_total = sum(e["confidence"] for e in entries if e["name"].startswith("faq/"))
    assert message.get("intent")["confidence"] == pytest.approx(faq_total)
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "faq"
    assert {r["name"] for r in ranking} == {"greet", "thank", "faq"}
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert _parsed(classifier, _message("thank")).get("intent")["name"] == "thank"


def test_without_splitting_the_retrieval_intent_is_one_class(tmp_path):
    classifier = _trained(tmp_path, split_retrieval_intents=False)
    message = _parsed(classifier, _message("faq/refund"))
    assert message.get("intent")["name"] == "faq"
    assert [e["name"] for e in message.get(LABEL_RANKING)].count("faq") == 1


def test_a_featurizers_scale_does_not_change_the_answer(tmp_path):
    # Each block is scaled to length 1: counts ten times larger, or a vector of another
    # length, give the same probabilities.
    classifier = _trained(tmp_path)
    plain = classifier.probabilities(_message("greet", count=1.0))
    scaled = classifier.probabilities(_message("greet", count=10.0, vector_scale=22.6))
    np.testing.assert_allclose(plain, scaled, rtol=1e-5)


def test_a_block_weight_changes_the_answer(tmp_path):
    # The counts say "greet" and the vector says "thank": the heavier block wins.
    def conflicting() -> Message:
        message = Message(data={"text": "x"})
        counts = np.zeros((1, len(LABELS)), np.float32)
        counts[0, LABELS.index("greet")] = 1
        vector = np.full((1, len(LABELS)), 0.1, np.float32)
        vector[0, LABELS.index("thank")] = 1
        message.add_features(Features(scipy.sparse.coo_matrix(counts), "sentence", "text", "chars"))
        message.add_features(Features(vector, "sentence", "text", "encoder"))
        return message

    for heavy, expected in (("chars", "greet"), ("encoder", "thank")):
        classifier = _trained(tmp_path / heavy, block_weights={heavy: 3.0})
        assert _parsed(classifier, conflicting()).get("intent")["name"] == expected


def test_the_loaded_model_answers_as_the_trained_one(tmp_path):
    classifier = _trained(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test", node_name="classifier")
    loaded = LinearIntentClassifier.load(
        classifier.component_config, classifier._model_storage, Resource("classifier"), context
    )
    for label in LABELS:
        np.testing.assert_array_equal(
            loaded.probabilities(_message(label)), classifier.probabilities(_message(label))
        )
    # Nothing is unpickled: the model's files are numpy arrays and JSON.
    folder = next(tmp_path.glob("classifier*"))
    assert sorted(p.name for p in folder.iterdir()) == ["layout.json", "weights.npz"]


def test_missing_or_foreign_features_give_an_answer_not_a_crash(tmp_path):
    classifier = _trained(tmp_path)
    bare = _parsed(classifier, Message(data={"text": "no features"}))
    assert bare.get("intent")["name"] in {"greet", "thank", "faq"}
    # A featurizer of another width (a model trained with other settings) counts as absent.
    odd = Message(data={"text": "odd"})
    odd.add_features(Features(np.ones((1, 7), np.float32), "sentence", "text", "encoder"))
    assert _parsed(classifier, odd).get("intent")["name"] in {"greet", "thank", "faq"}
    # A message without text (a button payload's intent is set elsewhere) is left alone.
    no_text = Message(data={})
    classifier.process([no_text])
    assert no_text.get("intent") is None
    # An untrained classifier leaves messages alone.
    untrained = _classifier(tmp_path / "untrained")
    unparsed = _message("greet")
    del unparsed.data["intent"]
    assert _parsed(untrained, unparsed).get("intent") is None


@pytest.mark.parametrize(
    "config",
    [
        {"C": 0},
        {"C": -1},
        {"block_weights": {"encoder": -1}},
        {"block_weights": ["encoder"]},
        {"threshold": 1.5},
        {"entry_ambiguity_threshold": -0.1},
    ],
)
def test_bad_settings_are_refused(tmp_path, config):
    with pytest.raises(InvalidConfigException):
        _classifier(tmp_path, **config)


def test_one_intent_is_not_enough(tmp_path):
    classifier = _classifier(tmp_path)
    with pytest.raises(InvalidConfigException, match="two intents"):
        classifier.train(TrainingData([_message("greet"), _message("greet", 2)]))
