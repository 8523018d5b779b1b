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
- Throughput: a thread reads pages ahead (govcat.dcat.harvest_pages) while this one groups, compares and
  validates, and a writer thread commits the records in changes of BULK–BATCH records (`_Batch`).
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from govcat.loaders import base_iri

from ..catalogue.journal import ChangeSet
from ..catalogue.repository import HISTORY_GRAPH, Catalogue, user_iri
from ..namespaces import DCAT, DCT, GC, RDF_TYPE, XSD
from ..queries import query
from ..store import Graph
from ..terms import iri, iri_segment, nt_iri, nt_literal
from ..validation.compiler import compile_shapes
from ..validation.engine import run_checks
from .harvest_pages import TYPE, page_records, pages

SHAPES = Path(__file__).with_name("harvest_shapes.ttl")
BATCH, BULK = 1000, 300      # records per commit, at most and (when the writer is idle) at least


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


SOURCE_LINE = f"{{}} {nt_iri(GC + 'harvestedFrom')} {{}} ."
TYPE_LINE = f"{{}} {TYPE} {nt_iri(GC + 'HarvestedDataset')} ."


# -- the harvest ----------------------------------------------------------------------------------------
def harvest(cat: Catalogue, url: str, name: str, user: str = "harvest") -> HarvestReport:
    source = source_iri(name)
    report = HarvestReport(name, url)
    editor = user_iri(base_iri(), user)
    stored: dict[str, set[str]] = defaultdict(set)        # records of this source -> every source of each
    for row in cat.graph.select(query("harvest_records"), {"source": iri(source)}):
        stored[row["record"].value].add(row["from"].value)
    dated: dict[str, list[str]] = defaultdict(list)      # records of this source -> their stored dct:modified
    for row in cat.graph.select(query("harvest_modified"), {"source": iri(source)}):
        dated[row["record"].value].append(row["modified"].value)
    seen: set[str] = set()

    def known(record: str, modified: str | None) -> bool:
        return bool(modified) and record in stored and dated.get(record) == [modified]
    with _Batch(cat, report, editor) as batch:
        for page_url, page in pages(url):
            if isinstance(page, Exception):
                report.broken.append({"url": page_url, "error": str(page)})
                break
            found = page_records(page, source, known)
            del page
            report.pages.append({"url": page_url, "datasets": len(found)})
            pending: dict[str, list[str]] = {}
            olds: dict[str, list[str]] = {}
            for record, (lines, modified) in found.items():
                if record in seen:
                    continue
                seen.add(record)
                if lines is None:         # stored with the same dct:modified: not read again
                    report.unchanged += 1
                    continue
                old = cat.record_lines(record)
                sources = {source} | _sources(old, record)
                content = sorted(lines + [TYPE_LINE.format(nt_iri(record))] +
                                 [SOURCE_LINE.format(nt_iri(record), nt_iri(s)) for s in sorted(sources)])
                if old and sorted(old) == content:
                    report.unchanged += 1
                else:
                    pending[record], olds[record] = content, old
            batch.add(pending, olds, page_url)
    if not report.broken:
        _withdraw(cat, stored, seen, source, name, url, editor, report)
    _keep_report(cat, source, report, editor)
    return report


def _withdraw(cat: Catalogue, stored: dict[str, set[str]], seen: set[str], source: str, name: str, url: str,
              editor: str, report: HarvestReport) -> None:
    """The records of this source not seen in a complete run: withdrawn, or kept from their other sources."""
    change = ChangeSet()
    for record, sources in stored.items():
        if record in seen:
            continue
        old = cat.record_lines(record)
        if sources - {source}:
            content = [line for line in old if line != SOURCE_LINE.format(nt_iri(record), nt_iri(source))]
            cat.stage(change, record, content, user=editor, action="harvest", source=url, old=old, admin=False,
                      note=f"不再见于采集来源 {name} / no longer in harvest source {name}")
        else:
            cat.stage(change, record, None, user=editor, action="withdraw", source=url, old=old,
                      note=f"已离开采集来源 {name} / left harvest source {name}")
        report.withdrawn.append(record)
    cat.commit(change)


def _sources(lines: list[str], record: str) -> set[str]:
    mark = f"{nt_iri(record)} {nt_iri(GC + 'harvestedFrom')} <"
    return {line[len(mark):].split(">", 1)[0] for line in lines if line.startswith(mark)}


class _Batch:
    """New and changed records, validated and staged page by page, committed (journalled, with history) by a
    writer thread while the next pages are read: at least BULK records at once when the writer is idle (a
    large change goes through Oxigraph's bulk loader, about twice as fast), at most BATCH. Leaving the `with`
    commits the rest and waits for every write (raising the writer's error). The harvest is then the
    catalogue's only writer (the CLI holds the store alone)."""

    def __init__(self, cat: Catalogue, report: HarvestReport, editor: str):
        self.cat, self.report, self.editor = cat, report, editor
        self.change, self.staged = ChangeSet(), 0
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="harvest-write")
        self._writing: Future | None = None

    def __enter__(self) -> "_Batch":
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None and self.staged:
                self._submit()
            self._wait()
        finally:
            self._writer.shutdown()

    def add(self, pending: dict[str, list[str]], olds: dict[str, list[str]], page_url: str) -> None:
        """Validate one page's new and changed records; stage those without a Violation."""
        if not pending:
            return
        refused = _validate(pending, self.report)
        for record, content in pending.items():
            if record in refused:
                continue
            old = olds[record]
            (self.report.changed if old else self.report.new).append(record)
            self.cat.stage(self.change, record, content, user=self.editor, action="harvest", source=page_url,
                           old=old, admin=False, version=None if old else _never_versioned(self.cat, record))
            self.staged += 1
        if self.staged >= BATCH or (self.staged >= BULK and (self._writing is None or self._writing.done())):
            self._submit()

    def _submit(self) -> None:
        self._wait()
        change, self.change, self.staged = self.change, ChangeSet(), 0
        self._writing = self._writer.submit(self.cat.commit, change)

    def _wait(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()


def _never_versioned(cat: Catalogue, record: str) -> int | None:
    """0 for a record the history has no first version of (it never existed: versions count from 1), else None
    (Catalogue.stage then asks the history). One index lookup instead of `last_version`, whose cost grows with
    the history (the bound record does not steer its join order)."""
    return None if cat.graph.triples_about(f"{record}#v1", HISTORY_GRAPH) else 0


# Components that look only at the values of a path from the focus node: for them a record's own triples suffice.
OWN_VALUES = {"http://www.w3.org/ns/shacl#" + c + "ConstraintComponent" for c in (
    "MinCount", "MaxCount", "Datatype", "MinLength", "MaxLength", "Pattern", "MinInclusive", "MaxInclusive",
    "MinExclusive", "MaxExclusive")}


@lru_cache(maxsize=1)
def _own_triples_suffice() -> bool:
    return all(c.path and not c.node_shape and c.component in OWN_VALUES for c in _checks())


def _validate(pending: dict[str, list[str]], report: HarvestReport) -> set[str]:
    """Check records against harvest_shapes.ttl; findings go to the report. Returns the refused records. When
    every check reads only the focus node's own values, only the records' own triples are loaded for it."""
    graph = Graph()
    if _own_triples_suffice():
        heads = {record: nt_iri(record) + " " for record in pending}
        chosen = (line for record, lines in pending.items() for line in lines if line.startswith(heads[record]))
    else:
        chosen = (line for lines in pending.values() for line in lines)
    graph.load("\n".join(chosen) + "\n", "nt")
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
    return refused


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
