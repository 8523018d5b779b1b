"""One public entry as the feed sees it: `Dataset`, made from the facts the feed keeps of it — a whitelist of the
entry's properties and its data items, read from the public view (no system, no editor account, no related entry
that is not public) and kept in govcat.public_listing. DCAT-AP (`govcat.dcat.rdf`), data.json (`pod`) and schema.org
(`schemaorg`) are all written from it."""
from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..namespaces import DCT, GC, ORG, RDF_TYPE, SKOS
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
    """govcat code-list concepts: IRI -> (notation, zh label, en label)."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str]]):
        self.by_iri = {concept: (notation, zh, en) for concept, notation, zh, en in rows}

    def notation(self, concept: str | None) -> str | None:
        return self.by_iri[concept][0] if concept in self.by_iri else None

    def label(self, concept: str | None) -> str | None:
        return self.by_iri[concept][1] if concept in self.by_iri else None


# -- what the feed keeps of each record (govcat.public_listing), read from the public view ------------------------
# An entry's facts are its whitelisted triples and its data items as they are in the store — not yet mapped, so that
# the mapping and the code lists' labels apply when a page is written — packed as zlib-compressed JSON; a term is its
# value behind one character saying its kind ("<" an IRI, '"' a literal, "_" a blank node).

def concept_rows(graph: Graph) -> list[tuple[str, str, str, str]]:
    """(IRI, notation, zh label, en label) of every govcat code-list concept."""
    return [(r["concept"].value, r["notation"].value, r["zh"].value if r["zh"] else "",
             r["en"].value if r["en"] else "") for r in graph.select(query("dcat_concepts"))]


def entry_facts(graph: Graph, records: list[str]) -> dict[str, bytes]:
    """The packed facts of each of `records` (two queries over their graphs)."""
    own: dict[str, dict[str, list[str]]] = {r: {} for r in records}
    for row in graph.select(query("dcat_entries"), named_graphs=records):
        own[row["entry"].value].setdefault(row["p"].value, []).append(_term_text(row["o"]))
    items: dict[str, dict[str, list]] = {r: {} for r in records}
    for row in graph.select(query("dcat_items"), named_graphs=records):
        items[row["entry"].value].setdefault(row["item"].value, [
            row["name"].value, _term_text(row["type"]), _value(row["length"]), _value(row["description"])])
    return {r: _pack({"own": own[r], "items": items[r]}) for r in records}


def department_facts(graph: Graph, dept: str) -> bytes | None:
    """The packed facts of a department the view holds (what the feed shows of a publisher); None for any other."""
    own = {p.value: o for _s, p, o in graph.triples_about(dept, dept)}
    if not any(p == RDF_TYPE and o.value == GC + "Department" for p, o in own.items()):
        return None
    return _pack({key: _term_text(own.get(p)) for key, p in _PUBLISHER.items()})


def searchable(facts: bytes) -> str:
    """An entry's titles and abstracts in lower case, each on a line of its own: what `/catalog?q=` looks in."""
    own = _unpack(facts)["own"]
    return "\n".join(t[1:].lower() for p in (DCT + "title", DCT + "description") for t in own.get(p, []))


def datasets_from(listed: list[tuple[str, bytes]], concepts: Concepts, is_public, department) -> list[Dataset]:
    """The entries `listed` ((IRI, packed facts)) as Datasets, in that order (an entry without identifier or title is
    left out); `is_public(iri)` says which related entries may be named, `department(iri)` gives a department's packed
    facts (None if the view has none)."""
    publishers: dict[tuple, Publisher] = {}
    found = []
    for record, packed in listed:
        facts = _unpack(packed)
        own = {p: [_term(t) for t in values] for p, values in facts["own"].items()}
        ds = _dataset(record, own, concepts, is_public)
        if ds is None:
            continue
        for subject in sorted(facts["items"], key=_item_order):
            name, dtype, length, description = facts["items"][subject]
            label = None
            if dtype is not None:
                label = (f"{concepts.notation(dtype[1:])} {concepts.label(dtype[1:])}"
                         if dtype.startswith("<") and dtype[1:] in concepts.by_iri else dtype[1:])
            ds.items.append(Item(name, label, length, description))
        publisher = own.get(DCT + "publisher", [None])[0]
        if publisher is not None and publisher.is_iri:
            name = own.get(GC + "providerName", [None])[0]
            key = (publisher.value, name.value if name else None)
            if key not in publishers:
                publishers[key] = _publisher(key[0], department(key[0]), concepts, key[1])
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


def _publisher(dept: str, packed: bytes | None, concepts: Concepts, fallback_name: str | None) -> Publisher:
    own = _unpack(packed) if packed is not None else {}
    value = lambda key: own[key][1:] if own.get(key) else None          # noqa: E731
    level = own.get("level")
    return Publisher(dept, value("name") or fallback_name or dept, value("uscc"),
                     concepts.notation(level[1:]) if level and level.startswith("<") else None, value("region"))


_PUBLISHER = {"name": SKOS + "prefLabel", "uscc": GC + "uscc", "level": GC + "adminLevel", "region": GC + "regionCode"}
_KINDS = {"iri": "<", "literal": '"', "bnode": "_"}
_KIND_OF = {mark: kind for kind, mark in _KINDS.items()}


def _term_text(term: Term | None) -> str | None:
    return None if term is None else _KINDS[term.kind] + term.value


def _term(text: str) -> Term:
    return Term(_KIND_OF[text[0]], text[1:])


def _value(term: Term | None) -> str | None:
    return None if term is None else term.value


def _pack(facts: dict) -> bytes:
    return zlib.compress(json.dumps(facts, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _unpack(packed: bytes) -> dict:
    return json.loads(zlib.decompress(packed))


def _item_order(subject: str) -> tuple:
    tail = subject.rsplit("/", 1)[-1]
    return (0, int(tail), subject) if tail.isdigit() else (1, 0, subject)


__all__ = ["Concepts", "Dataset", "Item", "Publisher", "concept_rows", "datasets_from", "department_facts",
           "entry_facts", "searchable", "ORG"]
