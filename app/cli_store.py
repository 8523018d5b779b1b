"""`govcat` commands that work on the on-disk store (load, query, history, workflow, users, export)."""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from govcat.loaders import LoadError

from .cli import EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATIONS, _fail_unreadable, main

store_option = click.option("--store", "store", type=click.Path(path_type=Path), envvar="GOVCAT_STORE",
                            default=Path("data/store"), show_default=True,
                            help="目录库文件夹 / store folder (or GOVCAT_STORE)")
user_option = click.option("--as", "user", required=True, help="操作用户 / acting user")


def _open(store: Path):
    from .analytics.refresh import Refresher
    from .catalogue import Catalogue
    from .engines import EngineMismatch
    try:
        cat = Catalogue.open(store)
        cat.listeners.append(Refresher(cat))     # stored zombie results follow every write
        return cat
    except OSError as exc:   # RocksDB lock held by another process, permissions …
        click.echo(f"无法打开目录库 {store}：{exc} / cannot open the store", err=True)
        sys.exit(EXIT_UNREADABLE)
    except EngineMismatch as exc:   # the folder belongs to another engine (engine.json)
        click.echo(str(exc), err=True)
        sys.exit(EXIT_UNREADABLE)


def _refuse(exc) -> None:
    click.echo(f"{exc.zh} / {exc.en}", err=True)
    sys.exit(EXIT_VIOLATIONS)


@main.command(help="验证并导入目录文件（全部写入或全不写入）/ validate a file in the context of the store "
                   "and write all of it or nothing. Exit 0: loaded; 1: violations, nothing written; 2: unreadable.")
@click.argument("path", type=click.Path(path_type=Path))
@store_option
@click.option("--dry-run", is_flag=True, help="只验证、不写入 / validate only")
@click.option("--publish", is_flag=True, help="管理员批量导入已审定目录：信息资源直接为已发布 / entries arrive as 已发布")
@click.option("--replace-department", metavar="USCC",
              help="该文件是此部门的完整目录：库中该部门未出现在文件里的记录将被删除 / the file is that department's full catalogue")
@click.option("--as", "user", default=None, help="记录在历史中的用户（默认：系统登录名）/ user recorded in history")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def load(path, store, dry_run, publish, replace_department, user, fmt, lang) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .catalogue.loading import LOAD_STEPS, load_file
    from .validation.report import FORMATS
    cat = _open(store)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    try:
        with bar:
            task = bar.add_task("…", total=LOAD_STEPS)

            def step(text: str) -> None:
                bar.update(task, description=text, advance=1)
            outcome = load_file(cat, path, user or getpass.getuser(), dry_run=dry_run, publish=publish,
                                replace_department=replace_department, progress=step)
    except LoadError as exc:
        _fail_unreadable(exc, lang)
    if not outcome.report.conforms or fmt != "text" or outcome.report.results:
        click.echo(FORMATS[fmt](outcome.report, lang), nl=False)
    if not outcome.report.conforms:
        click.echo("有违规，未写入任何内容 / violations: nothing was written", err=True)
        sys.exit(EXIT_VIOLATIONS)
    verb = "将" if dry_run else "已"
    click.echo(f"{verb}新增 {len(outcome.new)} 条、更新 {len(outcome.changed)} 条、删除 {len(outcome.removed)} 条，"
               f"未变 {outcome.unchanged} 条记录" + ("（试运行，未写入）" if dry_run else "") + f" / new {len(outcome.new)}, "
               f"changed {len(outcome.changed)}, removed {len(outcome.removed)}, unchanged {outcome.unchanged}",
               err=fmt != "text")
    sys.exit(EXIT_OK)


@main.command("import-listing", help="按映射导入数据开放平台的目录 JSON / import an open-data portal listing "
                                     "(JSON array) through a declarative mapping (loaders/mappings/*.toml). "
                                     "Exit 0: records imported; 1: invalid mapping or nothing importable; 2: unreadable file.")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--mapping", "mapping", required=True, metavar="M",
              help="映射文件，或 loaders/mappings 中的名称 / mapping file, or a name in loaders/mappings")
