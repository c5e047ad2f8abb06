"""Why an inbox example was not added, in Korean and English, with the HTTP status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.language import SUPPORTED_LANGUAGES, Language

MESSAGES: dict[str, tuple[str, str]] = {
    "bad_label": (
        "의도나 FAQ 항목을 하나 골라 주세요.",
        "Please choose an intent or an FAQ entry.",
    ),
    "unknown_intent": (
        "domain.yml에 '{name}' 의도가 없어요.",
        "There is no intent '{name}' in domain.yml.",
    ),
    "unknown_intent_hint": (
        "domain.yml에 '{name}' 의도가 없어요. '{suggestion}'을(를) 말씀하신 건가요?",
        "There is no intent '{name}' in domain.yml. Did you mean '{suggestion}'?",
    ),
    "unknown_faq": (
        "data/faq/에 '{name}' FAQ 항목이 없어요.",
        "There is no FAQ entry '{name}' in data/faq/.",
    ),
    "empty_text": ("추가할 예문을 입력해 주세요.", "Please enter the example to add."),
    "text_too_long": (
        "예문은 {max}자까지 쓸 수 있어요.",
        "An example may have at most {max} characters.",
    ),
    "entity_markup": (
        "예문에 [..](..)나 [..]{{..}}가 있어요. Rasa는 이를 개체 표시로 읽으니 고쳐서 "
        "추가해 주세요.",
        "The example contains [..](..) or [..]{{..}}, which Rasa reads as entity markup. "
        "Please rewrite it before accepting.",
    ),
    "duplicate": (
        "'{text}'은(는) 이미 {where}에 {label}의 예문으로 있어서 추가하지 않았어요.",
        "'{text}' is already an example of {label} ({where}), so nothing was added.",
    ),
    "unreadable_file": (
        "{detail} 이 파일을 먼저 고쳐 주세요(make validate). 아무것도 바꾸지 않았어요.",
        "{detail} Please fix this file first (make validate). Nothing was changed.",
    ),
    "inbox_shape": (
        "{file}에는 의도 예문(- intent: … examples: |)만 둘 수 있어요. 다른 항목은 다른 "
        "파일로 옮겨 주세요. 아무것도 바꾸지 않았어요.",
        "{file} may only hold intent examples (- intent: … examples: |). Please move the "
        "other items to another file first. Nothing was changed.",
    ),
    "catalog_unreadable": (
        "의도 목록을 읽을 수 없어요: {detail}",
        "The list of intents cannot be read: {detail}",
    ),
    "not_found": (
        "이 항목이 없어요. 이미 다른 편집자가 처리했을 수 있어요.",
        "This inbox item is gone; another editor may have handled it already.",
    ),
}


class Rejected(Exception):
    """An example the inbox did not add; `message` holds the reason in ko and en."""

    def __init__(self, code: str, status: int, message: Mapping[Language, str]) -> None:
        super().__init__(message["en"])
        self.code = code
        self.status = status
        self.message = dict(message)

    def as_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


def _value(value: Any, language: Language) -> Any:
    # A parameter may itself differ per language (a finding rendered in ko and en).
    if isinstance(value, Mapping) and language in value:
        return value[language]
    return value


def rejected(code: str, status: int, **params: Any) -> Rejected:
    texts = dict(zip(SUPPORTED_LANGUAGES, MESSAGES[code], strict=True))
    return Rejected(
        code,
        status,
        {
            language: texts[language].format(
                **{name: _value(value, language) for name, value in params.items()}
            )
            for language in SUPPORTED_LANGUAGES
        },
    )
