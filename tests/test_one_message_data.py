"""bot/one_message_data.py builds a parse's model data as Rasa's `_create_model_data` does."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import scipy.sparse
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.model_data import RasaModelData

from bot import one_message_data, speedups
from bot.stack import PROJECT_DIR
from tests.test_coo import _described as _described_matrix
from tests.test_speedups import TEXTS, _load_agent


def _array(array: Any) -> Any:
    described: list[Any] = [type(array), array.dtype, array.shape]
    described += [vars(array).get(name) for name in ("units", "number_of_dimensions", "is_sparse")]
    if array.dtype == object:
        described.append([_matrix(matrix) for matrix in array])
    else:
        described.append(array.tolist())
    return described


def _matrix(matrix: Any) -> Any:
    assert scipy.sparse.issparse(matrix)
    return (type(matrix), _described_matrix(matrix))


def _described(model_data: RasaModelData) -> Any:
    return (
        model_data.label_key,
        model_data.label_sub_key,
        model_data.num_examples,
        model_data.sparse_feature_sizes,
        type(model_data.data),
        [
            (
                key,
                type(sub_data),
                [(sub_key, [_array(a) for a in arrays]) for sub_key, arrays in sub_data.items()],
            )
            for key, sub_data in model_data.data.items()
        ],
    )


def test_every_training_message_gets_rasas_model_data(tensorflow_model_path, monkeypatch):
    agent = _load_agent(tensorflow_model_path, monkeypatch, speedups.load_model_for_inference)
    compared: dict[str, int] = {}

    def both(
        self: DIETClassifier, messages: list[Message], *args: Any, **kwargs: Any
    ) -> RasaModelData:
        rasas = one_message_data.ORIGINAL_CREATE_MODEL_DATA(self, messages, *args, **kwargs)
        ours = one_message_data.create_model_data(self, messages, *args, **kwargs)
        assert _described(ours) == _described(rasas)
        name = type(self).__name__
        compared[name] = compared.get(name, 0) + 1
        return ours

    monkeypatch.setattr(DIETClassifier, "_create_model_data", both)
    examples = load_data(str(PROJECT_DIR / "data" / "nlu")).training_examples
    texts = [*TEXTS, "", "   ", "<script>x</script>", "가" * 500]
    texts += sorted({str(example.get("text")) for example in examples if example.get("text")})

    async def parse_all() -> None:
        for text in texts:
            await agent.parse_message(text)

    asyncio.run(parse_all())
    # Both classifiers were compared, DIET for every message.
    assert compared.get("DIETClassifier") == len(texts)
    assert len(compared) == 2, compared


def test_a_message_with_dense_features_takes_rasas_path(tensorflow_model_path, monkeypatch):
    agent = _load_agent(tensorflow_model_path, monkeypatch, speedups.load_model_for_inference)
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[attr-defined]
    diet = next(
        node._component for node in nodes.values() if type(node._component) is DIETClassifier
    )
    message = Message(data={"text": "hi"})
    message.add_features(Features(np.ones((1, 4), np.float32), "sentence", "text", "dense"))
    assert one_message_data.one_message_data(diet, message) is None


def test_a_dense_sentence_vector_beside_sparse_features_gets_rasas_model_data(
    tensorflow_model_path, monkeypatch
):
    agent = _load_agent(tensorflow_model_path, monkeypatch, speedups.load_model_for_inference)
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[attr-defined]
    diet = next(
        node._component for node in nodes.values() if type(node._component) is DIETClassifier
    )
    sparse = scipy.sparse.coo_matrix(np.array([[1.0, 0.0, 2.0]], np.float32))

    def message(*dense: Features) -> Message:
        built = Message(data={"text": "hi"})
        built.add_features(Features(sparse, "sequence", "text", "words"))
        built.add_features(Features(sparse, "sentence", "text", "words"))
        for features in dense:
            built.add_features(features)
        return built

    vector = Features(np.ones((1, 4), np.float32), "sentence", "text", "encoder")
    with_vector = message(vector)
    ours = one_message_data.one_message_data(diet, with_vector)
    assert ours is not None
    rasas = one_message_data.ORIGINAL_CREATE_MODEL_DATA(diet, [with_vector], training=False)
    assert _described(ours) == _described(rasas)
    # Token-level dense features (a language model's) take Rasa's path.
    tokens = Features(np.ones((1, 4), np.float32), "sequence", "text", "encoder")
    assert one_message_data.one_message_data(diet, message(vector, tokens)) is None
