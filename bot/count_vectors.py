"""Rasa's CountVectorsFeaturizer, with one scikit-learn call per attribute and batch.

Rasa featurizes message by message: for each message and attribute one
`CountVectorizer.transform` of the tokens and another of the joined sentence, each with
scikit-learn's fixed cost of checks and matrix building (~60 µs) around a few
microseconds of counting. A training featurizes every example this way (thousands of
messages, tens of thousands of calls per featurizer). Here all the token and sentence
documents of a batch go through one `transform`, and each message gets its rows of the
result. `transform` counts every document on its own and sorts each row's columns, so
the rows, the entries' order and the dtypes are those of the message's own calls
(tests/test_count_vectors.py). A single message (a parse) keeps Rasa's path: measured,
joining its two calls saves nothing there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.training_data.message import Message

ORIGINAL_PROCESS = CountVectorsFeaturizer.process
# Per message: its sequence features and its sentence features (None where it has none).
Featurized = tuple[list[Any], list[Any]]


def _rows(matrix: scipy.sparse.csr_matrix, start: int, stop: int) -> scipy.sparse.coo_matrix:
    """Rows start..stop of a CSR matrix with sorted indices, as `tocoo()` of their own."""
    begin, end = matrix.indptr[start], matrix.indptr[stop]
    counts = np.diff(matrix.indptr[start : stop + 1])
    rows = np.repeat(np.arange(stop - start, dtype=matrix.indices.dtype), counts)
    return scipy.sparse.coo_matrix(
        (matrix.data[begin:end], (rows, matrix.indices[begin:end])),
        shape=(stop - start, matrix.shape[1]),
    )


def featurize(
    featurizer: CountVectorsFeaturizer, attribute: str, all_tokens: list[list[str]]
) -> Featurized:
    """`CountVectorsFeaturizer._create_features` for many messages in one `transform`."""
    vectorizer = featurizer.vectorizers.get(attribute)
    if not vectorizer:
        return [None] * len(all_tokens), [None] * len(all_tokens)
    with_sentence = attribute in DENSE_FEATURIZABLE_ATTRIBUTES
    documents: list[str] = [token for tokens in all_tokens for token in tokens]
    if with_sentence:
        documents += [" ".join(tokens) for tokens in all_tokens if tokens]
    if not documents:
        return [None] * len(all_tokens), [None] * len(all_tokens)
    matrix = vectorizer.transform(documents)
    matrix.sort_indices()
    sequences: list[Any] = []
    sentences: list[Any] = []
    token_row, sentence_row = 0, sum(len(tokens) for tokens in all_tokens)
    for tokens in all_tokens:
        if not tokens:
            sequences.append(None)
            sentences.append(None)
            continue
        sequences.append(_rows(matrix, token_row, token_row + len(tokens)))
        token_row += len(tokens)
        if with_sentence:
            sentences.append(_rows(matrix, sentence_row, sentence_row + 1))
            sentence_row += 1
        else:
            sentences.append(None)
    return sequences, sentences


class BatchedCountVectorsFeaturizer(CountVectorsFeaturizer):
    """Only lends its `process` to Rasa's class; it is never registered or used itself.

    A method, not a function, because Rasa's graph validation takes every annotated
    parameter of `process`, an annotated `self` included, for an input to supply.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        """`CountVectorsFeaturizer.process`: each attribute of all messages at once."""
        if self.vectorizers is None or len(messages) < 2:
            return ORIGINAL_PROCESS(self, messages)  # type: ignore[no-any-return]
        featurized = {
            attribute: featurize(
                self,
                attribute,
                [self._get_processed_message_tokens_by_attribute(m, attribute) for m in messages],
            )
            for attribute in self._attributes
        }
        # Features added message by message, attribute by attribute, as Rasa adds them.
        for index, message in enumerate(messages):
            for attribute in self._attributes:
                sequences, sentences = featurized[attribute]
                self.add_features_to_message(sequences[index], sentences[index], attribute, message)
        return messages


process = BatchedCountVectorsFeaturizer.process


def install() -> None:
    CountVectorsFeaturizer.process = process  # type: ignore[method-assign]
