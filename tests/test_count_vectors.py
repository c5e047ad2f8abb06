"""bot/count_vectors.py gives every message the features Rasa's featurizer gives it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import count_vectors

EXAMPLES = [
    ("배송은 얼마나 걸리나요", "faq", "배송은 7-15일 걸립니다"),
    ("where is my order", "order_status", None),
    ("주문 취소 cancel my order please", "cancel_order", None),
    ("hi oov", "greet", None),
    ("thanks thanks thanks", "thank", None),
    ("환불 refund refund 환불", "refund_dispute", None),
]


def _messages() -> list[Message]:
    messages = []
    for text, intent, response in EXAMPLES:
        data: dict[str, Any] = {"text": text, "intent": intent}
        if response:
            data["response"] = response
        messages.append(Message(data=data))
    # Unseen words, a lone emoji and no intent: features for some attributes only.
    messages += [Message(data={"text": "totally unseen 단어"}), Message(data={"text": "🙂"})]
    return messages


def _features(message: Message) -> list[tuple[Any, ...]]:
    described = []
    for features in message.features:
        matrix = features.features
        arrays = tuple(
            (array.dtype.str, array.tolist()) for array in (matrix.row, matrix.col, matrix.data)
        )
        described.append(
            (
                features.type,
                features.attribute,
                features.origin,
                matrix.format,
                matrix.shape,
                *arrays,
            )
        )
    return described


CONFIGS = [
    {},
    {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4, "max_features": 50},
    {"OOV_token": "oov", "lowercase": False},
    # Counted across words: Rasa's own path for single messages.
    {"analyzer": "char", "min_ngram": 2, "max_ngram": 3},
    {"max_ngram": 2},
]


def _trained(tmp_path: Path, config: dict[str, Any]) -> tuple[CountVectorsFeaturizer, TrainingData]:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer.create(
        WhitespaceTokenizer.get_default_config(), storage, Resource("tokenizer"), context
    )
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), **config},
        storage,
        Resource("featurizer"),
        context,
    )
    training = TrainingData(_messages())
    tokenizer.process_training_data(training)
    featurizer.train(training)
    # What a parse brings: unseen words and spacing, repeated words, no tokens at all.
    for text in ["where is my 주문 order order", "oov", "  ", "THANKS!! 배송은"]:
        message = Message(data={"text": text})
        tokenizer.process([message])
        training.training_examples.append(message)
    return featurizer, training


@pytest.mark.parametrize("config", CONFIGS)
def test_messages_get_the_features_rasa_gives_them(tmp_path: Path, config: dict[str, Any]) -> None:
    featurizer, training = _trained(tmp_path, config)
    rasas, ours = training.training_examples, copy.deepcopy(training.training_examples)
    count_vectors.ORIGINAL_PROCESS(featurizer, rasas)
    count_vectors.process(featurizer, ours)
    assert [_features(m) for m in ours] == [_features(m) for m in rasas]
    assert sum(len(m.features) for m in ours) > 2 * len(ours)


@pytest.mark.parametrize("config", CONFIGS)
def test_a_single_message_gets_the_features_rasa_gives_it_each_time(
    tmp_path: Path, config: dict[str, Any]
) -> None:
    featurizer, training = _trained(tmp_path, config)
    for message in training.training_examples:
        rasas = copy.deepcopy(message)
        count_vectors.ORIGINAL_PROCESS(featurizer, [rasas])
        # The second time from the kept rows of its tokens.
        for _ in range(2):
            ours = copy.deepcopy(message)
            count_vectors.process(featurizer, [ours])
            assert _features(ours) == _features(rasas)
    kept = featurizer.__dict__.get(count_vectors.TOKEN_ROWS_ATTRIBUTE, {})
    analyzer = config.get("analyzer", "word")
    counted_within_words = analyzer == "char_wb" or (
        analyzer == "word" and config.get("max_ngram", 1) == 1
    )
    assert bool(kept) == counted_within_words


def test_kept_rows_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    featurizer, _ = _trained(tmp_path, {})
    monkeypatch.setattr(count_vectors, "MAX_KEPT_TOKENS", 3)
    for text in ["one two", "three four", "five"]:
        message = Message(data={"text": text})
        message.set("text_tokens", [Token(word, 0) for word in text.split()])
        count_vectors.process(featurizer, [message])
    assert len(featurizer.__dict__[count_vectors.TOKEN_ROWS_ATTRIBUTE]["text"].rows) <= 3


def test_rows_of_a_batch_are_the_rows_of_their_own() -> None:
    matrix = np.array([[0, 2, 0, 1], [0, 0, 0, 0], [3, 0, 0, 0], [0, 1, 1, 1]])
    csr = scipy.sparse.csr_matrix(matrix)
    for start, stop in [(0, 1), (1, 2), (0, 4), (2, 4)]:
        rows = count_vectors._rows(csr, start, stop)
        assert (rows.toarray() == matrix[start:stop]).all()
        own = scipy.sparse.csr_matrix(matrix[start:stop]).tocoo()
        assert rows.row.tolist() == own.row.tolist() and rows.col.tolist() == own.col.tolist()
