"""The list of public entries in code order, kept in a SQLite index beside the public view (issue 6).

The open-data feed pages through the public entries in code order. Read from the store after each change,
that list cost its reader one query over every public entry and a Python list growing with the catalogue: at
1,000,000 entries (250,000 public) 24 s and a peak of 399 MiB before the first page could be answered, RocksDB's
caches filling with the blocks of every entry's IRI and code (bench/RESULTS.md). Kept here instead, in step with
the public view (govcat.public_view updates the rows of the records each sync touches, and rebuilds the index
with the view), a page is an indexed query and its reader's memory does not grow with the catalogue.

One row per public entry: (entry IRI, code, dct:modified) as queries/dcat_public_entries.rq reads them from the
public view; an entry with two codes or two dates (data that broke the rules, e.g. harvested) keeps the first
row read. `modified` is '' when the entry has none. Thread-safe: one connection behind a lock (SQLite's own
page cache, 2 MiB at most, is all it keeps in memory).

Pages are found by offset the first time and by the key of the row before them after that (`_after`: the
previous page's last row), so that walking every page (a harvester, the full export) is linear, not quadratic.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .queries import query
from .terms import iri

FILE = "public-listing.sqlite"
_BATCH = 5000          # rows written per statement while rebuilding
_KEYS_KEPT = 4096      # page boundaries remembered (per filter) for keyset paging
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (entry TEXT PRIMARY KEY, code TEXT NOT NULL, modified TEXT NOT NULL)
  WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_code ON entries (code, entry);
CREATE INDEX IF NOT EXISTS entries_by_modified ON entries (modified);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
# The statements the feed runs, by whether a date filter (`since`) and a page boundary (`after`) apply: fixed
# texts, every value bound.
_FILTERS = {(False, False): "", (True, False): " WHERE substr(modified, 1, 10) >= :since",
            (False, True): " WHERE (code, entry) > (:code, :entry)",
            (True, True): " WHERE substr(modified, 1, 10) >= :since AND (code, entry) > (:code, :entry)"}
_COUNT = {since: "SELECT count(*) FROM entries" + _FILTERS[(since, False)] for since in (False, True)}
_ROWS = {key: "SELECT entry, code, modified FROM entries" + where + " ORDER BY code, entry LIMIT :size OFFSET :skip"
         for key, where in _FILTERS.items()}


@dataclass(frozen=True, slots=True)
class Listed:
    iri: str
    code: str
    modified: str


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
        """Every public entry of `view` (the public view's Graph), read as it streams from the store."""
        rows = map(_row, view.select_iter(query("dcat_public_entries")))
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('built', '0')")
            self._db.execute("DELETE FROM entries")
            while True:
                batch = [row for _, row in zip(range(_BATCH), rows)]
                if not batch:
                    break
                self._db.executemany("INSERT OR IGNORE INTO entries VALUES (?, ?, ?)", batch)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('built', '1')")
            self._changed()

    def update(self, view, records: Iterable[str]) -> None:
        """The rows of `records` as `view` holds them now (an entry no longer public loses its row)."""
        with self._lock, self._db:
            for record in records:
                self._db.execute("DELETE FROM entries WHERE entry = ?", (record,))
                self._db.executemany("INSERT OR IGNORE INTO entries VALUES (?, ?, ?)",
                                     map(_row, view.select(query("dcat_public_entries"), {"entry": iri(record)})))
            self._changed()

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
            found = [Listed(e, c, m) for e, c, m in self._db.execute(_ROWS[(bool(since), after is not None)], params)]
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

    def contains(self, entry: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM entries WHERE entry = ?", (entry,)).fetchone() is not None

    def by_code(self, code: str) -> Listed | None:
        with self._lock:
            row = self._db.execute("SELECT entry, code, modified FROM entries WHERE code = ? ORDER BY entry LIMIT 1",
                                   (code,)).fetchone()
        return Listed(*row) if row else None

    def latest(self) -> str | None:
        """The day of the last change of any public entry."""
        with self._lock:
            row = self._db.execute("SELECT max(modified) FROM entries").fetchone()
        return row[0][:10] if row and row[0] else None


def _row(solution: dict) -> tuple[str, str, str]:
    """A row of the index from a solution of queries/dcat_public_entries.rq."""
    modified = solution["modified"]
    return solution["entry"].value, solution["code"].value, modified.value if modified is not None else ""
