"""The shopper's chat widget in a real browser (Debian's chromium via Playwright), against
the real stack: the demo shop page from the web service, the widget's live channel in the
Rasa server, the action server, the handoff service and Redis (issue #6's acceptance).

- a Korean and an English conversation: greeting, a FAQ, order status with buttons;
- a reload in the middle of a conversation brings the whole history back, once;
- the socket dies while the bot or an agent is sending (client offline; server-side
  close through tests/tcp_proxy.py) and every message is shown once, in order;
- the shopper's HTML is text; keyboard-only use; the mobile layout;
- screenshots for the README (docs/img/widget-{desktop,mobile}-{ko,en}.png), rewritten on
  every run.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from bot.stack import PROJECT_DIR
from tests.browser import launch_chromium
from tests.conftest import RunningBot
from tests.handoff_setup import AGENTS
from tests.replies import has_hangul
from tests.tcp_proxy import TcpProxy
from tests.test_handoff_flow import AgentApi
from tests.widget_client import Frame, WidgetClient, messages

T = TypeVar("T")

REPLY_MS = 30_000  # a bot reply on a busy two-core machine
RECONNECT_MS = 30_000  # the widget's backoff tops out at 10 s
SCREENSHOTS = PROJECT_DIR / "docs" / "img"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

# The browser's own report of a socket that could not connect (expected while the tests
# cut the connection) is not a page error; anything else on the console is.
SOCKET_FAILED = re.compile(r"^WebSocket connection to '\S+' failed")

# The widget's own rendering of one message, straight from its shadow root.
HISTORY_JS = """
chat => Array.from(chat.shadowRoot.querySelectorAll('.log .msg'), m => ({
  seq: m.dataset.seq ? Number(m.dataset.seq) : null,
  role: m.dataset.role || '',
  event: m.dataset.event || null,
  client_id: m.dataset.clientId || null,
  local: m.dataset.local === 'true',
  text: (m.querySelector('.bubble') || m.querySelector('p') || {textContent: ''}).textContent,
}))
"""
FOCUSED_JS = """
chat => {
  const active = chat.shadowRoot.activeElement;
  return document.activeElement === chat && active ? active.className || active.tagName : '';
}
"""


@dataclass(frozen=True)
class Script:
    """One language's conversation: what the shopper says and what must come back."""

    language: str
    greeting: str
    faq: str
    off_topic: str  # answered with the menu's buttons
    order_button: re.Pattern[str]
    order_id: str
    contact: str
    tracking: str
    reload_question: str


SCRIPTS = {
    "ko": Script(
        language="ko",
        greeting="안녕하세요",
        faq="배송은 얼마나 걸려요?",
        off_topic="오늘 날씨 어때요?",
        order_button=re.compile(r"주문\s*조회"),
        order_id="8174420965301178",  # shipped with Cainiao (data/demo/orders.yml)
        contact="010-9034-2251",
        tracking="LP00628471935502",
        reload_question="주문 조회하고 싶어요",
    ),
    "en": Script(
        language="en",
        greeting="hello",
        faq="How long does shipping take?",
        off_topic="What's the weather like today?",
        order_button=re.compile(r"order status", re.IGNORECASE),
        order_id="8174618830259904",  # in customs, Korea Post EMS
        contact="daniel.brooks@example.net",
        tracking="EE482913609KR",
        reload_question="Where is my order?",
    ),
}


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine to the end; in a thread, as Playwright's sync API owns this one's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=90)


# ---------------------------------------------------------------- the page


