"""All-or-nothing writes to the on-disk store.

Oxigraph makes each single load atomic, but a change to the catalogue is a removal and an addition. A
change is therefore first written in full to `journal.nq.tmp`, synced, and renamed to `journal.nq` —
the rename is the commit point — then applied (clear graphs, remove quads, load the new quads) and the
journal deleted. Applying is idempotent, so a journal found when the store is opened (the process died
after the commit point) is applied again, and a `journal.nq.tmp` (it died before) is thrown away.
A kill at any moment therefore leaves the store as it was before the change or with all of it.

The journal is one N-Quads file: the graphs to clear and the quads to remove are comment lines at its
head (`#clear <g>`, `#remove <s> <p> <o> <g> .`), which N-Quads parsers skip, so the file loads as is."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..store import Graph

COMMITTED, STAGING = "journal.nq", "journal.nq.tmp"
BULK_THRESHOLD = 4 << 20   # bytes of N-Quads above which bulk loading pays off
BULK_PART = 1_000_000      # quads per bulk load: bounds the loader's memory (store.Graph.bulk_load_file)


@dataclass
class ChangeSet:
    clear: set[str] = field(default_factory=set)     # named graphs emptied first
    remove: list[str] = field(default_factory=list)  # N-Quads lines removed next
    add: list[str | bytes] = field(default_factory=list)  # N-Quads added last (lines or chunks; str or UTF-8)

    def __bool__(self) -> bool:
        return bool(self.clear or self.remove or self.add)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(folder: Path, graph: Graph, change: ChangeSet) -> None:
    """Write `change` durably, then apply it to `graph`."""
    staging = folder / STAGING
    with open(staging, "wb") as out:
        for g in sorted(change.clear):
            out.write(f"#clear <{g}>\n".encode())
        for line in change.remove:
            out.write(("#remove " + line.rstrip("\n") + "\n").encode())
        for chunk in change.add:
            out.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
        out.flush()
        os.fsync(out.fileno())
    os.rename(staging, folder / COMMITTED)      # the commit point
    _fsync_dir(folder)
    apply(folder, graph)


def apply(folder: Path, graph: Graph) -> None:
    journal = folder / COMMITTED
    clear, remove = [], []
    with open(journal, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#clear <"):
                clear.append(line[8:].rstrip().rstrip(">"))
            elif line.startswith("#remove "):
                remove.append(line[8:])
            else:
                break
    graph.clear_graphs(clear)
    if remove:
        scratch = Graph()
        scratch.load("".join(remove), "nq")
        graph.remove_quads(scratch.all_quads())
    if journal.stat().st_size > BULK_THRESHOLD:
        graph.bulk_load_file(journal, "nq", chunk_lines=BULK_PART)   # parts: a crash re-applies the journal
    else:
        graph.load_file(journal, "nq")     # small changes: a plain (durable) transaction is faster
    journal.unlink()   # not synced: if the unlink is lost in a crash, the journal is simply applied again


def recover(folder: Path, graph: Graph) -> bool:
    """Finish or discard a change interrupted by a crash; True if one was finished."""
    (folder / STAGING).unlink(missing_ok=True)
    (folder / "incoming.nt.tmp").unlink(missing_ok=True)     # left by a load killed while comparing
    if (folder / COMMITTED).exists():
        apply(folder, graph)
        return True
    return False
