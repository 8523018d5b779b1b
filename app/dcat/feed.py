"""The public feed: which entries, in which order, on which page; each page built as DCAT-AP triples.

`Feed` keeps the ordered list of public entries (queries/dcat_public_entries.rq: published and open to
the public, nothing else) in memory and drops it on `changed` (a commit listener of the catalogue); a page then
reads only its own records. It reads any graph that holds the public entries: the server gives it the public
view (govcat.public_view), a store of the public records alone, whose indexes stay small as the internal
catalogue grows (bench/RESULTS.md, issue 6: the export's memory). Filters: `modified_since` (dct:modified on or after a
date) and `q` (a substring of the title or the abstract, looked up by queries/dcat_public_matching.rq only when
asked: the list itself holds codes and dates, not texts)."""
from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from math import ceil

from ..queries import query
from ..store import Graph
from ..terms import literal
from .mapping import Mapping, load_mapping
from .model import Concepts, Dataset, Publisher, read_datasets
from .rdf import Triples, add_catalog, add_dataset, add_paging


@dataclass(frozen=True, slots=True)
class Listed:
    iri: str
    code: str
    modified: str


@dataclass
class Page:
    number: int
    pages: int
    total: int
    datasets: list[Dataset]


class Feed:
    def __init__(self, graph: Graph, mapping: Mapping | None = None):
        self.graph, self.mapping = graph, mapping or load_mapping()
        self._lock = threading.Lock()
        self._listed: list[Listed] | None = None
        self._public: set[str] = set()
        self._latest: str | None = None
        self._concepts: Concepts | None = None
        self._publishers: dict[tuple, Publisher] = {}

    def changed(self, change=None) -> None:
        with self._lock:
            self._listed = None
            self._publishers = {}

    # -- the list ----------------------------------------------------------------------------------
    def listed(self) -> list[Listed]:
        with self._lock:
            if self._listed is None:
                # read as CSV text, a row at a time: the list is the one part of the feed that grows with
                # the catalogue, and a row as CSV costs a tenth of a row of Terms (bench/harvest_bench.py)
                _kind, body = self.graph.query_raw(query("dcat_public_entries"), "csv")
                rows = csv.reader(io.StringIO(body.decode("utf-8")))
                next(rows, None)                                  # the header: entry, code, modified
                seen, listed = set(), []
                for entry, code, modified in rows:
                    if entry in seen:
                        continue
                    seen.add(entry)
                    listed.append(Listed(entry, code, modified))
                del body
                listed.sort(key=lambda x: x.code)
                dates = [x.modified[:10] for x in listed if x.modified]
                self._listed, self._public, self._latest = listed, seen, max(dates) if dates else None
            return self._listed

    def is_public(self, record: str) -> bool:
        self.listed()
        return record in self._public

    @property
    def concepts(self) -> Concepts:
        if self._concepts is None:
            self._concepts = Concepts(self.graph)
        return self._concepts

    def select(self, modified_since: str | None = None, q: str | None = None) -> list[Listed]:
        found = self.listed()
        if modified_since:
            found = [x for x in found if x.modified and x.modified[:10] >= modified_since[:10]]
        if q:
            rows = self.graph.select(query("dcat_public_matching"), {"needle": literal(q.strip().lower())})
            matching = {r["entry"].value for r in rows}
            found = [x for x in found if x.iri in matching]
        return found

    def dataset(self, record: str) -> Dataset | None:
        """A public entry as a Dataset; None for anything that is not a public entry."""
        if not self.is_public(record):
            return None
        return next(iter(self.datasets([record])), None)

    def datasets(self, records: list[str]) -> list[Dataset]:
        """Public entries as Datasets, read together (a page: two queries), in the order given."""
        return read_datasets(self.graph, records, self.concepts, self.is_public, self._publishers)

    def by_code(self, code: str) -> Dataset | None:
        found = next((x for x in self.listed() if x.code == code), None)
        return self.dataset(found.iri) if found else None

    def page(self, number: int = 1, modified_since: str | None = None, q: str | None = None,
             size: int | None = None) -> Page:
        size = size or self.mapping.page_size
        chosen = self.select(modified_since, q)
        pages = max(1, ceil(len(chosen) / size))
        number = min(max(1, number), pages)
        shown = chosen[(number - 1) * size:number * size]
        return Page(number, pages, len(chosen), self.datasets([x.iri for x in shown]))

    def all_datasets(self, chunk: int = 1000):
        """Every public entry as a Dataset, read a chunk at a time (data.json, full export)."""
        listed = self.listed()
        for start in range(0, len(listed), chunk):
            yield from self.datasets([x.iri for x in listed[start:start + chunk]])

    def latest(self) -> str | None:
        """The last change of any public entry (read with the list: not a scan per page)."""
        self.listed()
        return self._latest


def page_triples(feed: Feed, page: Page, catalog: str, home: str, view: str, link) -> Triples:
    """The triples of one page. `link(n)` is the URL of page n; `view` the URL this page was asked by;
    `landing(ds)` is derived from `home`: {home}dataset/{code}."""
    t = Triples()
    add_catalog(t, catalog, feed.mapping, home, feed.latest(), [d.iri for d in page.datasets])
    for ds in page.datasets:
        add_dataset(t, ds, feed.mapping, landing_url(home, ds.code))
    add_paging(t, catalog, view, page.total, link(1), link(page.pages),
               link(page.number - 1) if page.number > 1 else None,
               link(page.number + 1) if page.number < page.pages else None)
    return t


def dataset_triples(feed: Feed, ds: Dataset, home: str) -> Triples:
    t = Triples()
    add_dataset(t, ds, feed.mapping, landing_url(home, ds.code))
    return t


def landing_url(home: str, code: str) -> str:
    from ..terms import iri_segment
    return f"{home}dataset/{iri_segment(code, keep='/')}"


def classification_labels(feed: Feed) -> dict[str, str]:
    prefix = "https://w3id.org/govcat/code/resource-classification/"
    return {notation: zh for concept, (notation, zh, _en) in feed.concepts.by_iri.items() if concept.startswith(prefix)}
