"""Open-data portal listings (数据开放目录) read through a declarative mapping.

A listing is a JSON array with one object per dataset, in the portal's own (Chinese) field names. A
mapping (`loaders/mappings/<id>.toml`, read with tomllib) says which field holds what:

    [portal]
    name = "浙江省人民政府-浙江数据开放"
    homepage = "https://data.zjzwfw.gov.cn/jdop_front/index.do"

    [fields]            # only `title` is required
    title = "标题"
    description = "摘要"
    publisher = "数源单位"
    update_cycle = "更新周期"
    openness = "开放条件"
    formats = "资源格式"
    issued = "发布日期"
    modified = "更新日期"
    keywords = "标签"
    landing_page = "详情页网址"

The mapping id is the file name without `.toml`. One module handles every mapping: `read_mapping`,
`read_listing` (the JSON array; LoadError when it cannot be read), then `map_records`, which yields per
array element either a `ListingRecord` or a `Rejection` (index, field, reason in zh and en) — no
element is dropped silently.

Values: text is stripped, and runs of \\r \\n \\t become one space. Formats come as Python lists,
stringified lists ("['api']", "[xml,xls,csv,json,rdf]") or separated strings ("xls,csv", "数据库-mysql");
they are split into lowercase tokens (the format class before "-" is dropped, "其他" is no format).
Update cycles and openness are matched to the gc:UpdateCycle and gc:OpennessType concepts by
label or altLabel, after removing bracketed notes ("不定期(更新说明:…)") and a trailing "更新";
notations ("1", "3") are not matched, since portals use bare digits for other things. The original
cell is always kept."""
from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from govcat.namespaces import GC

from .errors import LoadError

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"

# mapping key -> (zh name, en name) of what the field holds
FIELDS = {
    "title": ("标题", "title"),
    "description": ("描述", "description"),
    "publisher": ("数据提供方", "publisher"),
    "update_cycle": ("更新周期", "update cycle"),
    "openness": ("开放属性", "openness"),
    "formats": ("数据格式", "formats"),
    "issued": ("发布日期", "issued"),
    "modified": ("更新日期", "modified"),
    "keywords": ("关键字", "keywords"),
    "landing_page": ("详情页网址", "landing page"),
}
PORTAL_KEYS = ("name", "homepage")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class MappingError(Exception):
    """A mapping file that cannot be used; names the file."""

    def __init__(self, path, zh: str, en: str):
        self.path, self.zh, self.en = str(path), zh, en
        super().__init__(self.text("en"))

    def text(self, lang: str = "zh") -> str:
        return f"映射文件 {self.path}：{self.zh}" if lang == "zh" else f"mapping file {self.path}: {self.en}"


@dataclass(frozen=True)
class Mapping:
    id: str                      # the file name without .toml: the portal's key in IRIs
    path: Path
    name: str                    # the portal's name
    homepage: str | None
    fields: dict[str, str]       # mapping key (FIELDS) -> the portal's field name


def mapping_path(spec: str | Path) -> Path:
    """A mapping given as a path, or as the name of a file in loaders/mappings ("zhejiang_zhejiang")."""
    path = Path(spec)
    if path.exists() or path.suffix == ".toml" or len(path.parts) > 1:
        return path
    return MAPPINGS_DIR / f"{spec}.toml"


