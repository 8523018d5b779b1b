"""What the search index holds, read from the store: one document per catalogue entry, and the departments
(names and 市州) the provider facets show. No index code here (see index.py).

Facets (the query parameter, what it counts, the value a filter takes):
- provider   信息资源提供方   the providing department: value its 统一社会信用代码, label its name
- city       市州             the 市州 of the provider's 行政区划代码 (a county's code counts for its 市州; the
                              province's departments are 省直): value the 6-digit code, label its name
- category   信息资源分类（类） the first digit of 信息资源分类: value the notation (1, 2, 3)
- item       信息资源分类（项） its first three digits: value the notation (101 … 308)
- sharing_type 共享类型, open 是否向社会开放, format 信息资源格式分类, cycle 更新周期, state 审核状态:
                              value the zh label (a notation or an alias is read too; state also takes
                              draft, submitted, published, returned, withdrawn; open 是/否)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..catalogue.records import PUBLISHED, STATE_ALIASES
from ..generate.names import CITIES, PROVINCE
from ..namespaces import GC, GCC
from ..queries import query
from ..schema import code_lists, concept_labels
from ..store import Graph
from ..terms import iri
from . import text

CLASSIFICATION = GCC + "resource-classification/"


@dataclass(frozen=True)
class Facet:
    name: str            # query parameter and key in the response
    field: str           # index field
    zh: str
    en: str
    code_list: str | None = None     # code-list class of the values


FACETS = (Facet("provider", "provider", "信息资源提供方", "provider"),
          Facet("city", "city", "市州", "city or prefecture"),
          Facet("category", "category", "信息资源分类（类）", "classification: class"),
          Facet("item", "item", "信息资源分类（项）", "classification: item"),
          Facet("sharing_type", "sharing", "共享类型", "sharing type", GC + "SharingType"),
          Facet("open", "open", "是否向社会开放", "open to the public"),
          Facet("format", "format", "信息资源格式分类", "format class", GC + "FormatClass"),
          Facet("cycle", "cycle", "更新周期", "update cycle", GC + "UpdateCycle"),
          Facet("state", "state", "审核状态", "workflow state", GC + "WorkflowState"))
FACET_BY_NAME = {f.name: f for f in FACETS}


@dataclass(frozen=True)
class Department:
    iri: str
    uscc: str
    name: str
    city: str | None      # the 市州's 6-digit code


@dataclass(frozen=True)
class EntryDoc:
    """One entry as the index stores it."""
    iri: str
    code: str
    title: str
    abstract: str
    items: tuple[str, ...]
    facets: dict[str, str]        # index field -> value
    public: bool


# -- departments -----------------------------------------------------------------------------------------------
def city_of(region: str | None) -> str | None:
    """The 市州 code of a 6-digit region code: the province itself stays; a county belongs to its 市州."""
    if not region or len(region) != 6 or not region.isdigit():
        return None
    return region if region[2:] == "0000" else region[:4] + "00"


@cache
def _region_names() -> dict[str, str]:
    names = {PROVINCE[1]: f"{PROVINCE[0]}（省直）"}
    names.update({code: name for name, code, _counties in CITIES})
    return names


def city_label(code: str) -> str:
    return _region_names().get(code, code)


def read_departments(graph: Graph, dept: str | None = None) -> dict[str, Department]:
    """Departments by IRI (all, or the one `dept`)."""
    found = {}
    for row in graph.select(query("search_departments"), {"dept": iri(dept)} if dept else None):
        record = row["dept"].value
        found[record] = Department(record, row["uscc"].value, row["name"].value if row["name"] else row["uscc"].value,
                                   city_of(row["region"].value if row["region"] else None))
    return found


# -- entries ---------------------------------------------------------------------------------------------------
def read_entries(graph: Graph, departments: dict[str, Department], entry: str | None = None) -> list[EntryDoc]:
    """The documents of every entry (two queries), or of the one `entry` (none if it is gone)."""
    bindings = {"entry": iri(entry)} if entry else None
    items: dict[str, list[str]] = {}
    for row in graph.select(query("search_items"), bindings):
        items.setdefault(row["entry"].value, []).append(row["name"].value)
    docs, seen = [], set()
    for row in graph.select(query("search_entries"), bindings):
        record = row["entry"].value
        if record in seen:          # a malformed entry with two values of a single-valued column: first wins
            continue
        seen.add(record)
        docs.append(_doc(record, row, tuple(sorted(items.get(record, ()))), departments))
    return docs


def provider_entries(graph: Graph, dept: str) -> list[str]:
    """The entries whose provider is `dept`."""
    return [row["entry"].value for row in graph.select(query("search_provider_entries"), {"dept": iri(dept)})]


def _value(row: dict, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None


def _doc(record: str, row: dict, items: tuple[str, ...], departments: dict[str, Department]) -> EntryDoc:
    facets = {}
    for name in ("provider", "sharing", "format", "cycle", "state"):
        value = _value(row, "dept" if name == "provider" else name)
        if value:
            facets[name] = value
    dept = departments.get(facets.get("provider", ""))
    if dept is not None and dept.city:
        facets["city"] = dept.city
    classification = _value(row, "classification") or ""
    if classification[:1].isdigit():
        facets["category"] = classification[:1]
        if len(classification) >= 3 and classification[:3].isdigit():
            facets["item"] = classification[:3]
    opened = _value(row, "open")
    if opened in ("true", "1", "false", "0"):
        facets["open"] = "true" if opened in ("true", "1") else "false"
    public = facets.get("state") == PUBLISHED and facets.get("open") == "true"
    return EntryDoc(record, _value(row, "code") or "", _value(row, "title") or "", _value(row, "abstract") or "",
                    items, facets, public)


def texts(docs: list[EntryDoc]) -> set[str]:
    return {t for doc in docs for t in (doc.title, doc.abstract, *doc.items)}


def tokens(doc: EntryDoc, table: dict[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """The text fields of a document, pre-tokenized (whitespace-separated)."""
    return {"title_words": text.words_field([doc.title], table),
            "abstract_words": text.words_field([doc.abstract], table),
            "items_words": text.words_field(list(doc.items), table),
            "title_grams": text.grams_field([doc.title]),
            "body_grams": text.grams_field([doc.abstract, *doc.items])}


# -- facet values ----------------------------------------------------------------------------------------------
def shown(facet: Facet, value: str, departments: dict[str, Department]) -> tuple[str, str]:
    """(value, label) of an index value in the response."""
    if facet.name == "provider":
        dept = departments.get(value)
        return (dept.uscc, dept.name) if dept else (value.rsplit("/", 1)[-1], value.rsplit("/", 1)[-1])
    if facet.name == "city":
        return value, city_label(value)
    if facet.name in ("category", "item"):
        return value, concept_labels().get(CLASSIFICATION + value, value)
    if facet.name == "open":
        return ("是", "是") if value == "true" else ("否", "否")
    label = concept_labels().get(value, value)
    return label, label


def index_values(facet: Facet, given: str, departments: dict[str, Department]) -> list[str] | None:
    """The index values a filter value stands for ([] : it matches nothing); None: not a value of the facet."""
    given = given.strip()
    if facet.name == "provider":
        return [d.iri for d in departments.values() if given in (d.uscc, d.iri)]
    if facet.name == "city":
        code = next((c for c, name in _region_names().items() if given in (name, name.removesuffix("（省直）"))), given)
        return [code] if len(code) == 6 and code.isdigit() else None
    if facet.name in ("category", "item"):
        concept = code_lists()[GC + "ResourceCategory"].lookup.get(given)
        notation = concept.removeprefix(CLASSIFICATION) if concept else None
        if notation is None or len(notation) != (1 if facet.name == "category" else 3):
            return None
        return [notation]
    if facet.name == "open":
        value = {"是": "true", "true": "true", "1": "true",
                 "否": "false", "false": "false", "0": "false"}.get(given.lower())
        return [value] if value else None
    if facet.code_list == GC + "WorkflowState":
        given = STATE_ALIASES.get(given.lower(), given)
    concept = code_lists()[facet.code_list].lookup.get(given)
    return [concept] if concept else None


def allowed_values(facet: Facet) -> str:
    """What a filter of `facet` takes, for the error message."""
    if facet.code_list:
        return "、".join(code_lists()[facet.code_list].labels)
    return {"provider": "统一社会信用代码 / USCC", "city": "6位行政区划代码或市州名称 / region code or name",
            "category": "1、2、3", "item": "101 … 308", "open": "是、否"}[facet.name]


__all__ = ["FACETS", "FACET_BY_NAME", "Department", "EntryDoc", "Facet", "provider_entries",
           "read_departments", "read_entries", "shown", "texts", "tokens"]
