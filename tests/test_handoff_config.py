"""handoff.yml loading and checking, agent password hashes and `eva hash-password`."""

from __future__ import annotations

import copy
import io
import re
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import hash_password as hash_password_cli
from bot.stack import PROJECT_DIR
from handoff.config import (
    END_OF_DAY,
    HandoffConfigError,
    config_path,
    load_config,
)
from handoff.passwords import (
    hash_password,
    is_password_hash,
    token_sha256,
    verify_password,
    verify_token,
)

PASSWORD_HASH = hash_password("correct horse")
TOKEN_HASH = token_sha256("agent-token")

BASE: dict[str, Any] = {
    "teams": {
        "ko": {
            "name": {"ko": "한국어 상담팀", "en": "Korean team"},
            "timezone": "Asia/Seoul",
            "hours": {day: ["09:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": ["KR"],
            "closed_dates": ["2026-12-31"],
        },
        "en": {
            "name": {"ko": "영어 상담팀", "en": "English team"},
            "timezone": "America/New_York",
            "hours": {"mon": ["09:00-12:00", "13:00-17:00"], "sat": ["20:00-24:00"]},
            "holidays": ["us"],
            "closed_dates": [],
        },
    },
    "queue": {"abandon_after_seconds": 600, "minutes_per_chat": 4},
    "tickets": {
        "outbox": ".run/outbox",
        "from": "Eva <eva@shop.example>",
        "to": "Customer service <help@shop.example>",
        "reply_within_hours": 48,
        "callback_within_minutes": 20,
    },
    "agents": [
        {
            "id": "minji",
            "name": "Minji",
            "teams": ["ko"],
            "password_hash": PASSWORD_HASH,
        },
        {
            "id": "sam",
            "name": "Sam",
            "teams": ["en", "ko"],
            "roles": ["agent", "editor"],
            "max_chats": 5,
            "password_hash": PASSWORD_HASH,
            "api_token_sha256": TOKEN_HASH,
        },
    ],
}


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "handoff.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_complete_file_loads(tmp_path):
    config = load_config(write(tmp_path, BASE))

    ko, en = config.teams["ko"], config.teams["en"]
    assert list(config.teams) == ["ko", "en"]
    assert ko.timezone.key == "Asia/Seoul"
    assert ko.name == {"ko": "한국어 상담팀", "en": "Korean team"}
    assert ko.hours[0] == ((time(9), time(18)),)
    assert set(ko.hours) == {0, 1, 2, 3, 4}
    assert ko.closed_dates == frozenset({date(2026, 12, 31)})
    assert ko.holidays == ("KR",)
    assert en.holidays == ("US",)
    assert en.hours[0] == ((time(9), time(12)), (time(13), time(17)))
    assert en.hours[5] == ((time(20), END_OF_DAY),)

    assert config.queue.abandon_after_seconds == 600
    assert config.queue.minutes_per_chat == 4.0
    assert config.tickets.outbox == PROJECT_DIR / ".run" / "outbox"
    assert config.tickets.sender == "Eva <eva@shop.example>"
    assert config.tickets.recipient == "Customer service <help@shop.example>"
    assert (config.tickets.reply_within_hours, config.tickets.callback_within_minutes) == (48, 20)


def test_agents_get_defaults(tmp_path):
    agents = load_config(write(tmp_path, BASE)).agents

    assert list(agents) == ["minji", "sam"]
    minji, sam = agents["minji"], agents["sam"]
    assert minji.roles == frozenset({"agent"})
    assert minji.max_chats == 3
    assert minji.api_token_sha256 is None
    assert minji.teams == ("ko",)
    assert sam.roles == frozenset({"agent", "editor"})
    assert sam.max_chats == 5
    assert sam.teams == ("en", "ko")
    assert sam.api_token_sha256 == TOKEN_HASH


def test_unquoted_dates_and_absolute_outbox(tmp_path):
    text = write(tmp_path, BASE).read_text(encoding="utf-8")
    text = text.replace("- '2026-12-31'", "- 2026-12-25")
    text = text.replace("outbox: .run/outbox", f"outbox: {tmp_path / 'mail'}")
    path = tmp_path / "unquoted.yml"
    path.write_text(text, encoding="utf-8")

    config = load_config(path)

    assert config.teams["ko"].closed_dates == frozenset({date(2026, 12, 25)})
    assert config.tickets.outbox == tmp_path / "mail"


def test_team_for_language(tmp_path):
    config = load_config(write(tmp_path, BASE))

    assert config.team_for_language("ko").key == "ko"
    assert config.team_for_language("en").key == "en"
    assert config.team_for_language("en-US").key == "en"
    assert config.team_for_language("ja").key == "ko"


def test_the_shipped_file_loads():
    config = load_config(PROJECT_DIR / "handoff.yml")

    assert {"ko", "en"} <= set(config.teams)


def test_config_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("HANDOFF_CONFIG", raising=False)
    assert config_path() == PROJECT_DIR / "handoff.yml"

    monkeypatch.setenv("HANDOFF_CONFIG", str(tmp_path / "other.yml"))
    assert config_path() == tmp_path / "other.yml"


def changed(path: list[str | int], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


_DELETE = object()

BROKEN = [
    (["teams", "ko", "hours", "mon"], ["18:00-09:00"], "bad time range '18:00-09:00'"),
    (["teams", "ko", "hours", "mon"], ["9-18"], "bad time range '9-18'"),
    (["teams", "ko", "hours", "mon"], ["09:00-24:30"], "not a time of day"),
    (["teams", "ko", "hours", "mon"], ["09:00-12:00", "11:00-13:00"], "overlapping"),
    (["teams", "ko", "hours", "monday"], ["09:00-18:00"], "unknown weekday 'monday'"),
    (["teams", "ko", "timezone"], "Asia/Busan", "unknown time zone 'Asia/Busan'"),
    (["teams", "ko", "holidays"], ["XX"], "unknown holiday country 'XX'"),
    (["teams", "ko", "closed_dates"], ["2026-13-01"], "not a date"),
    (["teams", "ko", "name"], {"ko": "한국어 상담팀"}, "missing the name in en"),
    (["teams", "ko", "opening"], "9", "unknown key(s) opening"),
    (["teams", "en"], _DELETE, "missing the en team"),
    (["teams", "ko"], _DELETE, "missing the ko team"),
    (["teams"], ["ko", "en"], "teams: must be a mapping"),
    (["queue", "minutes_per_chat"], 0, "queue.minutes_per_chat: must be a number above 0"),
    (["queue", "abandon_after_seconds"], True, "abandon_after_seconds: must be a whole number"),
    (["tickets", "from"], _DELETE, "missing 'from'"),
    (["agents", 0, "teams"], ["fr"], "team 'fr' does not exist"),
    (["agents", 0, "teams"], [], "an agent needs at least one team"),
    (["agents", 0, "roles"], ["admin"], "unknown role(s) admin"),
    (["agents", 1, "id"], "minji", "duplicate agent id 'minji'"),
    (["agents", 0, "password_hash"], "hunter2", "is not a password hash"),
    (["agents", 0, "api_token_sha256"], "abc", "must be 64 hex digits"),
    (["agents", 0], "minji", "agents[0]: must be a mapping"),
    (["rate_limits"], {"identity": [20]}, "rate_limits.identity: must be a mapping"),
    (["rate_limits"], {"identity": {"per_ip": 20}}, "unknown key(s) per_ip"),
    (
        ["rate_limits"],
        {"identity": {"failures_per_ip": 0}},
        "rate_limits.identity.failures_per_ip: must be a whole number of at least 1",
    ),
    (["rest"], {"integrations": {"name": "a"}}, "rest.integrations: must be a list"),
    (["rest"], {"tokens": []}, "rest: unknown key(s) tokens"),
    (
        ["rest"],
        {"integrations": [{"name": "anonymous", "token_env": "EVA_A"}]},
        "rest.integrations[0].name: must be 1 to 40 lowercase letters",
    ),
    (
        ["rest"],
        {"integrations": [{"name": "desk", "token_env": "my token"}]},
        "rest.integrations[0].token_env: must name an environment variable",
    ),
    (
        ["rest"],
        {"integrations": [{"name": "a", "token_env": "T"}, {"name": "b", "token_env": "T"}]},
        "rest.integrations[1]: the same name or token_env as 'a'",
    ),
]


@pytest.mark.parametrize(("path", "value", "problem"), BROKEN)
def test_a_broken_file_names_the_file_and_the_problem(tmp_path, path, value, problem):
    config_file = write(tmp_path, changed(path, value))

    with pytest.raises(HandoffConfigError) as raised:
        load_config(config_file)

    message = str(raised.value)
    assert message.startswith(f"{config_file}: ")
    assert problem in message


def test_an_editor_needs_no_team(tmp_path):
    document = changed(["agents", 0, "roles"], ["editor"])
    document["agents"][0]["teams"] = []

    agent = load_config(write(tmp_path, document)).agents["minji"]

    assert agent.roles == frozenset({"editor"})
    assert agent.teams == ()


def test_yaml_syntax_errors_give_the_line(tmp_path):
    path = tmp_path / "handoff.yml"
    path.write_text("teams:\n  ko: [unclosed\nqueue: {}\n", encoding="utf-8")

    with pytest.raises(HandoffConfigError, match=r"YAML syntax error at line \d+, column \d+"):
        load_config(path)


def test_a_list_at_the_top_is_not_a_config(tmp_path):
    with pytest.raises(HandoffConfigError, match="the top level: must be a mapping, got list"):
        load_config(write(tmp_path, ["teams"]))


def test_a_missing_file(tmp_path):
    with pytest.raises(HandoffConfigError, match="cannot read the file"):
        load_config(tmp_path / "absent.yml")


# --- passwords and tokens -------------------------------------------------------------


def test_password_hashes_verify():
    stored = hash_password("비밀번호 correct horse")

    assert re.fullmatch(r"scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}", stored)
    assert verify_password("비밀번호 correct horse", stored)
    assert not verify_password("비밀번호 correct hors", stored)
    assert hash_password("same") != hash_password("same"), "every hash has its own salt"


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain",
        "bcrypt$16384$8$1$c2FsdA==$aGFzaA==",
        "scrypt$16384$8$1$not base64!$aGFzaGhhc2hoYXNoaGFzaA==",
        "scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==",
        "scrypt$1073741824$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==",
        "scrypt$x$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==",
    ],
)
def test_malformed_hashes_never_verify(stored):
    assert not is_password_hash(stored)
    assert verify_password("anything", stored) is False


def test_tokens_verify_against_their_sha256():
    digest = token_sha256("agent-token")

    # The FIPS 180-2 test vector.
    assert token_sha256("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert verify_token("agent-token", digest)
    assert verify_token("agent-token", digest.upper())
    assert not verify_token("agent-tokem", digest)
    assert not verify_token("agent-token", "ä" * 64)


def test_hash_password_command_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret pass\nignored\n"))

    assert hash_password_cli.main([]) == 0

    stored = capsys.readouterr().out.strip()
    assert verify_password("s3cret pass", stored)


def test_hash_password_command_refuses_an_empty_password(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))

    assert hash_password_cli.main([]) == 1
    assert capsys.readouterr().out == ""


def test_hash_password_command_makes_tokens(capsys):
    assert hash_password_cli.main(["--token"]) == 0

    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    assert len(lines["token"]) >= 40
    assert lines["api_token_sha256"] == token_sha256(lines["token"])
    assert verify_token(lines["token"], lines["api_token_sha256"])