def read_mapping(spec: str | Path) -> Mapping:
    """Read and check a mapping file; MappingError (naming the file) when it cannot be used."""
    path = mapping_path(spec)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(path, "文件不存在", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(path, f"无法读取：{exc}", f"cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(path, f"不是有效的 TOML：{exc}", f"not valid TOML: {exc}") from None
    mid = path.name.removesuffix(".toml")
    if not _ID.match(mid):
        raise MappingError(path, "文件名须由字母、数字、_ . - 组成（它是平台的标识）",
                           "the file name (the portal's id) must consist of letters, digits, _ . -")
    unknown = sorted(set(data) - {"portal", "fields"})
    if unknown:
        raise MappingError(path, f"未知的表 {unknown}（只能有 [portal] 和 [fields]）",
                           f"unknown tables {unknown} (only [portal] and [fields])")
    portal, fields = data.get("portal"), data.get("fields")
    for table, value in (("portal", portal), ("fields", fields)):
        if not isinstance(value, dict):
            raise MappingError(path, f"缺少表 [{table}]", f"the table [{table}] is missing")
    allowed = ", ".join(PORTAL_KEYS)
    for key in portal:
        if key not in PORTAL_KEYS:
            raise MappingError(path, f"[portal] 中的未知键 {key}（可用：{allowed}）",
                               f"unknown key portal.{key} (allowed: {allowed})")
    allowed = ", ".join(FIELDS)
    for key, value in fields.items():
        if key not in FIELDS:
            raise MappingError(path, f"[fields] 中的未知键 {key}（可用：{allowed}）",
                               f"unknown key fields.{key} (allowed: {allowed})")
        if not isinstance(value, str) or not value.strip():
            raise MappingError(path, f"fields.{key} 须为非空字符串（源数据的字段名）",
                               f"fields.{key} must be a non-empty string (a field name of the listing)")
    if "title" not in fields:
        raise MappingError(path, "缺少 fields.title（哪个字段是标题）", "fields.title is missing (which field is the title)")
    name = portal.get("name")
    if not isinstance(name, str) or not name.strip():
        raise MappingError(path, "缺少 portal.name（平台名称）", "portal.name (the portal's name) is missing")
    homepage = portal.get("homepage")
    if homepage is not None and (not isinstance(homepage, str) or as_url(homepage) is None):
        raise MappingError(path, "portal.homepage 须为 http(s) 网址", "portal.homepage must be an http(s) URL")
    return Mapping(mid, path, name.strip(), as_url(homepage) if homepage else None, dict(fields))


def read_listing(path: Path) -> list:
    """The JSON array of a listing file; LoadError when it cannot be read."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LoadError(path, "文件不存在", "no such file") from None
    except OSError as exc:
        raise LoadError(path, f"无法读取：{exc}", f"cannot be read: {exc}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise LoadError(path, f"不是 UTF-8 编码：{exc}", f"not UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LoadError(path, f"不是有效的 JSON（第{exc.lineno}行第{exc.colno}列）：{exc.msg}",
                        f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    if not isinstance(data, list):
        raise LoadError(path, f"顶层应为记录数组，实为 {type(data).__name__}",
                        f"the top level must be an array of records, not {type(data).__name__}")
    return data


# -- records -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rejection:
    row: int                     # index in the JSON array
    field: str | None            # the portal's field name, if one field is to blame
    zh: str
    en: str
    value: str | None = None

    def text(self, lang: str = "zh") -> str:
        where = (f"下标 {self.row}" + (f"，字段“{self.field}”" if self.field else "")) if lang == "zh" else \
                (f"row {self.row}" + (f", field {self.field}" if self.field else ""))
        reason = self.zh if lang == "zh" else self.en
        shown = f"：{self.value!r}" if self.value is not None and lang == "zh" else \
                (f": {self.value!r}" if self.value is not None else "")
        return f"{where}：{reason}{shown}" if lang == "zh" else f"{where}: {reason}{shown}"


@dataclass(frozen=True)
class Coded:
    """A value normalised to a concept (None: no concept matched), with the cell it came from."""
    text: str
    concept: str | None


@dataclass(frozen=True)
class ListingRecord:
    row: int
    title: str
    description: str | None = None
    publisher: str | None = None
    update_cycle: Coded | None = None
    openness: Coded | None = None
    formats: tuple[str, ...] = ()
    format_text: str | None = None
    keywords: tuple[str, ...] = ()
    issued: dt.date | None = None
    modified: dt.date | None = None
    landing_page: str | None = None

    @property
    def key(self) -> str:
        """Stable key: a hash of title, publisher and issue date (portal URLs are not unique)."""
        text = "\x1f".join((self.title, self.publisher or "", self.issued.isoformat() if self.issued else ""))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_NOISE = re.compile(r"[ \u3000\xa0]*[\r\n\t\f\v]+[\s]*")


def clean(text: str) -> str:
    """Stripped, each run of \\r \\n \\t (with the spaces around it) one space."""
    return _NOISE.sub(" ", text).strip()


def as_url(text: str) -> str | None:
    """An absolute http(s) URL as a valid IRI (unsafe characters percent-encoded), or None."""
    text = text.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or re.search(r"\s", text):
        return None
    return quote(text, safe="!#$%&'()*+,/:;=?@[]~-._")


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(text: str) -> dt.date | None:
    """2023-06-12, 2023/06/12 17:33:10, 2023.6.12, 2023年6月12日, 20230612 -> date; else None."""
    found = _DATE.match(text) or _COMPACT.match(text)
    if not found:
        return None
    try:
        return dt.date(*(int(g) for g in found.groups()))
    except ValueError:
        return None


_LIST_SPLIT = re.compile(r"[,，、;；|]+")
_LINES = re.compile(r"\s*[\r\n\t]+\s*")
_FORMAT_SPLIT = re.compile(r"[,，、;；|/\s]+")
_NOT_A_FORMAT = {"其他", "其它", "other", "others", "无", "暂无", "none", "null"}
_CJK = re.compile(r"[\u3400-\u9fff]")


def _items(value) -> list[str] | None:
    """The items of a list-valued cell: a JSON list, a stringified list, or a separated string."""
    if isinstance(value, list):
        items = []
        for v in value:
            if isinstance(v, (dict, list)):
                return None
            if v is not None:
                items.append(str(v))
        return items
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return None
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, list) and all(isinstance(v, (str, int, float)) for v in parsed):
            return [str(v) for v in parsed]
        text = text[1:-1]
        return [part.strip(" '\"") for part in _LIST_SPLIT.split(text)]
    return [text]


def format_tokens(value) -> tuple[str, ...] | None:
    """Lowercase format tokens of a cell ("数据库-mysql" -> "mysql"); None when it is no list or text."""
    if isinstance(value, str):
        return _format_tokens_of_text(value)
    return _format_tokens(value)


@lru_cache(maxsize=4096)
def _format_tokens_of_text(value: str) -> tuple[str, ...] | None:
    return _format_tokens(value)


def _format_tokens(value) -> tuple[str, ...] | None:
    items = _items(value)
    if items is None:
        return None
    tokens: list[str] = []
    for item in items:
        for token in _FORMAT_SPLIT.split(clean(item)):
            token = token.strip(" '\"[]()（）.")
            if "-" in token and _CJK.search(token.split("-", 1)[0]):
                token = token.split("-", 1)[1]         # 数据库-mysql: the format class goes
            token = token.lower()
            if token and token not in _NOT_A_FORMAT and token not in tokens:
                tokens.append(token)
    return tuple(tokens)


def keyword_list(value) -> tuple[str, ...] | None:
    items = _items(value)
    if items is None:
        return None
    found: list[str] = []
    for item in items:
        # a cell that separates keywords by line breaks or tabs may hold 、 inside a keyword
        # ("公共管理、社会保障和社会组织"); otherwise , ， 、 ; ； | separate
        split = _LINES if _LINES.search(item.strip()) else _LIST_SPLIT
        for word in split.split(item):
            word = clean(word)
            if any(ch.isalnum() for ch in word) and word not in found:    # "-", "_": placeholders
                found.append(word)
    return tuple(found)


_BRACKETED = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")


def _variants(text: str) -> list[str]:
    """The cell, then without bracketed notes, then without spaces, then without a trailing 更新."""
    out = [text]
    bare = _BRACKETED.sub("", text).strip()
    out.append(bare)
    bare = re.sub(r"\s+", "", bare)
    out.append(bare)
    if bare.endswith("更新") and len(bare) > 2:
        out.append(bare[:-2])
    return out


@cache
def _label_lookup(cls: str) -> dict[str, str]:
    """Label or altLabel -> concept of a code list, without bare notations."""
    from govcat.schema import code_lists
    return {k: v for k, v in code_lists()[cls].lookup.items() if not re.fullmatch(r"[0-9.\s]+", k)}


@lru_cache(maxsize=4096)
def normalise(cls: str, text: str) -> str | None:
    """The concept of code list `cls` that `text` names, or None."""
    lookup = _label_lookup(cls)
    for variant in _variants(text):
        if variant in lookup:
            return lookup[variant]
    return None


UPDATE_CYCLE, OPENNESS = GC + "UpdateCycle", GC + "OpennessType"


def _original(value) -> str:
    """A cell as it was written: text stripped of surrounding white space, anything else as JSON."""
    return value.strip() if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def map_records(data: list, mapping: Mapping) -> Iterator[ListingRecord | Rejection]:
    """One ListingRecord or one Rejection per element of `data`, in order."""
    for row, element in enumerate(data):
        yield map_record(row, element, mapping)


def map_record(row: int, element, mapping: Mapping) -> ListingRecord | Rejection:
    f = mapping.fields
    if not isinstance(element, dict):
        kind = "null" if element is None else type(element).__name__
        return Rejection(row, None, f"记录不是 JSON 对象（是 {kind}）", f"the record is not a JSON object ({kind})")
    values: dict = {}
    for key in ("title", "description", "publisher"):
        name = f.get(key)
        raw = element.get(name) if name else None
        if raw is None:
            continue
        if isinstance(raw, (dict, list, bool)):
            return Rejection(row, name, f"{FIELDS[key][0]}不是文本", f"the {FIELDS[key][1]} is not text",
                             _original(raw))
        text = clean(str(raw))
        if text:
            values[key] = text
    if "title" not in values:
        name = f["title"]
        if name not in element:
            return Rejection(row, name, "没有标题字段", "the record has no title field")
        return Rejection(row, name, "标题为空", "the title is empty", _original(element[name]))
    for key, cls in (("update_cycle", UPDATE_CYCLE), ("openness", OPENNESS)):
        name = f.get(key)
        raw = element.get(name) if name else None
        if raw is None:
            continue
        if isinstance(raw, (dict, list, bool)):
            return Rejection(row, name, f"{FIELDS[key][0]}不是文本", f"the {FIELDS[key][1]} is not text",
                             _original(raw))
        text = clean(str(raw))
        if text:
            values[key] = Coded(_original(raw), normalise(cls, text))
    for key in ("issued", "modified"):
        name = f.get(key)
        raw = element.get(name) if name else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        date = parse_date(clean(raw)) if isinstance(raw, str) else None
        if date is None:
            return Rejection(row, name, f"{FIELDS[key][0]}不是可识别的日期", f"the {FIELDS[key][1]} date cannot be read",
                             _original(raw))
        values[key] = date
    name = f.get("formats")
    raw = element.get(name) if name else None
    if raw is not None:
        tokens = format_tokens(raw)
        if tokens is None:
            return Rejection(row, name, "数据格式既不是文本也不是列表", "the formats are neither text nor a list",
                             _original(raw))
        values["formats"] = tokens
        original = _original(raw)
        if original not in ("", "[]"):
            values["format_text"] = original
    name = f.get("keywords")
    raw = element.get(name) if name else None
    if raw is not None:
        words = keyword_list(raw)
        if words is None:
            return Rejection(row, name, "关键字既不是文本也不是列表", "the keywords are neither text nor a list",
                             _original(raw))
        values["keywords"] = words
    name = f.get("landing_page")
    raw = element.get(name) if name else None
    if raw is not None and not (isinstance(raw, str) and not raw.strip()):
        url = as_url(raw) if isinstance(raw, str) else None
        if url is None:
            return Rejection(row, name, "详情页网址不是 http(s) 网址", "the landing page is not an http(s) URL",
                             _original(raw))
        values["landing_page"] = url
    return ListingRecord(row, **values)


def present_fields(data: list, mapping: Mapping) -> dict[str, int]:
    """How many records hold each field the mapping names (a field in none is likely a mapping mistake)."""
    counts = {name: 0 for name in mapping.fields.values()}
    for element in data:
        if isinstance(element, dict):
            for name in counts:
                if name in element:
                    counts[name] += 1
    return counts
