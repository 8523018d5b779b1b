"""The template as the shapes describe it: sheets, columns, code lists (read once, cached).

Shapes are the single source: a node shape with gc:sheet is a sheet, each of its property shapes with
gc:column is a column, and the column's value kind follows from sh:datatype / sh:class."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .namespaces import GC, XSD
from .queries import query

# How record IRIs are minted (docs/model.md): {base}{segment}/{key}.
RECORD_SEGMENTS = {GC + "Department": "department", GC + "InformationSystem": "system",
                   GC + "InformationResource": "resource", GC + "DataFlow": "flow"}
SHEET_ORDER = ("部门", "信息系统", "信息资源", "信息项", "数据流")


@dataclass(frozen=True)
class Column:
    header: str
    path: str
    order: int
    datatype: str | None        # an XSD datatype IRI, or None
    cls: str | None             # a code-list class or a record class, or None
    separator: str | None       # multi-valued column
    shape: str                  # the property shape that describes the column

    @property
    def kind(self) -> str:
        """'record', 'code', 'date', 'integer', 'decimal', 'boolean' or 'text'."""
        if self.cls in RECORD_SEGMENTS:
            return "record"
        if self.cls:
            return "code"
        return {XSD + "date": "date", XSD + "integer": "integer", XSD + "decimal": "decimal",
                XSD + "boolean": "boolean"}.get(self.datatype or "", "text")


@dataclass(frozen=True)
class Sheet:
    name: str
    target: str
    key: str | None             # key property (None: data items, keyed by their entry)
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, header: str) -> Column:
        return next(c for c in self.columns if c.header == header)

    @property
    def key_column(self) -> Column | None:
        return next((c for c in self.columns if c.path == self.key), None)


@lru_cache(maxsize=1)
def sheets() -> dict[str, Sheet]:
    """The template's sheets in template order."""
    from .validation.engine import shapes_graph
    found: dict[str, dict] = {}
    for row in shapes_graph().select(query("shape_columns")):
        name = row["sheet"].value
        sheet = found.setdefault(name, {"target": row["target"].value, "key": None, "columns": {}})
        if row["key"] is not None:
            sheet["key"] = row["key"].value
        header = row["column"].value
        if header in sheet["columns"]:
            continue
        sheet["columns"][header] = Column(
            header, row["path"].value, int(row["order"].value) if row["order"] else 999,
            row["datatype"].value if row["datatype"] else None,
            row["class"].value if row["class"] else None,
            row["separator"].value if row["separator"] else None, row["shape"].value)
    order = {name: i for i, name in enumerate(SHEET_ORDER)}
    return {name: Sheet(name, s["target"], s["key"],
                        tuple(sorted(s["columns"].values(), key=lambda c: (c.order, c.header))))
            for name, s in sorted(found.items(), key=lambda kv: order.get(kv[0], 99))}


@dataclass(frozen=True)
class CodeList:
    cls: str
    labels: tuple[str, ...]            # zh prefLabels in notation order (dropdown values)
    lookup: dict                       # cell text -> concept IRI


@lru_cache(maxsize=1)
def code_lists() -> dict[str, CodeList]:
    """Code-list class IRI -> its concepts and how cells name them (docs/model.md, Code lists)."""
    from .validation.engine import shapes_graph
    per_class: dict[str, dict] = {}
    for row in shapes_graph().select(query("code_labels")):
        entry = per_class.setdefault(row["class"].value, {"concepts": {}, "alt": {}})
        concept, label = row["concept"].value, row["label"].value
        notation = row["notation"].value if row["notation"] else ""
        entry["concepts"][concept] = (label, notation)
        if row["alt"] is not None:
            entry["alt"][row["alt"].value] = concept
    result = {}
    for cls, entry in per_class.items():
        concepts = entry["concepts"]
        lookup: dict[str, str] = {}
        # later assignments lose to earlier ones: prefLabel, notation, altLabel, "notation prefLabel"
        for concept, (label, notation) in concepts.items():
            lookup.setdefault(label, concept)
        for concept, (label, notation) in concepts.items():
            if notation:
                lookup.setdefault(notation, concept)
        for alt, concept in entry["alt"].items():
            lookup.setdefault(alt, concept)
        for concept, (label, notation) in concepts.items():
            if notation:
                lookup.setdefault(f"{notation} {label}", concept)
                lookup.setdefault(f"{label}{notation}", concept)
        ordered = sorted(concepts.items(), key=lambda kv: (_natural(kv[1][1]), kv[0]))
        result[cls] = CodeList(cls, tuple(label for _c, (label, _n) in ordered), lookup)
    return result


def _natural(notation: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in notation.replace(".", " ").split())


@lru_cache(maxsize=1)
def concept_labels() -> dict[str, str]:
    """Concept IRI -> its zh prefLabel, for showing values as editors write them."""
    labels: dict[str, str] = {}
    for cl in code_lists().values():
        for label in cl.labels:
            labels.setdefault(cl.lookup[label], label)
    return labels
