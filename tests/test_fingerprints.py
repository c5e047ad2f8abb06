"""Fingerprints of features, tokens and messages: equal content, equal fingerprint; else
different."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot.fingerprints import features_fingerprint, message_fingerprint, token_fingerprint
from bot.stack import PROJECT_DIR

ROWS, COLUMNS, VALUES = [0, 2, 1, 2], [3, 0, 1, 4], [1.0, 2.0, 3.0, 1.0]


def _sparse(matrix: scipy.sparse.spmatrix, attribute: str = "text") -> Features:
    return Features(matrix, "sequence", attribute, "CountVectorsFeaturizer")


def _coo(order: list[int], shape: tuple[int, int] = (3, 5)) -> scipy.sparse.coo_matrix:
    return scipy.sparse.coo_matrix(
        ([VALUES[i] for i in order], ([ROWS[i] for i in order], [COLUMNS[i] for i in order])),
        shape=shape,
    )


def test_the_same_sparse_content_in_any_format_or_order_has_one_fingerprint() -> None:
    coo = _coo([0, 1, 2, 3])
    same = [coo, _coo([3, 1, 0, 2]), coo.tocsr(), coo.tocsc()]
    assert len({features_fingerprint(_sparse(matrix)) for matrix in same}) == 1


def test_duplicate_entries_count_as_their_sum() -> None:
    split = scipy.sparse.coo_matrix(([1.0, 2.0, 0.5], ([1, 0, 1], [4, 3, 4])), shape=(2, 5))
    summed = scipy.sparse.coo_matrix(([2.0, 1.5], ([0, 1], [3, 4])), shape=(2, 5))
    assert features_fingerprint(_sparse(split)) == features_fingerprint(_sparse(summed))
    assert features_fingerprint(_sparse(split)) != features_fingerprint(_sparse(summed * 2))


def test_a_fingerprint_leaves_the_matrix_as_it_was() -> None:
    shuffled = _coo([3, 1, 0, 2])
    features_fingerprint(_sparse(shuffled))
    assert list(shuffled.row) == [2, 2, 0, 1] and list(shuffled.data) == [1.0, 2.0, 1.0, 3.0]


def test_different_features_have_different_fingerprints() -> None:
    base = _coo([0, 1, 2, 3])
    changed_value = base.copy()
    changed_value.data[0] = 5.0
    variants = [
        _sparse(base),
        _sparse(changed_value),
        _sparse(_coo([0, 1, 2, 3], shape=(3, 6))),
        _sparse(base, attribute="response"),
        Features(base, "sentence", "text", "CountVectorsFeaturizer"),
        Features(base, "sequence", "text", "RegexFeaturizer"),
        Features(base.toarray(), "sequence", "text", "CountVectorsFeaturizer"),
        Features(base.toarray().astype(np.float32), "sequence", "text", "CountVectorsFeaturizer"),
    ]
    assert len({features_fingerprint(features) for features in variants}) == len(variants)


def test_fingerprints_do_not_depend_on_the_process() -> None:
    # Rasa's cache compares fingerprints of one training with those of the next.
    script = (
        "from tests.test_fingerprints import _coo, _sparse\n"
        "from bot.fingerprints import features_fingerprint, token_fingerprint\n"
        "from rasa.nlu.tokenizers.tokenizer import Token\n"
        "print(features_fingerprint(_sparse(_coo([0, 1, 2, 3]))))\n"
        "print(token_fingerprint(Token('배송', 0, lemma='배송', data={'pos': 'NNG'})))\n"
    )
    here = [
        features_fingerprint(_sparse(_coo([0, 1, 2, 3]))),
        token_fingerprint(Token("배송", 0, lemma="배송", data={"pos": "NNG"})),
    ]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(PROJECT_DIR)}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        assert done.stdout.split() == here


@pytest.mark.parametrize(
    "other",
    [
        Token("배송", 1, lemma="배송", data={"pos": "NNG"}),
        Token("배송", 0, lemma="배송하다", data={"pos": "NNG"}),
        Token("배송", 0, lemma="배송", data={"pos": "VV"}),
        Token("배송", 0, lemma="배송", data={}),
        Token("배달", 0, lemma="배송", data={"pos": "NNG"}),
    ],
)
def test_tokens_differing_in_anything_have_different_fingerprints(other: Token) -> None:
    token = Token("배송", 0, lemma="배송", data={"pos": "NNG"})
    same = Token("배송", 0, lemma="배송", data={"pos": "NNG"})
    assert token_fingerprint(token) == token_fingerprint(same)
    assert token_fingerprint(token) != token_fingerprint(other)


def test_token_data_that_json_cannot_hold_still_fingerprints() -> None:
    token = Token("x", 0, data={"vector": np.array([1, 2])})
    assert len(token_fingerprint(token)) == 32


def _message(
    text: str = "배송 언제", lemma: str = "배송", values: list[int] | None = None
) -> Message:
    message = Message(data={"text": text, "intent": "faq", "text_tokens": []})
    message.data["text_tokens"] = [Token("배송", 0, lemma=lemma), Token("언제", 3)]
    message.add_features(_sparse(_coo(values or [0, 1, 2, 3])))
    return message


@pytest.mark.parametrize(
    "other",
    [
        _message(text="배송 언제요"),
        _message(lemma="배달"),
        _message(values=[0, 1, 2]),
        Message(data={"text": "배송 언제", "intent": "faq"}),
    ],
)
def test_messages_differing_in_text_tokens_or_features_have_different_fingerprints(
    other: Message,
) -> None:
    assert message_fingerprint(_message()) == message_fingerprint(_message())
    assert message_fingerprint(_message()) != message_fingerprint(other)


def test_a_message_gets_a_new_fingerprint_when_a_step_adds_features() -> None:
    message = _message()
    before = message_fingerprint(message)
    message.add_features(_sparse(_coo([0, 1]), attribute="intent"))
    assert message_fingerprint(message) != before


def test_message_data_whose_keys_cannot_be_sorted_still_fingerprints() -> None:
    message = Message(data={"text": "x", 1: "one"})
    assert len(message_fingerprint(message)) == 32
