"""Records as JSON objects keyed by the template's column headers, for the REST API (no HTTP here).

    body = record_json(cat, record)                       # {"信息资源代码": "101001/000001", …, "信息项": [...]}
    loaded, record = to_loaded("entries", body, base)     # the same RDF as that row loaded from the template

The shapes are the only source of field names (`govcat.schema.sheets()`): one key per column of the
record's sheet; an entry nests its data items as a list of rows of the 信息项 sheet (without the column
that names the entry). Values are written as in the template: code-list values by their label (a notation
or an alias is read too), references by the code of the record, dates as YYYY-MM-DD, 是/否, integers and
decimals as JSON numbers, multi-valued columns as lists (a ';'-separated string is read too), an empty
cell as null. Writes turn the object into a one-row table and run it through the template's converter
(`govcat.loaders.tabular.to_rdf`), so an API write and a spreadsheet row give the same triples."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from govcat.loaders import Loaded, LoadError
from govcat.loaders.tabular import SheetRows, cell_text, record_iri, to_rdf

from ..access import Access
from ..namespaces import DCT, GC, RDF_TYPE, XSD
from ..queries import query
from ..schema import Column, Sheet, code_lists, concept_labels, sheets
from ..terms import iri, literal
from ..validation.engine import shapes_graph
from .record_index import COLUMNS, record_index
from .repository import Catalogue

ITEMS = "信息项"                 # the sheet of data items, nested in an entry
META = "_meta"                   # read-only: IRI, version, workflow state, last edit
WORKFLOW_CLASS = GC + "WorkflowState"
PUBLISHED = "https://w3id.org/govcat/code/workflow-state/3"
STATE_ALIASES = {"draft": "1", "submitted": "2", "published": "3", "returned": "4", "withdrawn": "5"}


@dataclass(frozen=True)
class Kind:
    """One resource of the API: its path segment and its template sheet."""
    name: str
    sheet_name: str
    zh: str
    en: str
    items: str | None = None     # the nested sheet (entries: 信息项)

    @property
    def sheet(self) -> Sheet:
        return sheets()[self.sheet_name]

    @property
    def cls(self) -> str:
        return self.sheet.target

    @property
    def key(self) -> Column:
        return self.sheet.key_column


KINDS = {k.name: k for k in (Kind("departments", "部门", "部门", "department"),
                             Kind("systems", "信息系统", "信息系统", "information system"),
                             Kind("entries", "信息资源", "信息资源", "catalogue entry", items=ITEMS),
                             Kind("flows", "数据流", "数据流", "data flow"))}


class BodyError(Exception):
    """A request body that is not a record of the template (not the validation of its values)."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)


# -- RDF -> JSON -----------------------------------------------------------------------------------------------
def find_record(cat: Catalogue, kind: Kind, code: str) -> str | None:
    """The IRI of the current record of `kind` with `code`, or None."""
    for row in cat.graph.select(query("record_by_code"), {"code": literal(code)}):   # the same code may name
        record = row["record"].value                                                  # records of other kinds
        if cat.admin_value(record, RDF_TYPE) == iri(kind.cls):
            return record
    return None


def minted_iri(kind: Kind, code: str, base: str) -> str:
    """The IRI a record of `kind` with `code` gets when written (also that of a deleted record)."""
    return record_iri(base, kind.cls, code)


def record_json(cat: Catalogue, record: str) -> dict | None:
    """The record as the API shows it, or None when there is no such record."""
    rows = cat.graph.select(query("rest_record"), {"record": iri(record)})
    if not rows:
        return None
    subjects: dict[str, dict[str, list]] = {}
    for row in rows:
        subjects.setdefault(row["s"].value, {}).setdefault(row["p"].value, []).append((row["o"], row["key"]))
    own = subjects.pop(record, {})
    cls = next((o.value for o, _k in own.get(RDF_TYPE, [])), None)
    kind = next((k for k in KINDS.values() if k.cls == cls), None)
    if kind is None:
        return None
    body = _row(kind.sheet, own)
    if kind.items:
        items_sheet = sheets()[kind.items]
        numbered = sorted((_item_number(s), values) for s, values in subjects.items())
        body[kind.items] = [_row(items_sheet, values, skip=_owner_column(items_sheet)) for _n, values in numbered]
    state = own.get(GC + "workflowState")
    editor = own.get(GC + "lastEditor")
    modified = own.get(DCT + "modified")
    body[META] = {"iri": record, "version": int(own[GC + "version"][0][0].value) if GC + "version" in own else 0,
                  "state": concept_labels().get(state[0][0].value) if state else None,
                  "modified": modified[0][0].value if modified else None,
                  "editor": editor[0][0].value.rsplit("/", 1)[-1] if editor else None}
    return body


