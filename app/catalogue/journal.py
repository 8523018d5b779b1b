"""All-or-nothing writes to the on-disk store.

Oxigraph makes each single load atomic, but a change to the catalogue is a removal and an addition. A
change is therefore first written in full to `journal.nq.tmp` (or a spool file, below), synced, and renamed
to `journal.nq` — the rename is the commit point — then applied (clear graphs, remove quads, load the new
quads) and the journal deleted. Applying is idempotent, so a journal found when the store is opened (the
process died after the commit point) is applied again, and a staging or spool file (it died before) is
thrown away. A kill at any moment therefore leaves the store as it was before the change or with all of it.

The journal is one N-Quads file: the quads to add, then the graphs to clear and the quads to remove as
comment lines (`#clear <g>`, `#remove <s> <p> <o> <g> .`), which N-Quads parsers skip, so the file loads as
is; its last line `#head N` gives the byte offset of the first of those. The head comes last so that a large
change can stream its additions into the file as they are staged (`Spool`) and never hold them in memory."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..store import Graph

COMMITTED, STAGING, SPOOL_PREFIX = "journal.nq", "journal.nq.tmp", "journal-spool-"
BULK_THRESHOLD = 4 << 20   # bytes of N-Quads above which bulk loading pays off
# Quads per bulk load: bounds the loader's memory (store.Graph.bulk_load_file). Each part costs time (6.7 M quads
# measured: 39 s whole, 46 s in parts of 3 M, 56 s in parts of 1 M) and parts of 3 M hold about 1.4 GiB.
BULK_PART = 3_000_000
HEAD_MARK = b"#head "


class Spool:
    """The additions of a large change, written into a file of their own as they are staged (a load of
    100,000 entries stages 1.3 GB of N-Quads); `commit` appends the head and renames the file."""

    def __init__(self, folder: Path):
        fd, name = tempfile.mkstemp(prefix=SPOOL_PREFIX, dir=folder)
        self.path, self.file, self.size = Path(name), os.fdopen(fd, "wb"), 0

    def append(self, chunk: str | bytes) -> None:
        data = chunk if isinstance(chunk, bytes) else chunk.encode("utf-8")
        self.file.write(data)
        self.size += len(data)

    def extend(self, chunks) -> None:
        for chunk in chunks:
            self.append(chunk)

    def __len__(self) -> int:
        return self.size

    def discard(self) -> None:
        """Throw the staged additions away (a dry run, a refused or failed load)."""
        if not self.file.closed:
            self.file.close()
        self.path.unlink(missing_ok=True)


@dataclass
class ChangeSet:
    clear: set[str] = field(default_factory=set)     # named graphs emptied first
    remove: list[str] = field(default_factory=list)  # N-Quads lines removed next
    add: list[str | bytes] | Spool = field(default_factory=list)  # N-Quads added last (lines or chunks; str or UTF-8)
    versions: int = 0     # versions the change adds to the history (Catalogue.stage counts them)

    def __bool__(self) -> bool:
        return bool(self.clear or self.remove or len(self.add))

    def discard(self) -> None:
        if isinstance(self.add, Spool):
            self.add.discard()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(folder: Path, graph: Graph, change: ChangeSet) -> None:
    """Write `change` durably, then apply it to `graph`."""
    if isinstance(change.add, Spool):
        staging, out = change.add.path, change.add.file
    else:
        staging = folder / STAGING
        out = open(staging, "wb")
        for chunk in change.add:
            out.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
    with out:
        head = out.tell()
        for g in sorted(change.clear):
            out.write(f"#clear <{g}>\n".encode())
        for line in change.remove:
            out.write(("#remove " + line.rstrip("\n") + "\n").encode())
        out.write(HEAD_MARK + str(head).encode() + b"\n")
        out.flush()
        os.fsync(out.fileno())
    os.rename(staging, folder / COMMITTED)      # the commit point
    _fsync_dir(folder)
    apply(folder, graph)


def _head(journal: Path) -> tuple[list[str], list[str]]:
    """The graphs to clear and the quads to remove, from the journal's last lines."""
    with open(journal, "rb") as f:
        f.seek(max(0, journal.stat().st_size - 64))
        last = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
        if not last.startswith(HEAD_MARK):
            raise ValueError(f"{journal}: the journal does not end with its head (not written by govcat?)")
        f.seek(int(last[len(HEAD_MARK):]))
        clear, remove = [], []
        for line in f.read().decode("utf-8").splitlines():
            if line.startswith("#clear <"):
                clear.append(line[8:].rstrip().rstrip(">"))
            elif line.startswith("#remove "):
                remove.append(line[8:] + "\n")
    return clear, remove


def apply(folder: Path, graph: Graph) -> None:
    journal = folder / COMMITTED
    clear, remove = _head(journal)
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
    for spool in folder.glob(SPOOL_PREFIX + "*"):
        spool.unlink()
    (folder / "incoming.nt.tmp").unlink(missing_ok=True)     # left by a load killed while comparing
    if (folder / COMMITTED).exists():
        apply(folder, graph)
        return True
    return False
