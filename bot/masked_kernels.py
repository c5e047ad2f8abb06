"""Rasa's randomly connected layers, masked once in a model loaded only to predict.

A `RandomlyConnectedDense` layer keeps most of its weights at zero by assigning
`kernel * kernel_mask` to its kernel at every call, before using it: in training the
optimizer moves the masked weights after each step. A model that only predicts needs
that once; every later assignment writes the same values again. In DIET's traced
prediction graph that was seven multiplications and assignments over whole weight
matrices for every message.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from rasa.utils.tensorflow.layers import RandomlyConnectedDense

ORIGINAL_CALL = RandomlyConnectedDense.call
# Set on a layer whose kernel holds its masked weights and will not be trained again.
MASKED_FOR_GOOD = "_eva_masked_for_good"


def mask_for_prediction(model: tf.keras.Model) -> None:
    """Masks the kernels of the model's built randomly connected layers once."""
    # Keras' own walk over nested layers: `tf.Module.submodules` trips over Keras' state.
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, RandomlyConnectedDense) and layer.built and layer.density < 1.0:
            layer.kernel.assign(layer.kernel * layer.kernel_mask)
            setattr(layer, MASKED_FOR_GOOD, True)


def call(self: RandomlyConnectedDense, inputs: Any) -> Any:
    """`RandomlyConnectedDense.call`, without the assignment once it is masked for good."""
    if getattr(self, MASKED_FOR_GOOD, False):
        return tf.keras.layers.Dense.call(self, inputs)
    return ORIGINAL_CALL(self, inputs)


def install() -> None:
    RandomlyConnectedDense.call = call  # type: ignore[method-assign]
