"""User-supplied SPARQL: read-only queries on the store; outbound requests only to allowed hosts."""
from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from .store import Graph

# Keywords that would write to the store or reach the network. A keyword counts only as a word of its own:
# not inside a prefixed name (ex:service), a variable (?with) or a name with a hyphen. (A dot before
# it still counts: `?o.SERVICE` is the keyword.)
_KEYWORD = r"(?<![\w:?$\-])({})(?![\w:\-])"
_FORBIDDEN = re.compile(_KEYWORD.format("SERVICE|LOAD|INSERT|DELETE|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH"),
                        re.IGNORECASE)
_FROM = re.compile(_KEYWORD.format("FROM"), re.IGNORECASE)
_IRI = r'<[^<>"{}|^`\\\s]*>'
_STRINGS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|'
                      + _IRI + r'|#[^\n]*')
_SERVICE = re.compile(_KEYWORD.format("SERVICE") + r"\s+(?:SILENT\s+)?(" + _IRI + r"|[^\s{]+)", re.IGNORECASE)
_PREFIX = re.compile(r"PREFIX\s+([\w.\-]*):\s*(" + _IRI + ")", re.IGNORECASE)


class QueryRefused(Exception):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)


def _without_literals(text: str, keep_iris: bool = False) -> str:
    """The query with string literals and comments (and IRIs unless `keep_iris`) blanked out."""
    return _STRINGS.sub(lambda m: m.group(0) if keep_iris and m.group(0).startswith("<") else " ", text)


def check_query(text: str, allowed_service_hosts: Iterable[str] = ()) -> None:
    """Refuse updates and federated queries: SERVICE makes real HTTP requests from the server, so it is
    allowed only to an IRI written out (or a prefixed name) whose host is in `allowed_service_hosts`
    (a host name, or host:port)."""
    allowed = {h.strip().lower() for h in allowed_service_hosts if h.strip()}
    for found in _FORBIDDEN.finditer(_without_literals(text)):
        word = found.group(1).upper()
        if word == "SERVICE" and allowed:
            continue
        raise QueryRefused(f"不允许使用 {word}：这里只能执行只读查询，且不访问外部服务",
                           f"{word} is not allowed: only read-only queries without external services")
    if allowed:
        _check_services(_without_literals(text, keep_iris=True), allowed)


def _check_services(text: str, allowed: set[str]) -> None:
    prefixes = {name: iri[1:-1] for name, iri in _PREFIX.findall(text)}
    for found in _SERVICE.finditer(text):
        target = found.group(2)
        if target.startswith("<"):
            endpoint = target[1:-1]
        elif ":" in target and not target.startswith(("?", "$")):
            name, _, local = target.partition(":")
            endpoint = prefixes.get(name, "") + local if name in prefixes else ""
        else:
            endpoint = ""
        if "\\" in endpoint:   # an escape (\u0040 …) could hide the real host
            endpoint = ""
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        netloc = f"{host}:{parts.port}" if parts.port else host
        if parts.scheme not in ("http", "https") or not host or not ({host, netloc} & allowed):
            shown = endpoint or target
            raise QueryRefused(f"SERVICE 只能访问允许的主机，{shown} 不在其中",
                               f"SERVICE may only reach the allowed hosts; {shown} is not one of them")


def declares_dataset(text: str) -> bool:
    """Whether the query names its own dataset (FROM / FROM NAMED), which the union default graph would
    otherwise override."""
    return _FROM.search(_without_literals(text)) is not None


def run_query(graph: Graph, text: str, result_format: str) -> tuple[str, bytes]:
    check_query(text)
    try:
        return graph.query_raw(text, result_format)
    except SyntaxError as exc:
        raise QueryRefused(f"SPARQL 语法错误：{exc}", f"SPARQL syntax error: {exc}") from exc
    except ValueError as exc:
        raise QueryRefused(f"结果格式不适用：{exc}", f"unsuitable result format: {exc}") from exc
