"""Staffed hours at fixed instants: edges, weekends, holidays, closed dates and DST."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from handoff.config import END_OF_DAY, TeamConfig, TimeRange
from handoff.schedule import closing_time, format_moment, is_open, next_opening

UTC = timezone.utc
SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WEEKDAYS = range(5)


def team(
    zone: ZoneInfo,
    hours: dict[int, tuple[TimeRange, ...]],
    holidays: tuple[str, ...] = (),
    closed: frozenset[date] = frozenset(),
) -> TeamConfig:
    return TeamConfig(
        key="test",
        name={"ko": "테스트", "en": "Test"},
        timezone=zone,
        hours=hours,
        holidays=holidays,
        closed_dates=closed,
    )


KO = team(
    SEOUL,
    {day: ((time(9), time(18)),) for day in WEEKDAYS},
    holidays=("KR",),
    closed=frozenset({date(2026, 12, 31)}),
)
EN = team(
    NEW_YORK,
    {**{day: ((time(9), time(17)),) for day in WEEKDAYS}, 5: ((time(10), time(14)),)},
    holidays=("US",),
)


def at(zone: ZoneInfo | timezone, *parts: int) -> datetime:
    year, month, day, hour, minute, second = (*parts, 0, 0, 0)[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)


def seoul(*parts: int) -> datetime:
    return at(SEOUL, *parts)


def new_york(*parts: int) -> datetime:
    return at(NEW_YORK, *parts)


def utc(*parts: int) -> datetime:
    return at(UTC, *parts)


# --- is_open --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (seoul(2026, 11, 23, 8, 59, 59), False),  # Monday, a second before opening
        (seoul(2026, 11, 23, 9, 0), True),
        (seoul(2026, 11, 23, 17, 59, 59), True),
        (seoul(2026, 11, 23, 18, 0), False),
        (utc(2026, 11, 23, 0, 0), True),  # 09:00 in Seoul
        (utc(2026, 11, 22, 23, 59), False),  # 08:59 in Seoul
        (seoul(2026, 11, 21, 12, 0), False),  # Saturday
        (seoul(2026, 11, 22, 12, 0), False),  # Sunday
        (seoul(2026, 9, 25, 10, 0), False),  # Chuseok, a Friday
        (seoul(2026, 9, 24, 10, 0), False),  # the day before Chuseok
        (seoul(2026, 9, 23, 10, 0), True),
        (seoul(2026, 10, 9, 10, 0), False),  # Hangul Day, a Friday
        (seoul(2026, 10, 8, 10, 0), True),
        (seoul(2026, 12, 31, 10, 0), False),  # a closed date
        (seoul(2026, 12, 30, 10, 0), True),
    ],
)
def test_korean_team_hours(moment, expected):
    assert is_open(KO, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (new_york(2026, 11, 24, 9, 0), True),
        (new_york(2026, 11, 24, 16, 59), True),
        (new_york(2026, 11, 24, 17, 0), False),
        (new_york(2026, 11, 26, 12, 0), False),  # Thanksgiving
        (new_york(2026, 11, 28, 10, 0), True),  # Saturday hours
        (new_york(2026, 11, 28, 14, 0), False),
        (new_york(2026, 11, 29, 12, 0), False),  # Sunday
    ],
)
def test_english_team_hours(moment, expected):
    assert is_open(EN, moment) is expected


def test_holidays_count_in_the_teams_local_date():
    # A New York evening team that closes on Korean holidays: on 2026-10-08 at 22:00
    # in New York it is already Hangul Day (10-09) in Korea and in UTC, but not locally.
    evenings = team(NEW_YORK, {3: ((time(20), END_OF_DAY),), 4: ((time(20), END_OF_DAY),)}, ("KR",))

    assert is_open(evenings, new_york(2026, 10, 8, 22, 0))
    assert is_open(evenings, utc(2026, 10, 9, 3, 59))
    assert not is_open(evenings, new_york(2026, 10, 9, 21, 0))  # Hangul Day in New York
    assert is_open(evenings, new_york(2026, 10, 15, 23, 59, 59))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(KO, datetime(2026, 11, 23, 10, 0))


# --- next_opening and closing_time ----------------------------------------------------


def test_next_opening_is_now_when_open():
    moment = utc(2026, 11, 23, 1, 30)

    opening = next_opening(KO, moment)

    assert opening == moment
    assert opening is not None and opening.tzinfo == SEOUL
    assert opening.hour == 10 and opening.minute == 30


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (seoul(2026, 11, 20, 18, 0), seoul(2026, 11, 23, 9, 0)),  # Friday evening
        (utc(2026, 11, 21, 3, 0), seoul(2026, 11, 23, 9, 0)),  # Saturday, asked in UTC
        (seoul(2026, 11, 23, 7, 0), seoul(2026, 11, 23, 9, 0)),  # Monday morning
        (seoul(2026, 9, 23, 18, 30), seoul(2026, 9, 28, 9, 0)),  # over Chuseok
        (seoul(2026, 10, 8, 18, 0), seoul(2026, 10, 12, 9, 0)),  # over Hangul Day
        (seoul(2026, 12, 30, 18, 0), seoul(2027, 1, 4, 9, 0)),  # closed date, New Year
    ],
)
def test_next_opening_skips_closed_days(moment, expected):
    opening = next_opening(KO, moment)

    assert opening == expected
    assert opening is not None and opening.tzinfo == SEOUL


def test_a_team_without_hours_never_opens():
    assert next_opening(team(SEOUL, {}), seoul(2026, 11, 23, 10, 0)) is None


def test_closing_time():
    assert closing_time(KO, seoul(2026, 11, 23, 10, 0)) == seoul(2026, 11, 23, 18, 0)
    assert closing_time(KO, seoul(2026, 11, 23, 18, 0)) is None
    assert closing_time(KO, seoul(2026, 11, 21, 10, 0)) is None


def test_closing_time_joins_ranges_that_touch():
    split = team(
        SEOUL,
        {4: ((time(9), time(12)), (time(12), END_OF_DAY)), 5: ((time(0), time(12)),)},
    )

    assert closing_time(split, seoul(2026, 11, 20, 10, 0)) == seoul(2026, 11, 21, 12, 0)
    assert is_open(split, seoul(2026, 11, 20, 23, 59, 59))
    assert is_open(split, seoul(2026, 11, 21, 0, 0))


# --- daylight saving time in New York -------------------------------------------------


def test_weekday_opening_follows_dst_in_november():
    # DST ends on Sunday 2026-11-01: 09:00 is 13:00 UTC before and 14:00 UTC after.
    assert next_opening(EN, new_york(2026, 10, 24, 14, 0)) == utc(2026, 10, 26, 13, 0)
    assert next_opening(EN, new_york(2026, 10, 31, 14, 0)) == utc(2026, 11, 2, 14, 0)
    assert not is_open(EN, utc(2026, 11, 2, 13, 30))
    assert is_open(EN, utc(2026, 11, 2, 14, 0))
    assert is_open(EN, utc(2026, 10, 26, 13, 0))


def test_weekday_opening_follows_dst_in_march():
    # DST starts on Sunday 2026-03-08: 09:00 is 14:00 UTC before and 13:00 UTC after.
    assert next_opening(EN, new_york(2026, 3, 5, 18, 0)) == utc(2026, 3, 6, 14, 0)
    assert next_opening(EN, new_york(2026, 3, 7, 14, 0)) == utc(2026, 3, 9, 13, 0)
    assert closing_time(EN, utc(2026, 3, 9, 13, 0)) == utc(2026, 3, 9, 21, 0)


def test_a_range_over_the_spring_forward_gap():
    # 01:00-05:00 on 2026-03-08 lasts three hours: 02:00-03:00 does not exist.
    night = team(NEW_YORK, {6: ((time(1), time(5)),)})

    assert next_opening(night, new_york(2026, 3, 7, 23, 0)) == utc(2026, 3, 8, 6, 0)
    assert is_open(night, utc(2026, 3, 8, 6, 59))  # 01:59 EST
    assert is_open(night, utc(2026, 3, 8, 7, 0))  # 03:00 EDT
    assert is_open(night, utc(2026, 3, 8, 8, 59))
    assert not is_open(night, utc(2026, 3, 8, 9, 0))  # 05:00 EDT
    closing = closing_time(night, utc(2026, 3, 8, 6, 30))
    assert closing == utc(2026, 3, 8, 9, 0)
    assert closing is not None and (closing.hour, closing.utcoffset()) == (5, timedelta(hours=-4))


def test_a_range_starting_inside_the_spring_forward_gap():
    # 02:30 never shows on the clock that day; the range starts at 03:30 EDT.
    gap = team(NEW_YORK, {6: ((time(2, 30), time(4)),)})

    opening = next_opening(gap, new_york(2026, 3, 8, 0, 0))

    assert opening == utc(2026, 3, 8, 7, 30)
    assert opening is not None and (opening.hour, opening.minute) == (3, 30)
    assert closing_time(gap, opening) == utc(2026, 3, 8, 8, 0)


def test_a_range_over_the_fall_back_hour():
    # 00:00-03:00 on 2026-11-01 lasts four hours: 01:00-02:00 happens twice.
    night = team(NEW_YORK, {6: ((time(0), time(3)),)})

    assert next_opening(night, new_york(2026, 10, 31, 23, 0)) == utc(2026, 11, 1, 4, 0)
    assert is_open(night, utc(2026, 11, 1, 5, 30))  # 01:30 EDT
    assert is_open(night, utc(2026, 11, 1, 6, 30))  # 01:30 EST
    assert is_open(night, utc(2026, 11, 1, 7, 59))
    assert not is_open(night, utc(2026, 11, 1, 8, 0))
    assert closing_time(night, utc(2026, 11, 1, 6, 30)) == utc(2026, 11, 1, 8, 0)


# --- format_moment --------------------------------------------------------------------

NOW = utc(2026, 11, 23, 12, 0)


@pytest.mark.parametrize(
    ("moment", "language", "zone", "expected"),
    [
        (utc(2026, 11, 24, 0, 0), "ko", SEOUL, "11월 24일 (화) 오전 9:00 (한국 시간)"),
        (utc(2026, 11, 24, 0, 0), "en", SEOUL, "Tuesday, November 24, 9:00 AM (Korea time)"),
        (utc(2026, 11, 24, 5, 5), "ko", SEOUL, "11월 24일 (화) 오후 2:05 (한국 시간)"),
        (utc(2026, 11, 24, 3, 0), "ko", SEOUL, "11월 24일 (화) 오후 12:00 (한국 시간)"),
        (utc(2026, 11, 23, 15, 0), "en", SEOUL, "Tuesday, November 24, 12:00 AM (Korea time)"),
        (
            utc(2026, 11, 24, 14, 0),
            "en",
            NEW_YORK,
            "Tuesday, November 24, 9:00 AM (US Eastern time)",
        ),
        (utc(2026, 11, 24, 14, 0), "ko", NEW_YORK, "11월 24일 (화) 오전 9:00 (미국 동부 시간)"),
        (utc(2026, 11, 24, 14, 0), "en", LONDON, "Tuesday, November 24, 2:00 PM (Europe/London)"),
        (seoul(2027, 1, 4, 9, 0), "ko", SEOUL, "2027년 1월 4일 (월) 오전 9:00 (한국 시간)"),
        (
            seoul(2027, 1, 4, 9, 0),
            "en",
            SEOUL,
            "Monday, January 4, 2027, 9:00 AM (Korea time)",
        ),
    ],
)
def test_format_moment(moment, language, zone, expected):
    assert format_moment(moment, language, zone, now=NOW) == expected


def test_format_moment_shows_the_shoppers_zone_not_the_teams():
    opening = next_opening(EN, new_york(2026, 11, 21, 14, 0))  # Saturday closing
    assert opening is not None

    assert format_moment(opening, "ko", SEOUL, now=NOW) == "11월 23일 (월) 오후 11:00 (한국 시간)"
    assert format_moment(opening, "en", NEW_YORK, now=NOW) == (
        "Monday, November 23, 9:00 AM (US Eastern time)"
    )


def test_format_moment_shows_the_year_only_when_it_is_not_this_one():
    this_year = datetime.now(SEOUL).year
    moment = datetime(this_year, 6, 1, 9, 0, tzinfo=SEOUL)

    assert format_moment(moment, "en", SEOUL) == f"{moment:%A}, June 1, 9:00 AM (Korea time)"
