"""Rasa's CountVectorsFeaturizer, with one scikit-learn call per attribute and batch.

Rasa featurizes message by message: for each message and attribute one
`CountVectorizer.transform` of the tokens and another of the joined sentence, each with
scikit-learn's fixed cost of checks and matrix building (~60 µs) around a few
microseconds of counting. A training featurizes every example this way (thousands of
messages, tens of thousands of calls per featurizer). Here all the token and sentence
documents of a batch go through one `transform`, and each message gets its rows of the
result. `transform` counts every document on its own and sorts each row's columns, so
the rows, the entries' order and the dtypes are those of the message's own calls
(tests/test_count_vectors.py).

A single message (a parse) is featurized from its tokens' rows, each counted once by
scikit-learn and then kept: 5 % of the Rasa workers' Python time under the load of 32
shoppers went to those two calls per featurizer, for tokens seen many times before.
The sentence's row is the sum of its tokens' rows, because both analyzers used here
count within whitespace-separated words (`char_wb`, and `word` without n-grams of
several words), and the sentence is its tokens joined by spaces; other analyzers keep
Rasa's path.
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

from bot.coo import coo

ORIGINAL_PROCESS = CountVectorsFeaturizer.process
# The featurizer's attribute holding its tokens' rows, per attribute.
TOKEN_ROWS_ATTRIBUTE = "_eva_token_rows"
# Tokens kept per attribute before the rows are counted afresh (a few MB).
MAX_KEPT_TOKENS = 20_000
# Per message: its sequence features and its sentence features (None where it has none).
Featurized = tuple[list[Any], list[Any]]


def _rows(matrix: scipy.sparse.csr_matrix, start: int, stop: int) -> scipy.sparse.coo_matrix:
    """Rows start..stop of a CSR matrix with sorted indices, as `tocoo()` of their own."""
    begin, end = matrix.indptr[start], matrix.indptr[stop]
    counts = np.diff(matrix.indptr[start : stop + 1])
    rows = np.repeat(np.arange(stop - start, dtype=matrix.indices.dtype), counts)
    return coo(
        matrix.data[begin:end], rows, matrix.indices[begin:end], (stop - start, matrix.shape[1])
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


class _TokenRows:
    """Each token's row (sorted columns, counts) under one fitted vectorizer."""

    def __init__(self, vectorizer: Any) -> None:
        self.vectorizer = vectorizer
        self.width = len(vectorizer.vocabulary_)
        self.rows: dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {}

    def of(self, tokens: list[str]) -> list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
        unseen = [token for token in dict.fromkeys(tokens) if token not in self.rows]
        if unseen:
            if len(self.rows) + len(unseen) > MAX_KEPT_TOKENS:
                self.rows.clear()
            matrix = self.vectorizer.transform(unseen)
            matrix.sort_indices()
            for index, token in enumerate(unseen):
                begin, end = matrix.indptr[index], matrix.indptr[index + 1]
                self.rows[token] = (matrix.indices[begin:end], matrix.data[begin:end])
        return [self.rows[token] for token in tokens]


def _counts_within_words(vectorizer: Any) -> bool:
    if vectorizer.analyzer == "char_wb":
        return True
    return bool(vectorizer.analyzer == "word" and vectorizer.ngram_range[1] == 1)


def _token_rows(featurizer: CountVectorsFeaturizer, attribute: str) -> _TokenRows | None:
    vectorizer = featurizer.vectorizers.get(attribute) if featurizer.vectorizers else None
    if not vectorizer or not _counts_within_words(vectorizer):
        return None
    kept: dict[str, _TokenRows] = featurizer.__dict__.setdefault(TOKEN_ROWS_ATTRIBUTE, {})
    rows = kept.get(attribute)
    if rows is None or rows.vectorizer is not vectorizer:
        rows = kept[attribute] = _TokenRows(vectorizer)
    return rows


def featurize_one(
    featurizer: CountVectorsFeaturizer, attribute: str, tokens: list[str]
) -> tuple[Any, Any]:
    """`CountVectorsFeaturizer._create_features` of one message, from its tokens' rows."""
    rows = _token_rows(featurizer, attribute) if tokens else None
    if rows is None:
        sequences, sentences = featurizer._create_features(attribute, [tokens])
        return sequences[0], sentences[0]
    found = rows.of(tokens)
    columns = np.concatenate([token_columns for token_columns, _ in found])
    counts = np.concatenate([token_counts for _, token_counts in found])
    lengths = [len(token_columns) for token_columns, _ in found]
    sequence = coo(
        counts,
        np.repeat(np.arange(len(tokens), dtype=columns.dtype), lengths),
        columns,
        (len(tokens), rows.width),
    )
    if attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
        return sequence, None
    summed_columns, position = np.unique(columns, return_inverse=True)
    summed = np.bincount(position, weights=counts, minlength=len(summed_columns))
    sentence = coo(
        summed.astype(counts.dtype),
        np.zeros(len(summed_columns), dtype=columns.dtype),
        summed_columns,
        (1, rows.width),
    )
    return sequence, sentence


class BatchedCountVectorsFeaturizer(CountVectorsFeaturizer):
    """Only lends its `process` to Rasa's class; it is never registered or used itself.

    A method, not a function, because Rasa's graph validation takes every annotated
    parameter of `process`, an annotated `self` included, for an input to supply.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        """`CountVectorsFeaturizer.process`: each attribute of all messages at once."""
        if self.vectorizers is None or not messages:
            return ORIGINAL_PROCESS(self, messages)  # type: ignore[no-any-return]
        if len(messages) == 1:
            for attribute in self._attributes:
                tokens = self._get_processed_message_tokens_by_attribute(messages[0], attribute)
                sequence, sentence = featurize_one(self, attribute, tokens)
                self.add_features_to_message(sequence, sentence, attribute, messages[0])
            return messages
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
