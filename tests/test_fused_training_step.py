"""The compiled gradient step keeps Rasa's rule, to the bit; the whole training is
compared with stock Rasa's in tests/test_parallel_training.py."""

from __future__ import annotations

import numpy as np

from bot.fused_training_step import with_regularization


def test_regularisation_counts_only_where_the_prediction_gradient_is_positive() -> None:
    generator = np.random.default_rng(7)
    prediction = generator.normal(size=(300, 64)).astype(np.float32)
    prediction[::7] = 0.0
    regularization = generator.normal(size=(300, 64)).astype(np.float32)
    expected = prediction + np.where(prediction > 0, regularization, 0.0).astype(np.float32)
    combined = with_regularization(prediction, regularization).numpy()
    np.testing.assert_array_equal(combined, expected)
    assert np.array_equal(combined[::7], np.zeros_like(combined[::7]))