class Shop:
    """A page with the widget, and what a shopper does in it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        page.on("console", self._console)
        self.chat = page.locator("eva-chat")
        self.launcher = self.chat.locator(".launcher")
        self.panel = self.chat.locator(".panel")
        self.input = self.chat.locator("textarea")
        self.log = self.chat.locator(".log")
        self.stored = self.log.locator(".msg[data-seq]")
        self.outgoing = self.log.locator(".msg.outgoing")
        self.bot = self.log.locator('.msg[data-role="bot"]')
        self.agent = self.log.locator('.msg[data-role="agent"]')
        self.typing = self.chat.locator(".typing")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not SOCKET_FAILED.match(message.text):
            self.problems.append(f"console error: {message.text}")

    @property
    def session_id(self) -> str:
        return str(self.chat.evaluate("chat => chat.sessionId"))

    @property
    def session_token(self) -> str:
        """The signed id the server issued, as the widget keeps it for the next page."""
        return str(self.page.evaluate("() => localStorage.getItem('eva-session-token')"))

    def wait_connected(self) -> None:
        expect(self.chat).to_have_attribute("data-connection", "connected", timeout=RECONNECT_MS)

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.chat).to_have_attribute("data-open", "true")

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.input).to_have_value("")

    def say(self, text: str) -> list[str]:
        """Sends a message; returns the texts of the bot's answer to it."""
        before = self.bot.count()
        self.send(text)
        return self.answer_after(before)

    def answer_after(self, bot_messages_before: int) -> list[str]:
        expect(self.bot.nth(bot_messages_before)).to_be_visible(timeout=REPLY_MS)
        # The reply is complete once the indicator is off (and it must never stay on).
        expect(self.typing).to_be_hidden(timeout=REPLY_MS)
        expect(self.outgoing).to_have_count(0, timeout=REPLY_MS)
        return bot_texts(self.history())[bot_messages_before:]

    def queued(self) -> list[str]:
        """Waits for the notice that the conversation joined an agents' queue."""
        notice = self.chat.locator('.log .msg[data-event="queue"]').first
        expect(notice).to_be_visible(timeout=REPLY_MS)
        expect(self.outgoing).to_have_count(0, timeout=REPLY_MS)
        return [str(row["text"]) for row in self.history() if row.get("event") == "queue"]

    def history(self) -> list[dict[str, Any]]:
        """Every message element in the log, top to bottom."""
        rows: list[dict[str, Any]] = self.chat.evaluate(HISTORY_JS)
        return [row for row in rows if not row["local"]]  # the widget's own notices

    def focused(self) -> str:
        """The class of the focused element inside the widget ('' when focus is elsewhere)."""
        return str(self.page.evaluate(f"({FOCUSED_JS})(document.querySelector('eva-chat'))"))

    def screenshot(self, name: str) -> None:
        self.chat.evaluate(
            "chat => { const log = chat.shadowRoot.querySelector('.log');"
            " log.scrollTop = log.scrollHeight; }"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / name, animations="disabled")

    def assert_no_problems(self) -> None:
        assert self.problems == []


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = launch_chromium(playwright)
    try:
        yield chromium
    finally:
        chromium.close()


@contextmanager
def new_context(browser: Browser, **options: Any) -> Iterator[BrowserContext]:
    """A fresh profile: its own local storage, so its own conversation."""
    context = browser.new_context(**{"viewport": DESKTOP, **options})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def demo_shop(context: BrowserContext, bot: RunningBot) -> Shop:
    """The demo shop page exactly as `make run` serves it, widget included."""
    shop = Shop(context.new_page())
    shop.page.goto(f"{bot.web_url}/")
    shop.wait_connected()
    return shop


# ---------------------------------------------------------------- the server's view


def server_history(bot: RunningBot, session_token: str) -> list[Frame]:
    """Every stored message of a conversation, as a fresh client replaying from seq 0 sees it."""

    async def replay() -> list[Frame]:
        client = WidgetClient(bot.web_url, session_token)
        welcome = await client.connect(last_seq=0)
        try:
            while len(messages(client.frames)) < welcome["last_seq"]:
                await client.wait_for(lambda frame: frame["type"] == "message", timeout=15)
        finally:
            await client.close()
        return messages(client.frames)

    return run_async(replay())


def assert_shown_once_in_order(shop: Shop, bot: RunningBot) -> list[dict[str, Any]]:
    """The page shows exactly the stored conversation: every message once, in seq order,
    nothing left pending; returns the page's history."""
    shown = shop.history()
    seqs = [row["seq"] for row in shown]
    assert None not in seqs, f"messages still pending: {shown}"
    assert seqs == list(range(1, len(seqs) + 1)), f"gap, duplicate or disorder: {seqs}"
    stored = server_history(bot, shop.session_token)
    assert [(row["seq"], row["role"], row["text"]) for row in shown] == [
        (frame["seq"], frame["role"], frame.get("text") or "") for frame in stored
    ]
    return shown


def bot_texts(rows: list[dict[str, Any]]) -> list[str]:
    return [row["text"] for row in rows if row["role"] == "bot"]


# ---------------------------------------------------------------- conversations


