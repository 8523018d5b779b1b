"""The public feed: which entries, in which order, on which page; each page built as DCAT-AP triples.

`Feed` reads only what is kept for it beside the public view (govcat.public_listing, a SQLite index updated with
the view): the public entries in code order with their facts, the departments that publish them, the code lists'
concepts. A page is one indexed query for its 100 rows; the store itself is never opened, so nothing the feed holds
grows with the catalogue (bench/RESULTS.md, issue 6: the export's memory). Filters: `modified_since` (dct:modified
on or after a date) and `q` (a substring of the title or the abstract, compared in lower case: two scans of the
index's text column, one to count, one for the page's rows — nothing held that grows with the matches)."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from ..public_listing import Listed, PublicListing
from .mapping import Mapping, load_mapping
from .model import Concepts, Dataset, datasets_from
from .rdf import Triples, add_catalog, add_dataset, add_paging

CHUNK = 100     # entries read together by a scan of every public entry (data.json, the full export)


@dataclass
class Page:
    number: int
    pages: int
    total: int
    datasets: list[Dataset]


class Feed:
    def __init__(self, listing: PublicListing, mapping: Mapping | None = None):
        self.listing, self.mapping = listing, mapping or load_mapping()
        self._concepts: Concepts | None = None

    def is_public(self, record: str) -> bool:
        return self.listing.contains(record)

    @property
    def concepts(self) -> Concepts:
        """The code lists' concepts, read once (the view's vocabulary changes only when it opens)."""
        if self._concepts is None:
            self._concepts = Concepts(self.listing.concepts())
        return self._concepts

    def dataset(self, record: str) -> Dataset | None:
        """A public entry as a Dataset; None for anything that is not a public entry."""
        return self._one(self.listing.get(record))

    def datasets(self, listed: list[Listed]) -> list[Dataset]:
        """Listed entries as Datasets, in the order given."""
        return datasets_from([(x.iri, x.facts) for x in listed], self.concepts, self.is_public,
                             self.listing.department)

    def by_code(self, code: str) -> Dataset | None:
        return self._one(self.listing.by_code(code))

    def _one(self, found: Listed | None) -> Dataset | None:
        return next(iter(self.datasets([found])), None) if found else None

    def page(self, number: int = 1, modified_since: str | None = None, q: str | None = None,
             size: int | None = None) -> Page:
        size = size or self.mapping.page_size
        q = (q or "").strip().lower()
        total = self.listing.matching_count(q, modified_since) if q else self.listing.count(modified_since)
        pages = max(1, ceil(total / size))
        number = min(max(1, number), pages)
        offset = (number - 1) * size
        if q:
            shown = self.listing.matching(q, offset, size, modified_since)
        else:
            shown = self.listing.rows(offset, size, modified_since)
        return Page(number, pages, total, self.datasets(shown))

    def all_datasets(self):
        """Every public entry as a Dataset, `CHUNK` at a time (data.json, the full export)."""
        batch: list[Listed] = []
        for listed in self.listing.scan(chunk=CHUNK):
            batch.append(listed)
            if len(batch) == CHUNK:
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
