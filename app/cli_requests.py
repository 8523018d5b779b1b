"""`govcat request …`, `govcat decide`, `govcat requests`: sharing requests between departments (GUIDE §5).

Exit 0: done; 1: refused (a rule's report, the role, the state); 2: unknown user, unreadable input or a date
beyond the official calendar."""
from __future__ import annotations

import datetime as dt
import json
import sys

import click

from .cli import EXIT_UNREADABLE, EXIT_VIOLATIONS, main
from .cli_store import _open, store_option

lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
date_option = click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                           help="步骤发生的日期（仅管理员，如补录纸质申请；默认北京时间今天）/ the day of the step "
                                "(admins only, e.g. a request made on paper; default: today in Beijing)")


def _access(cat, name: str | None):
    from .access import ANONYMOUS, Access
    from .catalogue.users import get_user
    if name is None:
        return ANONYMOUS
    user = get_user(cat, name)
    if user is None:
        click.echo(f"没有用户 {name}（先用 govcat user add 创建）/ no user {name}", err=True)
        sys.exit(EXIT_UNREADABLE)
    return Access(user)


def _day(access, day) -> dt.date | None:
    if day is None:
        return None
    if not access.admin:
        click.echo("只有管理员可以指定 --date / only an admin may give --date", err=True)
        sys.exit(EXIT_VIOLATIONS)
    return day.date()


def _fail(exc, lang: str) -> None:
    from .validation.report import as_text
    if exc.report is not None:
        click.echo(as_text(exc.report, lang), nl=False)
    click.echo(f"{exc.zh} / {exc.en}", err=True)
    sys.exit(EXIT_UNREADABLE if exc.kind == "calendar" else EXIT_VIOLATIONS)


def _show(cat, req, access, fmt: str, lang: str) -> None:
    from .sharing_read import as_json, text
    body = as_json(cat, req, access)
    click.echo(json.dumps(body, ensure_ascii=False, indent=1) if fmt == "json" else text([body], lang), nl=fmt == "json")


@main.group(help="共享申请：提出、查看、撤回、过期处理 / sharing requests: submit, show, withdraw, expire.")
def request() -> None:
    pass


@request.command("submit", help="向提供方申请一条已发布的信息资源（R01–R04 校验；无条件共享即时同意，不予共享即时拒绝并给出依据）"
                                 " / ask the provider for a published entry (checked by R01–R04; 无条件共享 is granted at "
                                 "once, 不予共享 refused with the provider's basis).")