def converse(shop: Shop, script: Script, screenshot: str) -> None:
    """Greeting, a FAQ, the menu (screenshot), then order status through its button."""
    korean = script.language == "ko"
    shop.open()
    expect(shop.input).to_be_focused()
    for text in (script.greeting, script.faq):
        answer = shop.say(text)
        assert answer and all(has_hangul(reply) == korean for reply in answer), answer

    answer = shop.say(script.off_topic)
    assert all(has_hangul(reply) == korean for reply in answer), answer
    # Pinned by position: .last would move on to the next answer.
    menu = shop.bot.nth(shop.bot.count() - 1).locator(".quick button")
    expect(menu).not_to_have_count(0)
    assert all(has_hangul(title) == korean for title in menu.all_inner_texts())
    expect(menu.first).to_be_enabled()
    shop.screenshot(screenshot)

    before = shop.bot.count()
    button = menu.filter(has_text=script.order_button)
    button.click()
    # The choice is marked, the menu is spent, and the shopper's answer is the button's title.
    expect(button).to_have_class(re.compile(r"\bchosen\b"))
    expect(menu.first).to_be_disabled()
    asked = shop.answer_after(before)
    assert all(has_hangul(reply) == korean for reply in asked), asked
    assert "16" in " ".join(asked)  # where to find the 16-digit order number
    user = shop.log.locator('.msg[data-role="user"]')
    expect(user.last).to_contain_text(script.order_button)

    asked = shop.say(script.order_id)
    assert all(has_hangul(reply) == korean for reply in asked), asked
    status = " ".join(shop.say(script.contact))
    assert script.tracking in status and has_hangul(status) == korean, status
    expect(shop.typing).to_be_hidden()


def test_korean_conversation_on_the_demo_page(bot: RunningBot, browser: Browser) -> None:
    with new_context(browser) as context:
        shop = demo_shop(context, bot)
        expect(shop.chat).to_have_attribute("data-language", "ko")
        expect(shop.input).to_have_attribute("placeholder", re.compile("[가-힣]"))
        converse(shop, SCRIPTS["ko"], "widget-desktop-ko.png")
        assert_shown_once_in_order(shop, bot)
        shop.assert_no_problems()


def test_english_conversation_after_the_page_switches_language(
    bot: RunningBot, browser: Browser
) -> None:
    with new_context(browser) as context:
        shop = demo_shop(context, bot)
        shop.page.locator("#lang-switch").click()
        expect(shop.page.locator("html")).to_have_attribute("lang", "en")
        expect(shop.chat).to_have_attribute("data-language", "en")
        expect(shop.launcher).to_have_attribute("aria-label", "Chat with us")
        expect(shop.input).to_have_attribute("placeholder", "Type a message")
        converse(shop, SCRIPTS["en"], "widget-desktop-en.png")
        assert_shown_once_in_order(shop, bot)
        shop.assert_no_problems()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_reload_mid_conversation_brings_the_history_back(
    bot: RunningBot, browser: Browser, language: str
) -> None:
    script = SCRIPTS[language]
    with new_context(browser) as context:
        shop = demo_shop(context, bot)
        if language == "en":
            shop.chat.evaluate("chat => chat.setLanguage('en')")
        shop.open()
        shop.say(script.greeting)
        shop.say(script.reload_question)
        shop.say(script.order_id)  # the bot now waits for the e-mail or phone
        before = assert_shown_once_in_order(shop, bot)
        session_id = shop.session_id

        shop.page.reload()
        shop.wait_connected()
        expect(shop.stored).to_have_count(len(before), timeout=REPLY_MS)
        assert shop.session_id == session_id
        assert shop.history() == before  # the same messages, in the same order, once each
        expect(shop.chat).to_have_attribute("data-open", "true")  # still open after reload
        if language == "en":
            # The demo page does not remember its language: back to English, as a shop's page
            # rendered in the shopper's language would be (the widget reconnects to say so).
            shop.chat.evaluate("chat => chat.setLanguage('en')")
            shop.wait_connected()

        # The conversation goes on where it was: the next answer is the order's status.
        status = " ".join(shop.say(script.contact))
        assert script.tracking in status and has_hangul(status) == (language == "ko")
        after = assert_shown_once_in_order(shop, bot)
        assert after[: len(before)] == before
        shop.assert_no_problems()


