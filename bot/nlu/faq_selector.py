"""Rasa's ResponseSelector, asked only about messages the intent classifier calls FAQ.

Stock Rasa ranks every FAQ entry for every message, although only an `faq` message
reads the pick: the FAQ answer action, the review inbox (for FAQ questions it was unsure
of) and the agents' suggested answer. Under load that ranking was a sixth of the Rasa
server's CPU; a greeting, an order number or a thank-you now skips it.

The selector also reads only the sentence-level features of a message. Without a
transformer layer (the ResponseSelector's default) every position of the sequence is
embedded on its own, and both the training loss and the prediction read the sentence
position only: the token-level features went through a first layer as large as the
sentence-level one, which nothing downstream read.
"""

from __future__ import annotations

import warnings
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import DIET2BOW, ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow import rasa_layers
from rasa.utils.tensorflow.constants import MASKED_LM, SENTENCE, SEQUENCE, SEQUENCE_LENGTH
from rasa.utils.tensorflow.model_data import FeatureSignature, RasaModelData
from rasa.utils.tensorflow.models import RasaModel

# Rasa's recipe validator looks for the ResponseSelector class itself, not a subclass,
# and would tell every training that the FAQ examples go unused: they do not.
warnings.filterwarnings(
    "ignore", message="You have defined training data with examples for training a response"
)


class _SentenceLevelSequenceLayer(rasa_layers.RasaSequenceLayer):
    """Rasa's sequence layer, also for a text with sentence-level features only.

    Rasa refuses such a text up front, although its feature-combining layer takes it and
    the rest (dense layers, a transformer over one position) needs nothing more.
    """

    def __init__(
        self,
        attribute: str,
        attribute_signature: dict[str, list[FeatureSignature]],
        config: dict[str, Any],
    ) -> None:
        if attribute_signature.get(SEQUENCE):
            super().__init__(attribute, attribute_signature, config)
            return
        # Built as if the sentence features were token features too (Rasa's check), then
        # given the combining layer of the real signature; nothing is built before the
        # first call, so the stand-in leaves no weights behind.
        stand_in = {**attribute_signature, SEQUENCE: attribute_signature[SENTENCE]}
        super().__init__(attribute, stand_in, {**config, MASKED_LM: False})
        self._tf_layers[self.FEATURE_COMBINING] = rasa_layers.RasaFeatureCombiningLayer(
            attribute, attribute_signature, config
        )


class _SentenceLevelDIET2BOW(DIET2BOW):
    """The ResponseSelector's model, whose text may come without token-level features."""

    def _prepare_layers(self) -> None:
        # DIET builds its text layer from the module's name at this moment. The swap is
        # harmless to a DIET built meanwhile: with token features the layer is Rasa's.
        rasa_sequence_layer = rasa_layers.RasaSequenceLayer
        rasa_layers.RasaSequenceLayer = _SentenceLevelSequenceLayer  # type: ignore[misc]
        try:
            super()._prepare_layers()
        finally:
            rasa_layers.RasaSequenceLayer = rasa_sequence_layer  # type: ignore[misc]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqSelector(ResponseSelector):
    """Picks the FAQ entry for messages whose intent is the selector's retrieval intent."""

    def process(self, messages: list[Message]) -> list[Message]:
        if self.retrieval_intent is None:
            # Trained on every retrieval intent: any message may need a pick.
            super().process(messages)
        else:
            super().process([message for message in messages if self._is_retrieval(message)])
        return messages

    def _is_retrieval(self, message: Message) -> bool:
        intent = message.get(INTENT) or {}
        return bool(intent.get(INTENT_NAME_KEY) == self.retrieval_intent)

    @staticmethod
    def model_class(use_text_as_label: bool) -> type[RasaModel]:  # type: ignore[override]
        return (
            ResponseSelector.model_class(use_text_as_label)
            if use_text_as_label
            else _SentenceLevelDIET2BOW
        )

    def _create_model_data(self, *args: Any, **kwargs: Any) -> RasaModelData:
        model_data = super()._create_model_data(*args, **kwargs)
        if not self._reads_token_features():
            text = model_data.data.get(TEXT, {})
            text.pop(SEQUENCE, None)
            text.pop(SEQUENCE_LENGTH, None)
            model_data.sparse_feature_sizes.get(TEXT, {}).pop(SEQUENCE, None)
        return model_data

    def _reads_token_features(self) -> bool:
        if self.model is not None:
            # A model trained before the selector dropped them still expects them.
            return bool(self.model.data_signature[TEXT].get(SEQUENCE))
        layers, _ = rasa_layers.RasaSequenceLayer._get_transformer_dimensions(
            TEXT, self.component_config
        )
        # Without a transformer, token positions never reach the sentence position.
        return bool(layers > 0 or self.use_text_as_label)
