"""bot/sparse_batches.py gives the tensor parts Rasa's data generator gives."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.utils.tensorflow.feature_array import FeatureArray

from bot.sparse_batches import ORIGINAL_TO_VALUES, scipy_matrix_to_values


def _batch(rng: np.random.Generator, size: int, sparse_format: str) -> FeatureArray:
    matrices = np.empty(size, dtype=object)
    for index in range(size):
        entries = int(rng.integers(0, 30))
        rows = int(rng.integers(1, 12))
        matrix = scipy.sparse.coo_matrix(
            (
                rng.integers(1, 4, entries),
                (rng.integers(0, rows, entries), rng.integers(0, 8000, entries)),
            ),
            shape=(rows, 8000),
        )
        matrices[index] = matrix.asformat(sparse_format)
    return FeatureArray(matrices, number_of_dimensions=3)


@pytest.mark.parametrize("sparse_format", ["coo", "csr"])
@pytest.mark.parametrize("size", [1, 2, 64, 256])
def test_batches_become_the_arrays_rasa_makes(sparse_format: str, size: int) -> None:
    batch = _batch(np.random.default_rng(size), size, sparse_format)
    ours, rasas = scipy_matrix_to_values(batch), ORIGINAL_TO_VALUES(batch)
    assert len(ours) == len(rasas) == 3
    for mine, theirs in zip(ours, rasas, strict=True):
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
        assert np.array_equal(mine, theirs)
