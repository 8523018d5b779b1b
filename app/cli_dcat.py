"""`govcat harvest`: read a DCAT feed into the store (govcat.dcat.harvest)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli import EXIT_UNREADABLE, main


@main.command(help="采集 DCAT 目录（Turtle、RDF/XML、JSON-LD，跟随 Hydra 分页）/ harvest a DCAT feed "
                   "(Turtle, RDF/XML, JSON-LD; follows Hydra pages) from another govcat node or a DCAT-AP portal. "
                   "Exit 0: harvested; 1: a page was broken or records were rejected (the rest is kept).")
@click.argument("url")
@click.option("--source", "name", default=None, help="采集来源名称（默认为 URL 的主机名）/ source name (default: the URL's host)")
@click.option("--store", type=click.Path(path_type=Path), default=None, help="目录库文件夹 / store folder")
@click.option("--as", "user", default="harvest", show_default=True, help="记入历史的用户 / user recorded in the history")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def harvest(url: str, name: str | None, store: Path | None, user: str, fmt: str) -> None:
    from urllib.parse import urlsplit

    from govcat.catalogue import Catalogue
    from govcat.dcat.harvest import harvest as run
    from govcat.engines import EngineMismatch
    name = name or urlsplit(url).netloc or url
    try:
        cat = Catalogue.open(store)
    except EngineMismatch as exc:       # the store folder belongs to another engine (engine.json)
        click.echo(str(exc), err=True)
        sys.exit(EXIT_UNREADABLE)
    report = run(cat, url, name, user)
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"采集来源 {name}：{len(report.pages)} 页，新增 {len(report.new)}，更新 {len(report.changed)}，"
                   f"未变 {report.unchanged}，撤下 {len(report.withdrawn)}，拒收 {len(report.rejected)}，"
                   f"警告 {len(report.warnings)} / pages {len(report.pages)}, new {len(report.new)}, "
                   f"changed {len(report.changed)}, unchanged {report.unchanged}, withdrawn {len(report.withdrawn)}, "
                   f"rejected {len(report.rejected)}, warnings {len(report.warnings)}")
        for broken in report.broken:
            click.echo(f"无法读取的页面 / broken page: {broken['url']}: {broken['error']}", err=True)
        for rejected in report.rejected:
            click.echo(f"拒收 / rejected {rejected['dataset']} [{rejected['rule']}] {rejected['message']['zh']}", err=True)
    sys.exit(0 if report.ok else 1)
