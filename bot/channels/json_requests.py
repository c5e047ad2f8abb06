"""Request bodies and errors of our channels on the Rasa server: JSON, in Korean and English.

Sanic's `request.json` is not used: on a malformed body it raises, which Rasa answered
with 500 and an ERROR traceback in the log, and its ujson parser takes bytes that are
not UTF-8 and makes str objects of code points past U+10FFFF out of them, which later
failed with SystemError and corrupted a worker's heap ("realloc(): invalid next size"),
killing it. The standard library's parser refuses both.
"""

from __future__ import annotations

import json
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

MAX_BODY_BYTES = 64 * 1024


def bilingual_error(code: str, korean: str, english: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": code, "message": {"ko": korean, "en": english}}, status=status)


def unauthorised() -> HTTPResponse:
    """The answer to a call without a valid Bearer JWT (bot/api_auth.py)."""
    return bilingual_error(
        "unauthorised",
        "RASA_API_TOKEN으로 서명한 유효한 JWT를 Authorization: Bearer 헤더로 보내야 해요.",
        "Send a valid JWT signed with RASA_API_TOKEN in the Authorization: Bearer header.",
        status=401,
    )


def json_object(request: Request, example: str) -> dict[str, Any] | HTTPResponse:
    """The body as a JSON object, or the 400/413 answer that says what is wrong with it.

    `example` shows the object the endpoint wants, in the error message.
    """
    if len(request.body or b"") > MAX_BODY_BYTES:
        return bilingual_error(
            "body_too_large",
            f"요청이 너무 커요. {MAX_BODY_BYTES // 1024}KB 이하로 보내 주세요.",
            f"The request is too large. Please keep it under {MAX_BODY_BYTES // 1024} KB.",
            status=413,
        )
    try:
        body = json.loads(request.body) if request.body else None
    except (ValueError, RecursionError):
        return bilingual_error(
            "invalid_json",
            "요청 본문이 올바른 JSON이 아니에요.",
            "The request body is not valid JSON.",
        )
    if not isinstance(body, dict):
        return bilingual_error(
            "invalid_body",
            f"요청 본문은 {example} 형태의 JSON 객체여야 해요.",
            f"The request body must be a JSON object like {example}.",
        )
    return body
