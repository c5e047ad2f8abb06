"""The model data of a parse's one message, built directly for DIET and the ResponseSelector.

To predict, each classifier turns the message into `RasaModelData` through the path its
training takes for thousands of examples: it checks which features are present, lists
them per attribute, regroups them per example and turn, makes empty stand-ins for
absent attributes, stacks masks and feature arrays, adds lengths, then sorts. For one
message with sparse text features that is 4.8 % of the Rasa workers' Python time under
the load of 32 shoppers (py-spy, GIL held). A message whose text has sparse features
(the regex, word and character n-gram featurizers of our pipeline), and perhaps a dense
sentence vector (bot/nlu/sentence_encoder.py), gets here the same model data in a few
steps: its text's mask, sentence and token features and the number of tokens, under the
same keys in the same order, with the same arrays, label keys and sparse feature sizes.
Anything else (dense token features, no sparse features, training) takes Rasa's path.
tests/test_one_message_data.py compares both for every message of the training data,
for both classifiers.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import (
    FEATURIZERS,
    MASK,
    SENTENCE,
    SEQUENCE,
    SEQUENCE_LENGTH,
)
from rasa.utils.tensorflow.feature_array import FeatureArray
from rasa.utils.tensorflow.model_data import RasaModelData, ragged_array_to_ndarray
from rasa.utils.tensorflow.model_data_utils import _collect_sparse_feature_sizes

ORIGINAL_CREATE_MODEL_DATA = DIETClassifier._create_model_data


def one_message_data(classifier: DIETClassifier, message: Message) -> RasaModelData | None:
    """What `_create_model_data([message], training=False)` makes of a message whose
    text has sparse features and at most a dense sentence vector; None for any other."""
    if TEXT not in message.data:
        return None
    featurizers = classifier.component_config[FEATURIZERS]
    sequence, sentence = message.get_sparse_features(TEXT, featurizers)
    dense_sequence, dense_sentence = message.get_dense_features(TEXT, featurizers)
    if sequence is None and sentence is None:
        return None
    if dense_sequence is not None:
        # Token-level dense features (a language model's) take Rasa's path.
        return None
    # Rasa's mask: one turn of one example, present.
    text: dict[str, list[FeatureArray]] = {
        MASK: [FeatureArray(np.ones((1, 1, 1), np.float32), number_of_dimensions=3)]
    }
    if sentence is not None or dense_sentence is not None:
        # Rasa lists a type's sparse features before its dense ones.
        text[SENTENCE] = [
            FeatureArray(ragged_array_to_ndarray([features.features]), number_of_dimensions=3)
            for features in (sentence, dense_sentence)
            if features is not None
        ]
    if sequence is not None:
        text[SEQUENCE] = [
            FeatureArray(ragged_array_to_ndarray([sequence.features]), number_of_dimensions=3)
        ]
        text[SEQUENCE_LENGTH] = [
            FeatureArray(np.array([sequence.features.shape[0]]), number_of_dimensions=1)
        ]
    data: Any = OrderedDict([(TEXT, OrderedDict(sorted(text.items())))])
    model_data = RasaModelData(
        label_key=classifier.label_key, label_sub_key=classifier.label_sub_key, data=data
    )
    present = [features for features in (sequence, sentence) if features is not None]
    model_data.add_sparse_feature_sizes(
        _collect_sparse_feature_sizes({TEXT: present}, message, featurizers)
    )
    return model_data


def create_model_data(
    self: DIETClassifier,
    training_data: list[Message],
    label_id_dict: dict[str, int] | None = None,
    label_attribute: str | None = None,
    training: bool = True,
) -> RasaModelData:
    """`DIETClassifier._create_model_data`; a parse's one message through `one_message_data`."""
    if not training and label_attribute is None and len(training_data) == 1:
        built = one_message_data(self, training_data[0])
        if built is not None:
            return built
    model_data: RasaModelData = ORIGINAL_CREATE_MODEL_DATA(
        self, training_data, label_id_dict, label_attribute, training
    )
    return model_data


def install() -> None:
    DIETClassifier._create_model_data = create_model_data  # type: ignore[method-assign]
