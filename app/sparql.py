"""User-supplied SPARQL: read-only queries on the store; outbound requests only to allowed hosts."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import urlsplit

from .store import Graph
from .terms import Term

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
    (a host name, or host:port). The verdict on a text is remembered (saved queries and dashboards send the
    same texts again and again; scanning a query of 1–2 KB takes 10–60 µs)."""
    allowed = frozenset(h.strip().lower() for h in allowed_service_hosts if h.strip())
    refused = (_verdict if len(text) > _REMEMBERED else _remembered_verdict)(text, allowed)
    if refused is not None:
        raise QueryRefused(*refused)


def _verdict(text: str, allowed: frozenset[str]) -> tuple[str, str] | None:
    """Why `text` is refused (zh, en), or None."""
    for found in _FORBIDDEN.finditer(_without_literals(text)):
        word = found.group(1).upper()
        if word == "SERVICE" and allowed:
            continue
        return (f"不允许使用 {word}：这里只能执行只读查询，且不访问外部服务",
                f"{word} is not allowed: only read-only queries without external services")
    if allowed:
        try:
            _check_services(_without_literals(text, keep_iris=True), allowed)
        except QueryRefused as exc:
            return exc.zh, exc.en
    return None


_REMEMBERED = 8192   # characters: longer texts are scanned each time (the cache holds at most 1024 × 8 KB)
_remembered_verdict = lru_cache(maxsize=1024)(_verdict)


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
    return (_declares if len(text) > _REMEMBERED else _remembered_declares)(text)


def _declares(text: str) -> bool:
    return _FROM.search(_without_literals(text)) is not None


_remembered_declares = lru_cache(maxsize=1024)(_declares)


