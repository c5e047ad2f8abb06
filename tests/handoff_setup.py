"""The handoff config the end-to-end tests run with: both teams staffed around the
clock (or closed, to test tickets), test agents with known passwords and API tokens."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.stack import PROJECT_DIR
from handoff.passwords import hash_password, token_sha256

SUITE_LIMIT = 10**9
ALWAYS = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass(frozen=True)
class TestAgent:
    id: str
    name: str
    teams: tuple[str, ...]
    password: str
    token: str
    roles: tuple[str, ...] = ("agent",)
    max_chats: int = 3

    def config(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "teams": list(self.teams),
            "roles": list(self.roles),
            "max_chats": self.max_chats,
            "password_hash": hash_password(self.password),
            "api_token_sha256": token_sha256(self.token),
        }


AGENTS = {
    agent.id: agent
    for agent in (
        TestAgent("minji", "김민지", ("ko",), "minji-pw", "token-minji-0123456789"),
        TestAgent("jisoo", "이지수", ("ko",), "jisoo-pw", "token-jisoo-0123456789", max_chats=2),
        TestAgent("sam", "Sam Lee", ("en", "ko"), "sam-pw", "token-sam-0123456789"),
        TestAgent(
            "editor", "Editor Kim", (), "editor-pw", "token-editor-0123456789", roles=("editor",)
        ),
        # Reads every conversation, though only in the English team (reading_scope).
        TestAgent(
            "lead",
            "Lead Choi",
            ("en",),
            "lead-pw",
            "token-lead-0123456789",
            roles=("agent", "supervisor"),
        ),
    )
}


@dataclass(frozen=True)
class TestIntegration:
    """A REST integration (handoff.yml `rest`); the stack's environment has its token."""

    name: str
    token_env: str
    token: str

    def config(self) -> dict[str, str]:
        return {"name": self.name, "token_env": self.token_env}

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


INTEGRATIONS = {
    integration.name: integration
    for integration in (
        TestIntegration("helpdesk", "EVA_TEST_REST_TOKEN_HELPDESK", "helpdesk-" + "h" * 40),
        TestIntegration("shopapp", "EVA_TEST_REST_TOKEN_SHOPAPP", "shopapp-" + "s" * 40),
    )
}


def agent_entry(
    agent_id: str,
    password: str,
    token: str | None = None,
    roles: tuple[str, ...] = ("agent",),
    teams: tuple[str, ...] = ("ko",),
) -> dict[str, Any]:
    """One handoff.yml agent, named by its id."""
    entry: dict[str, Any] = {
        "id": agent_id,
        "name": agent_id,
        "teams": list(teams),
        "roles": list(roles),
        "password_hash": hash_password(password),
    }
    if token is not None:
        entry["api_token_sha256"] = token_sha256(token)
    return entry


def write_handoff_config(
    path: Path,
    agents: list[dict[str, Any]],
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """The shipped handoff.yml with only these agents and tickets written beside `path`,
    changed further by `edit`, written to `path`: for the tests that run the web service
    alone with agents of their own."""
    document = yaml.safe_load((PROJECT_DIR / "handoff.yml").read_text(encoding="utf-8"))
    document["agents"] = agents
    document["tickets"]["outbox"] = str(path.parent / "outbox")
    if edit is not None:
        edit(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


class HandoffTestConfig:
    """Writes the config file the stack reads (HANDOFF_CONFIG) and changes it live."""

    def __init__(self, path: Path, outbox: Path) -> None:
        self.path = path
        self.outbox = outbox
        self.data: dict[str, Any] = yaml.safe_load((PROJECT_DIR / "handoff.yml").read_text())
        for team in self.data["teams"].values():
            team["hours"] = dict(ALWAYS)
            team["holidays"] = []
            team["closed_dates"] = []
        self.data["tickets"]["outbox"] = str(outbox)
        # The suite is hundreds of shoppers and agents on one address, 127.0.0.1; the
        # limits themselves are tested with their own, low, values (tests/security).
        self.data["rate_limits"] = {
            "window_seconds": 60,
            "rest": {"per_ip": SUITE_LIMIT, "per_conversation": SUITE_LIMIT},
            "widget": {"per_ip": SUITE_LIMIT},
            "api": {"per_ip": SUITE_LIMIT, "per_conversation": SUITE_LIMIT},
            "identity": {"failures_per_ip": SUITE_LIMIT},
        }
        self.data["agents"] = [agent.config() for agent in AGENTS.values()]
        self.data["rest"] = {"integrations": [i.config() for i in INTEGRATIONS.values()]}
        self.write()

    def write(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(
            yaml.safe_dump(self.data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        os.replace(temporary, self.path)
        # Readers notice a change by mtime at most once a second.
        time.sleep(1.2)

    def set_hours(self, team: str, hours: dict[str, list[str]]) -> None:
        self.data["teams"][team]["hours"] = hours
        self.write()

    def set_queue(self, **values: Any) -> None:
        self.data["queue"].update(values)
        self.write()
