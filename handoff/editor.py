"""The review inbox at /editor: messages the bot did not understand, for editors to label.

Sign-in is the console's (handoff.signin: same session cookie, same checks), for agents
with the `editor` role. The page is rendered on the server with the inbox in it; web/editor/
editor.js accepts and dismisses through /api/editor/..., which answer errors as JSON
in Korean and English. Accepted examples go to data/nlu/<lang>/inbox.yml (EVA_DATA_DIR
moves the data folder), see bot/inbox/training_file.py.
"""

from __future__ import annotations

import asyncio
import functools
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.faq.store import FaqStore
from bot.inbox.catalog import Catalog, data_dir, domain_path, load_catalog
from bot.inbox.errors import Rejected, rejected
from bot.inbox.store import InboxItem, InboxStore
from bot.inbox.training_file import append_example, inbox_path
from bot.language import SUPPORTED_LANGUAGES, Language
from bot.stack import PROJECT_DIR
from handoff.api import agent_call, context, json_body
from handoff.config import AgentConfig
from handoff.signin import SignIn
from handoff.web_pages import Pages

EDITOR_DIR = PROJECT_DIR / "web" / "editor"
PAGE_PATH = "/editor"
ROLE = "editor"
LANG_COOKIE = "eva_editor_lang"
MAX_ITEMS_SHOWN = 200
_ITEM_ID = re.compile(r"^[0-9a-f]{20}$")

NOT_AN_EDITOR = {
    "ko": "이 계정에는 편집자 역할이 없어 검토함을 쓸 수 없어요. 관리자에게 문의해 주세요.",
    "en": "This account does not have the editor role, so it cannot use the review inbox. "
    "Please ask an administrator.",
}

STRINGS: dict[str, dict[str, str]] = {
    "ko": {
        "title": "Eva 검토함",
        "login_title": "편집자 로그인",
        "login_intro": "편집자 아이디와 비밀번호로 로그인해 주세요.",
        "agent_id": "아이디",
        "password": "비밀번호",
        "login_button": "로그인",
        "forbidden_title": "검토함을 쓸 수 없는 계정이에요",
        "back_to_login": "다른 계정으로 로그인",
        "language": "언어",
        "logout": "로그아웃",
        "signed_in_as": "로그인한 편집자:",
        "no_js": "이 페이지를 쓰려면 자바스크립트를 켜 주세요.",
        "intro": "챗봇이 이해하지 못했거나(폴백), 도울 수 없는 질문(out_of_scope)으로 봤거나, "
        "확신이 낮았던 실제 고객 메시지예요. "
        "개인정보는 저장 전에 가려져요. 알맞은 의도나 FAQ 항목을 골라 추가하면 "
        "{file} 파일에 예문으로 들어가요. 검토 후 make validate, make train, "
        "make publish로 반영하세요.",
        "section_ko": "한국어",
        "section_en": "영어",
        "empty": "검토할 메시지가 없어요.",
        "times": "{n}회",
        "guess": "챗봇의 추측: {intent} ({confidence})",
        "no_guess": "챗봇의 추측: 없음",
        "fell_back": "폴백",
        "last_seen": "마지막: {time}",
        "text_label": "예문 (고칠 수 있어요)",
        "label_label": "의도 또는 FAQ 항목",
        "choose": "골라 주세요…",
        "intents": "의도",
        "faq_entries": "FAQ 항목",
        "accept": "추가",
        "dismiss": "무시",
        "accepted_done": "{file}에 {intent}의 예문으로 추가했어요.",
        "dismissed_done": "무시했어요. 이 메시지는 다시 나타나지 않아요.",
        "choose_first": "먼저 의도나 FAQ 항목을 골라 주세요.",
        "error_network": "서버에 연결할 수 없어요. 잠시 후 다시 시도해 주세요.",
        "error_unknown": "요청을 처리하지 못했어요. 다시 시도해 주세요.",
        "close_alert": "알림 닫기",
    },
    "en": {
        "title": "Eva review inbox",
        "login_title": "Editor sign-in",
        "login_intro": "Sign in with your editor ID and password.",
        "agent_id": "ID",
        "password": "Password",
        "login_button": "Sign in",
        "forbidden_title": "This account cannot use the review inbox",
        "back_to_login": "Sign in with another account",
        "language": "Language",
        "logout": "Log out",
        "signed_in_as": "Signed in as",
        "no_js": "Please turn on JavaScript to use this page.",
        "intro": "Real shoppers' messages the bot did not understand (fallback), took for "
        "something it cannot help with (out_of_scope), or was unsure about. Personal data "
        "is masked before they are stored. Choose the right intent or FAQ entry and accept, "
        "and the message becomes an example in {file}. After review: make validate, "
        "make train, make publish.",
        "section_ko": "Korean",
        "section_en": "English",
        "empty": "Nothing to review.",
        "times": "{n}×",
        "guess": "The bot guessed: {intent} ({confidence})",
        "no_guess": "The bot guessed: nothing",
        "fell_back": "fallback",
        "last_seen": "last: {time}",
        "text_label": "Example (you may edit it)",
        "label_label": "Intent or FAQ entry",
        "choose": "Choose…",
        "intents": "Intents",
        "faq_entries": "FAQ entries",
        "accept": "Accept",
        "dismiss": "Dismiss",
        "accepted_done": "Added to {file} as an example of {intent}.",
        "dismissed_done": "Dismissed. This message will not come back.",
        "choose_first": "Please choose an intent or an FAQ entry first.",
        "error_network": "Cannot reach the server. Please try again in a moment.",
        "error_unknown": "That did not work. Please try again.",
        "close_alert": "Dismiss",
    },
}


