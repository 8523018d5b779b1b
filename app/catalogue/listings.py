"""Importing an open-data portal listing (数据开放目录) into the store through a declarative mapping.

    outcome = import_listing(cat, Path("zhejiang_zhejiang.json"), "zhejiang_zhejiang", user="zhang")

Each record that maps becomes a gc:PortalListing (⊑ dcat:Dataset) in the named graph of its IRI,
`{base}listing/{mapping id}/{key}`; the key hashes title, publisher and issue date, since portal URLs
are not unique (Meishan gives every record the same one). A later record with the key of an earlier one
is a duplicate: it is imported as `{key}-2`, `{key}-3` … and reported. Records that cannot be mapped
are reported as rejections (index in the array, field, reason), never dropped silently. The portal is
a gc:Portal at `{base}portal/{mapping id}`; every listing names it with dct:source.

The whole import is one journalled commit. Re-importing a portal's file replaces its listings: a changed
record gets a new version, a listing of that portal that is no longer in the file is deleted, an
identical file changes nothing. Like every record, listings keep their history (gc:Version in the
history graph); their graphs hold no admin triples, since dct:modified is the portal's date. When no
record of the file can be imported, nothing is written (a wrong mapping must not wipe a portal)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from govcat.loaders import base_iri
from govcat.loaders.listing import (ListingRecord, Mapping, Rejection, map_records, present_fields, read_listing,
                                    read_mapping)

from ..namespaces import DCAT, DCT, FOAF, GC, RDF_TYPE, XSD
from ..queries import query
from ..store import Graph
from ..terms import Term, iri, iri_segment, literal, nt_iri
from .journal import ChangeSet
from .repository import Catalogue, quad_lines, user_iri

NORMALISED = ("update_cycle", "openness", "formats")


@dataclass
class FieldStats:
    """How one normalised field fared: records whose value matched, and the values that did not."""
    source_field: str
    normalised: int = 0
    absent: int = 0
    not_normalised: Counter = field(default_factory=Counter)    # original text -> records


@dataclass(frozen=True)
class Duplicate:
    row: int
    first_row: int
    record: str          # the IRI the duplicate was imported as


@dataclass
class ImportOutcome:
    mapping: Mapping
    portal: str                                   # the portal's IRI
    records: int = 0                              # elements of the JSON array
    imported: int = 0
    clean: int = 0                                # imported, no duplicate, every normalised value matched
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    by_field_normalised: dict[str, FieldStats] = field(default_factory=dict)
    unused_fields: list[str] = field(default_factory=list)   # mapped fields that no record holds
    written: bool = False


def portal_iri(mapping: Mapping, base: str | None = None) -> str:
    return f"{base or base_iri()}portal/{iri_segment(mapping.id)}"


def import_listing(cat: Catalogue, file: Path, mapping_path: str | Path, user: str,
                   base: str | None = None) -> ImportOutcome:
    """Import `file` through the mapping; raises MappingError (bad mapping) or LoadError (unreadable file)."""
    base = base or base_iri()
    mapping = read_mapping(mapping_path)
    data = read_listing(Path(file))
    portal = portal_iri(mapping, base)
    outcome = ImportOutcome(mapping, portal, records=len(data))
    outcome.unused_fields = [name for name, n in present_fields(data, mapping).items() if n == 0]
    stats = {key: FieldStats(mapping.fields[key]) for key in NORMALISED if key in mapping.fields}
    outcome.by_field_normalised = stats

    prefix = f"{base}listing/{iri_segment(mapping.id)}/"
    first_row: dict[str, int] = {}
    seen: Counter = Counter()
    contents: dict[str, list[tuple[str, Term]]] = {}
    for item in map_records(data, mapping):
        if isinstance(item, Rejection):
            outcome.rejected.append(item)
            continue
        matched = _count(stats, item)
        key = item.key
        seen[key] += 1
        outcome.clean += matched and seen[key] == 1
        if seen[key] > 1:
            record = f"{prefix}{key}-{seen[key]}"
            outcome.duplicates.append(Duplicate(item.row, first_row[key], record))
        else:
            record = f"{prefix}{key}"
            first_row[key] = item.row
        contents[record] = listing_triples(item, portal)
    outcome.imported = len(contents)
    if not contents:
        return outcome

    contents[portal] = portal_triples(mapping)
    lines = {record: _lines(record, triples) for record, triples in contents.items()}
    held = {row["listing"].value for row in cat.graph.select(query("portal_listings"), {"portal": iri(portal)})}
    held |= {portal} if cat.exists(portal) else set()
    current = {record: sorted(cat.record_lines(record)) for record in held}
    canonical = _canonical({record: lines[record] for record in lines if record in current})
    editor = user_iri(base, user)
    source = Path(file).name
    past: dict[str, int] | None = None       # version numbers, fetched once if anything changes
    change = ChangeSet()
    for record, new in lines.items():
        old = current.get(record, [])
        if old and canonical[record] == old:
            if record != portal:
                outcome.unchanged += 1
            continue
        if record != portal:
            (outcome.changed if old else outcome.new).append(record)
        past = cat.last_versions() if past is None else past
        cat.stage(change, record, new, user=editor, action="import-listing", source=source, old=old,
                  version=past.get(record, 0), admin=False)
    for record, old in current.items():
        if record not in contents:
            outcome.removed.append(record)
            past = cat.last_versions() if past is None else past
            cat.stage(change, record, None, user=editor, action="delete", source=source, old=old,
                      version=past.get(record, 0), admin=False)
    if change:
        cat.commit(change)
        outcome.written = True
    return outcome


def _lines(record: str, triples: list[tuple[str, Term]]) -> list[str]:
    s = nt_iri(record)
    return [f"{s} {nt_iri(p)} {o.n3()} ." for p, o in triples]


def _canonical(contents: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each graph's lines as the store writes them (sorted, duplicates gone), to compare with what it holds."""
    scratch = Graph()
    scratch.load("".join(line for record, lines in contents.items() for line in quad_lines(record, lines)), "nq")
    return {record: sorted(line for line in scratch.graph_ntriples(record).splitlines() if line)
            for record in contents}