def _item_number(subject: str) -> int:
    tail = subject.rsplit("/item/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _owner_column(sheet: Sheet) -> Column:
    """The column of the items sheet that names the entry (the first reference column)."""
    return next(c for c in sheet.columns if c.kind == "record")


def _row(sheet: Sheet, values: dict[str, list], skip: Column | None = None) -> dict:
    row = {}
    for column in sheet.columns:
        if column is skip:
            continue
        shown = [_shown(column, o, key) for o, key in values.get(column.path, [])]
        if column.separator:
            row[column.header] = sorted(shown, key=str)
        else:
            row[column.header] = shown[0] if shown else None
    return row


def _shown(column: Column, o, key):
    """One value as the template writes it."""
    if o.is_iri:
        if key is not None:
            return key.value
        return concept_labels().get(o.value, o.value)
    kind = column.kind
    if kind == "boolean" and o.datatype == XSD + "boolean":
        return "是" if o.value in ("true", "1") else "否"
    if kind == "integer" and o.datatype == XSD + "integer":
        return int(o.value)
    if kind == "decimal" and o.datatype == XSD + "decimal":
        number = float(o.value)
        return number if Decimal(repr(number)) == Decimal(o.value) else o.value
    return o.value


# -- JSON -> RDF -----------------------------------------------------------------------------------------------
def to_loaded(kind: Kind, body: object, base: str, code: str | None = None) -> tuple[Loaded, str, str]:
    """The record's triples as the template converter makes them, its IRI and its code.

    `code` (from the URL of a PUT) fills a missing key column; a different code in the body is refused.
    In the validation report, the record is row 1 of its sheet and data item n is row n of 信息项."""
    if not isinstance(body, dict):
        raise BodyError("请求体应为 JSON 对象", "the request body must be a JSON object")
    body = {k: v for k, v in body.items() if k != META}
    sheet, key = kind.sheet, kind.key
    given = cell_text(_cell(key, body.get(key.header)))
    if code is not None:
        if given and given != code:
            raise BodyError(f"请求体中的{key.header} {given} 与地址中的 {code} 不一致（代码不能修改）",
                            f"{key.header} {given} in the body differs from {code} in the URL (codes cannot change)")
        body[key.header] = given = code
    allowed = set(sheet.headers) | ({kind.items} if kind.items else set())
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BodyError(f"未知的字段：{'、'.join(unknown)}；{sheet.name}表的列为：{'、'.join(sheet.headers)}",
                        f"unknown field(s): {', '.join(unknown)}; the columns of sheet {sheet.name} are: "
                        f"{', '.join(sheet.headers)}")
    tables = {name: SheetRows(name, s.headers, []) for name, s in sheets().items()}
    tables[sheet.name] = SheetRows(sheet.name, sheet.headers, [(1, [_cell(c, body.get(c.header)) for c in sheet.columns])])
    if kind.items:
        tables[kind.items] = SheetRows(kind.items, sheets()[kind.items].headers,
                                       _item_rows(sheets()[kind.items], body.get(kind.items), given))
    try:
        loaded = to_rdf("api", tables, base)
    except LoadError as exc:
        raise BodyError(exc.zh, exc.en) from exc
    return loaded, minted_iri(kind, given, base), given


def _item_rows(sheet: Sheet, items: object, code: str) -> list[tuple[int, list]]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise BodyError(f"{sheet.name}应为列表（每个信息项一个对象）", f"{sheet.name} must be a list (one object per data item)")
    owner = _owner_column(sheet)
    rows = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise BodyError(f"{sheet.name}第 {n} 项应为 JSON 对象", f"item {n} of {sheet.name} must be a JSON object")
        unknown = sorted(set(item) - set(sheet.headers))
        if unknown:
            raise BodyError(f"{sheet.name}第 {n} 项有未知的字段：{'、'.join(unknown)}",
                            f"item {n} of {sheet.name} has unknown field(s): {', '.join(unknown)}")
        named = cell_text(_cell(owner, item.get(owner.header)))
        if named and named != code:
            raise BodyError(f"{sheet.name}第 {n} 项的{owner.header}应为 {code}",
                            f"item {n} of {sheet.name}: {owner.header} must be {code}")
        rows.append((n, [code if c is owner else _cell(c, item.get(c.header)) for c in sheet.columns]))
    return rows


def _cell(column: Column, value: object):
    """A JSON value as the template cell the converter reads."""
    if value is None:
        return ""
    if isinstance(value, list):
        if not column.separator:
            raise BodyError(f"「{column.header}」只能有一个值", f"{column.header} takes one value, not a list")
        if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            raise BodyError(f"「{column.header}」的值应为文本列表", f"{column.header} must be a list of texts")
        return ";".join(cell_text(v) for v in value)
    if isinstance(value, (dict,)):
        raise BodyError(f"「{column.header}」的值不能是对象", f"{column.header} cannot be an object")
    if isinstance(value, float) and column.kind == "decimal":
        return repr(value)
    return value


# -- owners and access -----------------------------------------------------------------------------------------
def _column(kind: Kind, path: str) -> Column:
    return next(c for c in kind.sheet.columns if c.path == path)


def owner_of_body(cat: Catalogue, kind: Kind, body: dict, base: str) -> str | None:
    """The department (IRI) that owns the record the body describes; None if it cannot be told."""
    def reference(path: str, target: str) -> str | None:
        text = cell_text(_cell(_column(kind, path), body.get(_column(kind, path).header)))
        return record_iri(base, target, text) if text else None
    if kind.name == "departments":
        return reference(kind.key.path, kind.cls)
    if kind.name == "systems":
        return reference(GC + "ownerDepartment", GC + "Department")
    if kind.name == "entries":
        return reference(DCT + "publisher", GC + "Department")
    system = reference(GC + "sourceSystem", GC + "InformationSystem")     # a flow: its source system's
    owner = cat.admin_value(system, GC + "ownerDepartment") if system else None
    return owner.value if owner is not None and owner.is_iri else None


def owner_of_record(cat: Catalogue, kind: Kind, record: str) -> str | None:
    """The department (IRI) that owns a stored record."""
    if kind.name == "departments":
        return record
    predicate = {"systems": GC + "ownerDepartment", "entries": DCT + "publisher", "flows": GC + "sourceSystem"}[kind.name]
    value = cat.admin_value(record, predicate)
    if kind.name == "flows" and value is not None:
        value = cat.admin_value(value.value, GC + "ownerDepartment")
    return value.value if value is not None and value.is_iri else None


def visible(cat: Catalogue, access: Access, kind: Kind, record: str) -> bool:
    """May the caller read this record? Anonymous callers see public entries and their departments."""
    if access.internal:
        return True
    if kind.name == "entries":
        return bool(cat.graph.select(query("public_entries"), {"entry": iri(record)}))
    if kind.name == "departments":
        return bool(cat.graph.select(query("rest_public_departments"), {"dept": iri(record)}))
    return False


# -- lists -----------------------------------------------------------------------------------------------------
@dataclass
class Page:
    total: int
    records: list[str]


def list_records(cat: Catalogue, kind: Kind, filters: dict[str, str], page: int, per_page: int,
                 access: Access) -> Page:
    """One page of the records of `kind` the caller may see, ordered by code (from the in-memory
    `record_index`). Filters (values as in the template; codes of records): entries department (provider),
    sharing_type, state, open; systems department; flows source, target. An unknown code-list value raises
    BodyError; an unknown record code gives an empty page."""
    wanted: dict[str, str] = {}
    for name, text in filters.items():
        variable, value = _filter(cat, kind, name, text)
        if value is None or wanted.setdefault(variable, value) != value:
            return Page(0, [])
    if kind.name == "entries" and not access.internal:
        for variable, value in (("state", PUBLISHED), ("open", "true")):
            if wanted.setdefault(variable, value) != value:
                return Page(0, [])
    index = record_index(cat)
    subject, code, *rest = COLUMNS[kind.name]
    names = [code, subject, *rest]
    tests = [(names.index(variable), value) for variable, value in wanted.items()]
    rows = [row for row in index.snapshot(kind.name) if all(row[i] == value for i, value in tests)]
    if kind.name == "departments" and not access.internal:
        providers = {row[2] for row in index.snapshot("entries") if row[4] == PUBLISHED and row[5] == "true"}
        rows = [row for row in rows if row[1] in providers]
    start = (page - 1) * per_page
    return Page(len(rows), [row[1] for row in rows[start:start + per_page]])


FILTERS = {"entries": {"department": ("dept", "departments"), "provider": ("dept", "departments"),
                       "sharing_type": ("sharing", GC + "SharingType"), "state": ("state", WORKFLOW_CLASS),
                       "open": ("open", None)},
           "systems": {"department": ("dept", "departments")},
           "flows": {"source": ("source", "systems"), "target": ("target", "systems")},
           "departments": {}}


def _filter(cat: Catalogue, kind: Kind, name: str, text: str) -> tuple[str, str | None]:
    """(index column, the value it must hold; None: matches nothing) of one filter."""
    variable, target = FILTERS[kind.name][name]
    text = text.strip()
    if target in KINDS:
        return variable, find_record(cat, KINDS[target], text)
    if target is None:     # 是/否
        value = {"是": "true", "true": "true", "1": "true", "否": "false", "false": "false", "0": "false"}.get(text.lower())
        if value is None:
            raise BodyError(f"{name} 应为 是 或 否", f"{name} must be 是 or 否 (true or false)")
        return variable, value
    codes = code_lists()[target]
    concept = codes.lookup.get(STATE_ALIASES.get(text.lower(), text) if target == WORKFLOW_CLASS else text)
    if concept is None:
        raise BodyError(f"{name} 的取值应为：{'、'.join(codes.labels)}",
                        f"{name} must be one of: {', '.join(codes.labels)}")
    return variable, concept


# -- JSON Schema of the bodies (for OpenAPI) -------------------------------------------------------------------
@cache
def json_schema(kind_name: str) -> dict:
    """The JSON Schema of a record body, read from the shapes (column descriptions in zh and en)."""
    kind = KINDS[kind_name]
    schema = _sheet_schema(kind.sheet)
    if kind.items:
        items = sheets()[kind.items]
        schema["properties"][kind.items] = {"type": "array", "description": "信息项 / data items",
                                            "items": _sheet_schema(items, skip=_owner_column(items))}
    schema["properties"][META] = {"type": "object", "readOnly": True,
                                  "description": "只读：IRI、版本号、审核状态、修改日期、最后编辑人 / read only: "
                                                 "IRI, version, workflow state, date modified, last editor"}
    return schema


def _sheet_schema(sheet: Sheet, skip: Column | None = None) -> dict:
    texts = {lang: {r["shape"].value: r["description"].value if r["description"] else ""
                    for r in shapes_graph().select(query("template_columns"),
                                                   {"target": iri(sheet.target), "lang": literal(lang)})}
             for lang in ("zh", "en")}
    properties = {}
    for column in sheet.columns:
        if column is skip:
            continue
        prop: dict = {"type": {"integer": ["integer", "null"], "decimal": ["number", "string", "null"]}
                      .get(column.kind, ["string", "null"])}
        if column.kind == "code":
            prop["examples"] = list(code_lists()[column.cls].labels)
        elif column.kind == "boolean":
            prop["enum"] = ["是", "否", None]
        elif column.kind == "date":
            prop["format"] = "date"
        if column.separator:
            prop = {"type": ["array", "string", "null"], "items": {"type": "string"}}
        prop["description"] = " / ".join(t for t in (texts["zh"].get(column.shape), texts["en"].get(column.shape)) if t)
        properties[column.header] = prop
    return {"type": "object", "title": sheet.name, "properties": properties, "additionalProperties": False}


__all__ = [
    "ITEMS",
    "KINDS",
    "META",
    "BodyError",
    "Kind",
    "Page",
    "find_record",
    "json_schema",
    "list_records",
    "minted_iri",
    "owner_of_body",
    "owner_of_record",
    "record_json",
    "to_loaded",
    "visible",
]
