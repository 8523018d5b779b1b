"""Working days on China's official calendar (weekends, statutory holidays, adjusted working days — 调休).

The calendar is the `chinese-calendar` package, which carries the State Council's yearly holiday notices. It
knows only the years it was released with (1.11.0: 2004–2026). The notice for the next year is published each
autumn, before the package follows: an admin can enter it (`govcat calendar set`, govcat.calendar_notices), and
the functions here take those notices (`notices`, by year) for the years the package does not know. A date
known to neither is an explicit `CalendarRangeError`, never a guess from weekdays.

    due_date(dt.date(2025, 9, 26))       # 2025-10-16: the 10th working day after a Friday before National Day
    working_days_between(start, end)     # working days in (start, end]
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import chinese_calendar

DEADLINE_WORKING_DAYS = 10                   # GUIDE §5, R05
BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class YearNotice:
    """The State Council's holiday notice of one year, as an admin entered it: its holidays and the weekend days
    that are worked (调休); every other Saturday and Sunday is a rest day, every other weekday a working day."""
    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str = ""

    def problems(self) -> list[tuple[str, str]]:
        """What makes the notice unusable (zh, en): days of another year, a day both a holiday and worked."""
        found = []
        strays = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if strays:
            found.append((f"这些日期不在 {self.year} 年：{', '.join(map(str, strays))}",
                          f"these days are not in {self.year}: {', '.join(map(str, strays))}"))
        both = sorted(self.holidays & self.workdays)
        if both:
            found.append((f"这些日期既是假日又是调休上班日：{', '.join(map(str, both))}",
                          f"these days are both a holiday and a working day: {', '.join(map(str, both))}"))
        weekdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekdays:
            found.append((f"调休上班日应为周六或周日：{', '.join(map(str, weekdays))}",
                          f"adjusted working days are Saturdays or Sundays: {', '.join(map(str, weekdays))}"))
        return found

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5


Notices = Mapping[int, YearNotice]


class CalendarRangeError(ValueError):
    """A date the installed calendar has no data for; zh and en text."""

    def __init__(self, day: dt.date):
        first, last = calendar_range()
        self.day = day
        self.zh = (f"{day.isoformat()} 超出法定节假日日历的范围（chinese-calendar {_version()} 只有 {first.year}–{last.year} 年的数据），"
                   f"无法计算工作日；请升级 chinese-calendar，或由管理员录入 {day.year} 年的国务院节假日通知（govcat calendar set）")
        self.en = (f"{day.isoformat()} is outside the official holiday calendar (chinese-calendar {_version()} has data for "
                   f"{first.year}–{last.year} only): working days cannot be counted; upgrade chinese-calendar, or let an "
                   f"admin enter the State Council's holiday notice of {day.year} (govcat calendar set)")
        super().__init__(self.en)


def _version() -> str:
    return getattr(chinese_calendar, "__version__", "?")


def calendar_range() -> tuple[dt.date, dt.date]:
    """The first and last day the installed calendar knows (whole years)."""
    from chinese_calendar import constants
    days = list(constants.holidays) + list(constants.workdays)
    return dt.date(min(days).year, 1, 1), dt.date(max(days).year, 12, 31)


def package_knows(year: int) -> bool:
    first, last = calendar_range()
    return first.year <= year <= last.year


def is_working_day(day: dt.date, notices: Notices | None = None) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        notice = (notices or {}).get(day.year)
        if notice is None:
            raise CalendarRangeError(day) from None
        return notice.is_working_day(day)


def add_working_days(start: dt.date, n: int, notices: Notices | None = None) -> dt.date:
    """The n-th working day after `start` (the day itself is not counted, as for every administrative time
    limit: a request made on a Friday evening or a holiday counts from the next working day)."""
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day, notices):
            counted += 1
    return day


def due_date(submitted: dt.date, notices: Notices | None = None) -> dt.date:
    """The day by which the provider must answer a request made on `submitted` (R05)."""
    return add_working_days(submitted, DEADLINE_WORKING_DAYS, notices)


def working_days_between(start: dt.date, end: dt.date, notices: Notices | None = None) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, notices):
            count += 1
    return count


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()
