"""What the open-data feed shows, kept in a SQLite index beside the public view (issue 6).

The open-data feed pages through the public entries in code order and writes each page from the entries' facts.
Read from the store, the list cost its reader one query over every public entry and a Python list growing with the
catalogue (at 1,000,000 entries, 250,000 public: 24 s and a peak of 399 MiB before the first page), and every page
read through a store handle left RocksDB's caches and index blocks behind — a reader's memory grew with the
catalogue even through handles replaced every 200 records (52 / 68 / 97 MiB at 10,000 / 100,000 / 1,000,000
entries; bench/RESULTS.md). Kept here instead, in step with the public view, a page is one indexed query and the
feed's reader holds nothing that grows with the catalogue: it never opens the store.

- `entries`: one row per public entry — IRI, code, dct:modified ('' when none) as queries/dcat_public_entries.rq
  reads them, and its facts (govcat.dcat.model: its whitelisted triples and data items, unmapped, packed); an entry
  with two codes or dates (data that broke the rules, e.g. harvested) keeps the first row read; and its titles and
  abstracts in lower case (`text`, what `/catalog?q=` looks in: a scan of that column);
- `departments`: the facts of each department the view holds (the publishers);
- `concepts`: the code lists' notations and labels.
govcat.public_view rebuilds the index with the view (and when one change touches more than a third of it), updates
the rows of every record a sync looks at, and refreshes the concepts when it opens. Both rewrite it in steps, so
that the feed is answered meanwhile and never with an entry that left: first the rows of what is no longer public
go, then the entries are written a batch at a time, their facts read from the view outside the lock. Thread-safe:
one connection behind a lock; SQLite's own page cache (2 MiB at most) is all it keeps in memory.

Pages are found by offset the first time and by the key of the row before them after that (`_after`: the
previous page's last row), so that walking every page (a harvester, the full export) is linear, not quadratic.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .dcat.model import concept_rows, department_facts, entry_facts, searchable
from .namespaces import GC, RDF_TYPE
from .queries import query
from .terms import iri

FILE = "public-listing.sqlite"
_VERSION = 3           # of the layout below (1: no facts, 2: no text); another version is replaced and rebuilt
_BATCH = 500           # entries whose facts are read together while rebuilding
_KEYS_KEPT = 4096      # page boundaries remembered (per filter) for keyset paging
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (entry TEXT NOT NULL UNIQUE, code TEXT NOT NULL, modified TEXT NOT NULL,
                                    facts BLOB NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_code ON entries (code, entry);
CREATE INDEX IF NOT EXISTS entries_by_modified ON entries (modified);
CREATE TABLE IF NOT EXISTS departments (dept TEXT PRIMARY KEY, facts BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS concepts (concept TEXT PRIMARY KEY, notation TEXT NOT NULL, zh TEXT NOT NULL,
                                     en TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
_DROP = "DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS departments; DROP TABLE IF EXISTS concepts; " \
        "DROP TABLE IF EXISTS meta;"
# The statements the feed runs, by whether a date filter (`since`) and a page boundary (`after`) apply: fixed
# texts, every value bound.
_FILTERS = {(False, False): "", (True, False): " WHERE substr(modified, 1, 10) >= :since",
            (False, True): " WHERE (code, entry) > (:code, :entry)",
            (True, True): " WHERE substr(modified, 1, 10) >= :since AND (code, entry) > (:code, :entry)"}
_COUNT = {since: "SELECT count(*) FROM entries" + _FILTERS[(since, False)] for since in (False, True)}
_ROWS = {key: "SELECT entry, code, modified, facts FROM entries" + where +
              " ORDER BY code, entry LIMIT :size OFFSET :skip" for key, where in _FILTERS.items()}
_MATCHING = {since: " FROM entries WHERE instr(text, :needle) > 0" +
                    (" AND substr(modified, 1, 10) >= :since" if since else "") for since in (False, True)}
_MATCHING_COUNT = {since: "SELECT count(*)" + where for since, where in _MATCHING.items()}
_MATCHING_ROWS = {since: "SELECT entry, code, modified, facts" + where + " ORDER BY code, entry LIMIT :size OFFSET :skip"
                  for since, where in _MATCHING.items()}


@dataclass(frozen=True, slots=True)
class Listed:
    iri: str
    code: str
    modified: str
    facts: bytes = field(repr=False)    # govcat.dcat.model's packed facts


class PublicListing:
    """The index in the file `path` (created when absent). `read_only`: for readers beside a running server."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = Path(path)
        if read_only:
            self._db = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True,
                                       check_same_thread=False)
        else:
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            if self._db.execute("PRAGMA user_version").fetchone()[0] != _VERSION:
                self._db.executescript(_DROP)       # an older layout: replaced, then rebuilt (`built` is unset)
                self._db.execute(f"PRAGMA user_version = {_VERSION}")
            self._db.executescript(_SCHEMA)
        self._db.execute("PRAGMA cache_size=-2048")          # KiB: SQLite's default page cache, 2 MiB
        self._lock = threading.Lock()
        self._counts: dict[str | None, int] = {}
        self._keys: dict[tuple[str | None, int], tuple[str, str]] = {}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- kept in step by govcat.public_view -------------------------------------------------------------
    @property
    def built(self) -> bool:
        """Whether the index was completely built (a rebuild interrupted leaves it unbuilt)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'built'").fetchone()
        return row is not None and row[0] == "1"

    def rebuild(self, view) -> None:
        """Every public entry of `view` (the public view's Graph) and its departments and concepts. The rows of
        entries no longer public go first, in one step; then the entries are written `_BATCH` at a time as they
        stream from the store, each batch a step of its own, their facts read outside the lock: the feed goes on
        answering meanwhile (at 1,000,000 entries a rebuild takes minutes), never with an entry that left."""
        self._set_built(False)
        public = {r["entry"].value for r in view.select_iter(query("dcat_public_entries"))}
        self._remove(public.__contains__)
        batch: list[tuple[str, str, str]] = []
        for row in map(_row, view.select_iter(query("dcat_public_entries"))):    # the view does not change meanwhile
            if row[0] not in public:    # written already: an entry with two codes or dates keeps the first row read
                continue
            public.discard(row[0])
            batch.append(row)
            if len(batch) >= _BATCH:
                self._put_entries(view, batch)
                batch = []
        self._put_entries(view, batch)
        departments = view.graphs_with(RDF_TYPE, iri(GC + "Department"))
        with self._lock, self._db:
            listed = [dept for dept, in self._db.execute("SELECT dept FROM departments")]
            self._db.executemany("DELETE FROM departments WHERE dept = ?",
                                 [(dept,) for dept in listed if dept not in departments])
            for dept in sorted(departments):
                self._set_department(dept, department_facts(view, dept))
            self._put_concepts(view)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('built', '1')")
            self._changed()
        with self._lock:      # give back the write-ahead log's space (250 MB at 1,000,000 entries)
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def update(self, view, records: Iterable[str]) -> None:
        """The rows of `records` as `view` holds them now: those no longer public (entries or departments) removed
        first, in one step; then the entries written `_BATCH` at a time, as in `rebuild`."""
        records = sorted(set(records))
        rows = {record: [_row(s) for s in view.select(query("dcat_public_entries"), {"entry": iri(record)})]
                for record in records}
        departments = {record: department_facts(view, record) for record in records}
        with self._lock, self._db:
            self._db.executemany("DELETE FROM entries WHERE entry = ?", [(r,) for r in records if not rows[r]])
            for record, facts in departments.items():
                self._set_department(record, facts)
            self._changed()
        public = [record for record in records if rows[record]]
        for at in range(0, len(public), _BATCH):
            self._put_entries(view, [row for record in public[at:at + _BATCH] for row in rows[record]])

    def _set_built(self, built: bool) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('built', ?)", ("1" if built else "0",))

    def _remove(self, kept) -> None:
        """One step: the rows of the listed entries for which `kept(entry)` is false (a scan of the index)."""
        with self._lock, self._db:
            gone = [(entry,) for entry, in self._db.execute("SELECT entry FROM entries") if not kept(entry)]
            self._db.executemany("DELETE FROM entries WHERE entry = ?", gone)
            self._changed()

    def _put_entries(self, view, rows: list[tuple[str, str, str]]) -> None:
        """One step: the rows of these entries replaced by `rows`, with their facts (read before taking the lock)."""
        if not rows:
            return
        entries = sorted({entry for entry, _code, _modified in rows})
        facts = entry_facts(view, entries)
        with self._lock, self._db:
            self._db.executemany("DELETE FROM entries WHERE entry = ?", [(entry,) for entry in entries])
            self._db.executemany("INSERT OR IGNORE INTO entries VALUES (?, ?, ?, ?, ?)",
                                 [(*row, facts[row[0]], searchable(facts[row[0]])) for row in rows])
            self._changed()

    def refresh_concepts(self, view) -> None:
        """The code lists' concepts as `view` holds them (after the view's vocabulary graphs were replaced)."""
        with self._lock, self._db:
            self._put_concepts(view)

    def _set_department(self, dept: str, facts: bytes | None) -> None:
        self._db.execute("DELETE FROM departments WHERE dept = ?", (dept,))
        if facts is not None:
            self._db.execute("INSERT INTO departments VALUES (?, ?)", (dept, facts))

    def _put_concepts(self, view) -> None:
        self._db.execute("DELETE FROM concepts")
        self._db.executemany("INSERT OR IGNORE INTO concepts VALUES (?, ?, ?, ?)", concept_rows(view))

    def _changed(self) -> None:
        self._counts.clear()
        self._keys.clear()

    # -- read by the feed -----------------------------------------------------------------------------
    def count(self, since: str | None = None) -> int:
        with self._lock:
            if since not in self._counts:
                params = {"since": since[:10]} if since else {}
                self._counts[since] = self._db.execute(_COUNT[bool(since)], params).fetchone()[0]
            return self._counts[since]

    def rows(self, offset: int, size: int, since: str | None = None) -> list[Listed]:
        """`size` entries in code order from position `offset` (those modified on or after `since` only)."""
        with self._lock:
            after = self._keys.get((since, offset)) if offset > 0 else None
            params = {"since": since[:10] if since else None, "size": size, "skip": 0 if after else offset,
                      "code": after[0] if after else None, "entry": after[1] if after else None}
            found = [Listed(*row) for row in self._db.execute(_ROWS[(bool(since), after is not None)], params)]
            if found:
                if len(self._keys) >= _KEYS_KEPT:
                    self._keys.clear()
                self._keys[(since, offset + len(found))] = (found[-1].code, found[-1].iri)
            return found

    def scan(self, since: str | None = None, chunk: int = 1000) -> Iterator[Listed]:
        """Every entry in code order, `chunk` rows read at a time."""
        offset = 0
        while True:
            found = self.rows(offset, chunk, since)
            yield from found
            if len(found) < chunk:
                return
            offset += len(found)

    def matching_count(self, needle: str, since: str | None = None) -> int:
        """How many entries have a title or abstract holding `needle` (lower case), modified on or after `since`:
        a scan of the `text` column."""
        if "\n" in needle:        # the text holds one title or abstract a line
            return 0
        with self._lock:
            return self._db.execute(_MATCHING_COUNT[bool(since)],
                                    {"needle": needle, "since": since[:10] if since else None}).fetchone()[0]

    def matching(self, needle: str, offset: int, size: int, since: str | None = None) -> list[Listed]:
        """`size` of those entries from position `offset`, in code order (another scan)."""
        if "\n" in needle:
            return []
        params = {"needle": needle, "since": since[:10] if since else None, "size": size, "skip": offset}
        with self._lock:
            return [Listed(*row) for row in self._db.execute(_MATCHING_ROWS[bool(since)], params)]

    def contains(self, entry: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM entries WHERE entry = ?", (entry,)).fetchone() is not None

    def get(self, entry: str) -> Listed | None:
        with self._lock:
            row = self._db.execute("SELECT entry, code, modified, facts FROM entries WHERE entry = ?",
                                   (entry,)).fetchone()
        return Listed(*row) if row else None

    def by_code(self, code: str) -> Listed | None:
        with self._lock:
            row = self._db.execute("SELECT entry, code, modified, facts FROM entries WHERE code = ? ORDER BY entry "
                                   "LIMIT 1", (code,)).fetchone()
        return Listed(*row) if row else None

    def department(self, dept: str) -> bytes | None:
        """The packed facts of a department the view holds (None for any other IRI)."""
        with self._lock:
            row = self._db.execute("SELECT facts FROM departments WHERE dept = ?", (dept,)).fetchone()
        return row[0] if row else None

    def concepts(self) -> list[tuple[str, str, str, str]]:
        with self._lock:
            return self._db.execute("SELECT concept, notation, zh, en FROM concepts").fetchall()

    def latest(self) -> str | None:
        """The day of the last change of any public entry."""
        with self._lock:
            row = self._db.execute("SELECT max(modified) FROM entries").fetchone()
        return row[0][:10] if row and row[0] else None


def _row(solution: dict) -> tuple[str, str, str]:
    """A row of the index from a solution of queries/dcat_public_entries.rq."""
    modified = solution["modified"]
    return solution["entry"].value, solution["code"].value, modified.value if modified is not None else ""
