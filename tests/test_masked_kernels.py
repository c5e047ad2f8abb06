"""A randomly connected layer masked once for prediction computes what Rasa's computes,
without assigning its kernel again; a layer that may still train keeps Rasa's way."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from rasa.utils.tensorflow.layers import RandomlyConnectedDense

from bot import masked_kernels


def _layer(seed: int) -> RandomlyConnectedDense:
    tf.random.set_seed(seed)
    layer = RandomlyConnectedDense(units=16, density=0.2)
    layer.build(tf.TensorShape([None, 24]))
    # As after training: the optimizer has moved weights the mask keeps at zero.
    layer.kernel.assign(tf.random.normal(layer.kernel.shape))
    return layer


def _assignments(layer: RandomlyConnectedDense, inputs: tf.Tensor) -> int:
    graph = tf.function(lambda x: masked_kernels.call(layer, x)).get_concrete_function(inputs)
    return sum(op.type == "AssignVariableOp" for op in graph.graph.get_operations())


def test_a_layer_masked_for_prediction_computes_what_rasas_computes() -> None:
    inputs = tf.random.normal([5, 24], seed=3)
    rasas, ours = _layer(7), _layer(7)
    model = tf.keras.Sequential([ours])
    expected = masked_kernels.ORIGINAL_CALL(rasas, inputs).numpy()

    masked_kernels.mask_for_prediction(model)

    assert np.array_equal(masked_kernels.call(ours, inputs).numpy(), expected)
    assert np.array_equal(ours.kernel.numpy(), rasas.kernel.numpy())
    assert _assignments(ours, inputs) == 0


def test_a_layer_that_may_still_train_masks_its_kernel_at_every_call() -> None:
    inputs = tf.random.normal([5, 24], seed=3)
    layer = _layer(7)
    assert _assignments(layer, inputs) == 1
    layer.kernel.assign(tf.ones(layer.kernel.shape))
    masked_kernels.call(layer, inputs)
    assert np.array_equal(layer.kernel.numpy(), layer.kernel_mask.numpy())
