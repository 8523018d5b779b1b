"""Read-only handles on a store's checkpoint, each closed after a bounded amount of reading (issue 6).

An open Oxigraph store keeps RocksDB block caches of a fixed size — 128 MiB for its strings and RocksDB's default
32 MiB for the rest; pyoxigraph offers no setting — that fill with every block read, and a string read costs a
whole 4 KiB block. A reader that walks a large store through one handle therefore grows until the caches are
full: the open-data feed's full export of 1,000,000 entries reached 236 MiB within its first 50 pages, from
70 MiB after the first; through handles of 200 records its peak is 97 MiB (bench/RESULTS.md). Closing the
handle frees its caches, and reopening a read-only checkpoint takes milliseconds. `Recycled` lends a handle,
counts the records read through it and replaces it after `budget` records, or as soon as a newer checkpoint is
current; a handle still in use is closed when its last reader is done, and only then is its checkpoint let go.

The checkpoint comes from a source with `hold(view) -> (path, token)`, `let_go(token)` and `is_current(token)`:
the server's query service (the checkpoints it makes of the public view, govcat.query_service) or `OneFolder`.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .store import Graph

BUDGET = 200    # records read through one handle: two pages of the feed (100 is no smaller, and slower: RESULTS.md)


class OneFolder:
    """A store folder that does not change while it is read (a stopped server's public view, a test's store)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def hold(self, view: str) -> tuple[Path, None]:
        return self.path, None

    def let_go(self, token) -> None:
        pass

    def is_current(self, token) -> bool:
        return True


@dataclass(eq=False)
class _Handle:
    graph: Graph | None
    token: object
    spent: int = 0          # records read through it
    readers: int = 0
    retired: bool = False


class Recycled:
    """Handles on the source's current checkpoint of `view`, each replaced after `budget` records were read."""

    def __init__(self, source, view: str, budget: int = BUDGET):
        self.source, self.view, self.budget = source, view, max(1, budget)
        self._lock = threading.Lock()
        self._handle: _Handle | None = None
        self.opened = 0     # handles opened so far (bench/, tests)

    @contextmanager
    def reading(self, records: int = 0) -> Iterator[Graph]:
        """A graph to read `records` records from (a catalogue-wide scan: pass the number of records)."""
        with self._lock:
            handle = self._handle
            if handle is None or handle.spent >= self.budget or not self.source.is_current(handle.token):
                if handle is not None:
                    self._retire(handle)
                path, token = self.source.hold(self.view)
                try:
                    handle = self._handle = _Handle(Graph.read_only(path), token)
                except BaseException:
                    self.source.let_go(token)
                    raise
                self.opened += 1
            handle.readers += 1
            handle.spent += records
        try:
            yield handle.graph
        finally:
            with self._lock:
                handle.readers -= 1
                if handle.retired and not handle.readers:
                    self._close(handle)

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._retire(self._handle)

    def _retire(self, handle: _Handle) -> None:
        handle.retired = True
        if self._handle is handle:
            self._handle = None
        if not handle.readers:
            self._close(handle)

    def _close(self, handle: _Handle) -> None:
        if handle.graph is not None:
            handle.graph = None          # the last reference: the store closes, its caches are freed
            self.source.let_go(handle.token)
