"""Rasa's ResponseSelector, asked only about messages the intent classifier calls FAQ.

Stock Rasa ranks every FAQ entry for every message, although only an `faq` message
reads the pick: the FAQ answer action, the review inbox (for FAQ questions it was unsure
of) and the agents' suggested answer. Under load that ranking was a sixth of the Rasa
server's CPU; a greeting, an order number or a thank-you now skips it.
"""

from __future__ import annotations

import warnings

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message

# Rasa's recipe validator looks for the ResponseSelector class itself, not a subclass,
# and would tell every training that the FAQ examples go unused: they do not.
warnings.filterwarnings(
    "ignore", message="You have defined training data with examples for training a response"
)


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
