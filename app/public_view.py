"""The public view: everything an anonymous caller may query, and nothing else (issue 4, "Access").

A store of its own (`STORE/public-view/`) that holds only public graphs:
- entries published (已发布) and open to the public (是否向社会开放 = 是): queries/public_entries.rq;
- the departments named as the provider (dct:publisher) of such an entry: queries/rest_public_departments.rq
  (name, USCC, parent, level and region of a government body: what the open-data feed shows of it);
- the ontology and code-list graphs (public vocabulary).
Their `gc:lastEditor` triples (account IRIs) are left out. Drafts, entries not open to the public,
systems, flows, other departments, portal listings, shapes, history and users are not there, so no
anonymous query can reach them, whatever its FROM, FROM NAMED, GRAPH ?g or default-graph-uri: the
anonymous SPARQL workers read checkpoints of this store only.

Filtering a query's dataset instead (pyoxigraph `default_graph=[…]`) was measured at 10,000 entries: a
`LIMIT 100` over 2,505 allowed graphs took 5.9 s against 3 ms on a store of its own.

It follows the live store: `sync(records)` after each change (the commit listener); `open()` builds it
when absent and otherwise catches up with the records that have a version made since its last sync
(changes made while no server ran: `govcat load` …; the time is kept in `public-view.json`). What the open-data
feed shows of it — its entries in code order with their facts, its departments, the code lists' concepts — is kept
beside it (govcat.public_listing, `public-listing.sqlite`): rebuilt with the view, its rows updated for every record
a sync looks at, its concepts when the vocabulary changes.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from .catalogue.repository import CODELISTS_GRAPH, GRAPHS, ONTOLOGY_GRAPH, quad_lines
from .namespaces import GC, RDF_TYPE, XSD
from .public_listing import FILE as LISTING_FILE, PublicListing
from .queries import query
from .store import Graph
from .terms import iri, literal, nt_iri

FOLDER, STAMP = "public-view", "public-view.json"
VOCABULARY = (ONTOLOGY_GRAPH, CODELISTS_GRAPH)
PUBLISHER = "http://purl.org/dc/terms/publisher"
DEPARTMENT = GC + "Department"
_HIDDEN_LINE = f" {nt_iri(GC + 'lastEditor')} "
_REBUILD_SHARE = 3    # a sync looking at more than a third of the listed entries rebuilds the listing: a record's
                      # rows updated cost 1.1–1.4 ms, an entry rebuilt 0.45–0.6 ms (10,000–1,000,000 entries,
                      # RESULTS.md)
_MARGIN = dt.timedelta(seconds=2)   # versions carry whole seconds: catch up a little before the stamp


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class PublicView:
    """The public store beside the live store `live` (in `folder`, the catalogue's folder). Not
    thread-safe: call `sync` under the catalogue's write lock (the commit listeners are)."""

    def __init__(self, live: Graph, folder: Path):
        self.live, self.path, self.stamp_file = live, Path(folder) / FOLDER, Path(folder) / STAMP
        self.graph: Graph | None = None
        self.listing: PublicListing | None = None    # what the open-data feed reads of it

    # -- life cycle ---------------------------------------------------------------------------------
    def open(self) -> None:
        started = _now()
        stamp = self._read_stamp()
        self.listing = PublicListing(self.path.parent / LISTING_FILE)
        if stamp is None or not self.path.exists():
            self.stamp_file.unlink(missing_ok=True)
            shutil.rmtree(self.path, ignore_errors=True)
            self.graph = Graph(self.path)
            self._build()
            self.listing.rebuild(self.graph)
        else:
            self.graph = Graph(self.path)
            if not self.listing.built:     # first start with a listing, or its rebuild was interrupted
                self.listing.rebuild(self.graph)
            since = (stamp - _MARGIN).isoformat().replace("+00:00", "Z")
            rows = self.live.select(query("changed_since"), {"since": literal(since, XSD + "dateTime")})
            self._sync({r["record"].value for r in rows})
        stale = [g for g in VOCABULARY if self.graph.triples_about(g, g) != self.live.triples_about(g, g)]  # digests
        for graph in stale:
            self._replace(graph, self.live.graph_ntriples(graph).splitlines())
        if stale:
            self.listing.refresh_concepts(self.graph)
        self.graph.flush()
        self._write_stamp(started)

    def close(self) -> None:
        self.graph = None
        if self.listing is not None:
            self.listing.close()
            self.listing = None

    def backup(self, target: Path) -> None:
        self.graph.backup(target)

    # -- keeping up -----------------------------------------------------------------------------------
    def sync(self, records: Iterable[str] | None = None) -> bool:
        """Bring the view in line with the live store for `records` (the graphs a change cleared or
        wrote; None: every record, for a change of unknown extent). True if the view changed."""
        started = _now()
        changed = self._sync(None if records is None else set(records))
        if changed:
            self.graph.flush()
        self._write_stamp(started)
        return changed

    def _sync(self, records: set[str] | None) -> bool:
        if records is None:
            public = self.public_records()
            candidates = sorted(public | (self.graph.graph_names() - set(VOCABULARY)))
            wanted = public.__contains__
        else:
            found = {r for r in records if not r.startswith(GRAPHS)}
            for record in list(found):   # a department is public through its entries
                found |= _publishers(self.graph, record) | _publishers(self.live, record)
            # Entries first: then a department is public when the view holds an entry naming it.
            candidates = sorted(found, key=lambda r: self._is_department(r))
            wanted = self._wanted
        changed = False
        for record in candidates:
            if wanted(record):
                lines = _shown(self.live.graph_ntriples(record))
                if sorted(lines) != sorted(self.graph.graph_ntriples(record).splitlines()):
                    self._replace(record, lines)
                    changed = True
            elif self.graph.has_graph(record):
                self.graph.clear_graphs([record])
                changed = True
        # The listing follows every record looked at, changed or not: after a crash between the view's change
        # and the listing's, the catch-up at the next start looks at the record again.
        if self.listing is not None:
            if records is None or len(candidates) > max(1000, self.listing.count() // _REBUILD_SHARE):
                self.listing.rebuild(self.graph)
            else:
                self.listing.update(self.graph, candidates)
        return changed

    def public_records(self) -> set[str]:
        """Every record of the live store the public may see."""
        entries = {r["entry"].value for r in self.live.select(query("public_entries"))}
        return entries | {r["dept"].value for r in self.live.select(query("rest_public_departments"))}

    def _wanted(self, record: str) -> bool:
        """Whether the public may see `record`; for a department, once the view's entries are in step
        (the query rest_public_departments, answered from the view's entries in one index lookup)."""
        if self._is_department(record):
            return bool(self.graph.graphs_with(PUBLISHER, iri(record)) - {record})
        return bool(self.live.select(query("public_entries"), {"entry": iri(record)}))

    def _is_department(self, record: str) -> bool:
        return any(p.value == RDF_TYPE and o.value == DEPARTMENT for _s, p, o in self.live.triples_about(record, record))

    # -- writing --------------------------------------------------------------------------------------
    def _build(self) -> None:
        """The whole view, in one bulk load (a transaction per record takes twice as long)."""
        spill = self.path.parent / (FOLDER + ".nq.tmp")
        try:
            with open(spill, "w", encoding="utf-8") as out:
                for record in sorted(self.public_records()):
                    out.writelines(quad_lines(record, _shown(self.live.graph_ntriples(record))))
            if spill.stat().st_size:
                self.graph.bulk_load_file(spill, "nq")
        finally:
            spill.unlink(missing_ok=True)

    def _replace(self, graph: str, lines: list[str]) -> None:
        self.graph.clear_graphs([graph])
        if lines:
            self.graph.load_into("\n".join(lines) + "\n", "nt", graph)

    def _read_stamp(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(json.loads(self.stamp_file.read_text())["synced"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_stamp(self, when: dt.datetime) -> None:
        """The time the last sync started (a crash before this write only makes the next catch-up longer)."""
        staging = self.stamp_file.with_suffix(".tmp")
        staging.write_text(json.dumps({"synced": when.isoformat()}))
        os.replace(staging, self.stamp_file)


def _shown(ntriples: str) -> list[str]:
    """A record's lines as the public sees them: without the account of its last editor."""
    return [line for line in ntriples.splitlines() if line and _HIDDEN_LINE not in line]


def _publishers(graph: Graph, record: str) -> set[str]:
    return {o.value for _s, p, o in graph.triples_about(record, record) if p.value == PUBLISHER and o.is_iri}