@click.argument("resource")
@click.option("--system", required=True, help="接收数据的本部门系统编码 / code of your system that receives the data")
@click.option("--item", "items", multiple=True, help="申请的信息项名称，可重复；不填即全部 / a data item (repeatable; none = all)")
@click.option("--purpose", default=None, help="应用场景 / purpose")
@click.option("--basis", default=None, help="使用依据 / basis for use")
@click.option("--channel", default=None, help="交换方式：共享交换平台（默认）、前置机、接口、文件 / exchange channel")
@click.option("--from", "use_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="使用期限起 / use from")
@click.option("--until", "use_until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="使用期限止 / use until")
@click.option("--consumer", default=None, metavar="USCC", help="申请部门（管理员代为申请时）/ the consumer (admins)")
@click.option("--as", "user", required=True, help="申请人 / acting user")
@date_option
@store_option
@format_option
@lang_option
def request_submit(resource, system, items, purpose, basis, channel, use_from, use_until, consumer, user, day, store,
                   fmt, lang) -> None:
    from .sharing import Ask, RequestError, submit
    cat = _open(store)
    access = _access(cat, user)
    ask = Ask(resource, system, list(items), purpose, basis, channel, use_from.date() if use_from else None,
              use_until.date() if use_until else None, consumer)
    try:
        req = submit(cat, ask, access, on=_day(access, day))
    except RequestError as exc:
        _fail(exc, lang)
    _show(cat, req, access, fmt, lang)


@request.command("show", help="一条共享申请（应用场景、依据只对申请部门、提供方部门的用户显示）/ one request (purpose and "
                               "basis only for users of the two departments).")
@click.argument("code")
@click.option("--as", "user", default=None, help="查看用户 / viewing user")
@store_option
@format_option
@lang_option
def request_show(code, user, store, fmt, lang) -> None:
    from .sharing import RequestError
    from .sharing_read import read
    cat = _open(store)
    access = _access(cat, user)
    try:
        req = read(cat, code)
    except RequestError as exc:
        _fail(exc, lang)
    _show(cat, req, access, fmt, lang)


@request.command("withdraw", help="申请部门撤回申请；已同意的，数据流随之结束 / the consumer withdraws a request; a granted "
                                   "one's data flow ends.")
@click.argument("code")
@click.option("--as", "user", required=True)
@date_option
@store_option
@lang_option
def request_withdraw(code, user, day, store, lang) -> None:
    from .sharing import RequestError, withdraw
    cat = _open(store)
    access = _access(cat, user)
    try:
        req = withdraw(cat, code, access, on=_day(access, day))
    except RequestError as exc:
        _fail(exc, lang)
    _show(cat, req, access, "text", lang)


@request.command("expire", help="使用期限已过的申请改为已过期，数据流随之结束（管理员，宜每日运行）/ requests whose period "
                                 "of use has ended become 已过期 and their flows end (admin; run daily).")
@click.option("--as", "user", required=True)
@date_option
@store_option
@lang_option
def request_expire(user, day, store, lang) -> None:
    from .sharing import RequestError, expire
    from .sharing_read import as_json, text
    cat = _open(store)
    access = _access(cat, user)
    try:
        ended = expire(cat, access, on=_day(access, day))
    except RequestError as exc:
        _fail(exc, lang)
    click.echo(text([as_json(cat, req, access) for req in ended], lang), nl=False)
    click.echo(f"已过期 {len(ended)} 条 / {len(ended)} expired")


@main.command(help="提供方答复共享申请：--grant 同意（建立数据流）或 --refuse 拒绝（须 --reason，R04）/ the provider "
                   "answers a request: --grant (a data flow is created) or --refuse (with --reason, R04).")
@click.argument("code")
@click.option("--grant/--refuse", "grant", required=True)
@click.option("--reason", default=None, help="理由（拒绝时必填）/ reasons (required to refuse)")
@click.option("--source-system", default=None, help="数据流的源系统（默认：信息资源的第一个来源信息系统）/ the flow's "
                                                    "source system (default: the entry's first source system)")
@click.option("--as", "user", required=True)
@date_option
@store_option
@format_option
@lang_option
def decide(code, grant, reason, source_system, user, day, store, fmt, lang) -> None:
    from .sharing import RequestError
    from .sharing import decide as run
    cat = _open(store)
    access = _access(cat, user)
    try:
        req = run(cat, code, access, grant, reason, source_system, on=_day(access, day))
    except RequestError as exc:
        _fail(exc, lang)
    _show(cat, req, access, fmt, lang)


@main.command(help="共享申请列表；--overdue：逾期（R05）的申请按提供方列出 / sharing requests; --overdue: the overdue "
                   "ones (R05) per provider.")
@click.option("--overdue", is_flag=True, help="只列逾期未答复或超期答复的申请（R05）/ only requests flagged by R05")
@click.option("--provider", default=None, metavar="USCC")
@click.option("--consumer", default=None, metavar="USCC")
@click.option("--state", default=None, help="待审核、已同意、已拒绝、已撤回、已过期")
@click.option("--as", "user", default=None, help="查看用户（决定是否显示应用场景、依据）/ viewing user")
@store_option
@format_option
@lang_option
def requests(overdue, provider, consumer, state, user, store, fmt, lang) -> None:
    from .access import Access
    from .catalogue.users import User
    from .sharing import RequestError
    from .sharing_read import listing, text
    from .sharing_read import overdue as late
    cat = _open(store)
    access = _access(cat, user)
    if access.anonymous:        # the command line reads the store itself: the list, without confidential fields
        access = Access(User("", "", "viewer", None))
    try:
        if overdue:
            found = late(cat, access)
            if provider:
                found = {k: v for k, v in found.items() if k == provider}
        else:
            found = listing(cat, access, provider, consumer, state)
    except RequestError as exc:
        _fail(exc, lang)
    if fmt == "json":
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
    elif overdue:
        for dept, items in found.items():
            click.echo(f"提供方 {dept}：{len(items)} 条" if lang == "zh" else f"provider {dept}: {len(items)}")
            click.echo(text(items, lang), nl=False)
    else:
        click.echo(text(found, lang), nl=False)
