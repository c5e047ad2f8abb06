"""Which language a shopper wrote in, judged from the script of their letters."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["ko", "en"]
SUPPORTED_LANGUAGES: tuple[Language, ...] = ("ko", "en")

HANGUL_CHARS = "\uac00-\ud7a3\u3131-\u318e\u1100-\u11ff"
_HANGUL = re.compile(f"[{HANGUL_CHARS}]")
_LATIN = re.compile(r"[A-Za-z]")
# Links, e-mail addresses and upload references are Latin whatever the
# shopper's language: "사진 여기요 https://imgur.com/a/x" is Korean.
_NOT_LANGUAGE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|upload:\S+", re.IGNORECASE)


def detect_language(text: str) -> Language | None:
    """Return "ko" or "en" for text with letters, None for text without any.

    A Hangul syllable carries about as much as two Latin letters, so Hangul is
    weighted twice: "order 취소해주세요" is Korean, "I want a refund 환불" English.
    """
    words = _NOT_LANGUAGE.sub(" ", text)
    hangul = len(_HANGUL.findall(words))
    latin = len(_LATIN.findall(words))
    if hangul == 0 and latin == 0:
        return None
    return "ko" if 2 * hangul >= latin else "en"


def normalise_language(value: object) -> Language | None:
    """Map a language tag from channel metadata ("ko-KR", "EN") to ours, or None."""
    if not isinstance(value, str):
        return None
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    for language in SUPPORTED_LANGUAGES:
        if primary == language:
            return language
    return None
