"""Working days on China's official calendar (weekends, statutory holidays, adjusted working days — 调休).

The calendar is the `chinese-calendar` package, which carries the State Council's yearly holiday notices. It
knows only the years it was released with (1.11.0: 2004–2026); a date outside them is an explicit
`CalendarRangeError`, never a guess: a new year's notice is published each November and the package follows,
so the fix is to upgrade it.

    due_date(dt.date(2025, 9, 26))       # 2025-10-16: the 10th working day after a Friday before National Day
    working_days_between(start, end)     # working days in (start, end]
"""
from __future__ import annotations

import datetime as dt

import chinese_calendar

DEADLINE_WORKING_DAYS = 10                   # GUIDE §5, R05
BEIJING = dt.timezone(dt.timedelta(hours=8))


class CalendarRangeError(ValueError):
    """A date the installed calendar has no data for; zh and en text."""

    def __init__(self, day: dt.date):
        first, last = calendar_range()
        self.day = day
        self.zh = (f"{day.isoformat()} 超出法定节假日日历的范围（chinese-calendar {_version()} 只有 {first.year}–{last.year} 年的数据），"
                   f"无法计算工作日；请升级 chinese-calendar")
        self.en = (f"{day.isoformat()} is outside the official holiday calendar (chinese-calendar {_version()} has data for "
                   f"{first.year}–{last.year} only): working days cannot be counted; upgrade chinese-calendar")
        super().__init__(self.en)


def _version() -> str:
    return getattr(chinese_calendar, "__version__", "?")


def calendar_range() -> tuple[dt.date, dt.date]:
    """The first and last day the installed calendar knows (whole years)."""
    from chinese_calendar import constants
    days = list(constants.holidays) + list(constants.workdays)
    return dt.date(min(days).year, 1, 1), dt.date(max(days).year, 12, 31)


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarRangeError(day) from None


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (the day itself is not counted, as for every administrative time
    limit: a request made on a Friday evening or a holiday counts from the next working day)."""
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def due_date(submitted: dt.date) -> dt.date:
    """The day by which the provider must answer a request made on `submitted` (R05)."""
    return add_working_days(submitted, DEADLINE_WORKING_DAYS)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()
