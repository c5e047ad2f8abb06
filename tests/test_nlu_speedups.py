"""The NLU's faster paths (bot/sparse_features.py, bot/direct_prediction.py, the empty
domain check) give what Rasa's own code gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.features import Features
from rasa.utils.tensorflow.models import RasaModel

from bot import direct_prediction, speedups
from bot.sparse_features import ORIGINAL_COMBINE_SPARSE, combine_sparse_features, hstack_coo
from bot.stack import PROJECT_DIR
from tests.test_speedups import TEXTS, _load_agent, _parse_all, _tensorflow_models


def _random_coo(rng: np.random.Generator, rows: int, dtype: Any) -> scipy.sparse.coo_matrix:
    columns = int(rng.integers(1, 6000))
    entries = int(rng.integers(0, 40))
    return scipy.sparse.coo_matrix(
        (
            rng.integers(1, 5, entries).astype(dtype),
            (rng.integers(0, rows, entries), rng.integers(0, columns, entries)),
        ),
        shape=(rows, columns),
    )


@pytest.mark.parametrize("dtypes", [(np.int64, np.int64), (np.float32, np.int64), (float, float)])
def test_coo_matrices_are_joined_as_scipy_joins_them(dtypes: tuple[Any, Any]) -> None:
    rng = np.random.default_rng(7)
    for _ in range(100):
        rows = int(rng.integers(1, 9))
        left, right = _random_coo(rng, rows, dtypes[0]), _random_coo(rng, rows, dtypes[1])
        ours, scipys = hstack_coo(left, right), scipy.sparse.hstack([left, right])
        assert type(ours) is type(scipys) and ours.shape == scipys.shape
        for name in ("row", "col", "data"):
            mine, theirs = getattr(ours, name), getattr(scipys, name)
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)


def test_other_formats_and_mismatched_rows_take_rasas_path() -> None:
    left = scipy.sparse.coo_matrix(np.array([[1, 0], [0, 2]]))
    csr = Features(left.tocsr(), "sequence", "text", "a")
    expected = Features(left.tocsr(), "sequence", "text", "a")
    combine_sparse_features(csr, Features(left, "sequence", "text", "b"))
    ORIGINAL_COMBINE_SPARSE(expected, Features(left, "sequence", "text", "b"))
    assert (csr.features != expected.features).nnz == 0
    one_row = Features(scipy.sparse.coo_matrix(np.array([[1, 0]])), "sequence", "text", "b")
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        combine_sparse_features(Features(left, "sequence", "text", "a"), one_row)


def test_the_empty_domain_check_agrees_with_rasas() -> None:
    project = Domain.load(str(PROJECT_DIR / "domain.yml"))
    for domain in (Domain.empty(), project, Domain.from_dict({"intents": ["greet"]})):
        assert speedups.domain_is_empty(domain) == speedups.ORIGINAL_IS_EMPTY(domain)
    assert speedups.domain_is_empty(Domain.empty()) and not speedups.domain_is_empty(project)


def test_direct_predictions_parse_as_rasas(model_path, monkeypatch):
    agent = _load_agent(model_path, monkeypatch, speedups.load_model_for_inference)
    monkeypatch.setattr(RasaModel, "_rasa_predict", direct_prediction.ORIGINAL_RASA_PREDICT)
    rasas = _parse_all(agent)
    monkeypatch.setattr(RasaModel, "_rasa_predict", direct_prediction.rasa_predict)
    ours = _parse_all(agent)
    assert ours == rasas
    assert len(TEXTS) == len(ours)
    # Both classifiers answered through their graphs, not through Rasa's path.
    models = _tensorflow_models(agent)
    assert len(models) == 2
    assert all(direct_prediction.GRAPH_ATTRIBUTE in model.__dict__ for model in models)


def test_a_batch_that_does_not_fit_the_graph_takes_rasas_path(model_path, monkeypatch):
    agent = _load_agent(model_path, monkeypatch, speedups.load_model_for_inference)
    model = _tensorflow_models(agent)[0]
    graph = direct_prediction._graph(model)
    assert graph is not None
    fitting = tuple(np.zeros([1] * (rank - 1) + [last or 1]) for rank, last in graph.shapes)
    assert graph.fits(fitting)
    seen: list[tuple[Any, ...]] = []

    def rasas_path(model: RasaModel, batch: tuple[Any, ...]) -> dict[str, Any]:
        seen.append(batch)
        return {}

    monkeypatch.setattr(direct_prediction, "ORIGINAL_RASA_PREDICT", rasas_path)
    too_short = fitting[:-1]
    wrong_rank = (np.zeros((1,) * (graph.shapes[0][0] + 1)), *fitting[1:])
    for batch in (too_short, wrong_rank):
        assert direct_prediction.rasa_predict(model, batch) == {}
    assert seen == [too_short, wrong_rank]
