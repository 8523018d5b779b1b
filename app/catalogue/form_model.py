"""The edit form of a record, generated from the shapes (no HTTP here): fields, required marks, dropdowns,
hints, conditional fields, and the way back from the form's text to the REST API's JSON body.

    fields = form_fields("信息资源", "zh")     # one FormField per column of the sheet, in template order
    body = body_from_form(KINDS["entries"], values, items)   # what records.to_loaded / record_writes read

Everything the template's 填写说明 says about a column is said here the same way: the required mark, the
values and the rule IDs come from `govcat.template` (sh:minCount, the code lists, the rules whose message
names the column), the names and descriptions from `labels.column_labels` (sh:name, sh:description).

Conditional fields are not written down anywhere in the code: `conditions()` asks the rules themselves. It
validates, once, a probe sheet where each row sets one dropdown column (a code list or 是/否) to one of its
values and leaves every other column empty; a finding on another column that the all-empty row does not
have means that the value makes that column needed (有条件共享 → 共享条件 by C11, 不予共享 → 不予共享依据
by C12, 是否向社会开放 = 是 → 开放条件 by C16 …). A rule added to the shapes shows up in the form as is."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from govcat.loaders import base_iri
from govcat.loaders.tabular import SheetRows, to_rdf

from ..namespaces import GC, SKOS
from ..schema import Column, Sheet, code_lists, sheets
from ..template import BOOLEAN_VALUES, TEXT, _column_rules, _required, _sheet_info, _values
from ..validation.run import Report, Result, validate_loaded
from .labels import column_labels
from .loading import load_loaded
from .records import ITEMS, KINDS, META, Kind, _owner_column, record_json, to_loaded
from .repository import Catalogue

DEPARTMENT = GC + "Department"
PROVIDER_NAME = GC + "providerName"       # an entry's 信息资源提供方: the department's name, filled in for new entries


@dataclass(frozen=True)
class Condition:
    """The field is needed when the column `trigger` holds one of `values` (rules: the rule IDs that say so)."""
    trigger: str
    values: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class FormField:
    column: Column
    label: str                          # sh:name in the page's language
    description: str                    # sh:description
    required: str                       # yes / advised / conditional / no, as in the template's 填写说明
    choices: tuple[str, ...]            # the dropdown's values; () for a free input
    values: str                         # what the column takes, in words (the 填写说明's 取值)
    rules: tuple[str, ...]
    shown_when: tuple[Condition, ...] = ()

    @property
    def header(self) -> str:
        return self.column.header

    @property
    def kind(self) -> str:
        return self.column.kind

    @property
    def multiple(self) -> bool:
        return bool(self.column.separator)


@lru_cache(maxsize=16)
def form_fields(sheet_name: str, lang: str) -> tuple[FormField, ...]:
    """The fields of a sheet's form, in template order, described in `lang` (zh or en)."""
    sheet = sheets()[sheet_name]
    _definition, descriptions, rules = _sheet_info(sheet, lang)
    labels, text, conditional = column_labels(lang), TEXT[lang], conditions(sheet_name)
    found = []
    for column in sheet.columns:
        if column.kind == "code":
            choices = code_lists()[column.cls].labels
        else:
            choices = BOOLEAN_VALUES if column.kind == "boolean" else ()
        found.append(FormField(column, labels[(sheet_name, column.header)].name,
                               descriptions.get(column.shape, ""), _required(column, rules), tuple(choices),
                               _values(column, text), tuple(sorted({r.rule for r in _column_rules(column, rules)})),
                               conditional.get(column.header, ())))
    return tuple(found)


def item_fields(kind: Kind, lang: str) -> tuple[FormField, ...]:
    """The fields of one nested row (an entry's data items), without the column that names the entry."""
    if not kind.items:
        return ()
    owner = _owner_column(sheets()[kind.items])
    return tuple(f for f in form_fields(kind.items, lang) if f.column is not owner)


@lru_cache(maxsize=8)
def conditions(sheet_name: str) -> dict[str, tuple[Condition, ...]]:
    """Column header -> when the rules need it (see the module's docstring). Columns the shapes require
    always (sh:minCount ≥ 1 as a Violation) have no condition: they are always shown."""
    sheet = sheets()[sheet_name]
    if sheet.key_column is None:
        return {}
    probes: dict[int, tuple[Column, str]] = {}
    rows = [(2, _probe_row(sheet, 2))]
    for column in sheet.columns:
        if column.separator or column.kind not in ("code", "boolean"):
            continue
        for value in (BOOLEAN_VALUES if column.kind == "boolean" else code_lists()[column.cls].labels):
            number = len(rows) + 2
            probes[number] = (column, value)
            rows.append((number, _probe_row(sheet, number, column, value)))
    tables = {name: SheetRows(name, s.headers, []) for name, s in sheets().items()}
    tables[sheet.name] = SheetRows(sheet.name, sheet.headers, rows)
    report = validate_loaded(to_rdf("probe", tables, base_iri()))
    _definition, _descriptions, rules = _sheet_info(sheet, "zh")
    always = {c.header for c in sheet.columns if _required(c, rules) == "yes"}
    by_row: dict[int, set[tuple[str, str]]] = {}
    for r in report.results:
        if r.sheet == sheet.name and r.column:
            by_row.setdefault(r.row, set()).add((r.column, r.rule))
    baseline = {column for column, _rule in by_row.get(2, set())}
    needed: dict[tuple[str, str], dict] = {}      # (field, trigger) -> {"values": [...], "rules": {...}}
    for number, (trigger, value) in probes.items():
        for column, rule in sorted(by_row.get(number, set())):
            if column in baseline or column in always or column == trigger.header:
                continue
            entry = needed.setdefault((column, trigger.header), {"values": [], "rules": set()})
            if value not in entry["values"]:
                entry["values"].append(value)
            entry["rules"].add(rule)
    result: dict[str, tuple[Condition, ...]] = {}
    for (column, trigger), entry in needed.items():
        result[column] = result.get(column, ()) + (Condition(trigger, tuple(entry["values"]),
                                                             tuple(sorted(entry["rules"]))),)
    return result


