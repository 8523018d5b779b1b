"""The public feed: which entries, in which order, on which page; each page built as DCAT-AP triples.

`Feed` reads the public view (govcat.public_view: a store of the public records alone) and the list of its
entries in code order kept beside it (govcat.public_listing, a SQLite index updated with the view): a page looks
up its 100 rows in the index, then reads only its own records. The records are read through handles on the
view's checkpoints that are replaced after a bounded number of records (govcat.checkpoint_reader), so that
RocksDB's caches never fill either: nothing the feed holds grows with the catalogue (bench/RESULTS.md, issue 6:
the export's memory). Filters: `modified_since` (dct:modified on or after a date) and
`q` (a substring of the title or the abstract, looked up by queries/dcat_public_matching.rq only when asked)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from math import ceil

from ..checkpoint_reader import Recycled
from ..public_listing import Listed, PublicListing
from ..queries import query
from ..terms import literal
from .mapping import Mapping, load_mapping
from .model import Concepts, Dataset, Publisher, read_datasets
from .rdf import Triples, add_catalog, add_dataset, add_paging


@dataclass
class Page:
    number: int
    pages: int
    total: int
    datasets: list[Dataset]


class Feed:
    def __init__(self, reader: Recycled, listing: PublicListing, mapping: Mapping | None = None):
        self.reader, self.listing, self.mapping = reader, listing, mapping or load_mapping()
        self._lock = threading.Lock()
        self._concepts: Concepts | None = None
        self._publishers: dict[tuple, Publisher] = {}

    def changed(self, change=None) -> None:
        with self._lock:
            self._publishers = {}

    def is_public(self, record: str) -> bool:
        return self.listing.contains(record)

    @property
    def concepts(self) -> Concepts:
        if self._concepts is None:
            with self.reader.reading() as graph:
                self._concepts = Concepts(graph)
        return self._concepts

    def _matching(self, modified_since: str | None, q: str) -> list[Listed]:
        """The entries whose title or abstract holds `q` (then modified since), in code order."""
        with self.reader.reading(self.listing.count()) as graph:     # reads every title: a handle of its own
            rows = graph.select(query("dcat_public_matching"), {"needle": literal(q.strip().lower())})
        matching = {r["entry"].value for r in rows}
        return [x for x in self.listing.scan(modified_since) if x.iri in matching]

    def dataset(self, record: str) -> Dataset | None:
        """A public entry as a Dataset; None for anything that is not a public entry."""
        if not self.is_public(record):
            return None
        return next(iter(self.datasets([record])), None)

    def datasets(self, records: list[str]) -> list[Dataset]:
        """Public entries as Datasets, read together (a page: two queries), in the order given."""
        concepts = self.concepts
        with self.reader.reading(len(records)) as graph:
            return read_datasets(graph, records, concepts, self.is_public, self._publishers)

    def by_code(self, code: str) -> Dataset | None:
        found = self.listing.by_code(code)
        return self.dataset(found.iri) if found else None

    def page(self, number: int = 1, modified_since: str | None = None, q: str | None = None,
             size: int | None = None) -> Page:
        size = size or self.mapping.page_size
        if q:
            chosen = self._matching(modified_since, q)
            total = len(chosen)
        else:
            total = self.listing.count(modified_since)
        pages = max(1, ceil(total / size))
        number = min(max(1, number), pages)
        offset = (number - 1) * size
        shown = chosen[offset:offset + size] if q else self.listing.rows(offset, size, modified_since)
        return Page(number, pages, total, self.datasets([x.iri for x in shown]))

    def all_datasets(self):
        """Every public entry as a Dataset, read as many at a time as one handle reads (data.json, full export)."""
        chunk = self.reader.budget
        batch: list[str] = []
        for listed in self.listing.scan(chunk=chunk):
            batch.append(listed.iri)
            if len(batch) == chunk:
                yield from self.datasets(batch)
                batch = []
        yield from self.datasets(batch)

    def latest(self) -> str | None:
        """The day of the last change of any public entry (an index lookup, not a scan per page)."""
        return self.listing.latest()


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
