"""Rasa training-data importer that adds the FAQ files to the project's data.

Each FAQ entry becomes the retrieval intent `faq/<key>` with its questions in
both languages, plus the `utter_faq/<key>` response the ResponseSelector needs
to know its labels. Editors keep one file per topic; nothing is generated into
`data/nlu/`, so there is no copy to fall out of date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.faq.store import DEFAULT_FAQ_PATH, FaqEntry, load_faq
from bot.language import SUPPORTED_LANGUAGES


def faq_training_data(entries: list[FaqEntry]) -> TrainingData:
    examples = [
        Message(
            data={
                TEXT: question,
                INTENT: "faq",
                INTENT_RESPONSE_KEY: entry.intent,
            }
        )
        for entry in entries
        for language in SUPPORTED_LANGUAGES
        for question in entry.questions[language]
    ]
    return TrainingData(training_examples=examples)


def faq_responses(entries: list[FaqEntry]) -> dict[str, list[dict[str, Any]]]:
    return {
        f"utter_{entry.intent}": [
            {
                "text": entry.answer[language],
                "condition": [{"type": "slot", "name": "language", "value": language}],
            }
            for language in SUPPORTED_LANGUAGES
        ]
        for entry in entries
    }


class FaqImporter(RasaFileImporter):
    """The stock file importer plus the FAQ entries under `faq_path`."""

    def __init__(
        self,
        config_file: str | None = None,
        domain_path: str | None = None,
        training_data_paths: list[str] | str | None = None,
        faq_path: str = DEFAULT_FAQ_PATH,
    ) -> None:
        super().__init__(config_file, domain_path, training_data_paths)
        self._faq_entries = list(load_faq(Path(faq_path)).values())

    def get_nlu_data(self, language: str | None = "en") -> TrainingData:
        return super().get_nlu_data(language).merge(faq_training_data(self._faq_entries))

    def get_domain(self) -> Domain:
        faq_domain = Domain.from_dict({"responses": faq_responses(self._faq_entries)})
        return super().get_domain().merge(faq_domain)
