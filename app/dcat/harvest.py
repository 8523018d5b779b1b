"""`govcat harvest URL`: read a DCAT feed (Turtle, RDF/XML, JSON-LD or N-Triples), following Hydra pages,
and keep each dataset as a record of the catalogue (gather → fetch → import, as ckanext-dcat does).

- One record per dataset IRI, in the graph of that IRI (ontology/harvest.ttl): the same dataset reached
  directly and through an intermediate catalogue is one record, `gc:harvestedFrom` each source. A dataset
  that is a blank node gets an IRI from its source and its dct:identifier (else its title).
- A record holds the dataset's triples and those of the nodes it owns (blank nodes, its distributions and
  other nodes the page describes, two steps deep); blank nodes become IRIs under the dataset's, named by a
  digest of their content, so that harvesting an unchanged feed again changes nothing.
- Incremental: a dataset whose dct:modified equals the stored one is not rewritten; otherwise its content
  is compared and only a change makes a new version (history: action `harvest`, the feed URL as source).
- Validated by govcat's engine against app/dcat/harvest_shapes.ttl (H01 title: Violation, the dataset is
  not stored and is listed; H02–H04: Warnings, stored). The report is kept on the source record
  (`gc:harvestReport`, JSON) and returned.
- Records that left the source are withdrawn (deleted with their history; a record still seen in another
  source only loses this one) — only after every page was read: a broken page (HTTP error, unreadable RDF)
  is reported, what it could read is written, and nothing is withdrawn.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from govcat.loaders import base_iri

from ..catalogue.journal import ChangeSet
from ..catalogue.repository import Catalogue, quad_lines, user_iri
from ..namespaces import DCAT, DCT, GC, RDF_TYPE, XSD
from ..queries import query
from ..store import Graph, RdfSyntaxError
from ..terms import Term, iri, iri_segment, nt_iri, nt_literal
from ..validation.compiler import compile_shapes
from ..validation.engine import run_checks
from .rdf import HYDRA

SHAPES = Path(__file__).with_name("harvest_shapes.ttl")
ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/n-triples;q=0.7"
MEDIA = {"text/turtle": "ttl", "application/x-turtle": "ttl", "application/rdf+xml": "rdf",
         "application/xml": "rdf", "text/xml": "rdf", "application/ld+json": "jsonld", "application/json": "jsonld",
         "application/n-triples": "nt", "text/plain": "nt"}
EXTENSIONS = {".ttl": "ttl", ".rdf": "rdf", ".xml": "rdf", ".jsonld": "jsonld", ".json": "jsonld", ".nt": "nt"}
NOT_OWNED = {DCAT + "Dataset", DCAT + "Catalog", DCAT + "CatalogRecord", HYDRA + "PartialCollectionView",
             HYDRA + "Collection", HYDRA + "PagedCollection"}
BATCH = 2000          # records per commit
DEPTH = 2


@dataclass
class HarvestReport:
    source: str
    url: str
    pages: list[dict] = field(default_factory=list)
    broken: list[dict] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    withdrawn: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken and not self.rejected

    def as_json(self) -> dict:
        return {"source": self.source, "url": self.url, "pages": self.pages, "broken": self.broken,
                "new": len(self.new), "changed": len(self.changed), "unchanged": self.unchanged,
                "withdrawn": self.withdrawn, "rejected": self.rejected, "warnings": self.warnings}


def source_iri(name: str) -> str:
    return f"{base_iri()}harvest-source/{iri_segment(name)}"


@lru_cache(maxsize=1)
def _checks():
    graph = Graph()
    graph.load_file(SHAPES)
    graph.load_file(Path(__file__).parents[2] / "shapes" / "prefixes.ttl")
    return tuple(compile_shapes(graph))


# -- fetching ------------------------------------------------------------------------------------------
def fetch(url: str, timeout: float = 60.0) -> Graph:
    """One page as a scratch graph. Raises OSError (HTTP, network) or RdfSyntaxError."""
    request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": "govcat-harvest"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        final = response.geturl()
    fmt = MEDIA.get(media) or EXTENSIONS.get(Path(url.split("?")[0]).suffix.lower()) or "ttl"
    graph = Graph()
    graph.load(body, fmt, base_iri=final)
    return graph


def pages(url: str):
    """(page URL, graph or the error) for each page, following hydra:next; stops at the first error."""
    seen: set[str] = set()
    while url and url not in seen:
        seen.add(url)
        try:
            graph = fetch(url)
        except (OSError, RdfSyntaxError, ValueError) as exc:
            yield url, exc
            return
        yield url, graph
        url = _next(graph, url)


def _next(graph: Graph, url: str) -> str | None:
    found = None
    for s, p, o in _triples(graph):
        if p.value in (HYDRA + "next", HYDRA + "nextPage") and o.is_iri:
            if s.value == url:
                return o.value
            found = found or o.value
    return found


def _triples(graph: Graph) -> list[tuple[Term, Term, Term]]:
    return [(r["s"], r["p"], r["o"]) for r in graph.select(query("harvest_triples"))]


# -- one page → records -------------------------------------------------------------------------------
def page_records(graph: Graph, source: str) -> dict[str, tuple[list[str], str | None]]:
    """dataset IRI -> (its N-Triples lines, its dct:modified) for every dcat:Dataset of the page."""
    out_edges: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
    types: dict[Term, set[str]] = defaultdict(set)
    for s, p, o in _triples(graph):
        out_edges[s].append((p, o))
        if p.value == RDF_TYPE and o.is_iri:
            types[s].add(o.value)
    records = {}
    for node, classes in list(types.items()):
        if DCAT + "Dataset" not in classes:
            continue
        name = node.value if node.is_iri else _minted(source, out_edges[node])
        digests: dict[Term, str] = {}

        def skolem(term: Term) -> Term:
            if term.kind != "bnode":
                return term
            if term not in digests:
                digests[term] = "#b-" + _digest(term, out_edges, set())[:16]
            return iri(name + digests[term])
        lines: set[str] = set()
        todo, done = [(node, 0)], set()
        while todo:
            subject, depth = todo.pop()
            if subject in done:
                continue
            done.add(subject)
            for p, o in out_edges[subject]:
                lines.add(f"{skolem(subject).n3() if subject != node else nt_iri(name)} {p.n3()} {skolem(o).n3()} .")
                if o in out_edges and o not in done and not (types.get(o, set()) & NOT_OWNED):
                    if o.kind == "bnode":
                        todo.append((o, depth))
                    elif depth < DEPTH:
                        todo.append((o, depth + 1))
        modified = next((o.value for p, o in out_edges[node] if p.value == DCT + "modified" and o.is_literal), None)
        records[name] = (sorted(lines), modified)
    return records


def _digest(node: Term, edges, path: set) -> str:
    parts = []
    for p, o in edges.get(node, []):
        if o.kind == "bnode":
            inner = "cycle" if o in path else _digest(o, edges, path | {node})
            parts.append(f"{p.value} [{inner}]")
        else:
            parts.append(f"{p.value} {o.n3()}")
    return hashlib.sha256("\n".join(sorted(parts)).encode("utf-8")).hexdigest()


def _minted(source: str, edges) -> str:
    key = next((o.value for p, o in edges if p.value == DCT + "identifier"), None) \
        or next((o.value for p, o in edges if p.value == DCT + "title"), "")
    return f"{source}/dataset/{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}"


# -- the harvest ----------------------------------------------------------------------------------------
def harvest(cat: Catalogue, url: str, name: str, user: str = "harvest") -> HarvestReport:
    source = source_iri(name)
    report = HarvestReport(name, url)
    editor = user_iri(base_iri(), user)
    stored: dict[str, set[str]] = defaultdict(set)        # records of this source -> every source of each
    for row in cat.graph.select(query("harvest_records"), {"source": iri(source)}):
        stored[row["record"].value].add(row["from"].value)
    seen: set[str] = set()
    source_line = f"{{}} {nt_iri(GC + 'harvestedFrom')} {{}} ."
    type_line = f"{{}} {nt_iri(RDF_TYPE)} {nt_iri(GC + 'HarvestedDataset')} ."
    for page_url, page in pages(url):
        if isinstance(page, Exception):
            report.broken.append({"url": page_url, "error": str(page)})
            break
        found = page_records(page, source)
        del page
        report.pages.append({"url": page_url, "datasets": len(found)})
        candidates: dict[str, list[str]] = {}
        olds: dict[str, list[str]] = {}
        for record, (lines, modified) in found.items():
            if record in seen:
                continue
            seen.add(record)
            old = cat.record_lines(record)
            if old and modified and record in stored and _modified(old, record) == modified:
                report.unchanged += 1
                continue
            sources = {source} | _sources(old, record)
            candidates[record] = lines + [type_line.format(nt_iri(record))] + \
                [source_line.format(nt_iri(record), nt_iri(s)) for s in sorted(sources)]
            olds[record] = old
        pending: dict[str, list[str]] = {}
        for record, content in _canonical(candidates).items():
            if olds[record] and sorted(olds[record]) == content:
                report.unchanged += 1
            else:
                pending[record] = content
        _write(cat, pending, olds, report, editor, page_url)
    if not report.broken:
        change = ChangeSet()
        for record, sources in stored.items():
            if record in seen:
                continue
            old = cat.record_lines(record)
            if sources - {source}:
                content = [line for line in old if line != source_line.format(nt_iri(record), nt_iri(source))]
                cat.stage(change, record, content, user=editor, action="harvest", source=url, old=old, admin=False,
                          note=f"不再见于采集来源 {name} / no longer in harvest source {name}")
            else:
                cat.stage(change, record, None, user=editor, action="withdraw", source=url, old=old,
                          note=f"已离开采集来源 {name} / left harvest source {name}")
            report.withdrawn.append(record)
        cat.commit(change)
    _keep_report(cat, source, report, editor)
    return report


def _canonical(records: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each record's lines as Oxigraph writes them (the form stored lines are compared in), sorted."""
    if not records:
        return {}
    scratch = Graph()
    scratch.load("".join(line for record, lines in records.items() for line in quad_lines(record, lines)), "nq")
    return {record: sorted(line for line in scratch.graph_ntriples(record).splitlines() if line) for record in records}


