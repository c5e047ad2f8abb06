"""DIET's and the ResponseSelector's training step with its per-weight arithmetic fused.

Most weights of both classifiers sit in the layers that turn the sparse word and
character n-gram counts into dense vectors: 3.9 of the FaqSelector's 4.3 million (one
7,624 × 512 matrix) and nearly all of DIET's 2.0 million (two 7,624 × 128). After each
batch, Rasa's step keeps a weight's regularisation gradient only where its prediction
gradient is positive, then Adam updates its moments and the weight: about a dozen
TensorFlow operations over each whole matrix, each reading and writing it again. Here
both parts are compiled by XLA, which does each in one pass over the matrix: Keras's own
XLA path for Adam (which Keras turns on only when a GPU is present) and one small
compiled function for the gradients. The same arithmetic in the same order, but XLA
rounds the last bits of Adam's update differently, and kernels differ by CPU: the
models predict as stock Rasa's, with confidences within 1e-3 and weights within 1e-3 of
each variable's scale (tests/test_parallel_training.py; on AMD EPYC the largest gap was
5e-5 of a variable's scale). Measured on the FaqSelector as it was
then (two 7,624 × 256 matrices): these operations were over half of its operation time
(TensorFlow's profiler), and this step took a fifth less CPU time.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from rasa.utils.tensorflow.models import RasaModel


@tf.function(jit_compile=True)
def with_regularization(prediction: tf.Tensor, regularization: tf.Tensor) -> tf.Tensor:
    """The gradient Rasa applies: regularisation only where the prediction pushes up."""
    return prediction + tf.where(prediction > 0, regularization, tf.zeros_like(regularization))


def train_step(self: RasaModel, batch_in: Any) -> dict[str, float]:
    """`RasaModel.train_step`, with the gradients combined and applied through XLA."""
    self._training = True
    with tf.GradientTape(persistent=True) as tape:
        prediction_loss = self.batch_loss(batch_in)
        regularization_loss = tf.math.add_n(self.losses)
        total_loss = prediction_loss + regularization_loss
    self.total_loss.update_state(total_loss)
    prediction_gradients = tape.gradient(prediction_loss, self.trainable_variables)
    regularization_gradients = tape.gradient(regularization_loss, self.trainable_variables)
    del tape
    gradients = [
        prediction
        if prediction is None or regularization is None
        else with_regularization(prediction, regularization)
        for prediction, regularization in zip(
            prediction_gradients, regularization_gradients, strict=True
        )
    ]
    self.optimizer.jit_compile = True
    self.optimizer.apply_gradients(zip(gradients, self.trainable_variables, strict=True))
    self._training = None
    return self._get_metric_results()  # type: ignore[no-any-return]


def install() -> None:
    RasaModel.train_step = train_step  # type: ignore[method-assign]
