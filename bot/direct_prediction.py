"""DIET's and the ResponseSelector's traced prediction graph, called directly.

Rasa predicts through a `tf.function` with a fixed input signature, so there is exactly
one traced graph. Calling the `tf.function` still makes TensorFlow canonicalise the
inputs, look the graph up by their types and cast them against the signature each
time: about as long as running the graph itself for one message (cProfile: 0.7 of
1.15 s over 550 predictions). Here the graph is fetched once and called with the
batch converted to tensors of the signature's types; outputs go through Rasa's own
post-processing. Anything else (eager mode, the first call that traces the graph, a
batch that does not fit the signature, which TensorFlow would refuse) takes Rasa's
path. tests/test_nlu_speedups.py checks that parses are the same.

A parse is one message: its batch is cut from the model data directly, as Rasa's
batch generator would cut its only batch (no shuffling, one epoch), without making the
generator and iterating it through Keras: 1.4 % of the Rasa workers' Python time under
the load of 32 shoppers (py-spy, GIL held).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf
from keras.utils import tf_utils
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.data_generator import RasaDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel
from tensorflow.python.eager import context
from tensorflow.python.framework import ops

ORIGINAL_RASA_PREDICT = RasaModel._rasa_predict
ORIGINAL_RUN_INFERENCE = RasaModel.run_inference
# The model's attribute holding (its tf.function, that function's graph, input specs).
GRAPH_ATTRIBUTE = "_eva_prediction_graph"
# What Rasa's signature fixes of an input (`RasaModel._dynamic_signature`): its number
# of dimensions and the size of the last.
InputShape = tuple[int, int | None]


class _Graph:
    def __init__(self, function: Any) -> None:
        self.function = function
        self.graph = function.get_concrete_function()
        self.specs: list[tf.TensorSpec] = list(self.graph.structured_input_signature[0][0])
        self.shapes: list[InputShape] = [
            (spec.shape.rank, spec.shape[-1] if spec.shape.rank else None) for spec in self.specs
        ]

    def fits(self, batch: tuple[Any, ...]) -> bool:
        if len(batch) != len(self.shapes):
            return False
        for array, (rank, last) in zip(batch, self.shapes, strict=True):
            shape = getattr(array, "shape", None)
            if shape is None or len(shape) != rank or (last is not None and shape[-1] != last):
                return False
        return True


def _graph(model: RasaModel) -> _Graph | None:
    """The traced graph of the model's `tf.function`, once it has been traced."""
    function = model._tf_predict_step
    if function is None or model._run_eagerly or not model.prepared_for_prediction:
        return None
    cached: _Graph | None = model.__dict__.get(GRAPH_ATTRIBUTE)
    if cached is None or cached.function is not function:
        cached = _Graph(function)
        setattr(model, GRAPH_ATTRIBUTE, cached)
    return cached


def _tensor(array: Any, dtype: tf.DType) -> tf.Tensor:
    """What `tf.convert_to_tensor(array, dtype)` makes of a numpy array, at a tenth of the cost.

    Without a device, the tensor stays in host memory instead of being copied again into
    the current device scope by an op of its own; the CPU graph reads it from there.
    """
    context.ensure_initialized()
    return ops.EagerTensor(array, None, dtype.as_datatype_enum)


def numpy_outputs(outputs: Any) -> Any:
    """Keras' `sync_to_numpy_or_python_type` for the dictionaries of tensors a graph
    returns, without `tf.nest` flattening and rebuilding them; anything else goes to Keras."""
    if type(outputs) is dict:
        return {key: numpy_outputs(value) for key, value in outputs.items()}
    if isinstance(outputs, ops.EagerTensor):
        value = outputs.numpy()
        if isinstance(value, (np.ndarray, np.generic)) and value.ndim == 0:
            return value.item()
        return value
    return tf_utils.sync_to_numpy_or_python_type(outputs)


def rasa_predict(self: RasaModel, batch_in: tuple[Any, ...]) -> dict[str, Any]:
    """`RasaModel._rasa_predict`, calling the traced graph without `tf.function`'s dispatch."""
    found = _graph(self)
    if found is None or not found.fits(batch_in):
        return ORIGINAL_RASA_PREDICT(self, batch_in)  # type: ignore[no-any-return]
    if self._training is not False:
        # Keras tracks every attribute set on a model: 0.9 % of the workers' Python time
        # for setting what is already set.
        self._training = False
    specs = found.specs
    tensors = [_tensor(array, spec.dtype) for array, spec in zip(batch_in, specs, strict=True)]
    outputs: dict[str, Any] = numpy_outputs(
        found.graph._call_flat(tensors, found.graph.captured_inputs)
    )
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def run_inference(
    self: RasaModel,
    model_data: RasaModelData,
    batch_size: int | list[int] = 1,
    output_keys_expected: list[str] | None = None,
) -> dict[str, Any]:
    """`RasaModel.run_inference`; one example's batch without Rasa's batch generator."""
    if model_data.number_of_examples() != 1:
        return ORIGINAL_RUN_INFERENCE(  # type: ignore[no-any-return]
            self, model_data, batch_size, output_keys_expected
        )
    outputs = self._rasa_predict(RasaDataGenerator.prepare_batch(model_data.data, 0, 1))
    if output_keys_expected:
        outputs = {key: value for key, value in outputs.items() if key in output_keys_expected}
    merged: dict[str, Any] = self._merge_batch_outputs({}, outputs)
    return merged


def install() -> None:
    RasaModel._rasa_predict = rasa_predict  # type: ignore[method-assign]
    RasaModel.run_inference = run_inference  # type: ignore[method-assign]
