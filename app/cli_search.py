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
