"""Sparse features of a batch turned into TensorFlow's (indices, values, shape) at once.

Each training step of DIET and the ResponseSelector (and each prediction) converts the
batch's per-example sparse matrices into one sparse tensor's parts. Rasa stacks a
3-row block per example (example number, row, column) and joins them: five numpy calls
per example, 256 examples per batch late in training, every step of every epoch. In
the ResponseSelector's training process that was a quarter of its Python time (py-spy).
Here the examples' rows, columns and values are each joined once and the example
numbers come from one `np.repeat`: the same arrays, with the same dtypes. Four-
dimensional features (dialogue policies) keep Rasa's path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.utils.tensorflow.data_generator import RasaDataGenerator
from rasa.utils.tensorflow.feature_array import FeatureArray

ORIGINAL_TO_VALUES = RasaDataGenerator._scipy_matrix_to_values


def scipy_matrix_to_values(array_of_sparse: FeatureArray) -> list[np.ndarray[Any, Any]]:
    """`RasaDataGenerator._scipy_matrix_to_values` without a loop over the examples."""
    if array_of_sparse.number_of_dimensions == 4:
        return ORIGINAL_TO_VALUES(array_of_sparse)  # type: ignore[no-any-return]
    matrices = list(array_of_sparse)
    if not isinstance(matrices[0], scipy.sparse.coo_matrix):
        matrices = [matrix.tocoo() for matrix in matrices]
    max_seq_len = max(matrix.shape[0] for matrix in matrices)
    rows = np.concatenate([matrix.row for matrix in matrices])
    examples = np.repeat(
        np.arange(len(matrices), dtype=rows.dtype), [matrix.row.size for matrix in matrices]
    )
    columns = np.concatenate([matrix.col for matrix in matrices])
    indices = np.stack([examples, rows, columns], axis=1)
    data = np.concatenate([matrix.data for matrix in matrices])
    shape = np.array((len(matrices), max_seq_len, matrices[0].shape[-1]))
    return [indices.astype(np.int64), data.astype(np.float32), shape.astype(np.int64)]


def install() -> None:
    RasaDataGenerator._scipy_matrix_to_values = staticmethod(scipy_matrix_to_values)  # type: ignore[method-assign,assignment]
