"""COO matrices built from index arrays we made ourselves, without scipy's checks.

`scipy.sparse.coo_matrix((data, (row, col)), shape=...)` works out the index dtype
(through `np.iinfo`), converts the arrays and checks every index against the shape:
about 25 µs a matrix, and a parse builds about ten (each featurizer's rows, and the
joined features of each classifier): 2.5 % of the Rasa workers' Python time under the
load of 32 shoppers (py-spy, GIL held). Our callers build the index arrays from
scipy's own matrices, in the index dtype scipy picks for the shape; for those the
matrix is put together as scipy's constructor leaves it (scipy 1.10, pinned in
constraints.txt). Anything else goes through the constructor.

`empty_coo` is the empty matrix scipy makes from a shape alone, in 2 µs instead of 20:
each parse makes four as stand-ins for absent features (1.2 % of the workers' Python
time).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse

_INT32_MAX = int(np.iinfo(np.int32).max)


def index_dtype(shape: tuple[int, int]) -> type[np.signedinteger[Any]]:
    """scipy's `get_index_dtype(maxval=max(shape))`."""
    return np.int32 if max(shape) <= _INT32_MAX else np.int64


def coo(
    data: np.ndarray[Any, Any],
    row: np.ndarray[Any, Any],
    col: np.ndarray[Any, Any],
    shape: tuple[int, int],
) -> scipy.sparse.coo_matrix:
    """`coo_matrix((data, (row, col)), shape=shape)` for valid indices."""
    wanted = index_dtype(shape)
    if (
        row.dtype != wanted
        or col.dtype != wanted
        or not data.dtype.isnative
        or row.ndim != 1
        or len(row) != len(col)
        or len(row) != len(data)
    ):
        return scipy.sparse.coo_matrix((data, (row, col)), shape=shape)
    matrix = scipy.sparse.coo_matrix.__new__(scipy.sparse.coo_matrix)
    scipy.sparse.spmatrix.__init__(matrix)
    matrix._shape = (int(shape[0]), int(shape[1]))
    matrix.row, matrix.col, matrix.data = row, col, data
    matrix.has_canonical_format = False
    return matrix


_NO_INDICES = np.zeros(0, np.int32)
_NO_DATA = np.zeros(0, np.float64)


def empty_coo(columns: int) -> scipy.sparse.coo_matrix:
    """`coo_matrix((0, columns))`: float64, no entries, so in canonical format."""
    matrix = coo(_NO_DATA.copy(), _NO_INDICES.copy(), _NO_INDICES.copy(), (0, columns))
    matrix.has_canonical_format = True
    return matrix
