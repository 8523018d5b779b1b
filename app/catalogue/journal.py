"""All-or-nothing writes to the on-disk store.

Oxigraph makes each single load atomic, but a change to the catalogue is a removal and an addition. A
change is therefore first written in full to `journal.tmp/`, synced, and renamed to `journal/` — the
rename is the commit point — then applied (clear graphs, remove quads, bulk-load the new quads) and the
journal deleted. Applying is idempotent, so a journal found when the store is opened (the process died
after the commit point) is applied again, and a `journal.tmp/` (it died before) is thrown away.
A kill at any moment therefore leaves the store as it was before the change or with all of it."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..store import Graph

COMMITTED, STAGING = "journal", "journal.tmp"
BULK_THRESHOLD = 4 << 20   # bytes of N-Quads above which bulk loading pays off


@dataclass
class ChangeSet:
    clear: set[str] = field(default_factory=set)     # named graphs emptied first
    remove: list[str] = field(default_factory=list)  # N-Quads lines removed next
    add: list[str] = field(default_factory=list)     # N-Quads lines (or chunks of lines) added last

    def __bool__(self) -> bool:
        return bool(self.clear or self.remove or self.add)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, chunks: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


def commit(folder: Path, graph: Graph, change: ChangeSet) -> None:
    """Write `change` durably, then apply it to `graph`."""
    staging, committed = folder / STAGING, folder / COMMITTED
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    _write(staging / "clear.txt", [g + "\n" for g in sorted(change.clear)])
    _write(staging / "remove.nq", change.remove)
    _write(staging / "add.nq", change.add)
    _fsync_dir(staging)
    os.rename(staging, committed)      # the commit point
    _fsync_dir(folder)
    apply(folder, graph)


def apply(folder: Path, graph: Graph) -> None:
    committed = folder / COMMITTED
    clear = [g for g in (committed / "clear.txt").read_text(encoding="utf-8").splitlines() if g]
    graph.clear_graphs(clear)
    remove = (committed / "remove.nq").read_text(encoding="utf-8")
    if remove.strip():
        scratch = Graph()
        scratch.load(remove, "nq")
        graph.remove_quads(scratch.all_quads())
    size = (committed / "add.nq").stat().st_size
    if size > BULK_THRESHOLD:
        graph.bulk_load_file(committed / "add.nq", "nq")
    elif size:
        graph.load_file(committed / "add.nq", "nq")     # small changes: a plain transaction is faster
    graph.flush()
    shutil.rmtree(committed)
    _fsync_dir(folder)


def recover(folder: Path, graph: Graph) -> bool:
    """Finish or discard a change interrupted by a crash; True if one was finished."""
    shutil.rmtree(folder / STAGING, ignore_errors=True)
    if (folder / COMMITTED).exists():
        apply(folder, graph)
        return True
    return False
