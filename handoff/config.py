"""handoff.yml: the language teams and their staffed hours, the queue, tickets, agents,
the chat widget's socket, sign-in throttling, rate limits, retention and REST integrations.

`load_config` checks the whole file and names the file and the place of the first
problem. `LiveConfig` re-reads the file when it changes, so new hours or a new agent
need no restart, and keeps the last good version while the file is broken.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
import time as clock
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml

from bot.stack import PROJECT_DIR
from handoff.passwords import is_password_hash
from handoff.rate_limits import RateLimits, parse_rate_limits
from handoff.rest_integrations import RestSettings, parse_rest
from handoff.retention import RetentionSettings, parse_retention
from handoff.signin_throttle import SignInLimits, parse_signin_limits

logger = logging.getLogger(__name__)

# "24:00" as the end of a range: the midnight that ends the day.
END_OF_DAY = time.max
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REQUIRED_TEAMS = ("ko", "en")
# supervisor: reads every conversation (handoff.reading_scope), whatever its team or agent.
ROLES = frozenset({"agent", "editor", "supervisor"})
DEFAULT_ROLES = frozenset({"agent"})
DEFAULT_MAX_CHATS = 3

TimeRange = tuple[time, time]

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class HandoffConfigError(ValueError):
    """handoff.yml cannot be used; the message names the file and the problem."""


class _Invalid(Exception):
    """A problem at a place in the document; load_config adds the file name."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")


@dataclass(frozen=True)
class TeamConfig:
    key: str
    name: dict[str, str]
    timezone: ZoneInfo
    # Weekday (0 = Monday) to sorted, non-overlapping local ranges; an end of
    # END_OF_DAY means up to the midnight that ends the day.
    hours: dict[int, tuple[TimeRange, ...]]
    holidays: tuple[str, ...]
    closed_dates: frozenset[date]


@dataclass(frozen=True)
class QueueConfig:
    abandon_after_seconds: int
    minutes_per_chat: float


@dataclass(frozen=True)
class TicketConfig:
    outbox: Path
    sender: str
    recipient: str
    reply_within_hours: int
    callback_within_minutes: int


@dataclass(frozen=True)
class WidgetConfig:
    allowed_origins: frozenset[str]
    messages_per_minute: int = 30
    max_frame_bytes: int = 8192


@dataclass(frozen=True)
class AgentConfig:
    id: str
    name: str
    teams: tuple[str, ...]
    roles: frozenset[str]
    max_chats: int
    password_hash: str
    api_token_sha256: str | None


@dataclass(frozen=True)
class HandoffConfig:
    teams: dict[str, TeamConfig]
    queue: QueueConfig
    tickets: TicketConfig
    agents: dict[str, AgentConfig]
    widget: WidgetConfig
    signin: SignInLimits = field(default_factory=SignInLimits)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    rest: RestSettings = field(default_factory=RestSettings)

    def team_for_language(self, language: str) -> TeamConfig:
        """The team whose key is the language (or its primary subtag), else the first."""
        for key in (language, language.split("-")[0].lower()):
            if key in self.teams:
                return self.teams[key]
        return next(iter(self.teams.values()))


def config_path() -> Path:
    return Path(os.environ.get("HANDOFF_CONFIG") or PROJECT_DIR / "handoff.yml")


# --- small typed readers --------------------------------------------------------------


