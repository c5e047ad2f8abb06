"""JSON errors of the web service, each explained in Korean and English."""

from __future__ import annotations

from sanic import response
from sanic.response import HTTPResponse

ERRORS: dict[str, tuple[str, str]] = {
    "unauthenticated": ("로그인이 필요해요.", "Please log in (or send a valid bearer token)."),
    "forbidden": ("이 작업을 할 권한이 없어요.", "You are not allowed to do this."),
    "not_found": ("해당 대화를 찾을 수 없어요.", "There is no such conversation."),
    "taken": ("다른 상담원이 이미 맡은 대화예요.", "Another agent has already taken this chat."),
    "not_queued": ("대기 중인 대화가 아니에요.", "This conversation is not waiting in a queue."),
    "capacity": (
        "동시에 맡을 수 있는 상담 수를 넘었어요. 진행 중인 상담을 먼저 마쳐 주세요.",
        "You are at your maximum number of chats. Finish one first.",
    ),
    "wrong_team": ("내 팀의 대기열이 아니에요.", "This conversation waits for another team."),
    "not_yours": ("다른 상담원이 맡고 있는 대화예요.", "Another agent has this chat."),
    "not_active": ("상담원과 진행 중인 대화가 아니에요.", "This chat is not with an agent."),
    "already_closed": ("이미 종료된 대화예요.", "This conversation is already closed."),
    "unknown_team": ("알 수 없는 팀이에요.", "There is no such team."),
    "invalid_json": ("요청 본문이 올바른 JSON 객체가 아니에요.", "The body must be a JSON object."),
    "empty_message": ("보낼 메시지를 입력해 주세요.", "Please type a message."),
    "message_too_long": ("메시지가 너무 길어요.", "That message is too long."),
    "resolution_required": ("종료 사유를 적어 주세요.", "Please give a resolution."),
    "body_too_large": ("요청이 너무 커요.", "The request is too large."),
    "invalid_form": (
        "요청 본문이 올바른 폼이 아니에요(UTF-8 application/x-www-form-urlencoded).",
        "The body must be a form (UTF-8 application/x-www-form-urlencoded).",
    ),
    "bad_request": ("요청 형식이 올바르지 않아요.", "The request is malformed."),
    "bot_unavailable": (
        "챗봇 서버에 연결할 수 없어 저장하지 못했어요. 다시 시도해 주세요.",
        "The bot server did not answer, so nothing was saved. Please try again.",
    ),
}


def error_response(code: str, status: int) -> HTTPResponse:
    korean, english = ERRORS.get(code, (code, code))
    return response.json({"error": code, "message": {"ko": korean, "en": english}}, status=status)