def _count(stats: dict[str, FieldStats], item: ListingRecord) -> bool:
    """Count the record's normalised values; True if none failed to match."""
    matched = True
    for key, st in stats.items():
        if key == "formats":
            text, ok = item.format_text, bool(item.formats)
        else:
            coded = getattr(item, key)
            text, ok = (coded.text, coded.concept is not None) if coded else (None, False)
        if text is None:
            st.absent += 1
        elif ok:
            st.normalised += 1
        else:
            st.not_normalised[text] += 1
            matched = False
    return matched


def listing_triples(item: ListingRecord, portal: str) -> list[tuple[str, Term]]:
    """(predicate, object) of one listing record, in a fixed order."""
    t: list[tuple[str, Term]] = [(RDF_TYPE, iri(GC + "PortalListing")), (DCT + "title", literal(item.title)),
                                 (DCT + "source", iri(portal)),
                                 (GC + "sourceRow", literal(str(item.row), XSD + "integer"))]
    if item.description:
        t.append((DCT + "description", literal(item.description)))
    if item.publisher:
        t.append((GC + "publisherName", literal(item.publisher)))
    for coded, prop, text_prop in ((item.update_cycle, DCT + "accrualPeriodicity", GC + "accrualPeriodicityText"),
                                   (item.openness, GC + "openness", GC + "opennessText")):
        if coded is not None:
            t.append((text_prop, literal(coded.text)))
            if coded.concept:
                t.append((prop, iri(coded.concept)))
    t += [(DCT + "format", literal(token)) for token in item.formats]
    if item.format_text:
        t.append((GC + "formatText", literal(item.format_text)))
    t += [(DCAT + "keyword", literal(word)) for word in item.keywords]
    for prop, date in ((DCT + "issued", item.issued), (DCT + "modified", item.modified)):
        if date:
            t.append((prop, literal(date.isoformat(), XSD + "date")))
    if item.landing_page:
        t.append((DCAT + "landingPage", iri(item.landing_page)))
    return t


def portal_triples(mapping: Mapping) -> list[tuple[str, Term]]:
    t = [(RDF_TYPE, iri(GC + "Portal")), (DCT + "title", literal(mapping.name))]
    if mapping.homepage:
        t.append((FOAF + "homepage", iri(mapping.homepage)))
    return t


__all__ = ["Duplicate", "FieldStats", "ImportOutcome", "import_listing", "portal_iri"]
