"""bot/coo.py builds the COO matrices scipy's constructor builds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse

from bot.coo import coo, empty_coo


def _described(matrix: scipy.sparse.coo_matrix) -> dict[str, Any]:
    return {
        key: (value.dtype, value.tolist()) if isinstance(value, np.ndarray) else value
        for key, value in vars(matrix).items()
    }


@pytest.mark.parametrize(
    ("data", "row", "col", "shape"),
    [
        (np.array([1, 2, 3]), np.array([0, 0, 1], np.int32), np.array([4, 1, 0], np.int32), (2, 5)),
        (np.array([0.5]), np.array([0], np.int32), np.array([7], np.int32), (1, 5000)),
        (np.array([], np.int64), np.array([], np.int32), np.array([], np.int32), (3, 10)),
        # Not in scipy's index dtype, or another byte order: scipy's constructor.
        (np.array([1, 2]), np.array([0, 1]), np.array([1, 0]), (2, 2)),
        (np.array([1.0], ">f8"), np.array([0], np.int32), np.array([0], np.int32), (1, 1)),
    ],
)
def test_the_same_matrix_as_scipys(
    data: np.ndarray[Any, Any], row: np.ndarray[Any, Any], col: np.ndarray[Any, Any], shape: Any
) -> None:
    ours = coo(data, row, col, shape)
    scipys = scipy.sparse.coo_matrix((data, (row, col)), shape=shape)
    assert type(ours) is type(scipys)
    assert _described(ours) == _described(scipys)
    assert (ours.toarray() == scipys.toarray()).all()
    assert ours.tocsr().nnz == scipys.tocsr().nnz


@pytest.mark.parametrize("columns", [0, 1, 300, 2**31])
def test_the_same_empty_matrix_as_scipys(columns: int) -> None:
    ours, scipys = empty_coo(columns), scipy.sparse.coo_matrix((0, columns))
    assert type(ours) is type(scipys)
    assert _described(ours) == _described(scipys)
    # Each empty matrix has arrays of its own, as scipy's have.
    assert empty_coo(columns).row is not ours.row
