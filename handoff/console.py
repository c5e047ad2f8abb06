"""The agent console at /agent: sign-in, the console page and its static files.

The pages are rendered on the server (Jinja2, autoescaped; see handoff.web_pages, and
handoff.signin for signing in and out) with the first queue already in them;
web/agent/console.js then keeps them live through the JSON API (/api/...) and the
WebSocket /agent/socket, both authenticated by the same session cookie.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.stack import PROJECT_DIR
from handoff.api import context, queue_view
from handoff.config import AgentConfig, HandoffConfig
from handoff.errors import ERRORS
from handoff.schedule import format_moment
from handoff.service import MAX_AGENT_MESSAGE_CHARS, MAX_RESOLUTION_CHARS
from handoff.signin import LOGIN_FAILED as LOGIN_FAILED
from handoff.signin import SignIn
from handoff.web_pages import LANGUAGES, Pages

AGENT_DIR = PROJECT_DIR / "web" / "agent"
CONSOLE_PATH = "/agent"
LANG_COOKIE = "eva_console_lang"

NOT_AN_AGENT = {
    "ko": "이 계정에는 상담원 역할이 없어 상담원 콘솔을 쓸 수 없어요. 관리자에게 문의해 주세요.",
    "en": "This account does not have the agent role, so it cannot use the agent console. "
    "Please ask an administrator.",
}

STRINGS: dict[str, dict[str, str]] = {
    "ko": {
        "console_title": "Eva 상담원 콘솔",
        "login_title": "상담원 로그인",
        "login_intro": "상담원 아이디와 비밀번호로 로그인해 주세요.",
        "agent_id": "상담원 아이디",
        "password": "비밀번호",
        "login_button": "로그인",
        "forbidden_title": "콘솔을 쓸 수 없는 계정이에요",
        "back_to_login": "다른 계정으로 로그인",
        "language": "언어",
        "logout": "로그아웃",
        "signed_in_as": "로그인한 상담원:",
        "skip_to_conversation": "대화로 건너뛰기",
        "no_js": "이 콘솔을 쓰려면 자바스크립트를 켜 주세요.",
        "connecting": "연결 중…",
        "live": "실시간 연결됨",
        "reconnecting": "연결이 끊겼어요. 다시 연결하는 중…",
        "queues": "대기열",
        "my_chats": "내 상담",
        "capacity_label": "동시 상담 {max}건 중 {n}건",
        "no_chats": "진행 중인 상담이 없어요.",
        "queue_empty": "대기 중인 고객이 없어요.",
        "team_open": "운영 중",
        "team_closed": "운영 시간 아님",
        "next_opening": "다음 운영: {time}",
        "position": "{n}번째",
        "waiting_for": "대기 {time}",
        "under_minute": "1분 미만",
        "minutes": "{n}분",
        "hours": "{h}시간 {m}분",
        "language_ko": "한국어",
        "language_en": "영어",
        "new_message": "새 메시지",
        "pick_conversation": "대기열이나 내 상담에서 대화를 선택하세요.",
        "conversation": "대화 {id}",
        "loading": "불러오는 중…",
        "label_language": "언어",
        "label_state": "상태",
        "label_team": "팀",
        "label_agent": "상담원",
        "label_resolution": "종료 사유",
        "state_queued": "대기 중",
        "state_with_agent": "상담 중",
        "state_bot": "챗봇 응대 중",
        "state_closed": "종료됨",
        "with_you": "내가 맡은 대화예요.",
        "with_other": "다른 상담원({agent})이 맡고 있는 대화예요.",
        "not_your_team": "다른 팀의 대기열에 있는 대화예요.",
        "read_only": "지금은 읽기만 할 수 있어요.",
        "transcript": "대화 기록",
        "transcript_empty": "아직 메시지가 없어요.",
        "role_user": "고객",
        "role_bot": "챗봇",
        "role_agent": "상담원",
        "role_system": "시스템",
        "system_pause": "상담원에게 연결됨: 챗봇 일시 중지",
        "system_resume": "챗봇 응대 재개",
        "bot_buttons": "(버튼 선택지)",
        "intent": "의도",
        "confidence": "신뢰도",
        "entities": "개체",
        "suggestion": "추천 FAQ 답변",
        "suggestion_meta": "FAQ {key} · 신뢰도 {confidence}",
        "insert": "답장에 넣기",
        "claim": "이 대화 맡기",
        "reply": "답장",
        "reply_hint": "Enter로 보내고 Shift+Enter로 줄을 바꿔요.",
        "send": "보내기",
        "hand_back": "챗봇에게 돌려주기",
        "transfer_to": "다른 팀으로 넘기기",
        "transfer": "넘기기",
        "resolution": "종료 사유 (필수)",
        "resolution_placeholder": "예: 환불 절차 안내 완료",
        "close": "상담 종료",
        "shopper_typing": "고객이 입력하고 있어요…",
        "dismiss": "알림 닫기",
        "claimed_done": "대화를 맡았어요.",
        "sent_done": "메시지를 보냈어요.",
        "handed_back_done": "챗봇에게 대화를 돌려줬어요.",
        "closed_done": "상담을 종료했어요.",
        "transferred_done": "{team}(으)로 대화를 넘겼어요.",
        "error_network": "서버에 연결할 수 없어요. 잠시 후 다시 시도해 주세요.",
        "error_unknown": "요청을 처리하지 못했어요. 다시 시도해 주세요.",
    },
    "en": {
        "console_title": "Eva agent console",
        "login_title": "Agent sign-in",
        "login_intro": "Sign in with your agent ID and password.",
        "agent_id": "Agent ID",
        "password": "Password",
        "login_button": "Sign in",
        "forbidden_title": "This account cannot use the console",
        "back_to_login": "Sign in with another account",
        "language": "Language",
        "logout": "Log out",
        "signed_in_as": "Signed in as",
        "skip_to_conversation": "Skip to the conversation",
        "no_js": "Please turn on JavaScript to use this console.",
        "connecting": "Connecting…",
        "live": "Live",
        "reconnecting": "Connection lost. Reconnecting…",
        "queues": "Queues",
        "my_chats": "My chats",
        "capacity_label": "{n} of at most {max} chats",
        "no_chats": "No chats in progress.",
        "queue_empty": "Nobody is waiting.",
        "team_open": "Open",
        "team_closed": "Closed",
        "next_opening": "Opens {time}",
        "position": "#{n}",
        "waiting_for": "waiting {time}",
        "under_minute": "<1 min",
        "minutes": "{n} min",
        "hours": "{h} h {m} min",
        "language_ko": "Korean",
        "language_en": "English",
        "new_message": "new message",
        "pick_conversation": "Choose a conversation from a queue or from My chats.",
        "conversation": "Conversation {id}",
        "loading": "Loading…",
        "label_language": "Language",
        "label_state": "State",
        "label_team": "Team",
        "label_agent": "Agent",
        "label_resolution": "Resolution",
        "state_queued": "Waiting",
        "state_with_agent": "With an agent",
        "state_bot": "With the bot",
        "state_closed": "Closed",
        "with_you": "This is your chat.",
        "with_other": "Another agent ({agent}) has this chat.",
        "not_your_team": "This conversation waits in another team's queue.",
        "read_only": "You can only read this conversation now.",
        "transcript": "Transcript",
        "transcript_empty": "No messages yet.",
        "role_user": "Shopper",
        "role_bot": "Bot",
        "role_agent": "Agent",
        "role_system": "System",
        "system_pause": "Handed to a person: bot paused",
        "system_resume": "Bot resumed",
        "bot_buttons": "(buttons only)",
        "intent": "Intent",
        "confidence": "confidence",
        "entities": "Entities",
        "suggestion": "Suggested FAQ answer",
        "suggestion_meta": "FAQ {key} · confidence {confidence}",
        "insert": "Insert",
        "claim": "Claim",
        "reply": "Reply",
        "reply_hint": "Enter sends; Shift+Enter starts a new line.",
        "send": "Send",
        "hand_back": "Hand back to bot",
        "transfer_to": "Transfer to team",
        "transfer": "Transfer",
        "resolution": "Resolution (required)",
        "resolution_placeholder": "e.g. Explained the refund steps",
        "close": "Close chat",
        "shopper_typing": "Shopper is typing…",
        "dismiss": "Dismiss",
        "claimed_done": "You have this chat now.",
        "sent_done": "Message sent.",
        "handed_back_done": "Handed the chat back to the bot.",
        "closed_done": "Chat closed.",
        "transferred_done": "Transferred the chat to {team}.",
        "error_network": "Cannot reach the server. Please try again in a moment.",
        "error_unknown": "That did not work. Please try again.",
    },
}

PAGES = Pages(
    root=CONSOLE_PATH,
    folder=AGENT_DIR,
    strings=STRINGS,
    lang_cookie=LANG_COOKIE,
    title_key="console_title",
    stylesheets=("/agent/static/console.css",),
)
SIGN_IN = SignIn(PAGES, "agent", NOT_AN_AGENT)


def language(request: Request) -> str:
    """?lang= first, then the console's language cookie, then Accept-Language."""
    return PAGES.language(request)


