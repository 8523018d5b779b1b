"""Saved queries: the headers of queries/*.rq, their typed parameters, and the values bound to them.

Every queries/<name>.rq starts with a header of comment lines (README, "Saved queries"):

    # title@zh: 各部门各共享类型的条目数
    # title@en: Entries per department and sharing type
    # description@zh: 每个部门按共享类型统计的信息资源条目数。
    # description@en: The catalogue entries of each department, counted per sharing type.
    #   (a line starting with "#" and two or more spaces continues the field above it)
    # param: dept code optional 部门 / department
    # param: minScore decimal default=0.5 最低得分 / lowest score
    # internal

- `title@zh`, `title@en`: required on every query; `description@zh`, `description@en`: required on the
  queries analysts run (optional on internal ones).
- `param: NAME TYPE [required|optional|default=VALUE] 中文标签 / English label`. NAME is the SPARQL variable
  (it must be in the SELECT projection: pyoxigraph binds only projected variables). TYPE is one of TYPES.
  Required unless `optional` or a default is given; a parameter with a default is always bound.
- `internal`: used by govcat's own code (users, history, loading …), never listed or run over HTTP.

`load_all()` parses every file and prepares every query (on an empty store, with every parameter bound),
so that a broken header or query stops the server start naming the file and line. `bind()` turns the
values of a request (text, as in a URL) into bound terms, or raises ParameterError naming the parameter.
No HTTP here: `govcat.web.queries_api` serves them.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .namespaces import XSD
from .paths import QUERIES_DIR
from .sparql import QueryRefused, check_query
from .store import Graph
from .terms import Term, iri, literal

TYPES = {
    "iri": ("IRI（http 或 https）", "an IRI (http or https)"),
    "string": ("文本", "text"),
    "integer": ("整数", "an integer"),
    "decimal": ("数字", "a number"),
    "date": ("日期（YYYY-MM-DD）", "a date (YYYY-MM-DD)"),
    "datetime": ("时间（ISO 8601，含时区，如 2026-01-31T08:00:00Z）",
                 "an instant (ISO 8601 with a time zone, e.g. 2026-01-31T08:00:00Z)"),
    "boolean": ("是/否（true、false、是、否、1、0）", "a boolean (true, false, 是, 否, 1, 0)"),
    "code": ("记录编码（信息资源代码、系统编码、流编码或统一社会信用代码）",
             "a record code (entry, system or flow code, or USCC)"),
}
_KEYS = {"title@zh", "title@en", "description@zh", "description@en", "param", "internal"}
_LINE = re.compile(r"#\s?([A-Za-z][\w@-]*)\s*:\s*(.*)$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+$")
_TRUE, _FALSE = {"true", "1", "是", "yes"}, {"false", "0", "否", "no"}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    default: str | None
    label: dict[str, str]

    def as_json(self) -> dict:
        return {"name": self.name, "type": self.type, "required": self.required, "default": self.default,
                "label": self.label}


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: dict[str, str]
    description: dict[str, str]
    params: tuple[Param, ...]
    internal: bool
    text: str

    def as_json(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description,
                "parameters": [p.as_json() for p in self.params]}


@dataclass
class HeaderProblem:
    file: str
    line: int | None
    zh: str
    en: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.zh} / {self.en}"


class SavedQueryError(ValueError):
    """Broken headers or queries; each problem names its file (and line)."""

    def __init__(self, problems: Sequence[HeaderProblem]):
        self.problems = list(problems)
        super().__init__("查询文件有误 / broken saved queries:\n" + "\n".join(f"  {p}" for p in self.problems))


class ParameterError(ValueError):
    """A request value that cannot be bound: names the parameter, in zh and en."""

    def __init__(self, param: str, zh: str, en: str):
        self.param, self.zh, self.en = param, zh, en
        super().__init__(f"{zh} / {en}")


# -- parsing ---------------------------------------------------------------------------------------------
@dataclass
class _Header:
    fields: dict[str, str] = field(default_factory=dict)
    params: list[tuple[int, str]] = field(default_factory=list)
    internal: bool = False


def parse(name: str, text: str, file: str | None = None) -> SavedQuery:
    """The saved query in `text` (the content of queries/<name>.rq); raises SavedQueryError."""
    file = file or f"queries/{name}.rq"
    problems: list[HeaderProblem] = []

    def problem(line: int | None, zh: str, en: str) -> None:
        problems.append(HeaderProblem(file, line, zh, en))

    header, last = _Header(), None
    lines = text.splitlines()
    body_start = len(lines)
    for number, line in enumerate(lines, 1):
        if not line.startswith("#"):
            body_start = number - 1
            break
        rest = line[1:]
        if not rest.strip():
            last = None
            continue
        if rest.startswith("  ") and last is not None:   # continues the field above
            if last == "param":
                n, value = header.params[-1]
                header.params[-1] = (n, value + " " + rest.strip())
            else:
                header.fields[last] += " " + rest.strip()
            continue
        if rest.strip() == "internal":
            header.internal, last = True, None
            continue
        found = _LINE.match(line)
        if not found:
            problem(number, "头部行须为“# 字段: 值”", 'a header line must read "# key: value"')
            last = None
            continue
        key, value = found.group(1), found.group(2).strip()
        if key not in _KEYS:
            problem(number, f"未知的头部字段 {key}（可用：{', '.join(sorted(_KEYS))}）",
                    f"unknown header key {key} (known: {', '.join(sorted(_KEYS))})")
            last = None
        elif key == "param":
            header.params.append((number, value))
            last = key
        elif key == "internal":
            header.internal, last = True, None
        elif key in header.fields:
            problem(number, f"字段 {key} 重复", f"{key} is given twice")
            last = None
        elif not value:
            problem(number, f"字段 {key} 为空", f"{key} is empty")
            last = None
        else:
            header.fields[key], last = value, key
    if not header.fields and not header.params and not header.internal:
        raise SavedQueryError([HeaderProblem(file, 1, "文件开头没有查询头部（# title@zh: …，见 README“保存的查询”）",
                                             'the file starts with no saved-query header ("# title@zh: …", '
                                             'README, "Saved queries")')])
    wanted = ["title@zh", "title@en"] + ([] if header.internal else ["description@zh", "description@en"])
    for key in wanted:
        if key not in header.fields:
            problem(None, f"头部缺少 {key}", f"the header has no {key}")
    params: list[Param] = []
    for number, spec in header.params:
        param = _param(spec, number, problem)
        if param is None:
            continue
        if any(p.name == param.name for p in params):
            problem(number, f"参数 {param.name} 重复", f"parameter {param.name} is declared twice")
            continue
        params.append(param)
    body = "\n".join(lines[body_start:]).strip()
    if not body:
        problem(None, "头部之后没有查询", "there is no query after the header")
    if problems:
        raise SavedQueryError(problems)
    return SavedQuery(name, {"zh": header.fields["title@zh"], "en": header.fields["title@en"]},
                      {lang: header.fields.get(f"description@{lang}", "") for lang in ("zh", "en")},
                      tuple(params), header.internal, text)


def _param(spec: str, number: int, problem: Callable[[int | None, str, str], None]) -> Param | None:
    tokens = spec.split(None, 3)
    if len(tokens) < 3:
        problem(number, "参数须写作“名称 类型 [optional|default=值] 中文标签 / English label”",
                'a parameter reads "NAME TYPE [optional|default=VALUE] 中文标签 / English label"')
        return None
    name, kind = tokens[0], tokens[1]
    rest = " ".join(tokens[2:])
    if not _NAME.match(name):
        problem(number, f"参数名 {name} 不是 SPARQL 变量名", f"parameter name {name} is no SPARQL variable name")
        return None
    if kind not in TYPES:
        problem(number, f"参数 {name} 的类型 {kind} 未知（可用：{', '.join(TYPES)}）",
                f"parameter {name} has the unknown type {kind} (known: {', '.join(TYPES)})")
        return None
    required, default = True, None
    first, _, after = rest.partition(" ")
    if first in ("required", "optional"):
        required, rest = first == "required", after
    elif first.startswith("default="):
        required, default, rest = False, first[len("default="):], after
        if kind == "code":
            problem(number, f"参数 {name}：code 类型不能有默认值", f"parameter {name}: a code parameter has no default")
            return None
        try:
            convert(Param(name, kind, False, None, {}), default, lambda code: None)
        except ParameterError:
            problem(number, f"参数 {name} 的默认值 {default} 不是{TYPES[kind][0]}",
                    f"the default {default} of parameter {name} is not {TYPES[kind][1]}")
            return None
    zh, sep, en = rest.partition(" / ")
    if not sep or not zh.strip() or not en.strip():
        problem(number, f"参数 {name} 须有中文和英文标签（“中文 / English”）",
                f'parameter {name} needs a zh and an en label ("中文 / English")')
        return None
    return Param(name, kind, required, default, {"zh": zh.strip(), "en": en.strip()})


_SAMPLES = {"iri": iri("urn:govcat:check"), "code": iri("urn:govcat:check"), "string": literal("x"),
            "integer": literal("1", XSD + "integer"), "decimal": literal("1.0", XSD + "decimal"),
            "date": literal("2000-01-01", XSD + "date"), "boolean": literal("true", XSD + "boolean"),
            "datetime": literal("2000-01-01T00:00:00Z", XSD + "dateTime")}


def prepare(saved: SavedQuery) -> None:
    """Run the query once on an empty store with every parameter bound: a syntax error, or a parameter
    missing from the SELECT projection, raises SavedQueryError. Analysts' queries must also pass the
    checks of user SPARQL (read-only, no SERVICE), since they run through the same query service."""
    file = f"queries/{saved.name}.rq"
    try:
        if not saved.internal:
            check_query(saved.text)
        Graph().query_serialized(saved.text, bindings={p.name: _SAMPLES[p.type] for p in saved.params})
    except QueryRefused as exc:
        raise SavedQueryError([HeaderProblem(file, None, exc.zh, exc.en)]) from None
    except (SyntaxError, ValueError, RuntimeError) as exc:   # pyoxigraph: syntax; a bound variable not projected
        raise SavedQueryError([HeaderProblem(file, None, f"查询无法执行：{exc}", f"the query cannot run: {exc}")]) from None


def load_all(folder: Path | None = None) -> dict[str, SavedQuery]:
    """Every queries/*.rq, parsed and prepared; raises SavedQueryError listing every problem found."""
    folder = folder or QUERIES_DIR
    found: dict[str, SavedQuery] = {}
    problems: list[HeaderProblem] = []
    for path in sorted(Path(folder).glob("*.rq")):
        try:
            saved = parse(path.stem, path.read_text(encoding="utf-8"), f"{Path(folder).name}/{path.name}")
            prepare(saved)
        except SavedQueryError as exc:
            problems += exc.problems
            continue
        found[saved.name] = saved
    if problems:
        raise SavedQueryError(problems)
    return found


def analyst_queries(queries: Mapping[str, SavedQuery]) -> dict[str, SavedQuery]:
    """The queries analysts may list and run (not the internal ones)."""
    return {name: q for name, q in sorted(queries.items()) if not q.internal}


# -- binding values --------------------------------------------------------------------------------------
def convert(param: Param, value: str, resolve: Callable[[str], str | None]) -> Term:
    """The term for one text value of `param`; `resolve` maps a record code to its IRI (or None)."""
    kind, text = param.type, value.strip()

    def bad() -> ParameterError:
        return ParameterError(param.name, f"参数 {param.name} 的值“{value}”不是{TYPES[kind][0]}",
                              f"parameter {param.name}: {value!r} is not {TYPES[kind][1]}")

    if kind == "iri":
        if not _IRI.match(text):
            raise bad()
        return iri(text)
    if kind == "string":
        return literal(value)
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", text):
            raise bad()
        return literal(str(int(text)), XSD + "integer")
    if kind == "decimal":
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise bad() from None
        if not number.is_finite():
            raise bad()
        return literal(format(number, "f"), XSD + "decimal")
    if kind == "date":
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise bad() from None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise bad()
        return literal(day.isoformat(), XSD + "date")
    if kind == "datetime":
        try:
            instant = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise bad() from None
        if instant.tzinfo is None or "T" not in text:
            raise bad()
        return literal(text, XSD + "dateTime")
    if kind == "boolean":
        lowered = text.lower()
        if lowered not in _TRUE | _FALSE:
            raise bad()
        return literal("true" if lowered in _TRUE else "false", XSD + "boolean")
    if kind == "code":
        if not text:
            raise bad()
        found = resolve(text)
        if found is None:
            raise ParameterError(param.name, f"参数 {param.name}：目录中没有编码为“{value}”的记录",
                                 f"parameter {param.name}: the catalogue has no record with the code {value!r}")
        return iri(found)
    raise AssertionError(kind)


def bind(saved: SavedQuery, values: Mapping[str, Sequence[str]],
         resolve: Callable[[str], str | None]) -> dict[str, Term]:
    """The bindings for a run of `saved` with request values (name -> the values given, as in a URL query
    string). An unknown or repeated parameter, a missing required one or a value of the wrong type raises
    ParameterError; an empty value counts as not given; defaults fill what is not given."""
    declared = {p.name: p for p in saved.params}
    for name, given in values.items():
        if name not in declared:
            known = ", ".join(declared) or "—"
            raise ParameterError(name, f"查询 {saved.name} 没有参数 {name}（可用：{known}）",
                                 f"query {saved.name} has no parameter {name} (known: {known})")
        if len(given) > 1:
            raise ParameterError(name, f"参数 {name} 只能给一次", f"parameter {name} may be given only once")
    bindings: dict[str, Term] = {}
    for param in saved.params:
        given = [v for v in values.get(param.name, ()) if v.strip()]
        if given:
            bindings[param.name] = convert(param, given[0], resolve)
        elif param.default is not None:
            bindings[param.name] = convert(param, param.default, resolve)
        elif param.required:
            raise ParameterError(param.name, f"缺少必填参数 {param.name}（{param.label['zh']}，{TYPES[param.type][0]}）",
                                 f"the required parameter {param.name} ({param.label['en']}, "
                                 f"{TYPES[param.type][1]}) is missing")
    return bindings


__all__ = ["TYPES", "Param", "ParameterError", "SavedQuery", "SavedQueryError", "analyst_queries", "bind",
           "convert", "load_all", "parse", "prepare"]