def test_a_tampered_stored_id_starts_a_new_conversation(bot: RunningBot, browser: Browser) -> None:
    """The page keeps only the id the server signed (#21): one changed in the browser's
    storage opens nothing, and the page says so and goes on in a new conversation."""
    script = SCRIPTS["ko"]
    with new_context(browser) as context:
        shop = demo_shop(context, bot)
        shop.open()
        shop.say(script.greeting)
        first_id, token = shop.session_id, shop.session_token
        forged = token[:-1] + ("B" if token.endswith("A") else "A")
        shop.page.evaluate("token => localStorage.setItem('eva-session-token', token)", forged)

        shop.page.reload()
        shop.wait_connected()
        notice = shop.log.locator('.msg[data-local="true"]', has_text="새 대화를 시작했어요")
        expect(notice).to_be_visible(timeout=REPLY_MS)
        expect(shop.stored).to_have_count(0)
        assert shop.session_id not in ("", first_id)
        assert shop.session_token not in (token, forged)

        assert shop.say(script.greeting)  # the page keeps working, in the new conversation
        assert_shown_once_in_order(shop, bot)
        shop.assert_no_problems()


# ---------------------------------------------------------------- dropped connections

PROXY_PAGE = """<!doctype html>
<html lang="ko">
<head><meta charset="utf-8"><title>Proxy test</title></head>
<body>
<h1>Eva behind a proxy</h1>
<script src="/widget/eva-widget.js" data-server="http://127.0.0.1:{port}"
        data-language="ko" defer></script>
</body>
</html>
"""


@contextmanager
def shop_behind_a_proxy(bot: RunningBot, browser: Browser) -> Iterator[tuple[Shop, TcpProxy]]:
    """A page from the web service's origin (so the socket's Origin is allowed) whose widget
    talks to the web service through a proxy that can cut the connection."""
    config = bot.stack.config
    with TcpProxy(config.host, config.web_port) as proxy:
        # Chromium's Local Network Access checks count a page fulfilled by page.route as
        # public, so its socket to a loopback port needs the permission (a page the web
        # service itself served would not).
        with new_context(browser, permissions=["local-network-access"]) as context:
            page = context.new_page()
            body = PROXY_PAGE.format(port=proxy.port)
            page.route(
                f"{bot.web_url}/proxy-test",
                lambda route: route.fulfill(
                    status=200, content_type="text/html; charset=utf-8", body=body
                ),
            )
            shop = Shop(page)
            page.goto(f"{bot.web_url}/proxy-test")
            shop.wait_connected()
            assert proxy.open_connections == 1
            yield shop, proxy


def wait_for_stored_bot_messages(bot: RunningBot, session_token: str, count: int) -> None:
    """Until the server has stored `count` bot messages of the conversation."""
    for _ in range(60):
        if len(messages(server_history(bot, session_token), "bot")) >= count:
            return
        run_async(asyncio.sleep(0.5))
    raise AssertionError(f"the server never stored {count} bot messages")


def test_client_offline_while_the_bot_answers(bot: RunningBot, browser: Browser) -> None:
    script = SCRIPTS["ko"]
    with shop_behind_a_proxy(bot, browser) as (shop, proxy):
        context = shop.page.context
        shop.open()
        shop.say(script.greeting)
        session_token = shop.session_token

        # The question goes out; the ack, its echo and the bot's answer are on their way
        # back when the shopper's network goes: they are lost with the socket.
        proxy.hold(True)
        shop.send(script.faq)
        wait_for_stored_bot_messages(bot, session_token, 2)
        context.set_offline(True)
        assert proxy.drop_all() == 1
        proxy.hold(False)
        expect(shop.chat).to_have_attribute("data-connection", "offline")
        expect(shop.bot).to_have_count(1)
        # Never acknowledged: still the shopper's pending message.
        expect(shop.outgoing).to_have_count(1)

        # Typed while offline: kept in the page, sent after the reconnect.
        offline_text = "환불은 어떻게 받나요?"
        shop.send(offline_text)
        expect(shop.outgoing).to_have_count(2)
        expect(shop.outgoing.last).to_have_attribute("data-status", "pending")
        expect(shop.outgoing.last).to_contain_text(offline_text)
        expect(shop.outgoing.last.locator(".meta")).to_have_text("연결되면 보냅니다")

        context.set_offline(False)  # "online": the widget reconnects at once
        shop.wait_connected()
        expect(shop.outgoing).to_have_count(0, timeout=REPLY_MS)
        expect(shop.bot).to_have_count(3, timeout=REPLY_MS)  # greeting, FAQ, refund answer
        expect(shop.typing).to_be_hidden(timeout=REPLY_MS)

        shown = assert_shown_once_in_order(shop, bot)
        users = [row["text"] for row in shown if row["role"] == "user"]
        assert users == [script.greeting, script.faq, offline_text]
        assert all(has_hangul(text) for text in bot_texts(shown))
        assert len(set(bot_texts(shown))) == 3
        shop.assert_no_problems()