_FORM = re.compile(_KEYWORD.format("SELECT|ASK|CONSTRUCT|DESCRIBE"), re.IGNORECASE)


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the form of a query (the first such keyword; subqueries come after)."""
    found = _FORM.search(_without_literals(text))
    return found.group(1).upper() if found else None


def run_query(graph: Graph, text: str, result_format: str) -> tuple[str, bytes]:
    check_query(text)
    try:
        return graph.query_raw(text, result_format)
    except SyntaxError as exc:
        raise QueryRefused(f"SPARQL 语法错误：{exc}", f"SPARQL syntax error: {exc}") from exc
    except ValueError as exc:
        raise QueryRefused(f"结果格式不适用：{exc}", f"unsuitable result format: {exc}") from exc


# -- bound values for engines without bound parameters ------------------------------------------------------
_CODE_TOKEN = re.compile(r"([?$][A-Za-z0-9_\u00B7-\uFFFF]+)|([A-Za-z_][\w.-]*:[\w.-]*|[A-Za-z_]\w*)|([({])|([)}])")
_NOT_IRI = re.compile(r'[<>"{}|^`\\\s]')
_BOUND_CALL = r"\bBOUND\s*\(\s*[?$]{}\s*\)"
_CLAUSE_END = {"WHERE", "FROM", "LIMIT", "OFFSET", "HAVING", "VALUES", "GROUP", "ORDER", "SELECT"}


def bind_terms(text: str, bindings: Mapping[str, Term] | None) -> str:
    """`text` with each bound variable given its value as an RDF term: what pyoxigraph's `substitutions` do,
    for SPARQL engines that take no bound parameters (SPARQL 1.1 has none).

    The values are serialized terms (`Term.n3()`: IRIs checked, literals escaped), never raw text, and only
    variables are touched — not text inside strings, IRIs or comments. In patterns and expressions `?x`
    becomes the term (so that a bound start reaches a property path, in subqueries too). A SELECT (or
    subquery) that projects `?x` keeps it and gets `VALUES ?x { term }` at the head of its WHERE group, so the
    variable stays in the results, as with pyoxigraph, and GROUP BY / ORDER BY ?x keep working; where ?x is
    not projected, GROUP BY / ORDER BY ?x take `(term)`. `BOUND(?x)` becomes `true`. A bound variable that
    the query assigns (`AS ?x`, `VALUES ?x`) is refused (ValueError)."""
    if not bindings:
        return text
    values = {}
    for name, term in bindings.items():
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise ValueError(f"not a variable name: {name!r}")
        if _NOT_IRI.search(term.value if term.kind == "iri" else term.datatype or ""):
            raise ValueError(f"not an IRI: {term!r}")
        if term.language and not re.fullmatch(r"[A-Za-z]+(-[A-Za-z0-9]+)*", term.language):
            raise ValueError(f"not a language tag: {term.language!r}")
        if term.kind == "bnode":
            raise ValueError("a blank node cannot be bound in a query text")
        values[name] = term.n3()
    out, last = [], 0
    state = {"depth": 0, "selects": [], "projection": False, "modifier": None, "previous": ""}
    for found in _STRINGS.finditer(text):
        out.append(_bind_code(text[last:found.start()], values, state))
        out.append(found.group(0))
        last = found.end()
    out.append(_bind_code(text[last:], values, state))
    return "".join(out)


def _bind_code(code: str, values: dict[str, str], state: dict) -> str:
    """One stretch of query text between strings, IRIs and comments (the state carries over). `selects`:
    a stack of [depth, projected bound variables, WHERE group not opened yet] per SELECT."""
    for name in values:
        code = re.sub(_BOUND_CALL.format(re.escape(name)) + r"(?![A-Za-z0-9_])", "true", code, flags=re.IGNORECASE)
    selects = state["selects"]
    out, last = [], 0
    for found in _CODE_TOKEN.finditer(code):
        var, word, opening, closing = found.groups()
        out.append(code[last:found.start()])
        last = found.end()
        token = found.group(0)
        if opening:
            if token == "{" and selects and selects[-1][2] and selects[-1][0] == state["depth"]:
                selects[-1][2] = state["projection"] = False        # the WHERE group of the SELECT
                token += "".join(f" VALUES ?{n} {{ {values[n]} }}" for n in sorted(selects[-1][1]))
            state["depth"] += 1
        elif closing:
            state["depth"] -= 1
            while selects and state["depth"] < selects[-1][0]:
                selects.pop()                                         # a subquery ended
            if state["modifier"] is not None and state["depth"] < state["modifier"]:
                state["modifier"] = None
        elif word:
            upper = word.upper()
            if upper in _CLAUSE_END:
                state["projection"], state["modifier"] = False, None
            if upper == "SELECT":
                selects.append([state["depth"], set(), True])
                state["projection"] = True
            elif upper == "BY" and state["previous"] in ("GROUP", "ORDER"):
                state["modifier"] = state["depth"]
            state["previous"] = upper
        elif var and var[1:] in values:
            name = var[1:]
            if state["previous"] in ("AS", "VALUES"):
                raise ValueError(f"the bound variable {var} is assigned by the query")
            level = selects[-1] if selects else None
            if state["projection"] and level and level[0] == state["depth"]:
                level[1].add(name)                                    # kept, bound by VALUES
            elif state["modifier"] == state["depth"]:
                token = var if level and name in level[1] else f"({values[name]})"
            elif not (state["modifier"] is not None and level and name in level[1]):
                token = values[name]
        if var:
            state["previous"] = "?"
        out.append(token)
    out.append(code[last:])
    return "".join(out)


_LATERAL = re.compile(_KEYWORD.format("LATERAL"), re.IGNORECASE)


def drop_lateral(text: str) -> str:
    """`LATERAL { … }` written as a plain group `{ … }` (a join), for engines without LATERAL (an Oxigraph
    extension, SPARQL 1.2 draft). The solutions are the same when the group binds every variable it reads
    itself — as in govcat's lineage queries, where LATERAL only makes the join a lookup."""
    out, last = [], 0
    for found in _STRINGS.finditer(text):
        out += [_LATERAL.sub(" ", text[last:found.start()]), found.group(0)]
        last = found.end()
    out.append(_LATERAL.sub(" ", text[last:]))
    return "".join(out)
