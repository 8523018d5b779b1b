"""One catalogue = one folder: the Oxigraph store (`oxigraph/`) and the journal of the change in flight.

Named graphs (docs/model.md, "The store"): each record (department, system, entry with its data items,
flow) in the graph named by its IRI; the ontology, code lists, shapes, history and users in graphs of
their own under https://w3id.org/govcat/graph/."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from ..engines import open_store
from ..namespaces import GC, RDF_TYPE, XSD
from ..paths import ONTOLOGY_DIR
from ..queries import query
from ..store import Graph
from ..terms import Term, iri, literal, nt_iri, nt_literal
from ..validation.engine import shape_files
from . import journal
from .journal import ChangeSet

GRAPHS = "https://w3id.org/govcat/graph/"
ONTOLOGY_GRAPH, CODELISTS_GRAPH, SHAPES_GRAPH = GRAPHS + "ontology", GRAPHS + "codelists", GRAPHS + "shapes"
HISTORY_GRAPH, USERS_GRAPH = GRAPHS + "history", GRAPHS + "users"

# Triples a record's graph holds about its administration, not its content.
ADMIN_PREDICATES = (GC + "workflowState", GC + "version", GC + "lastEditor", "http://purl.org/dc/terms/modified")
_ADMIN_MARKS = tuple(f"> {nt_iri(p)} " for p in ADMIN_PREDICATES)


def default_store_path() -> Path:
    return Path(os.environ.get("GOVCAT_STORE", "data/store"))


def is_admin_line(line: str) -> bool:
    return any(mark in line for mark in _ADMIN_MARKS)


def quad_lines(graph: str, ntriples: str | list[str]) -> list[str]:
    """N-Triples lines placed in `graph` as N-Quads lines."""
    lines = ntriples.splitlines() if isinstance(ntriples, str) else ntriples
    g = " " + nt_iri(graph) + " .\n"
    return [line.rstrip()[:-1].rstrip() + g for line in lines if line.strip()]


class Catalogue:
    """The store folder; every write goes through `commit` (journalled, atomic)."""

    def __init__(self, folder: Path, graph: Graph):
        self.folder, self.graph = folder, graph
        # Held around read-validate-commit sequences by writers that share this object (the server's
        # request threads), so that two writes never validate against the same old state.
        self.write_lock = threading.RLock()
        # Called with each ChangeSet once it is applied (search index, query checkpoints).
        self.listeners: list[Callable[[ChangeSet], None]] = []
        # Counts the changes committed through this object: results computed from the store can be kept
        # until it moves (the home page's figures).
        self.generation = 0
        self._kept: dict[object, tuple[int, object]] = {}

    @classmethod
    def open(cls, folder: Path | None = None) -> "Catalogue":
        folder = Path(folder or default_store_path())
        folder.mkdir(parents=True, exist_ok=True)
        cat = cls(folder, open_store(folder))   # embedded in folder/oxigraph, or an external engine
        journal.recover(folder, cat.graph)
        cat._install_schema()
        return cat

    def commit(self, change: ChangeSet) -> None:
        if not change:
            return
        with self.write_lock:
            journal.commit(self.folder, self.graph, change)
            self.generation += 1
            for listener in self.listeners:
                listener(change)

    def kept(self, key: object, compute: Callable[[], object]) -> object:
        """`compute()`, kept until the next write when this process holds the store alone (the embedded on-disk
        store: RocksDB's lock keeps other processes out); computed every time on an external engine, which other
        processes may write."""
        if self.graph.path is None:
            return compute()
        generation = self.generation        # read first: a write during compute() makes the result stale at once
        found = self._kept.get(key)
        if found is None or found[0] != generation:
            found = self._kept[key] = (generation, compute())
        return found[1]

    def is_kept(self, key: object) -> bool:
        """`kept(key, …)` would answer from memory, without reading the store."""
        found = self._kept.get(key)
        return self.graph.path is not None and found is not None and found[0] == self.generation

    def replace_graph(self, graph: str, lines: list[str]) -> None:
        """Make a graph of govcat's own (analysis results) hold exactly `lines` (N-Triples), in one change that
        writes only the difference: emptying a large graph and loading it again costs the store a deletion per
        triple, while a run on an unchanged catalogue finds what the last one found."""
        new = set(lines)      # canonical N-Triples, as the store writes them out (else a line is merely rewritten)
        old = set(self.graph.graph_ntriples(graph).splitlines()) - {""}
        gone = old - new
        if len(gone) > len(old) // 2:      # mostly new: empty the graph rather than remove triples one by one
            self.commit(ChangeSet(clear={graph}, add=quad_lines(graph, sorted(new))))
        elif gone or new - old:
            self.commit(ChangeSet(remove=quad_lines(graph, sorted(gone)), add=quad_lines(graph, sorted(new - old))))

    def _install_schema(self) -> None:
        """Keep the ontology, code lists and shapes graphs equal to the project's files."""
        change = ChangeSet()
        codelists = ONTOLOGY_DIR / "codelists.ttl"
        for graph, files in ((ONTOLOGY_GRAPH, [f for f in sorted(ONTOLOGY_DIR.glob("*.ttl")) if f != codelists]),
                             (CODELISTS_GRAPH, [codelists]),
                             (SHAPES_GRAPH, shape_files())):
            digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()
            stamp = (iri(graph), iri(GC + "sourceDigest"), literal(digest))
            if stamp in self.graph.triples_about(graph, graph):
                continue
            scratch = Graph()
            for path in files:
                scratch.load_into(path.read_bytes(), "ttl", graph)
            change.clear.add(graph)
            change.add.extend(quad_lines(graph, scratch.graph_ntriples(graph)))
            change.add.extend(quad_lines(graph, [" ".join(t.n3() for t in stamp) + " ."]))
        self.commit(change)

    # -- reading records ---------------------------------------------------------------------------
    def record_lines(self, record: str) -> list[str]:
        """The current N-Triples of a record's graph (empty if there is no such record)."""
        return [line for line in self.graph.graph_ntriples(record).splitlines() if line]

    def exists(self, record: str) -> bool:
        return self.graph.has_graph(record)

    def resolve(self, code: str) -> str | None:
        """The record IRI for a code (信息资源代码, 系统编码, 流编码, 统一社会信用代码) or an IRI."""
        if code.startswith(("http://", "https://")):
            return code if self.exists(code) else None
        rows = self.graph.select(query("record_by_code"), {"code": literal(code)})
        return rows[0]["record"].value if rows else None

    def admin_value(self, record: str, predicate: str) -> Term | None:
        for _s, p, o in self.graph.triples_about(record, record):
            if p.value == predicate:
                return o
        return None

    def version_number(self, record: str) -> int:
        value = self.admin_value(record, GC + "version")
        if value is not None:
            return int(value.value)
        rows = self.graph.select(query("last_version"), {"record": iri(record)})   # deleted records
        return int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0

    def last_versions(self) -> dict[str, int]:
        """The highest version number of every record that ever existed (one query)."""
        return {r["record"].value: int(r["n"].value) for r in self.graph.select(query("last_versions"))}

    def stage(self, change: ChangeSet, record: str, content: list[str] | None, *, user: str, action: str,
              state: str | None = None, editor: str | None = None, modified: str | None = None,
              note: str | None = None, source: str | None = None, old: list[str] | None = None,
              version: int | None = None, admin: bool = True) -> int:
        """Add to `change` a new version of `record` with `content` (N-Triples lines without the admin
        triples; None deletes the record). The content it replaces moves into the history as the
        previous version's content, so that no update destroys anything. Returns the version number.
        `admin=False`: the record's graph gets no admin triples (version, editor, dct:modified), for
        records whose dct:modified says something else (portal listings); the history still has it all."""
        old = self.record_lines(record) if old is None else old
        n = (self.version_number(record) if version is None else version) + 1
        change.clear.add(record)
        if old:
            retired = nt_literal("\n".join(sorted(old)))
            change.add.extend(quad_lines(HISTORY_GRAPH, [f"{nt_iri(f'{record}#v{n - 1}')} {nt_iri(GC + 'content')} {retired} ."]))
        if content is not None:
            full = content + (admin_lines(record, n, editor or user, state, modified or today()) if admin else [])
            change.add.append("".join(quad_lines(record, full)).encode("utf-8"))   # one UTF-8 chunk per record
        change.add.append("".join(version_lines(record, n, user, action, note=note, source=source)).encode("utf-8"))
        change.versions += 1
        return n


def today() -> str:
    return dt.date.today().isoformat()


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def user_iri(base: str, name: str) -> str:
    from ..terms import iri_segment
    return f"{base}user/{iri_segment(name)}"


def admin_lines(record: str, version: int, editor: str, state: str | None, modified: str) -> list[str]:
    s = nt_iri(record)
    lines = [f"{s} {nt_iri(GC + 'version')} {nt_literal(str(version), XSD + 'integer')} .",
             f"{s} {nt_iri(GC + 'lastEditor')} {nt_iri(editor)} .",
             f"{s} <http://purl.org/dc/terms/modified> {nt_literal(modified, XSD + 'date')} ."]
    if state:
        lines.append(f"{s} {nt_iri(GC + 'workflowState')} {nt_iri(state)} .")
    return lines


def version_lines(record: str, n: int, user: str, action: str, note: str | None = None,
                  source: str | None = None) -> list[str]:
    """History triples of one version (N-Quads in the history graph). The content of the current version
    is the record's graph; it is copied into the history when a later version replaces it."""
    v = nt_iri(f"{record}#v{n}")
    triples = [f"{v} {nt_iri(RDF_TYPE)} {nt_iri(GC + 'Version')} .",
               f"{v} {nt_iri(GC + 'versionOf')} {nt_iri(record)} .",
               f"{v} {nt_iri(GC + 'versionNumber')} {nt_literal(str(n), XSD + 'integer')} .",
               f"{v} <http://www.w3.org/ns/prov#generatedAtTime> {nt_literal(now(), XSD + 'dateTime')} .",
               f"{v} <http://www.w3.org/ns/prov#wasAttributedTo> {nt_iri(user)} .",
               f"{v} {nt_iri(GC + 'action')} {nt_literal(action)} ."]
    if note:
        triples.append(f"{v} {nt_iri(GC + 'note')} {nt_literal(note)} .")
    if source:
        triples.append(f"{v} {nt_iri(GC + 'sourceFile')} {nt_literal(source)} .")
    return quad_lines(HISTORY_GRAPH, triples)


__all__ = ["Catalogue", "ChangeSet", "GRAPHS", "HISTORY_GRAPH", "USERS_GRAPH", "iri"]
