"""Content fingerprints of tokens and features, computed without formatting text.

Rasa's training cache fingerprints the output of every step to decide, next time, what
it can reuse: after the tokenizer and after each featurizer, every message with its
tokens and features. Rasa formats each sparse matrix as text ("(row, col)  value" per
entry) and each token through a list of per-field hashes: about 10 s of a 75 s
training here (py-spy), paid even with `--force`. These hash the same content directly:
a feature's kind, origin, attribute, shape, type and values; a token's text, offsets,
lemma and data. Equal content gives equal fingerprints in every process; the values
differ from Rasa's own, so a cache filled by stock Rasa is not reused once.

A message's fingerprint is recomputed whenever a step adds a feature, so all its tokens
were hashed again after every featurizer, each through nested JSON documents and one md5
per field: 4 s of the 15 s before the classifiers train. It is one JSON document now.
"""

from __future__ import annotations

import json
from hashlib import md5
from typing import Any

import numpy as np
import scipy.sparse
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message


def _digest(*parts: bytes) -> str:
    hashed = md5(usedforsecurity=False)
    for part in parts:
        # Length-prefixed, so that the parts' boundaries are part of the content.
        hashed.update(len(part).to_bytes(8, "little"))
        hashed.update(part)
    return hashed.hexdigest()


def _array_parts(array: np.ndarray[Any, Any]) -> tuple[bytes, ...]:
    contiguous = np.ascontiguousarray(array)
    # dtype.str ("<f8") rather than str(dtype), which numpy builds through several calls.
    return contiguous.dtype.str.encode(), str(contiguous.shape).encode(), contiguous.tobytes()


def _sparse_parts(matrix: scipy.sparse.spmatrix) -> tuple[bytes, ...]:
    """Shape, then each stored entry's position in row-major order and its value.

    Duplicate entries are summed and the entries sorted, so any format and order of the
    same matrix hashes alike; with numpy alone, because building a canonical CSR matrix
    through scipy took ~100 µs per feature, for tens of thousands of features per run.
    """
    coo = matrix if matrix.format == "coo" else matrix.tocoo()
    positions = coo.row.astype(np.int64) * coo.shape[1] + coo.col
    values = coo.data
    if positions.size > 1 and not (positions[1:] > positions[:-1]).all():
        order = np.argsort(positions, kind="stable")
        positions, starts = np.unique(positions[order], return_index=True)
        values = np.add.reduceat(values[order], starts)
    return str(coo.shape).encode(), *_array_parts(positions), *_array_parts(values)


def features_fingerprint(self: Features) -> str:
    """`Features.fingerprint`: the same content, whatever sparse format holds it."""
    if self._cached_fingerprint is None:
        matrix = _array_parts(self.features) if self.is_dense() else _sparse_parts(self.features)
        header = (self.type.encode(), str(self.origin).encode(), self.attribute.encode())
        self._cached_fingerprint = _digest(*header, *matrix)
    return str(self._cached_fingerprint)


def _token_fields(self: Token) -> list[Any]:
    return [self.text, self.start, self.end, self.lemma, self.data]


def token_fingerprint(self: Token) -> str:
    """`Token.fingerprint`: text, offsets, lemma and data in one JSON document."""
    return _digest(json.dumps(_token_fields(self), sort_keys=True, default=str).encode())


def _json_value(value: Any) -> Any:
    # Tokens by their fields, as token_fingerprint sees them; anything else JSON cannot
    # hold by its text, as Rasa's own fingerprint does.
    return _token_fields(value) if isinstance(value, Token) else str(value)


_rasa_message_fingerprint = Message.fingerprint


def message_fingerprint(self: Message) -> str:
    """`Message.fingerprint`: its data and its features' fingerprints, hashed once."""
    if self._cached_fingerprint is None:
        try:
            data = json.dumps(self.data, sort_keys=True, default=_json_value)
        except TypeError:
            # Keys of mixed types cannot be sorted: Rasa's fingerprint orders them by text.
            return str(_rasa_message_fingerprint(self))
        features = [feature.fingerprint() for feature in self.features]
        self._cached_fingerprint = _digest(data.encode(), json.dumps(features).encode())
    return str(self._cached_fingerprint)


def install() -> None:
    Features.fingerprint = features_fingerprint  # type: ignore[method-assign]
    Token.fingerprint = token_fingerprint  # type: ignore[method-assign]
    Message.fingerprint = message_fingerprint  # type: ignore[method-assign]
