"""Reading the widget's frames: anything malformed becomes a polite error frame."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

MAX_TEXT_CHARS = 1000
MAX_CLIENT_ID_CHARS = 64
MAX_PAYLOAD_CHARS = 200

ERRORS = {
    "bad_frame": (
        "메시지를 읽을 수 없어요. 페이지를 새로고침해 주세요.",
        "We could not read that message. Please reload the page.",
    ),
    "too_long": (
        f"메시지가 너무 길어요. {MAX_TEXT_CHARS}자 이내로 보내 주세요.",
        f"That message is too long. Please keep it under {MAX_TEXT_CHARS} characters.",
    ),
    "rate_limited": (
        "메시지를 너무 빨리 보내고 있어요. 잠시 후 다시 보내 주세요.",
        "You are sending messages too quickly. Please wait a moment and try again.",
    ),
    "not_ready": (
        "연결을 준비하는 중이에요. 잠시 후 다시 보내 주세요.",
        "The chat is still connecting. Please try again in a moment.",
    ),
}


class FrameError(Exception):
    def __init__(
        self, code: str, client_id: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(code)
        self.code = code
        # Names the refused message, so the page can mark that one as not sent.
        self.client_id = client_id
        # Seconds until a rate limit lets messages through again, when one refused it.
        self.retry_after = retry_after


def error_frame(
    code: str, client_id: str | None = None, retry_after: int | None = None
) -> dict[str, Any]:
    korean, english = ERRORS[code]
    frame: dict[str, Any] = {
        "type": "error",
        "code": code,
        "message": {"ko": korean, "en": english},
    }
    if client_id is not None:
        frame["client_id"] = client_id
    if retry_after is not None:
        frame["retry_after"] = retry_after
    return frame


def parse_frame(raw: str | bytes, max_bytes: int) -> dict[str, Any]:
    size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
    if size > max_bytes:
        raise FrameError("too_long")
    try:
        frame = json.loads(raw)
        # A \ud800-style escape is half of a UTF-16 pair: no text encoding writes it, so
        # storing such a message in Redis failed and the socket closed.
        json.dumps(frame, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError) as error:
        # RecursionError: a frame nested about a thousand levels deep is within the size
        # limit and ended the socket's handler.
        raise FrameError("bad_frame") from error
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError("bad_frame")
    return frame


@dataclass(frozen=True)
class ShopperMessage:
    text: str
    client_id: str
    payload: str | None

    @classmethod
    def from_frame(cls, frame: dict[str, Any]) -> ShopperMessage:
        text = frame.get("text", "")
        client_id = frame.get("client_id")
        payload = frame.get("payload")
        if not isinstance(text, str) or not isinstance(client_id, str):
            raise FrameError("bad_frame")
        if not client_id or len(client_id) > MAX_CLIENT_ID_CHARS:
            raise FrameError("bad_frame")
        if payload is not None and (
            not isinstance(payload, str)
            or not payload.startswith("/")
            or len(payload) > MAX_PAYLOAD_CHARS
        ):
            raise FrameError("bad_frame")
        if len(text) > MAX_TEXT_CHARS:
            raise FrameError("too_long", client_id)
        return cls(text=text, client_id=client_id, payload=payload)

    def stored_body(self) -> dict[str, Any]:
        return {
            "role": "user",
            "text": self.text,
            "client_id": self.client_id,
            "timestamp": time.time(),
        }
