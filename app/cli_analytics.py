"""`govcat` commands for analysts: zombie and duplicate systems, integration tracking, evaluation."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from .cli import EXIT_UNREADABLE, main
from .cli_store import _open, store_option


def output_options(command):
    """--format text|json|xlsx, --out FILE (for xlsx), --lang zh|en."""
    for option in reversed((
            click.option("--format", "fmt", type=click.Choice(["text", "json", "xlsx"]), default="text", show_default=True),
            click.option("--out", type=click.Path(path_type=Path), default=None, help="xlsx 输出文件 / the .xlsx to write"),
            click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True))):
        command = option(command)
    return command


def _emit(fmt: str, out, lang: str, as_json, text, xlsx, count: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(as_json(), ensure_ascii=False, indent=1))
    elif fmt == "xlsx":
        xlsx(out, lang)
        click.echo(f"已写入 {out}：{count}")
    else:
        click.echo(text(lang), nl=False)


def _needs_out(fmt: str, out) -> None:
    if fmt == "xlsx" and out is None:
        click.echo("xlsx 格式需要 --out 文件 / the xlsx format needs --out FILE", err=True)
        sys.exit(EXIT_UNREADABLE)


@main.command(help="找出僵尸信息系统（编制指南 Z1–Z5），结果也写入目录库 / find zombie systems (GUIDE Z1–Z5); "
                   "the results are also written to the store's zombies graph.")
@store_option
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="评估日期 YYYY-MM-DD（默认今天）/ evaluation date (default: today)")
@click.option("--threshold", "thresholds", multiple=True, metavar="NAME=VALUE",
              help="修改阈值，如 utilisation=3、stale_days=730 / change a threshold (repeatable)")
@output_options
def zombies(store, as_of, thresholds, fmt, out, lang) -> None:
    from .analytics import zombies as z
    from .analytics.output import zombies_text, zombies_xlsx
    try:
        limits = z.Thresholds.parse(thresholds)
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_UNREADABLE)
    _needs_out(fmt, out)
    cat = _open(store)
    day = as_of.date() if as_of else dt.date.today()
    found = z.evaluate(cat, day, limits, z.stored_duplicates(cat))
    z.write(cat, found, day, limits)
    _emit(fmt, out, lang, lambda: [item.as_json(lang) for item in found], lambda lang: zombies_text(found, lang),
          lambda out, lang: zombies_xlsx(found, out, lang), f"{len(found)} 个僵尸系统候选 / {len(found)} candidates")


@main.command(help="找出重复建设的信息系统候选（名称、功能相近或共享信息项），结果也写入目录库 / find duplicate-system "
                   "candidates (similar names and functions, shared data items); also written to the store's duplicates graph.")
@store_option
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="报告的最低得分 / lowest score reported")
@click.option("--per-system", type=click.IntRange(min=1), default=5, show_default=True,
              help="每个系统最多保留的最强候选数 / keep a pair if among the N strongest of one of its systems")
@click.option("--cross-region", is_flag=True, help="也报告不同地区的同类系统 / also report pairs in unrelated regions")
@output_options
def duplicates(store, min_score, per_system, cross_region, fmt, out, lang) -> None:
    from .analytics import duplicates as d
    from .analytics.output import duplicates_text, duplicates_xlsx
    _needs_out(fmt, out)
    cat = _open(store)
    settings = d.Settings(min_score=min_score, per_system=per_system, cross_region=cross_region)
    pairs = d.detect(d.read_systems(cat, settings), settings)
    d.write(cat, pairs, settings)
    _emit(fmt, out, lang, lambda: [p.as_json(lang) for p in pairs], lambda lang: duplicates_text(pairs, lang),
          lambda out, lang: duplicates_xlsx(pairs, out, lang), f"{len(pairs)} 对重复建设候选 / {len(pairs)} candidates")


@main.command(help="各部门信息系统整合进度：整合状态、大系统、须整合的二级单位/处室系统、平台接入、外网迁移 / "
                   "integration tracking per department (S04, S13–S15).")
@store_option
@click.option("--department", metavar="USCC", default=None, help="只看一个部门 / one department only")
@output_options
def integration(store, department, fmt, out, lang) -> None:
    from .analytics.integration import track
    from .analytics.output import integration_text, integration_xlsx
    _needs_out(fmt, out)
    found = track(_open(store), department)
    if department and not found:
        click.echo(f"库中没有部门 {department} / the store holds no department {department}", err=True)
        sys.exit(EXIT_UNREADABLE)
    _emit(fmt, out, lang, lambda: [d.as_json() for d in found], lambda lang: integration_text(found, lang),
          lambda out, lang: integration_xlsx(found, out, lang), f"{len(found)} 个部门")


@main.command(help="统一评价体系：各项指标（定义、公式、依据规则）按部门、市州和全省计算 / the evaluation "
                   "indicators of GUIDE §7 per department, per 市州 and for the province.")
@store_option
@click.option("--year", type=int, required=True, help="评价年度 / the year evaluated")
@output_options
def evaluate(store, year, fmt, out, lang) -> None:
    from .analytics.evaluation import evaluate as run
    from .analytics.output import evaluation_text, evaluation_xlsx
    _needs_out(fmt, out)
    result = run(_open(store), year)
    _emit(fmt, out, lang, lambda: result, lambda lang: evaluation_text(result, lang),
          lambda out, lang: evaluation_xlsx(result, out, lang), f"{len(result['departments'])} 个部门")


@main.command(help="年度报告（HTML 和 xlsx）：编目、平台接入、共享开放、僵尸清理、整合进度，及与上年比较 / the annual "
                   "report (HTML and xlsx) with the change against the previous year, rebuilt from the history.")
@store_option
@click.option("--year", type=int, required=True, help="报告年度 / the year reported")
@click.option("--department", metavar="USCC", default=None, help="一个部门的报告（默认全省）/ one department's report")
@click.option("--out", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="输出文件夹 / folder for report-<year>[-<USCC>].html and .xlsx")
def report(store, year, department, out) -> None:
    from .analytics.report import build, write_html, write_xlsx
    try:
        figures = build(_open(store), year, department)
    except LookupError:
        click.echo(f"库中没有部门 {department} / the store holds no department {department}", err=True)
        sys.exit(EXIT_UNREADABLE)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"report-{year}" + (f"-{department}" if department else "")
    write_html(figures, out / f"{stem}.html")
    write_xlsx(figures, out / f"{stem}.xlsx")
    click.echo(f"已写入 {out / (stem + '.html')} 和 {out / (stem + '.xlsx')}")
