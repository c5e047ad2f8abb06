"""The demo shop page under its strict Content-Security-Policy (style-src 'self', no
'unsafe-inline'; issue #21) in a real browser (Debian's chromium via Playwright): the
browser reports no violation, and both the page (web/demo/demo.css) and the widget (a
constructable stylesheet in its shadow root) are styled.

The web service alone (`python -m handoff`, real Redis, no Rasa): nothing here needs
the bot to answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, expect, sync_playwright

from bot.redis_server import RedisSettings
from tests.browser import launch_chromium
from tests.web_service import web_service

# Collected from the first script on, before the page's own: every violation the
# browser reports as an event (document-wide; a shadow root's bubble up to it).
RECORD_VIOLATIONS_JS = """
window.evaViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.evaViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
}, true);
"""
LAUNCHER_JS = """
chat => {
  const launcher = chat.shadowRoot.querySelector('.launcher');
  const style = getComputedStyle(launcher);
  return {
    background: style.backgroundColor,
    position: style.position,
    width: launcher.getBoundingClientRect().width,
    height: launcher.getBoundingClientRect().height,
    adopted: chat.shadowRoot.adoptedStyleSheets.length,
    styleElements: chat.shadowRoot.querySelectorAll('style').length,
  };
}
"""


@pytest.fixture(scope="module")
def port(redis_settings: RedisSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    run_dir: Path = tmp_path_factory.mktemp("browser-csp")
    with web_service(redis_settings, run_dir, {}) as started:
        yield started


def test_the_demo_page_and_widget_are_styled_without_a_policy_violation(port: int) -> None:
    reported: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            reported.append(message.text)

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(RECORD_VIOLATIONS_JS)
            page.on("console", on_console)
            answer = page.goto(f"http://localhost:{port}/")
            assert answer is not None and answer.ok
            policy = answer.headers["content-security-policy"]
            assert "style-src 'self';" in policy and "unsafe-inline" not in policy

            # The page's look comes from demo.css: the brand colour, the colour chips.
            expect(page.locator(".btn.buy")).to_have_css("background-color", "rgb(179, 38, 30)")
            expect(page.locator(".chip.ivory")).to_have_css(
                "background-color", "rgb(233, 226, 212)"
            )
            expect(page.locator("svg.sprite")).to_have_css("width", "0px")

            # The widget's look comes from its adopted stylesheet, not a <style> element.
            chat = page.locator("eva-chat")
            launcher = chat.locator(".launcher")
            expect(launcher).to_be_visible()
            expect(launcher).to_have_css("position", "fixed")
            styled = chat.evaluate(LAUNCHER_JS)
            assert styled["adopted"] == 1 and styled["styleElements"] == 0, styled
            assert styled["background"] not in ("", "rgba(0, 0, 0, 0)"), styled
            assert styled["width"] == 60 and styled["height"] == 60, styled

            # Opening the panel styles everything in it from the same sheet.
            launcher.click()
            expect(chat.locator(".panel")).to_be_visible()
            expect(chat.locator(".panel")).to_have_css("position", "fixed")

            assert page.evaluate("() => window.evaViolations") == []
            assert reported == []
        finally:
            browser.close()