PAGES = Pages(
    root=PAGE_PATH,
    folder=EDITOR_DIR,
    strings=STRINGS,
    lang_cookie=LANG_COOKIE,
    title_key="title",
    # The console's look (colours, buttons, cards, alerts), plus the inbox's own rules.
    stylesheets=("/agent/static/console.css", "/editor/static/editor.css"),
)
SIGN_IN = SignIn(PAGES, ROLE, NOT_AN_EDITOR)


@functools.cache
def _faq_store(folder: Path) -> FaqStore:
    # One per folder and process: it re-reads the files only when they change.
    return FaqStore(folder)


def _catalog() -> Catalog:
    return load_catalog(domain_path(), _faq_store(data_dir() / "faq"))


def _store(request: Request) -> InboxStore:
    return InboxStore(context(request).client)


def language(request: Request) -> str:
    """?lang= first, then the editor's language cookie, then Accept-Language."""
    return PAGES.language(request)


def _seen(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _item_view(item: InboxItem) -> dict[str, Any]:
    return {**item.as_json(), "last_seen_text": _seen(item.last_seen)}


def _catalog_view(catalog: Catalog, lang: str) -> dict[str, Any]:
    code: Language = "ko" if lang == "ko" else "en"
    return {
        "intents": list(catalog.intents),
        "faq": [{"key": choice.key, "question": choice.question[code]} for choice in catalog.faq],
    }


def _error(error: Rejected) -> HTTPResponse:
    return response.json(error.as_json(), status=error.status)


async def _item(request: Request, item_id: str) -> InboxItem:
    item = await _store(request).get(item_id) if _ITEM_ID.match(item_id) else None
    if item is None:
        raise rejected("not_found", 404)
    return item


def blueprint() -> Blueprint:
    editor = Blueprint("editor")

    PAGES.register(editor)
    SIGN_IN.register(editor)

    @editor.get(PAGE_PATH)
    @SIGN_IN.page
    async def page(request: Request, agent: AgentConfig) -> HTTPResponse:
        lang = language(request)
        items = await _store(request).all_items(MAX_ITEMS_SHOWN)
        try:
            catalog_view = _catalog_view(_catalog(), lang)
            problem = None
        except Rejected as error:
            catalog_view, problem = {"intents": [], "faq": []}, error.message
        sections = [
            {"language": code, "entries": [_item_view(i) for i in items[code]]}
            for code in SUPPORTED_LANGUAGES
        ]
        files = ", ".join(inbox_path(Path("data"), code).as_posix() for code in SUPPORTED_LANGUAGES)
        return SIGN_IN.render(
            request,
            "editor.html",
            agent=agent,
            sections=sections,
            catalog=catalog_view,
            problem=problem,
            inbox_files=files,
            client_strings=STRINGS[lang],
        )

    @editor.get("/api/editor/items")
    @agent_call(ROLE)
    async def list_items(request: Request, agent: AgentConfig) -> HTTPResponse:
        items = await _store(request).all_items(MAX_ITEMS_SHOWN)
        return response.json({code: [i.as_json() for i in found] for code, found in items.items()})

    @editor.get("/api/editor/labels")
    @agent_call(ROLE)
    async def labels(request: Request, agent: AgentConfig) -> HTTPResponse:
        try:
            return response.json(_catalog_view(_catalog(), language(request)))
        except Rejected as error:
            return _error(error)

    @editor.post("/api/editor/items/<item_id:str>/accept")
    @agent_call(ROLE)
    async def accept(request: Request, agent: AgentConfig, item_id: str) -> HTTPResponse:
        body = json_body(request)
        try:
            item = await _item(request, item_id)
            label = _catalog().label(body.get("label"))
            text = body.get("text", item.text)
            # File work (reading every training file, fsync) stays off the event loop.
            added = await asyncio.get_running_loop().run_in_executor(
                None, append_example, data_dir(), item.language, label, text
            )
        except Rejected as error:
            return _error(error)
        await _store(request).resolve(item)
        return response.json(
            {"item": item.id, "file": added.file, "intent": added.intent, "text": added.text}
        )

    @editor.post("/api/editor/items/<item_id:str>/dismiss")
    @agent_call(ROLE)
    async def dismiss(request: Request, agent: AgentConfig, item_id: str) -> HTTPResponse:
        try:
            item = await _item(request, item_id)
        except Rejected as error:
            return _error(error)
        await _store(request).resolve(item)
        return response.json({"item": item.id})

    return editor
