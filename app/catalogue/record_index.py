"""The REST API's lists: per kind of record, its code, IRI and the values the lists filter on, sorted by
code and kept in memory, so that a page of 100,000 entries is a slice and not a query joining every record.

Built on the first list of a kind (one `rest_{kind}` query) and then kept current by the catalogue's commit
listener: each record graph a change clears is read again (the same query with the record bound). Writes
replace record graphs through `Catalogue.stage`, which clears them; a change that removes single quads
in a record's graph instead, or clears very many graphs, drops the index, which is built again on the next list
(quads removed from govcat's own graphs — analysis results — do not touch it)."""
from __future__ import annotations

import bisect
import threading
import weakref

from ..queries import query
from ..terms import iri
from .journal import ChangeSet
from .repository import GRAPHS, Catalogue

# Per kind: the query's variables, the record's first (the subject), the code second.
COLUMNS = {"departments": ("dept", "code"), "systems": ("system", "code", "dept"),
           "entries": ("entry", "code", "dept", "sharing", "state", "open"),
           "flows": ("flow", "code", "source", "target")}
REBUILD_ABOVE = 1000       # graphs cleared by one change past which rebuilding is cheaper

_indexes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def record_index(cat: Catalogue) -> RecordIndex:
    """The index of `cat` (one per open catalogue)."""
    with _indexes_lock:
        index = _indexes.get(cat)
        if index is None:
            index = _indexes[cat] = RecordIndex(cat)
        return index


class RecordIndex:
    def __init__(self, cat: Catalogue):
        self.cat = cat
        self.lock = threading.Lock()
        self.rows: dict[str, list[tuple]] = {}          # kind -> rows (code, record, filter values …) by code
        self.row_of: dict[str, dict[str, tuple]] = {}   # kind -> record -> its row
        cat.listeners.append(self.changed)

    def snapshot(self, kind: str) -> list[tuple]:
        """The rows of `kind`, sorted by code: (code, record, then the values named by COLUMNS[kind][2:])."""
        with self.lock:
            if kind not in self.rows:
                rows = sorted(self._read(kind))
                self.rows[kind], self.row_of[kind] = rows, {row[1]: row for row in rows}
            return list(self.rows[kind])

    def _read(self, kind: str, record: str | None = None) -> list[tuple]:
        subject, *rest = COLUMNS[kind]
        bindings = {subject: iri(record)} if record else None
        found = []
        for row in self.cat.graph.select(query(f"rest_{kind}"), bindings):
            values = [row[name].value if row[name] is not None else None for name in rest]
            found.append((values[0], row[subject].value, *values[1:]))
        return found

    def changed(self, change: ChangeSet) -> None:
        with self.lock:
            if not self.rows:
                return
            if any(_record_quad(line) for line in change.remove) or len(change.clear) > REBUILD_ABOVE:
                self.rows.clear()
                self.row_of.clear()
                return
            for graph in change.clear:
                for kind, rows in self.rows.items():
                    old = self.row_of[kind].pop(graph, None)
                    if old is not None:
                        del rows[bisect.bisect_left(rows, old)]
                    for row in self._read(kind, graph):
                        bisect.insort(rows, row)
                        self.row_of[kind][graph] = row


def _record_quad(line: str) -> bool:
    """An N-Quads line of a record's graph (not of one of govcat's own graphs under GRAPHS)."""
    return not line.rstrip().rsplit(" ", 2)[-2].startswith("<" + GRAPHS)