def _mapping(value: Any, where: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise _Invalid(where, f"must be a mapping, got {type(value).__name__}")
    return value


def _only_keys(section: Mapping[Any, Any], allowed: set[str], where: str) -> None:
    # A misspelt key would otherwise be silently ignored and its default used.
    unknown = sorted(str(key) for key in section if key not in allowed)
    if unknown:
        raise _Invalid(where, f"unknown key(s) {', '.join(unknown)}; known: {sorted(allowed)}")


def _required(section: Mapping[Any, Any], key: str, where: str) -> Any:
    if section.get(key) is None:
        raise _Invalid(where, f"missing {key!r}")
    return section[key]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(where, f"must be a non-empty string, got {value!r}")
    return value.strip()


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Invalid(where, f"must be a list, got {type(value).__name__}")
    return value


def _integer(value: Any, where: str, minimum: int) -> int:
    # bool is an int in Python, but `true` is never meant as a number.
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _Invalid(where, f"must be a whole number of at least {minimum}, got {value!r}")
    return value


def _positive_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _Invalid(where, f"must be a number above 0, got {value!r}")
    return float(value)


# --- teams ----------------------------------------------------------------------------


def _clock_time(hour: str, minute: str, *, is_end: bool) -> time | None:
    h, m = int(hour), int(minute)
    if is_end and (h, m) == (24, 0):
        return END_OF_DAY
    if h > 23 or m > 59:
        return None
    return time(h, m)


def _range(text: Any, where: str) -> TimeRange:
    match = _RANGE.match(text) if isinstance(text, str) else None
    if match is None:
        raise _Invalid(where, f"bad time range {text!r}; write it as HH:MM-HH:MM")
    start = _clock_time(match[1], match[2], is_end=False)
    end = _clock_time(match[3], match[4], is_end=True)
    if start is None or end is None:
        raise _Invalid(where, f"bad time range {text!r}: not a time of day")
    if end <= start:
        raise _Invalid(
            where,
            f"bad time range {text!r}: the end must be after the start "
            "(a range cannot cross midnight; end it at 24:00 and go on the next day)",
        )
    return start, end


def _show(span: TimeRange) -> str:
    end = "24:00" if span[1] == END_OF_DAY else span[1].strftime("%H:%M")
    return f"{span[0].strftime('%H:%M')}-{end}"


def _day_ranges(value: Any, where: str) -> tuple[TimeRange, ...]:
    items = _list(value, where)
    ranges = sorted(_range(item, f"{where}[{index}]") for index, item in enumerate(items))
    for before, after in itertools.pairwise(ranges):
        if after[0] < before[1]:
            raise _Invalid(where, f"overlapping time ranges {_show(before)} and {_show(after)}")
    return tuple(ranges)


def _hours(value: Any, where: str) -> dict[int, tuple[TimeRange, ...]]:
    hours: dict[int, tuple[TimeRange, ...]] = {}
    for key, ranges in _mapping(value, where).items():
        if key not in WEEKDAYS:
            raise _Invalid(where, f"unknown weekday {key!r}; use {', '.join(WEEKDAYS)}")
        hours[WEEKDAYS.index(key)] = _day_ranges(ranges, f"{where}.{key}")
    return hours


def _timezone(value: Any, where: str) -> ZoneInfo:
    key = _text(value, where)
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Invalid(
            where, f"unknown time zone {key!r}; use an IANA name such as Asia/Seoul"
        ) from None


def _holiday_countries(value: Any, where: str) -> tuple[str, ...]:
    supported = holidays.list_supported_countries()
    countries = []
    for index, item in enumerate(_list(value, where)):
        code = _text(item, f"{where}[{index}]").upper()
        if code not in supported:
            raise _Invalid(where, f"unknown holiday country {item!r}; use a code such as KR")
        countries.append(code)
    return tuple(countries)


def _closed_date(item: Any, where: str) -> date:
    # Unquoted 2026-12-31 arrives from YAML as a date already.
    if isinstance(item, date) and not isinstance(item, datetime):
        return item
    try:
        return date.fromisoformat(_text(item, where))
    except ValueError:
        raise _Invalid(where, f"not a date {item!r}; use YYYY-MM-DD") from None


def _closed_dates(value: Any, where: str) -> frozenset[date]:
    items = _list(value, where)
    return frozenset(_closed_date(item, f"{where}[{index}]") for index, item in enumerate(items))


def _names(value: Any, where: str) -> dict[str, str]:
    section = _mapping(value, where)
    names = {str(key): _text(text, f"{where}.{key}") for key, text in section.items()}
    missing = [language for language in REQUIRED_TEAMS if language not in names]
    if missing:
        raise _Invalid(where, f"missing the name in {', '.join(missing)}")
    return names


def _team(key: str, value: Any, where: str) -> TeamConfig:
    section = _mapping(value, where)
    _only_keys(section, {"name", "timezone", "hours", "holidays", "closed_dates"}, where)
    return TeamConfig(
        key=key,
        name=_names(_required(section, "name", where), f"{where}.name"),
        timezone=_timezone(_required(section, "timezone", where), f"{where}.timezone"),
        hours=_hours(section.get("hours") or {}, f"{where}.hours"),
        holidays=_holiday_countries(section.get("holidays"), f"{where}.holidays"),
        closed_dates=_closed_dates(section.get("closed_dates"), f"{where}.closed_dates"),
    )


def _teams(value: Any) -> dict[str, TeamConfig]:
    section = _mapping(value, "teams")
    teams = {str(key): _team(str(key), team, f"teams.{key}") for key, team in section.items()}
    missing = [key for key in REQUIRED_TEAMS if key not in teams]
    if missing:
        raise _Invalid("teams", f"missing the {' and '.join(missing)} team")
    return teams


# --- queue and tickets ----------------------------------------------------------------


def _queue(value: Any) -> QueueConfig:
    section = _mapping(value, "queue")
    _only_keys(section, {"abandon_after_seconds", "minutes_per_chat"}, "queue")
    abandon = _required(section, "abandon_after_seconds", "queue")
    per_chat = _required(section, "minutes_per_chat", "queue")
    return QueueConfig(
        abandon_after_seconds=_integer(abandon, "queue.abandon_after_seconds", 1),
        minutes_per_chat=_positive_number(per_chat, "queue.minutes_per_chat"),
    )


def _outbox(value: Any) -> Path:
    path = Path(_text(value, "tickets.outbox")).expanduser()
    return path if path.is_absolute() else PROJECT_DIR / path


def _tickets(value: Any) -> TicketConfig:
    section = _mapping(value, "tickets")
    keys = {"outbox", "from", "to", "reply_within_hours", "callback_within_minutes"}
    _only_keys(section, keys, "tickets")
    fields = {key: _required(section, key, "tickets") for key in sorted(keys)}
    return TicketConfig(
        outbox=_outbox(fields["outbox"]),
        sender=_text(fields["from"], "tickets.from"),
        recipient=_text(fields["to"], "tickets.to"),
        reply_within_hours=_integer(fields["reply_within_hours"], "tickets.reply_within_hours", 1),
        callback_within_minutes=_integer(
            fields["callback_within_minutes"], "tickets.callback_within_minutes", 1
        ),
    )


# --- agents ---------------------------------------------------------------------------


def _roles(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return DEFAULT_ROLES
    roles = frozenset(_text(role, where) for role in _list(value, where))
    unknown = sorted(roles - ROLES)
    if unknown:
        raise _Invalid(where, f"unknown role(s) {', '.join(unknown)}; use {sorted(ROLES)}")
    if not roles:
        raise _Invalid(where, "must name at least one role")
    return roles


def _agent_teams(value: Any, where: str, teams: Mapping[str, TeamConfig]) -> tuple[str, ...]:
    keys = tuple(_text(item, where) for item in _list(value, where))
    for key in keys:
        if key not in teams:
            raise _Invalid(where, f"team {key!r} does not exist; teams: {', '.join(teams)}")
    return keys


def _password_hash(value: Any, where: str) -> str:
    stored = _text(value, where)
    if not is_password_hash(stored):
        raise _Invalid(where, "is not a password hash; make one with `eva hash-password`")
    return stored


def _token_hash(value: Any, where: str) -> str | None:
    if value is None:
        return None
    digest = _text(value, where).lower()
    if not _SHA256.match(digest):
        raise _Invalid(where, "must be 64 hex digits; make it with `eva hash-password --token`")
    return digest


def _agent(value: Any, where: str, teams: Mapping[str, TeamConfig]) -> AgentConfig:
    section = _mapping(value, where)
    keys = {"id", "name", "teams", "roles", "max_chats", "password_hash", "api_token_sha256"}
    _only_keys(section, keys, where)
    roles = _roles(section.get("roles"), f"{where}.roles")
    agent_teams = _agent_teams(section.get("teams"), f"{where}.teams", teams)
    if "agent" in roles and not agent_teams:
        raise _Invalid(f"{where}.teams", "an agent needs at least one team")
    max_chats = section.get("max_chats", DEFAULT_MAX_CHATS)
    return AgentConfig(
        id=_text(_required(section, "id", where), f"{where}.id"),
        name=_text(_required(section, "name", where), f"{where}.name"),
        teams=agent_teams,
        roles=roles,
        max_chats=_integer(max_chats, f"{where}.max_chats", 0),
        password_hash=_password_hash(
            _required(section, "password_hash", where), f"{where}.password_hash"
        ),
        api_token_sha256=_token_hash(section.get("api_token_sha256"), f"{where}.api_token_sha256"),
    )


def _agents(value: Any, teams: Mapping[str, TeamConfig]) -> dict[str, AgentConfig]:
    agents: dict[str, AgentConfig] = {}
    for index, item in enumerate(_list(value, "agents")):
        agent = _agent(item, f"agents[{index}]", teams)
        if agent.id in agents:
            raise _Invalid(f"agents[{index}].id", f"duplicate agent id {agent.id!r}")
        agents[agent.id] = agent
    return agents


# --- the file -------------------------------------------------------------------------


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise HandoffConfigError(f"{path}: cannot read the file: {error}") from error
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise HandoffConfigError(f"{path}: YAML syntax error{place}: {problem}") from error


def _widget(value: Any) -> WidgetConfig:
    if value is None:
        return WidgetConfig(allowed_origins=frozenset())
    section = _mapping(value, "widget")
    _only_keys(section, {"allowed_origins", "messages_per_minute", "max_frame_bytes"}, "widget")
    origins = _list(section.get("allowed_origins"), "widget.allowed_origins")
    return WidgetConfig(
        allowed_origins=frozenset(
            _text(origin, f"widget.allowed_origins[{n}]").rstrip("/")
            for n, origin in enumerate(origins)
        ),
        messages_per_minute=_integer(
            section.get("messages_per_minute", 30), "widget.messages_per_minute", 1
        ),
        max_frame_bytes=_integer(
            section.get("max_frame_bytes", 8192), "widget.max_frame_bytes", 256
        ),
    )


def _parse(document: Any) -> HandoffConfig:
    top = "the top level"
    section = _mapping(document, top)
    known = {"teams", "queue", "tickets", "agents", "widget", "signin", "rate_limits"}
    known |= {"retention", "rest"}
    _only_keys(section, known, top)
    teams = _teams(_required(section, "teams", top))
    try:
        signin = parse_signin_limits(section.get("signin"))
        rate_limits = parse_rate_limits(section.get("rate_limits"))
        retention = parse_retention(section.get("retention"))
        rest = parse_rest(section.get("rest"))
    except ValueError as problem:
        where, _, what = str(problem).partition(": ")
        raise _Invalid(where, what) from None
    return HandoffConfig(
        teams=teams,
        queue=_queue(_required(section, "queue", top)),
        tickets=_tickets(_required(section, "tickets", top)),
        agents=_agents(section.get("agents"), teams),
        widget=_widget(section.get("widget")),
        signin=signin,
        rate_limits=rate_limits,
        retention=retention,
        rest=rest,
    )


def load_config(path: Path) -> HandoffConfig:
    document = _read_yaml(path)
    try:
        return _parse(document)
    except _Invalid as problem:
        raise HandoffConfigError(f"{path}: {problem}") from None


# --- live reloading -------------------------------------------------------------------

_Signature = tuple[int, int]
# Two writes within the file system's timestamp granularity can leave the same mtime
# and size; a file written this recently is re-read rather than trusted as unchanged.
_RACY_NS = 2_000_000_000


class LiveConfig:
    """The config from `path`, re-read when the file changes (checked at most once per
    `check_interval` seconds).

    The first load raises HandoffConfigError. After that a broken file is logged and
    the last good config stays in use until the file is fixed.
    """

    def __init__(self, path: Path, check_interval: float = 1.0) -> None:
        self.path = path
        self.check_interval = check_interval
        self._config: HandoffConfig | None = None
        self._signature: _Signature | None = None
        self._broken_signature: _Signature | None = None
        self._last_error = ""
        self._checked_at = 0.0
        # The web service may call get() from worker threads.
        self._lock = threading.Lock()

    def get(self) -> HandoffConfig:
        with self._lock:
            if self._config is None:
                self._config = self._load_first()
            elif clock.monotonic() - self._checked_at >= self.check_interval:
                self._refresh()
            return self._config

    def _stat(self) -> _Signature | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    @staticmethod
    def _trusted(signature: _Signature | None) -> _Signature | None:
        if signature is None or clock.time_ns() - signature[0] < _RACY_NS:
            return None
        return signature

    def _load_first(self) -> HandoffConfig:
        self._checked_at = clock.monotonic()
        signature = self._stat()
        config = load_config(self.path)
        self._signature = self._trusted(signature)
        return config

    def _refresh(self) -> None:
        self._checked_at = clock.monotonic()
        signature = self._stat()
        if signature is not None and signature in (self._signature, self._broken_signature):
            return
        try:
            config = load_config(self.path)
        except HandoffConfigError as error:
            self._keep(signature, error)
            return
        self._config, self._signature = config, self._trusted(signature)
        self._broken_signature, self._last_error = None, ""
        logger.info("reloaded the handoff config from %s", self.path)

    def _keep(self, signature: _Signature | None, error: HandoffConfigError) -> None:
        # Once per distinct problem: get() runs on every message.
        if str(error) != self._last_error:
            logger.error("keeping the last good handoff config: %s", error)
            self._last_error = str(error)
        self._broken_signature = self._trusted(signature)
