"""Recognises messages the bot cannot read and turns them into a fallback.

Runs last in the NLU pipeline. Empty, over-long, emoji-only or binary-looking
messages get the `nlu_fallback` intent plus an `input_issue` entity naming the
problem, so the fallback action can tell the shopper what was wrong instead of
guessing an intent from noise.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.input_issues import INPUT_ISSUE_ENTITY, input_issue
from bot.nlu.language_detector import LANGUAGE_ENTITY


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class InputGuard(GraphComponent, EntityExtractorMixin):
    """Rasa component that flags unreadable input as a fallback with a reason."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_chars": 1000, "max_unreadable_share": 0.1}

    def __init__(self, config: dict[str, Any]) -> None:
        self.max_chars = int(config["max_chars"])
        self.max_unreadable_share = float(config["max_unreadable_share"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InputGuard:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            understood = intent not in (None, DEFAULT_NLU_FALLBACK_INTENT_NAME)
            issue = input_issue(text, self.max_chars, self.max_unreadable_share, understood)
            if issue is None:
                continue
            fallback = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: 1.0,
            }
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback], add_to_output=True)
            entity = {
                "entity": INPUT_ISSUE_ENTITY,
                "value": issue,
                "start": 0,
                "end": len(text),
                "confidence": 1.0,
                # The fallback action quotes the limit to the shopper.
                "limit": self.max_chars,
            }
            # Entities guessed from unreadable text (an order number inside a
            # 10,000-character paste) are not trusted; its language still is,
            # so the shopper is told what went wrong in their own language.
            kept = [e for e in message.get(ENTITIES, []) if e["entity"] == LANGUAGE_ENTITY]
            message.set(ENTITIES, kept + self.add_extractor_name([entity]), add_to_output=True)
        return messages
