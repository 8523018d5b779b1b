"""User-supplied SPARQL: read-only queries on the store, never outbound requests."""
from __future__ import annotations

import re

from .store import Graph

# Outside string literals and IRIs, these keywords would write to the store or reach the network.
_FORBIDDEN = re.compile(r"\b(SERVICE|LOAD|INSERT|DELETE|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
_STRINGS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*')


class QueryRefused(Exception):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)


def check_query(text: str) -> None:
    """Refuse updates and federated queries (SERVICE makes real HTTP requests from the server)."""
    bare = _STRINGS.sub(" ", text)
    found = _FORBIDDEN.search(bare)
    if found:
        word = found.group(1).upper()
        raise QueryRefused(f"不允许使用 {word}：这里只能执行只读查询，且不访问外部服务",
                           f"{word} is not allowed: only read-only queries without external services")


def run_query(graph: Graph, text: str, result_format: str) -> tuple[str, bytes]:
    check_query(text)
    try:
        return graph.query_raw(text, result_format)
    except SyntaxError as exc:
        raise QueryRefused(f"SPARQL 语法错误：{exc}", f"SPARQL syntax error: {exc}") from exc
    except ValueError as exc:
        raise QueryRefused(f"结果格式不适用：{exc}", f"unsuitable result format: {exc}") from exc