@store_option
@click.option("--as", "user", default=None, help="记录在历史中的用户（默认：系统登录名）/ user recorded in history")
def import_listing_cmd(file, mapping, store, user) -> None:
    from govcat.loaders.listing import MappingError, read_mapping

    from .catalogue.listings import import_listing
    try:
        read_mapping(mapping)          # a bad mapping is refused before the store is opened
    except MappingError as exc:
        click.echo(f"映射无效 / invalid mapping: {exc.text('zh')} / {exc.en}", err=True)
        sys.exit(EXIT_VIOLATIONS)
    cat = _open(store)
    try:
        out = import_listing(cat, file, mapping, user or getpass.getuser())
    except MappingError as exc:
        click.echo(f"映射无效 / invalid mapping: {exc.text('zh')} / {exc.en}", err=True)
        sys.exit(EXIT_VIOLATIONS)
    except LoadError as exc:
        _fail_unreadable(exc, "zh")
    m = out.mapping
    click.echo(f"{m.name}（{m.id}）：{out.records} 条记录，导入 {out.imported} 条（新增 {len(out.new)}、更新 "
               f"{len(out.changed)}、未变 {out.unchanged}、移除 {len(out.removed)}；无重复且取值全部规范化的 {out.clean} 条），"
               f"重复 {len(out.duplicates)} 条，拒收 {len(out.rejected)} 条 / {out.records} records: imported "
               f"{out.imported} (new {len(out.new)}, changed {len(out.changed)}, unchanged {out.unchanged}, removed "
               f"{len(out.removed)}; clean {out.clean}), duplicates {len(out.duplicates)}, rejected {len(out.rejected)}")
    for name in out.unused_fields:
        click.echo(f"注意：映射中的字段“{name}”在任何记录中都不存在 / note: no record has the mapped field {name}")
    if out.duplicates:
        click.echo("重复（标题、提供方、发布日期相同，仍已导入）/ duplicates (same title, publisher, issue date; imported):")
        for d in out.duplicates[:10]:
            click.echo(f"  下标 {d.row} 与下标 {d.first_row} 重复 / row {d.row} repeats row {d.first_row} → {d.record}")
        if len(out.duplicates) > 10:
            click.echo(f"  …另有 {len(out.duplicates) - 10} 条 / … {len(out.duplicates) - 10} more")
    if out.rejected:
        click.echo("拒收 / rejected:")
        for r in out.rejected:
            click.echo(f"  {r.text('zh')} / {r.text('en')}")
    for key, st in out.by_field_normalised.items():
        if st.not_normalised:
            common = st.not_normalised.most_common()
            values = "、".join(f"{v!r} ×{n}" if any(c in v for c in "\t\r\n") else f"{v} ×{n}"
                              for v, n in common[:15])
            more = f"，另有 {len(common) - 15} 种 / {len(common) - 15} more" if len(common) > 15 else ""
            click.echo(f"未能规范化的{FIELD_NAMES[key]}（原文已保留）/ {key} not normalised (kept as text)："
                       f"{values}{more}")
    if out.imported == 0:
        click.echo("没有可导入的记录，未写入任何内容 / nothing could be imported: nothing was written", err=True)
        sys.exit(EXIT_VIOLATIONS)
    sys.exit(EXIT_OK)


FIELD_NAMES = {"update_cycle": "更新周期", "openness": "开放属性", "formats": "数据格式"}


@main.command(help="在目录库上运行 SPARQL 查询 / run a SPARQL query (text or a .rq file) on the store.")
@click.argument("query_or_file")
@store_option
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "tsv", "xml", "turtle"]), default="json",
              show_default=True)
def query(query_or_file, store, fmt) -> None:
    from .sparql import QueryRefused, run_query
    text = query_or_file
    if query_or_file.endswith(".rq") and Path(query_or_file).exists():
        text = Path(query_or_file).read_text(encoding="utf-8")
    cat = _open(store)
    try:
        _kind, body = run_query(cat.graph, text, fmt)
    except QueryRefused as exc:
        _refuse(exc)
    sys.stdout.buffer.write(body)


@main.command(help="列出一条记录的各个版本及变化 / list the versions of a record with what changed.")
@click.argument("code")
@store_option
def history(code, store) -> None:
    from .catalogue.history import diff, versions
    cat = _open(store)
    record = _resolve(cat, code, any_version=True)
    previous = None
    for v in versions(cat, record):
        who = v.user.rsplit("/", 1)[-1] if v.user else "?"
        click.echo(f"版本 {v.number}  {v.time}  {who}  {v.action}" + (f"  （{v.note}）" if v.note else ""))
        for line in diff(previous, v.content):
            click.echo(f"    {line}")
        previous = v.content


@main.command("restore-version", help="把记录恢复到较早的版本（作为一次新的变更）/ bring an earlier version back.")
@click.argument("code")
@click.argument("number", type=int)
@store_option
@click.option("--as", "user", default=None)
def restore_version_cmd(code, number, store, user) -> None:
    from .catalogue.history import HistoryError, restore_version
    cat = _open(store)
    record = _resolve(cat, code, any_version=True)
    try:
        n = restore_version(cat, record, number, user or getpass.getuser())
    except HistoryError as exc:
        _refuse(exc)
    click.echo(f"已恢复第 {number} 版，成为第 {n} 版 / version {number} restored as version {n}")


def _resolve(cat, code: str, any_version: bool = False) -> str:
    record = cat.resolve(code)
    if record is None and any_version:
        from govcat.loaders import base_iri
        from govcat.loaders.tabular import record_iri

        from .catalogue.history import versions
        from .schema import RECORD_SEGMENTS
        guesses = [record_iri(base_iri(), cls, code) for cls in RECORD_SEGMENTS]   # deleted records
        record = next((r for r in guesses if versions(cat, r)), None)
    if record is None:
        click.echo(f"库中没有代码为 {code} 的记录 / no record {code}", err=True)
        sys.exit(EXIT_VIOLATIONS)
    return record