def _probe_row(sheet: Sheet, number: int, column: Column | None = None, value: str = "") -> list[str]:
    key = sheet.key_column
    return [f"probe-{number}" if c is key else (value if c is column else "") for c in sheet.columns]


# -- the form's text <-> the REST API's body ---------------------------------------------------------------------
def cell(value) -> str:
    """A value of `records.record_json` as the form's text: lists joined by '; ', numbers as written."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def form_values(kind: Kind, body: dict | None) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The record's fields and its nested rows as the form's text (an empty form for None)."""
    body = body or {}
    values = {c.header: cell(body.get(c.header)) for c in kind.sheet.columns}
    nested = item_fields(kind, "zh")
    items = [{f.header: cell(row.get(f.header)) for f in nested} for row in body.get(kind.items or "", [])]
    return values, items


def body_from_form(kind: Kind, values: dict[str, str], items: list[dict[str, str]]) -> dict:
    """The JSON body of `records.to_loaded` from the form's text: an empty field is null; a multi-valued
    field keeps its ';'-separated text and numbers their text (the template's converter reads both, and
    a value it cannot read reaches validation, which names the rule). Empty rows are not items."""
    body: dict = {c.header: values.get(c.header, "").strip() or None for c in kind.sheet.columns}
    if kind.items:
        body[kind.items] = [{h: (v.strip() or None) for h, v in row.items()} for row in items if not blank(row)]
    return body


def blank(row: dict[str, str]) -> bool:
    return not any((v or "").strip() for v in row.values())


def new_record_values(cat: Catalogue, kind: Kind, department: str | None) -> dict[str, str]:
    """A new record's form: the owning department filled in for an editor (its code, and for an entry
    its name as 信息资源提供方)."""
    values, _items = form_values(kind, None)
    if department is None or kind.name not in ("systems", "entries"):
        return values
    departments = KINDS["departments"]
    dept = record_json(cat, department) or {}
    name = next(c.header for c in departments.sheet.columns if c.path == SKOS + "prefLabel")
    owner = next(c for c in kind.sheet.columns if c.cls == DEPARTMENT)
    values[owner.header] = cell(dept.get(departments.key.header))
    for column in kind.sheet.columns:
        if column.path == PROVIDER_NAME:
            values[column.header] = cell(dept.get(name))
    return values


# -- findings beside their fields ------------------------------------------------------------------------------
@dataclass
class Placed:
    """A validation report placed on the form: per field, per (item row, field), and what has no field."""
    fields: dict[str, list[Result]] = field(default_factory=dict)
    items: dict[tuple[int, str], list[Result]] = field(default_factory=dict)
    general: list[Result] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(r.severity == "Violation" for r in self.results)


def place(kind: Kind, report: Report | None) -> Placed:
    """Row 1 of the record's sheet is the record, row n of the items sheet is item n (records.to_loaded)."""
    placed = Placed()
    if report is None:
        return placed
    headers = set(kind.sheet.headers)
    item_headers = {f.header for f in item_fields(kind, "zh")}
    for r in report.results:
        placed.results.append(r)
        if r.sheet == kind.sheet_name and r.column in headers:
            placed.fields.setdefault(r.column, []).append(r)
        elif kind.items and r.sheet == kind.items and r.row and r.column in item_headers:
            placed.items.setdefault((r.row, r.column), []).append(r)
        else:
            placed.general.append(r)
    return placed


def check(cat: Catalogue, kind: Kind, body: dict, user: str) -> Report:
    """The record checked as a save of it would be (in the context of the store), nothing written."""
    loaded, _record, _code = to_loaded(kind, {k: v for k, v in body.items() if k != META}, base_iri())
    return load_loaded(cat, loaded, user, dry_run=True).report


__all__ = ["Condition", "FormField", "ITEMS", "Placed", "blank", "body_from_form", "cell", "check", "conditions",
           "form_fields", "form_values", "item_fields", "new_record_values", "place"]