def test_server_drops_the_socket_while_an_agent_writes(bot: RunningBot, browser: Browser) -> None:
    agent_id = "minji"
    agent = AgentApi(bot, agent_id)
    agent_says = [
        "안녕하세요, 김민지입니다.",
        "주문번호를 확인하고 있어요.",
        "잠시만 기다려 주세요!",
    ]
    session_id = ""
    with shop_behind_a_proxy(bot, browser) as (shop, proxy):
        try:
            shop.open()
            session_id = shop.session_id
            shop.chat.locator(".agent-button").click()  # "상담원 연결": always there
            queued = shop.queued()
            assert queued and all(has_hangul(text) for text in queued), queued

            # The server goes away mid-conversation, and stays away for a while.
            proxy.refuse(True)
            assert proxy.drop_all() == 1
            expect(shop.chat).not_to_have_attribute("data-connection", "connected")

            path = f"/conversations/{session_id}"
            status, body = run_async(agent.call("POST", f"{path}/claim"))
            assert status == 200, body
            for text in agent_says:
                status, body = run_async(agent.call("POST", f"{path}/messages", {"text": text}))
                assert status == 200, body
            offline_text = "네, 기다릴게요"
            shop.send(offline_text)
            expect(shop.outgoing).to_have_attribute("data-status", "pending")
            expect(shop.agent).to_have_count(0)

            proxy.refuse(False)
            shop.wait_connected()
            expect(shop.agent).to_have_count(3, timeout=REPLY_MS)
            expect(shop.outgoing).to_have_count(0, timeout=REPLY_MS)
            expect(shop.chat).to_have_attribute("data-handoff", "with_agent")
            expect(shop.chat.locator(".handoff")).not_to_be_empty()

            shown = assert_shown_once_in_order(shop, bot)
            assert [row["text"] for row in shown if row["role"] == "agent"] == agent_says
            assert [row["text"] for row in shown if row["role"] == "user"].count(offline_text) == 1
            joined = [row for row in shown if row["event"] == "agent_joined"]
            assert len(joined) == 1 and AGENTS[agent_id].name in joined[0]["text"]
            # The agent's first message comes after the join, the shopper's after the agent's.
            order = [row["text"] for row in shown]
            assert order.index(agent_says[0]) > order.index(joined[0]["text"])
            assert order.index(offline_text) > order.index(agent_says[-1])
            shop.assert_no_problems()
        finally:
            if session_id:
                close_handoff(agent, session_id)


def test_header_names_the_agent_after_a_reload(bot: RunningBot, browser: Browser) -> None:
    agent_id = "minji"
    agent = AgentApi(bot, agent_id)
    with new_context(browser) as context:
        shop = demo_shop(context, bot)
        shop.open()
        session_id = shop.session_id
        try:
            shop.chat.locator(".agent-button").click()
            shop.queued()
            status, body = run_async(agent.call("POST", f"/conversations/{session_id}/claim"))
            assert status == 200, body
            header = shop.chat.locator(".handoff")
            expect(header).to_contain_text(AGENTS[agent_id].name)  # live: from agent_joined
            shop.page.reload()
            shop.wait_connected()
            expect(shop.chat).to_have_attribute("data-handoff", "with_agent")
            expect(header).to_contain_text(AGENTS[agent_id].name, timeout=5_000)
        finally:
            close_handoff(agent, session_id)


def close_handoff(agent: AgentApi, session_id: str) -> None:
    """Leaves the queue clean for the other tests: claimed (if it was not yet) and closed."""
    path = f"/conversations/{session_id}"
    status, _ = run_async(agent.call("POST", f"{path}/close", {"resolution": "browser test"}))
    if status != 200:
        run_async(agent.call("POST", f"{path}/claim"))
        status, body = run_async(
            agent.call("POST", f"{path}/close", {"resolution": "browser test"})
        )
        assert status == 200, body


