"""When a team is staffed: its weekly hours in its own time zone, less public holidays
and closed dates.

Every instant is a timezone-aware datetime. Ranges are turned into UTC instants before
they are compared, because Python compares two datetimes of the same zone by wall time
and would get the hour that repeats when daylight saving time ends wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from handoff.config import END_OF_DAY, TeamConfig

SEARCH_DAYS = 400
UTC = dt_timezone.utc

Interval = tuple[datetime, datetime]

_WEEKDAYS_KO = ("월", "화", "수", "목", "금", "토", "일")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ZONE_LABELS = {
    "Asia/Seoul": {"ko": "한국 시간", "en": "Korea time"},
    "America/New_York": {"ko": "미국 동부 시간", "en": "US Eastern time"},
}


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is needed, got {at!r}")
    return at.astimezone(UTC)


@lru_cache(maxsize=64)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_closed_day(team: TeamConfig, day: date) -> bool:
    """A public holiday of any of the team's countries, or one of its closed dates."""
    if day in team.closed_dates:
        return True
    return any(day in _holiday_dates(country, day.year) for country in team.holidays)


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    if wall == END_OF_DAY:
        return _instant(day + timedelta(days=1), time(0), zone)
    # A wall time skipped by spring-forward takes the offset from before the change
    # (PEP 495, fold=0): 02:30 becomes 03:30, where a clock set forward would be.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def open_intervals(team: TeamConfig, day: date) -> list[Interval]:
    """The staffed UTC intervals of one local date, in order."""
    if is_closed_day(team, day):
        return []
    ranges = team.hours.get(day.weekday(), ())
    intervals = [
        (_instant(day, s, team.timezone), _instant(day, e, team.timezone)) for s, e in ranges
    ]
    return [(start, end) for start, end in intervals if start < end]


def _local_date(team: TeamConfig, at: datetime) -> date:
    return at.astimezone(team.timezone).date()


def _interval_at(team: TeamConfig, at: datetime) -> Interval | None:
    moment = _utc(at)
    today = _local_date(team, moment)
    # Yesterday too: a zone that skips a midnight can push a range past its own date.
    for day in (today - timedelta(days=1), today):
        for start, end in open_intervals(team, day):
            if start <= moment < end:
                return start, end
    return None


def is_open(team: TeamConfig, at: datetime) -> bool:
    return _interval_at(team, at) is not None


def _intervals_from(team: TeamConfig, first_day: date, days: int) -> Iterator[Interval]:
    for offset in range(days):
        yield from open_intervals(team, first_day + timedelta(days=offset))


def next_opening(team: TeamConfig, at: datetime) -> datetime | None:
    """`at` in the team's zone when the team is open, else when it next opens."""
    if is_open(team, at):
        return at.astimezone(team.timezone)
    moment = _utc(at)
    first_day = _local_date(team, moment) - timedelta(days=1)
    for start, _ in _intervals_from(team, first_day, SEARCH_DAYS + 2):
        if start > moment:
            return start.astimezone(team.timezone)
    return None


def closing_time(team: TeamConfig, at: datetime) -> datetime | None:
    """When the current staffed stretch ends (ranges that touch, even across midnight,
    count as one), in the team's zone; None when closed."""
    current = _interval_at(team, at)
    if current is None:
        return None
    end = current[1]
    day = _local_date(team, end)
    for later_start, later_end in _intervals_from(team, day, SEARCH_DAYS):
        if later_start == end:
            end = later_end
        elif later_start > end:
            break
    return end.astimezone(team.timezone)


def zone_label(zone: ZoneInfo, language: str) -> str:
    labels = _ZONE_LABELS.get(zone.key)
    if labels is None:
        return zone.key
    return labels["ko" if _is_korean(language) else "en"]


def _is_korean(language: str) -> bool:
    return language.lower().startswith("ko")


def _format_ko(local: datetime, show_year: bool) -> str:
    year = f"{local.year}년 " if show_year else ""
    half = "오전" if local.hour < 12 else "오후"
    hour = local.hour % 12 or 12
    weekday = _WEEKDAYS_KO[local.weekday()]
    return f"{year}{local.month}월 {local.day}일 ({weekday}) {half} {hour}:{local.minute:02d}"


def _format_en(local: datetime, show_year: bool) -> str:
    year = f", {local.year}" if show_year else ""
    half = "AM" if local.hour < 12 else "PM"
    hour = local.hour % 12 or 12
    weekday, month = _WEEKDAYS_EN[local.weekday()], _MONTHS_EN[local.month - 1]
    return f"{weekday}, {month} {local.day}{year}, {hour}:{local.minute:02d} {half}"


def format_moment(
    moment: datetime, language: str, timezone: ZoneInfo, *, now: datetime | None = None
) -> str:
    """`moment` as a shopper reads it in `timezone`, e.g. "11월 24일 (화) 오전 9:00 (한국 시간)"
    or "Tuesday, November 24, 9:00 AM (Korea time)".

    The year is shown only when it is not the current one (`now`, default the clock).
    """
    local = _utc(moment).astimezone(timezone)
    current = (now or datetime.now(timezone)).astimezone(timezone)
    show_year = local.year != current.year
    formatter = _format_ko if _is_korean(language) else _format_en
    return f"{formatter(local, show_year)} ({zone_label(timezone, language)})"
