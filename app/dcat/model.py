"""One public entry as the feed sees it: `Dataset`, read from the store through a whitelist of the
entry's properties (no system, no editor account, no related entry that is not public). DCAT-AP
(`govcat.dcat.rdf`), data.json (`pod`) and schema.org (`schemaorg`) are all written from it."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import DCT, GC, ORG, SKOS
from ..queries import query
from ..store import Graph
from ..terms import Term

CODE = "https://w3id.org/govcat/code/"


@dataclass(frozen=True)
class Item:
    name: str
    data_type: str | None       # "C 字符型"
    length: str | None
    description: str | None


@dataclass
class Publisher:
    iri: str
    name: str
    uscc: str | None = None
    level: str | None = None     # admin-level notation
    region: str | None = None


@dataclass
class Dataset:
    iri: str
    code: str
    title: str
    description: str = ""
    publisher: Publisher | None = None
    issued: str | None = None
    modified: str | None = None
    update_cycle: str | None = None          # notation
    update_cycle_label: str | None = None
    sharing_type_label: str | None = None
    opening_conditions: str | None = None
    classification: str | None = None
    format_class: str | None = None          # notation
    format_class_label: str | None = None
    format_types: list[str] = field(default_factory=list)          # notations
    format_type_labels: list[str] = field(default_factory=list)
    format_note: str | None = None
    related: list[str] = field(default_factory=list)               # IRIs of public entries only
    items: list[Item] = field(default_factory=list)


class Concepts:
    """govcat code-list concepts: IRI -> (notation, zh label, en label); read once."""

    def __init__(self, graph: Graph):
        self.by_iri = {r["concept"].value: (r["notation"].value, r["zh"].value if r["zh"] else "",
                                            r["en"].value if r["en"] else "")
                       for r in graph.select(query("dcat_concepts"))}

    def notation(self, concept: str | None) -> str | None:
        return self.by_iri[concept][0] if concept in self.by_iri else None

    def label(self, concept: str | None) -> str | None:
        return self.by_iri[concept][1] if concept in self.by_iri else None


def read_datasets(graph: Graph, records: list[str], concepts: Concepts, is_public,
                  publishers: dict[tuple, Publisher] | None = None) -> list[Dataset]:
    """The entries `records` as Datasets, in that order (an entry without identifier or title is left out),
    read with two queries over their graphs; `is_public(iri)` says which related entries may be named.
    `publishers` caches the departments read ((IRI, the entry's provider name) -> Publisher)."""
    if not records:
        return []
    own: dict[str, dict[str, list[Term]]] = {r: {} for r in records}
    for row in graph.select(query("dcat_entries"), named_graphs=records):
        own[row["entry"].value].setdefault(row["p"].value, []).append(row["o"])
    items: dict[str, dict[str, dict]] = {r: {} for r in records}
    for row in graph.select(query("dcat_items"), named_graphs=records):
        items[row["entry"].value].setdefault(row["item"].value, row)
    publishers = {} if publishers is None else publishers
    found = []
    for record in records:
        ds = _dataset(record, own[record], concepts, is_public)
        if ds is None:
            continue
        for subject in sorted(items[record], key=_item_order):
            row = items[record][subject]
            dtype = row["type"]
            label = None
            if dtype is not None:
                label = (f"{concepts.notation(dtype.value)} {concepts.label(dtype.value)}"
                         if dtype.is_iri and dtype.value in concepts.by_iri else dtype.value)
            ds.items.append(Item(row["name"].value, label, row["length"].value if row["length"] else None,
                                 row["description"].value if row["description"] else None))
        publisher = own[record].get(DCT + "publisher", [None])[0]
        if publisher is not None and publisher.is_iri:
            name = own[record].get(GC + "providerName", [None])[0]
            key = (publisher.value, name.value if name else None)
            if key not in publishers:
                publishers[key] = read_publisher(graph, publisher.value, concepts, key[1])
            ds.publisher = publishers[key]
        found.append(ds)
    return found


def _dataset(record: str, multi: dict[str, list[Term]], concepts: Concepts, is_public) -> Dataset | None:
    """A Dataset from the entry's own triples (predicate -> objects), without its items and publisher."""
    own = {p: objects[0] for p, objects in multi.items()}
    if DCT + "identifier" not in own or DCT + "title" not in own:
        return None
    text = lambda p: own[p].value if p in own else None          # noqa: E731
    concept = lambda p: own[p].value if p in own and own[p].is_iri else None   # noqa: E731
    ds = Dataset(record, text(DCT + "identifier"), text(DCT + "title"), text(DCT + "description") or "",
                 issued=text(DCT + "issued"), modified=text(DCT + "modified"),
                 opening_conditions=text(GC + "openingConditions"), classification=text(GC + "classificationCode"),
                 format_note=text(GC + "formatNote"))
    ds.update_cycle = concepts.notation(concept(DCT + "accrualPeriodicity"))
    ds.update_cycle_label = concepts.label(concept(DCT + "accrualPeriodicity"))
    ds.sharing_type_label = concepts.label(concept(GC + "sharingType"))
    ds.format_class = concepts.notation(concept(GC + "formatClass"))
    ds.format_class_label = concepts.label(concept(GC + "formatClass"))
    for o in multi.get(GC + "formatType", []):
        if o.is_iri and o.value in concepts.by_iri:
            ds.format_types.append(concepts.notation(o.value))
            ds.format_type_labels.append(concepts.label(o.value))
        elif o.is_literal:
            ds.format_type_labels.append(o.value)
    ds.related = sorted(o.value for o in multi.get(DCT + "relation", []) if o.is_iri and is_public(o.value))
    return ds


def read_publisher(graph: Graph, dept: str, concepts: Concepts, fallback_name: str | None) -> Publisher:
    own = {p.value: o for _s, p, o in graph.triples_about(dept, dept)}
    name = own[SKOS + "prefLabel"].value if SKOS + "prefLabel" in own else (fallback_name or dept)
    level = own.get(GC + "adminLevel")
    return Publisher(dept, name, own[GC + "uscc"].value if GC + "uscc" in own else None,
                     concepts.notation(level.value) if level is not None and level.is_iri else None,
                     own[GC + "regionCode"].value if GC + "regionCode" in own else None)


def _item_order(subject: str) -> tuple:
    tail = subject.rsplit("/", 1)[-1]
    return (0, int(tail), subject) if tail.isdigit() else (1, 0, subject)


__all__ = ["Concepts", "Dataset", "Item", "Publisher", "read_datasets", "ORG"]
