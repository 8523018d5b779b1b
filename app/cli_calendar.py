"""`govcat calendar set|show`: the State Council's holiday notice of a year the installed chinese-calendar does not
know yet, entered by an admin so that sharing-request deadlines (R05) can be counted (govcat.calendar_notices).

Exit 0: done; 1: refused (role, a year the package knows, an inconsistent notice); 2: unknown user or a bad day."""
from __future__ import annotations

import click

from .cli import EXIT_UNREADABLE, EXIT_VIOLATIONS, main
from .cli_requests import _access
from .cli_store import _open, store_option


@main.group(help="法定节假日日历：为 chinese-calendar 尚无数据的年份录入国务院节假日通知 / the official holiday calendar: "
                 "enter the State Council's notice of a year chinese-calendar does not know yet")
def calendar() -> None:
    pass


@calendar.command("set", help="录入（或重新录入）一年的节假日通知：放假日和调休上班日（管理员）/ enter (or enter again) "
                              "a year's notice: its holidays and the weekend days worked (admins)")
@click.argument("year", type=int)
@click.option("--holiday", "holidays", multiple=True, required=True,
              help="放假日，YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD，可重复 / a holiday or a range of them; repeatable")
@click.option("--workday", "workdays", multiple=True, help="调休上班的周六或周日，可重复 / a Saturday or Sunday worked; repeatable")
@click.option("--source", default="", help="通知的文号或网址 / the notice's reference or address")
@click.option("--as", "user", required=True, help="管理员用户名 / an admin's user name")
@store_option
def set_(year: int, holidays: tuple[str, ...], workdays: tuple[str, ...], source: str, user: str, store) -> None:
    from .calendar_notices import NoticeError, parse_days, set_notice
    from .workdays import YearNotice
    cat = _open(store)
    access = _access(cat, user)
    try:
        notice = YearNotice(year, parse_days(list(holidays)), parse_days(list(workdays)), source)
    except NoticeError as exc:
        click.echo(f"{exc.zh} / {exc.en}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from None
    try:
        set_notice(cat, notice, access)
    except NoticeError as exc:
        click.echo(f"{exc.zh} / {exc.en}", err=True)
        raise SystemExit(EXIT_VIOLATIONS) from None
    click.echo(f"{year} 年节假日通知已录入：放假 {len(notice.holidays)} 天，调休上班 {len(notice.workdays)} 天 / "
               f"the notice of {year} is stored: {len(notice.holidays)} holidays, {len(notice.workdays)} days worked")


@calendar.command("show", help="日历覆盖的年份和录入的通知 / the years the calendar covers and the notices entered")
@store_option
def show(store) -> None:
    from .calendar_notices import notices
    from .workdays import calendar_range
    first, last = calendar_range()
    click.echo(f"chinese-calendar：{first.year}–{last.year}")
    for year, notice in sorted(notices(_open(store)).items()):
        click.echo(f"{year}（录入 / entered）：放假 / holidays {', '.join(map(str, sorted(notice.holidays)))}; "
                   f"调休上班 / worked {', '.join(map(str, sorted(notice.workdays))) or '—'}"
                   + (f"; {notice.source}" if notice.source else ""))
