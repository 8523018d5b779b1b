"""`govcat reindex`: rebuild the search index of a store (STORE/search/) from the store."""
from __future__ import annotations

import time
from pathlib import Path

import click

from .cli import main
from .cli_store import _open, store_option


@main.command(help="从目录库重建全文检索索引 / rebuild the full-text search index (STORE/search/) from the "
                   "store. The server rebuilds or catches up a missing or outdated index when it starts; "
                   "stop it first (it holds the store).")
@store_option
def reindex(store: Path) -> None:
    from .search import SearchIndex
    cat = _open(store)
    began = time.perf_counter()
    count = SearchIndex(cat).rebuild()
    click.echo(f"检索索引已重建：{count} 条信息资源，{time.perf_counter() - began:.1f} 秒 / "
               f"search index rebuilt: {count} entries in {time.perf_counter() - began:.1f} s")


@main.command(help="安装网页使用的脚本和样式（npm ci：YASGUI、cytoscape.js，由本服务提供，不用 CDN）/ install the "
                   "scripts and stylesheets the web pages serve (npm ci in app/web/static; needs npm)")
def assets() -> None:
    from .web.assets import AssetsError, install_assets
    try:
        install_assets()
    except AssetsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("网页资源已安装 / web assets installed")
