"""Classifiers whose training fails, for tests/test_parallel_training.py."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.training_data.training_data import TrainingData


class TrainingFailed(Exception):
    pass


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FailingIntentClassifier(DIETClassifier):
    def train(self, training_data: TrainingData) -> Resource:
        raise TrainingFailed("the intent classifier could not train")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FailingResponseSelector(ResponseSelector):
    def train(self, training_data: TrainingData) -> Resource:
        raise TrainingFailed("the response selector could not train")