def _workflow(action: str, help_text: str):
    @main.command(action, help=help_text)
    @click.argument("code")
    @store_option
    @user_option
    @click.option("--reason", default=None, help="退回理由 / reason (return)")
    def command(code, store, user, reason) -> None:
        from .catalogue.history import HistoryError
        from .catalogue.users import UserError
        from .catalogue.workflow import STATE_NAMES, transition
        cat = _open(store)
        try:
            state = transition(cat, code, action, user, reason)
        except (UserError, HistoryError) as exc:
            _refuse(exc)
        click.echo(f"{code}：{STATE_NAMES[state]}")
    return command


_workflow("submit", "提交审核（草稿/退回修改 → 待审核）/ submit an entry for review")
_workflow("approve", "审核通过并发布（待审核 → 已发布）/ approve and publish")
_workflow("return", "退回修改，须说明理由 / return for changes, with --reason")
_workflow("withdraw", "下线（已发布 → 已下线）/ withdraw a published entry")


@main.group(help="用户管理 / users")
def user() -> None:
    pass


@user.command("add", help="新增用户并显示一次性令牌 / add a user; prints its bearer token once")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "reviewer", "editor", "viewer"]), required=True)
@click.option("--department", metavar="USCC", default=None)
@store_option
def user_add(name, role, department, store) -> None:
    from .catalogue.users import UserError, add_user
    cat = _open(store)
    try:
        token = add_user(cat, name, role, department)
    except UserError as exc:
        _refuse(exc)
    click.echo(f"已创建用户 {name}（{role}）。令牌只显示这一次 / the token is shown only once:")
    click.echo(token)


@main.command(help="把目录库导出为模板工作簿 / write the store back as the template workbook.")
@click.argument("out", type=click.Path(path_type=Path))
@store_option
def export(out, store) -> None:
    from .catalogue.export import export_xlsx
    counts = export_xlsx(_open(store), out)
    click.echo(f"已导出 {out}：" + "，".join(f"{k} {v}" for k, v in counts.items()))


@main.command(help="把整个目录库（含历史）转储为 N-Quads 或 TriG / dump the whole store, history included.")
@click.argument("out", type=click.Path(path_type=Path))
@store_option
def dump(out, store) -> None:
    from .catalogue.export import dump as dump_store
    dump_store(_open(store), out)
    click.echo(f"已转储到 {out}")


@main.command(help="从转储恢复到一个新的目录库文件夹 / restore a dump into a new, empty store folder.")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@store_option
def restore(source, store) -> None:
    from .catalogue.export import restore as restore_store
    try:
        restore_store(store, source)
    except FileExistsError as exc:
        click.echo(f"目录库文件夹非空，请恢复到新文件夹 / {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    click.echo(f"已从 {source} 恢复到 {store}")


@main.command(help="启动 HTTP 服务：/sparql 上的 SPARQL 1.1 端点 / serve the store over HTTP "
                   "(SPARQL 1.1 Protocol at /sparql). Settings: flags, else GOVCAT_* variables (README, Server).")
@store_option
@click.option("--host", default=None, help="监听地址 / address to listen on (or GOVCAT_HOST; default 127.0.0.1)")
@click.option("--port", type=int, default=None, help="端口 / port (or GOVCAT_PORT; default 8000)")
@click.option("--query-timeout", type=float, default=None,
              help="SPARQL 查询时限（秒）/ query time limit in s (or GOVCAT_QUERY_TIMEOUT; default 10)")
@click.option("--row-cap", type=int, default=None,
              help="每个结果的最多行数，0 为不限 / rows per result, 0: no cap (or GOVCAT_ROW_CAP; default 10000)")
def serve(store, host, port, query_timeout, row_cap) -> None:
    import uvicorn

    from .web.access_log import AccessLog
    from .web.app import create_app
    from .web.settings import Settings
    try:
        settings = Settings.from_env(store=store, host=host, port=port, query_timeout=query_timeout,
                                     row_cap=row_cap)
    except ValueError as exc:
        click.echo(f"设置无效 / invalid setting: {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    from .engines import EngineMismatch
    from .saved_queries import SavedQueryError
    try:
        app = create_app(settings)
    except (SavedQueryError, EngineMismatch) as exc:   # a broken queries/*.rq (named with its file and line);
        click.echo(str(exc), err=True)                  # a store folder bound to another engine
        sys.exit(EXIT_UNREADABLE)
    uvicorn.run(AccessLog(app), host=settings.host, port=settings.port, log_level="info", log_config=_log_config(),
                access_log=False)


def _log_config() -> dict:
    """uvicorn's logging, with the access lines of `govcat.web.access_log` (written after each response, where
    uvicorn writes them before) formatted plainly (`INFO:     127.0.0.1:50112 - "GET /sparql?… HTTP/1.1" 200`, as
    uvicorn writes them when not on a terminal): uvicorn's own access formatter copies each record to colour it,
    30–32 µs a line against 12–13 (bench/RESULTS.md)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    from .web.access_log import log as access_log
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["access"] = {"format": "%(levelname)s:     %(message)s"}
    config["loggers"][access_log.name] = {"handlers": ["access"], "level": "INFO", "propagate": False}
    return config