# --- the console page -----------------------------------------------------------------


def _waited(seconds: int, t: dict[str, str]) -> str:
    minutes = seconds // 60
    if minutes < 1:
        return t["under_minute"]
    if minutes < 60:
        return t["minutes"].format(n=minutes)
    return t["hours"].format(h=minutes // 60, m=minutes % 60)


def _team_views(queue: dict[str, Any], config: HandoffConfig, lang: str) -> list[dict[str, Any]]:
    """The queue's teams with the text the page shows, in the agent's language."""
    t = STRINGS[lang]
    views = []
    for key, team in queue["teams"].items():
        opening = ""
        if team["next_opening"] and key in config.teams:
            moment = datetime.fromisoformat(team["next_opening"]).astimezone(timezone.utc)
            opening = format_moment(moment, lang, config.teams[key].timezone)
        views.append(
            {
                "key": key,
                "name": team["name"].get(lang) or key,
                "open": team["open"],
                "next_opening": t["next_opening"].format(time=opening) if opening else "",
                "waiting": [
                    {**entry, "waited": _waited(int(entry["waiting_seconds"]), t)}
                    for entry in team["waiting"]
                ],
            }
        )
    return views


def _client_data(
    agent: AgentConfig, queue: dict[str, Any], config: HandoffConfig, lang: str
) -> dict[str, Any]:
    """What console.js starts from; the same shapes the JSON API answers with."""
    return {
        "lang": lang,
        "me": {"id": agent.id, "name": agent.name, "teams": list(agent.teams)},
        "queue": queue,
        "teams": {
            key: {"name": team.name, "timezone": team.timezone.key}
            for key, team in config.teams.items()
        },
        "max_message_chars": MAX_AGENT_MESSAGE_CHARS,
        "max_resolution_chars": MAX_RESOLUTION_CHARS,
    }


def _client_strings(lang: str) -> dict[str, Any]:
    index = LANGUAGES.index(lang)
    return {**STRINGS[lang], "errors": {code: texts[index] for code, texts in ERRORS.items()}}


def blueprint() -> Blueprint:
    console = Blueprint("handoff_console")
    PAGES.register(console)
    SIGN_IN.register(console)

    @console.get(CONSOLE_PATH)
    @SIGN_IN.page
    async def console_page(request: Request, agent: AgentConfig) -> HTTPResponse:
        ctx = context(request)
        config = ctx.config.get()
        lang = language(request)
        queue = await queue_view(ctx, agent)
        return SIGN_IN.render(
            request,
            "console.html",
            agent=agent,
            teams=_team_views(queue, config, lang),
            mine=queue["mine"],
            capacity=queue["capacity"],
            client_data=_client_data(agent, queue, config, lang),
            client_strings=_client_strings(lang),
        )

    return console
