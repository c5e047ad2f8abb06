"""The tasks the bot's menu offers, with their titles in each language (domain.yml).

Buttons that start a task elsewhere ("Did you mean ...?", an FAQ answer's "Cancel an
order") use the menu's titles, so a task reads the same wherever it is offered.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.language import Language

# The response whose buttons are the menu. Rasa sends these actions no domain (it is
# 95 KB, bot/action_domain.py), so the file is read, again only once it has changed.
MENU_RESPONSE = "utter_how_can_i_help"
DOMAIN_PATH = Path("domain.yml")


def task_titles(language: Language) -> dict[str, str]:
    """The menu's buttons in a language: payload (/intent) -> title."""
    path = DOMAIN_PATH.resolve()
    return dict(_task_titles(path, path.stat().st_mtime_ns).get(language, {}))


@lru_cache(maxsize=2)
def _task_titles(path: Path, modified: int) -> dict[str, dict[str, str]]:
    domain: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    titles: dict[str, dict[str, str]] = {}
    for variant in (domain.get("responses") or {}).get(MENU_RESPONSE) or []:
        for condition in variant.get("condition") or []:
            if condition.get("name") == "language":
                buttons = variant.get("buttons") or []
                titles[condition.get("value")] = {b["payload"]: b["title"] for b in buttons}
    return titles