# ---------------------------------------------------------------- safety, keyboard, mobile

XSS = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=2</script>"]


def test_shopper_html_is_shown_as_text(bot: RunningBot, browser: Browser) -> None:
    with new_context(browser) as context:
        shop = demo_shop(context, bot)
        shop.open()
        for payload in XSS:
            shop.send(payload)
            # Pending and then stored: text both times.
            expect(shop.log.locator(".msg.user").last.locator(".bubble")).to_have_text(payload)
        expect(shop.bot).to_have_count(2, timeout=REPLY_MS)
        expect(shop.outgoing).to_have_count(0, timeout=REPLY_MS)

        def assert_inert() -> None:
            users = shop.log.locator('.msg[data-role="user"] .bubble')
            expect(users).to_have_text(XSS)
            expect(shop.log.locator("img")).to_have_count(0)
            expect(shop.log.locator("script")).to_have_count(0)
            assert shop.page.evaluate("typeof window.__xss") == "undefined"

        assert_inert()
        shop.page.reload()  # the replayed history is text as well
        shop.wait_connected()
        expect(shop.stored).to_have_count(4, timeout=REPLY_MS)
        assert_inert()
        shop.assert_no_problems()


def test_keyboard_only(bot: RunningBot, browser: Browser) -> None:
    with new_context(browser) as context:
        shop = demo_shop(context, bot)
        keyboard = shop.page.keyboard
        for _ in range(60):  # through the shop's links and buttons to the launcher
            keyboard.press("Tab")
            if "launcher" in shop.focused():
                break
        assert "launcher" in shop.focused()

        keyboard.press("Enter")
        expect(shop.panel).to_be_visible()
        expect(shop.input).to_be_focused()  # opening moves focus into the chat

        keyboard.type(SCRIPTS["ko"].greeting)
        keyboard.press("Enter")
        answer = shop.answer_after(0)
        assert answer and has_hangul(answer[0])
        expect(shop.input).to_be_focused()

        for _ in range(10):  # the agent button sits just above the message box
            keyboard.press("Shift+Tab")
            if "agent-button" in shop.focused():
                break
        agent_button = shop.chat.locator(".agent-button")
        expect(agent_button).to_be_focused()
        expect(agent_button).to_have_text("상담원 연결")

        keyboard.press("Escape")
        expect(shop.panel).to_be_hidden()
        expect(shop.chat).to_have_attribute("data-open", "false")
        expect(shop.launcher).to_be_focused()
        assert "launcher" in shop.focused()
        expect(shop.launcher).to_have_attribute("aria-expanded", "false")
        shop.assert_no_problems()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_mobile_panel_covers_the_screen(bot: RunningBot, browser: Browser, language: str) -> None:
    script = SCRIPTS[language]
    korean = language == "ko"
    options = {"viewport": MOBILE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    with new_context(browser, **options) as context:
        shop = demo_shop(context, bot)
        if not korean:
            shop.chat.evaluate("chat => chat.setLanguage('en')")
            expect(shop.chat).to_have_attribute("data-language", "en")
        launcher = shop.launcher.bounding_box()
        assert launcher and launcher["x"] + launcher["width"] <= MOBILE["width"]
        shop.launcher.tap()
        expect(shop.panel).to_be_visible()
        box = shop.panel.bounding_box()
        assert box is not None
        assert (box["x"], box["y"]) == (0, 0)
        assert (box["width"], box["height"]) == (MOBILE["width"], MOBILE["height"])
        expect(shop.launcher).to_be_hidden()  # the close button in the header does its job
        for part in (shop.chat.locator(".close"), shop.input, shop.chat.locator(".agent-button")):
            part_box = part.bounding_box()
            assert part_box is not None
            assert part_box["x"] >= 0 and part_box["x"] + part_box["width"] <= MOBILE["width"]
            assert part_box["y"] >= 0 and part_box["y"] + part_box["height"] <= MOBILE["height"]

        shop.say(script.greeting)
        answer = shop.say(script.off_topic)
        assert all(has_hangul(text) == korean for text in answer), answer
        expect(shop.bot.last.locator(".quick button")).not_to_have_count(0)
        shop.screenshot(f"widget-mobile-{language}.png")

        shop.chat.locator(".close").tap()
        expect(shop.panel).to_be_hidden()
        expect(shop.launcher).to_be_visible()
        shop.assert_no_problems()
