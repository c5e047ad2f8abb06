"""Launching the system Chromium (installed by apt) for Playwright browser tests."""

from __future__ import annotations

import shutil

from playwright.sync_api import Browser, Playwright

# No sandbox (containers and CI run as root), no GPU, and nothing that calls home: the
# tests must not depend on, or wait for, the network beyond the servers they start.
CHROMIUM_ARGS: list[str] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """The system chromium binary; Playwright's own browser download is not used."""
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("chromium is not on PATH (apt-get install chromium)")
    return path


def launch_chromium(playwright: Playwright) -> Browser:
    """A headless Chromium for ``sync_playwright()`` tests; close it when done."""
    return playwright.chromium.launch(
        executable_path=chromium_path(),
        args=CHROMIUM_ARGS,
        headless=True,
    )
