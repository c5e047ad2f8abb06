"""The NLU's faster paths (bot/message_features.py, bot/direct_prediction.py, the empty
domain check) give what Rasa's own code gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import rasa.utils.tensorflow.model_data_utils as model_data_utils
import scipy.sparse
import tensorflow as tf
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.models import RasaModel

from bot import direct_prediction, message_features, speedups
from bot.message_features import (
    ORIGINAL_COMBINE_SPARSE,
    combine_features,
    combine_sparse_features,
    create_fake_features,
    hstack_coo,
)
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


def _same_features(ours: Features | None, rasas: Features | None) -> bool:
    if ours is None or rasas is None:
        return ours is rasas
    mine, theirs = ours.features, rasas.features
    if scipy.sparse.issparse(mine) != scipy.sparse.issparse(theirs):
        return False
    if scipy.sparse.issparse(mine):
        mine, theirs = mine.tocoo(), theirs.tocoo()
        arrays = [(mine.row, theirs.row), (mine.col, theirs.col), (mine.data, theirs.data)]
        if mine.format != theirs.format or mine.shape != theirs.shape:
            return False
    else:
        arrays = [(mine, theirs)]
    return all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in arrays) and (
        (ours.type, ours.attribute, ours.origin) == (rasas.type, rasas.attribute, rasas.origin)
    )


def _features(rng: np.random.Generator, count: int, sparse: bool) -> list[Features]:
    rows = int(rng.integers(1, 6))
    made = []
    for origin in range(count):
        matrix = _random_coo(rng, rows, np.int64)
        made.append(
            Features(matrix if sparse else matrix.toarray(), "sequence", "text", f"f{origin}")
        )
    return made


@pytest.mark.parametrize("sparse", [True, False])
def test_features_are_combined_and_faked_as_rasa_does(sparse: bool) -> None:
    rng = np.random.default_rng(11)
    for count in range(4):
        features = _features(rng, count, sparse)
        rasas = message_features.ORIGINAL_COMBINE_FEATURES(features, ["a", "b"])
        assert _same_features(combine_features(features, ["a", "b"]), rasas)
        if count:
            all_features = [[None], [features]]
            fake = create_fake_features(all_features)  # type: ignore[arg-type]
            rasas_fake = message_features.ORIGINAL_FAKE_FEATURES(all_features)  # type: ignore[arg-type]
            assert len(fake) == len(rasas_fake) == count
            assert all(_same_features(a, b) for a, b in zip(fake, rasas_fake, strict=True))
    # A lone feature's matrix is a copy: changing the result leaves the message's alone.
    lone = _features(rng, 1, sparse)
    combined = combine_features(lone, [])
    assert combined is not None and combined.features is not lone[0].features


def test_the_empty_domain_check_agrees_with_rasas() -> None:
    project = Domain.load(str(PROJECT_DIR / "domain.yml"))
    for domain in (Domain.empty(), project, Domain.from_dict({"intents": ["greet"]})):
        assert speedups.domain_is_empty(domain) == speedups.ORIGINAL_IS_EMPTY(domain)
    assert speedups.domain_is_empty(Domain.empty()) and not speedups.domain_is_empty(project)


def _nlu_paths(monkeypatch: pytest.MonkeyPatch, ours: bool) -> None:
    monkeypatch.setattr(
        RasaModel,
        "run_inference",
        direct_prediction.run_inference if ours else direct_prediction.ORIGINAL_RUN_INFERENCE,
    )
    monkeypatch.setattr(
        RasaModel,
        "_rasa_predict",
        direct_prediction.rasa_predict if ours else direct_prediction.ORIGINAL_RASA_PREDICT,
    )
    monkeypatch.setattr(
        Features,
        "_combine_sparse_features",
        combine_sparse_features if ours else ORIGINAL_COMBINE_SPARSE,
    )
    combine = combine_features if ours else message_features.ORIGINAL_COMBINE_FEATURES
    monkeypatch.setattr(Message, "_combine_features", staticmethod(combine))
    monkeypatch.setattr(
        model_data_utils,
        "_create_fake_features",
        create_fake_features if ours else message_features.ORIGINAL_FAKE_FEATURES,
    )


def test_parses_are_rasas_own(tensorflow_model_path, monkeypatch):
    agent = _load_agent(tensorflow_model_path, monkeypatch, speedups.load_model_for_inference)
    _nlu_paths(monkeypatch, ours=False)
    rasas = _parse_all(agent)
    _nlu_paths(monkeypatch, ours=True)
    generators: list[Any] = []
    monkeypatch.setattr(
        direct_prediction, "ORIGINAL_RUN_INFERENCE", lambda *args: generators.append(args)
    )
    ours = _parse_all(agent)
    assert ours == rasas
    # Every prediction cut its batch without Rasa's batch generator.
    assert generators == []
    assert len(TEXTS) == len(ours)
    # Both classifiers answered through their graphs, not through Rasa's path.
    models = _tensorflow_models(agent)
    assert len(models) == 2
    assert all(direct_prediction.GRAPH_ATTRIBUTE in model.__dict__ for model in models)


def test_a_batch_that_does_not_fit_the_graph_takes_rasas_path(tensorflow_model_path, monkeypatch):
    agent = _load_agent(tensorflow_model_path, monkeypatch, speedups.load_model_for_inference)
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


@pytest.mark.parametrize(
    ("array", "dtype"),
    [
        (np.arange(12, dtype=np.int64).reshape(3, 4), tf.int64),
        (np.array([[0.5, 1.5]], dtype=np.float32), tf.float32),
        (np.array([1, 2, 3], dtype=np.int64), tf.float32),
        (np.zeros((0, 3), dtype=np.float64), tf.float32),
    ],
)
def test_inputs_become_the_tensors_tensorflow_makes(
    array: np.ndarray[Any, Any], dtype: tf.DType
) -> None:
    ours, tensorflows = direct_prediction._tensor(array, dtype), tf.convert_to_tensor(array, dtype)
    assert ours.dtype == tensorflows.dtype and ours.shape == tensorflows.shape
    assert np.array_equal(ours.numpy(), tensorflows.numpy())


def test_outputs_become_what_keras_makes_of_them() -> None:
    from keras.utils import tf_utils

    outputs = {
        "logits": tf.constant([[0.5, 1.5]]),
        "count": tf.constant(3),
        "score": tf.constant(0.25),
        "name": tf.constant(b"intent"),
        "plain": 7,
        "diagnostic_data": {"b": tf.constant([1, 2]), "a": {"x": tf.constant(1.5)}, "c": [1]},
    }
    ours, keras = (
        direct_prediction.numpy_outputs(outputs),
        tf_utils.sync_to_numpy_or_python_type(outputs),
    )

    def described(value: Any) -> Any:
        if isinstance(value, dict):
            return [(key, described(item)) for key, item in value.items()]
        if isinstance(value, np.ndarray):
            return ("array", value.dtype, value.tolist())
        return (type(value), value)

    assert described(ours) == described(keras)