def _modified(lines: list[str], record: str) -> str | None:
    mark = f"{nt_iri(record)} <{DCT}modified> \""
    for line in lines:
        if line.startswith(mark):
            return line[len(mark):].split('"', 1)[0]
    return None


def _sources(lines: list[str], record: str) -> set[str]:
    mark = f"{nt_iri(record)} {nt_iri(GC + 'harvestedFrom')} <"
    return {line[len(mark):].split(">", 1)[0] for line in lines if line.startswith(mark)}


def _write(cat: Catalogue, pending: dict[str, list[str]], olds: dict[str, list[str]], report: HarvestReport,
           editor: str, page_url: str) -> None:
    """Validate the page's new and changed records, then write those without a Violation."""
    if not pending:
        return
    graph = Graph()
    graph.load("\n".join(line for lines in pending.values() for line in lines) + "\n", "nt")
    graph.load(f"{nt_iri(GC + 'HarvestedDataset')} <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
               f"{nt_iri(DCAT + 'Dataset')} .\n", "nt")
    refused: set[str] = set()
    for finding in run_checks(graph, _checks(), workers=1):
        entry = {"dataset": finding.focus.value, "rule": finding.rule, "severity": finding.severity,
                 "message": finding.messages}
        if finding.severity == "Violation":
            refused.add(finding.focus.value)
            report.rejected.append(entry)
        else:
            report.warnings.append(entry)
    del graph
    with cat.write_lock:
        change = ChangeSet()
        for record, content in pending.items():
            if record in refused:
                continue
            old = olds[record]
            (report.changed if old else report.new).append(record)
            cat.stage(change, record, content, user=editor, action="harvest", source=page_url, old=old, admin=False)
            if len(change.clear) >= BATCH:
                cat.commit(change)
                change = ChangeSet()
        cat.commit(change)


def _keep_report(cat: Catalogue, source: str, report: HarvestReport, editor: str) -> None:
    s = nt_iri(source)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    lines = [f"{s} {nt_iri(RDF_TYPE)} {nt_iri(GC + 'HarvestSource')} .",
             f"{s} {nt_iri(DCT + 'title')} {nt_literal(report.source)} .",
             f"{s} {nt_iri(GC + 'harvestUrl')} {nt_literal(report.url, XSD + 'anyURI')} .",
             f"{s} {nt_iri(GC + 'lastHarvest')} {nt_literal(now, XSD + 'dateTime')} .",
             f"{s} {nt_iri(GC + 'harvestReport')} "
             f"{nt_literal(json.dumps(report.as_json(), ensure_ascii=False), 'http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON')} ."]
    change = ChangeSet()
    cat.stage(change, source, lines, user=editor, action="harvest", source=report.url, admin=False)
    cat.commit(change)


__all__ = ["HarvestReport", "harvest", "page_records", "source_iri"]
