"""Tokenizer for Korean, English and sentences that mix both.

Hangul runs go to Kiwi, which splits them into morphemes and copes with missing
spaces ("주문취소해주세요"); everything else (Latin words, numbers, emoji,
punctuation) goes to spaCy's English rules. The morpheme's dictionary form is
kept as the token's lemma, which the featurizers use, so "취소했어요" and
"취소해주세요" share the features of "취소" and "하".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import spacy
from kiwipiepy import Kiwi
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from spacy.tokenizer import Tokenizer as SpacyTokenizer

from bot.language import HANGUL_CHARS

_HANGUL_RUN = re.compile(f"[{HANGUL_CHARS}]+(?:\\s+[{HANGUL_CHARS}]+)*")


@lru_cache(maxsize=1)
def kiwi() -> Kiwi:
    """One Kiwi per process: loading its model takes about a second.

    Without the multi-word dictionary (proper nouns and set phrases): it holds 180 MB
    of the 480 MB Kiwi takes, and leaving it out changed the morphemes of none of the
    1,442 Korean training and test examples.
    """
    return Kiwi(load_multi_dict=False)


@lru_cache(maxsize=1)
def english_tokenizer() -> SpacyTokenizer:
    """spaCy's rule-based English tokenizer; no model package needed."""
    return spacy.blank("en").tokenizer


def split_scripts(text: str) -> Iterator[tuple[int, str, bool]]:
    """Yield (offset, segment, is_hangul) covering the text in order."""
    position = 0
    for match in _HANGUL_RUN.finditer(text):
        if match.start() > position:
            yield position, text[position : match.start()], False
        yield match.start(), match.group(), True
        position = match.end()
    if position < len(text):
        yield position, text[position:], False


def _hangul_tokens(segment: str, offset: int) -> Iterator[Token]:
    for morpheme in kiwi().tokenize(segment):
        start = offset + morpheme.start
        surface = segment[morpheme.start : morpheme.start + morpheme.len]
        yield Token(surface, start, lemma=morpheme.form, data={"pos": morpheme.tag})


def _other_tokens(segment: str, offset: int) -> Iterator[Token]:
    for word in english_tokenizer()(segment):
        if not word.text.strip():
            continue
        yield Token(word.text, offset + word.idx)


def tokenize_text(text: str) -> list[Token]:
    """Tokens of a text in order; offsets point into the original text."""
    tokens: list[Token] = []
    for offset, segment, is_hangul in split_scripts(text):
        producer = _hangul_tokens if is_hangul else _other_tokens
        tokens.extend(producer(segment, offset))
    return tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class KoEnTokenizer(Tokenizer):
    """Rasa tokenizer component for Korean, English and mixed messages."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # Longer messages are refused by the InputGuard anyway; reading only
            # their start keeps a 10,000-character paste from costing seconds.
            "max_chars": 1000,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.max_chars: int = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KoEnTokenizer:
        return cls(config)

    @staticmethod
    def required_packages() -> list[str]:
        return ["kiwipiepy", "spacy"]

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text: str = message.get(attribute)[: self.max_chars]
        tokens = tokenize_text(text)
        if not tokens:
            # Featurizers need at least one token, e.g. for "🙏🙏" or "   ".
            tokens = [Token(text, 0)]
        patterned: list[Token] = self._apply_token_pattern(tokens)
        return patterned
