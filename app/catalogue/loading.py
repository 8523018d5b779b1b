"""`govcat load`: validate a file in the context of the store, then write all of it or nothing.

Validation graph = ontology + code lists + the file + the stored records the file depends on (those it
refers to, the parent chains of departments, departments it names), minus the stored versions of the
records the file replaces. Only findings about the file's own records are reported."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple
from pathlib import Path

from govcat.loaders import LoadError, Loaded, base_iri

from ..namespaces import GC, ORG, SKOS
from ..queries import query
from ..schema import sheets
from ..store import Graph, RdfSyntaxError
from ..terms import Term, iri, nt_iri
from ..validation.engine import load_schema
from ..validation.run import Report, read_into_graph, validate_loaded
from .journal import ChangeSet, Spool
from .repository import GRAPHS, Catalogue, is_admin_line, user_iri

INCOMING, CONTEXT = GRAPHS + "incoming", GRAPHS + "context"
WORKFLOW = "https://w3id.org/govcat/code/workflow-state/"
DRAFT, SUBMITTED, PUBLISHED, RETURNED, WITHDRAWN = (WORKFLOW + str(n) for n in range(1, 6))
ENTRY, ITEM = GC + "InformationResource", GC + "DataItem"
RECORD_CLASSES = frozenset({GC + "Department", GC + "InformationSystem", ENTRY, GC + "DataFlow"})

Progress = Callable[[str], None]
SMALL_WRITE = 1 << 20   # characters of N-Triples below which a write is grouped in memory
LOAD_STEPS = 4   # reading, validating in context, comparing with the store, writing


@dataclass
class LoadOutcome:
    report: Report
    written: bool = False
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def load_file(cat: Catalogue, path: Path, user: str, *, dry_run: bool = False, publish: bool = False,
              replace_department: str | None = None, progress: Progress = lambda step: None) -> LoadOutcome:
    """Validate `path` against itself and the store; without Violations, write it in one atomic step."""
    progress("读取文件 / reading")
    loaded, graph = read_into_graph(path, INCOMING)
    slot = [graph]     # handed over so that load_loaded can free the graph (gigabytes) once it is done
    del graph
    return load_loaded(cat, loaded, user, dry_run=dry_run, publish=publish,
                       replace_department=replace_department, progress=progress, graph_slot=slot)


def save_record(cat: Catalogue, ntriples: str, user: str, source: str = "edit") -> LoadOutcome:
    """An edit of one record (its triples, data items included, as N-Triples): validated in the context
    of the store, written atomically with its history. The web layer's write path."""
    with cat.write_lock:
        return load_loaded(cat, Loaded(source, ntriples=ntriples, rdf_format="nt"), user, action="edit")


def load_loaded(cat: Catalogue, loaded: Loaded, user: str, *, dry_run: bool = False, publish: bool = False,
                replace_department: str | None = None, progress: Progress = lambda step: None,
                action: str = "load", graph_slot: list | None = None) -> LoadOutcome:
    """`graph_slot`, if given, holds the only reference to a graph that already holds the schema and
    the file in the INCOMING graph."""
    progress("在上下文中验证 / validating in context")
    graph, owner, orphans, classes = context_graph(cat, loaded, graph_slot.pop() if graph_slot else None)
    report = validate_loaded(loaded, graph, classes=set(classes.values()) | {ITEM})
    mine = set(owner) | set(orphans)
    report.results = [r for r in report.results if r.focus in mine]
    outcome = LoadOutcome(report)
    if not report.conforms:
        return outcome
    strays = sorted(set(orphans) | {r for r in owner.values() if r not in classes})
    if strays:
        raise LoadError(loaded.file, f"这些数据不属于本文件中的任何记录（信息项须与其信息资源一起导入）：{strays[:5]}",
                        f"these data belong to no record of the file (data items come with their entry): {strays[:5]}")
    progress("比较已有记录 / comparing with the store")
    small = not loaded.streamed and len(loaded.ntriples) < SMALL_WRITE
    change = ChangeSet() if small else ChangeSet(add=Spool(cat.folder))   # large: staged straight to disk
    try:
        stage = Staging(cat, change, outcome, user_iri(base_iri(), user), Path(loaded.file).name,
                        action="publish" if publish else action, initial=(PUBLISHED if publish else DRAFT),
                        entries={s for s, cls in classes.items() if cls == ENTRY})
        if small:                       # an edit: canonical triples in memory
            incoming = _group(graph.graph_ntriples(INCOMING).encode("utf-8").splitlines(), owner)
            del graph
            records = set(incoming)
        else:
            spill = cat.folder / "incoming.nt.tmp"     # the file's triples, canonical, without a copy in memory
            graph.dump_graph_to(INCOMING, spill)
            del graph                   # the validation graph is no longer needed: free it before writing
            try:
                with open(spill, "rb") as lines:
                    incoming, records = stage.split(lines, owner)
            finally:
                spill.unlink(missing_ok=True)
        stage.records(incoming)
        if replace_department:
            stage.department_removals(replace_department, records, loaded.file)
        if not dry_run and change:
            progress("写入 / writing")
            cat.commit(change)
            outcome.written = True
    finally:
        if not outcome.written:
            change.discard()
    return outcome


@dataclass
class Staging:
    """Stages the records of a file into a change: new and changed records get a new version, unchanged ones
    are left alone."""
    cat: Catalogue
    change: ChangeSet
    outcome: LoadOutcome
    editor: str
    source: str
    action: str
    initial: str        # the workflow state of new versions of entries
    entries: set[str]   # the file's entries (records of class gc:InformationResource)
    _past: dict[str, int] | None = None      # versions of records without a graph (new or deleted), fetched once

    def split(self, lines: Iterable[bytes], owner: dict[str, str]) -> tuple[dict[str, list[bytes]], set[str]]:
        """A large file's lines: those of records the store holds, grouped by record (to be compared); those of
        new records written at once into the change as quads of their record's graph, and their records staged.
        Returns the grouped lines and every record of the file."""
        stored = self.cat.graph.graph_names()
        record_of = {subject.encode("utf-8"): record for subject, record in owner.items()}
        graph_of: dict[str, bytes] = {}
        groups: dict[str, list[bytes]] = defaultdict(list)
        for line in lines:
            line = line.rstrip(b"\n")
            if not line:
                continue
            record = record_of[line[1:line.index(b">")]]
            if record in stored:
                groups[record].append(line)
                continue
            tail = graph_of.get(record)
            if tail is None:
                tail = graph_of[record] = b" " + nt_iri(record).encode("utf-8") + b" .\n"
            self.change.add.append(line[:-1].rstrip() + tail)
        for record in graph_of:         # their content is in the change already: a version and admin triples
            self._stage(record, [], [])
        return groups, set(groups) | set(graph_of)

    def records(self, incoming: dict[str, list[bytes]]) -> None:
        """Stage `incoming` (record -> N-Triples lines, emptied as it goes): each compared with its stored version
        (a large file's new records never get here: `split` staged them)."""
        cat, outcome = self.cat, self.outcome
        while incoming:                 # popped, so that each record's lines are freed once staged
            record, lines = incoming.popitem()
            content = sorted({line.decode("utf-8") for line in lines})
            del lines
            old = cat.record_lines(record)
            if old and sorted(line for line in old if not is_admin_line(line)) == content:
                outcome.unchanged += 1
                continue
            self._stage(record, content, old)

    def _stage(self, record: str, content: list[str], old: list[str]) -> None:
        (self.outcome.changed if old else self.outcome.new).append(record)
        version = None
        if not old:
            self._past = self.cat.last_versions() if self._past is None else self._past
            version = self._past.get(record, 0)
        self.cat.stage(self.change, record, content, user=self.editor, action=self.action, old=old, version=version,
                       state=self.initial if record in self.entries else None, source=self.source)

    def department_removals(self, code: str, records: set[str], file: str) -> None:
        """`--replace-department`: the department's stored records missing from the file are deleted."""
        dept = self.cat.resolve(code)
        if dept is None:
            raise LoadError(file, f"库中没有统一社会信用代码为 {code} 的部门", f"the store holds no department {code}")
        for row in self.cat.graph.select(query("department_records"), {"dept": iri(dept)}):
            record = row["record"].value
            if record not in records and record not in self.outcome.removed:
                self.outcome.removed.append(record)
                self.cat.stage(self.change, record, None, user=self.editor, action="delete", source=self.source)


class Context(NamedTuple):
    """The validation graph of an incoming file in the context of the store."""
    graph: Graph
    owner: dict[str, str]        # subject of the file -> the record it belongs to
    orphans: list[str]           # subjects that belong to no record
    classes: dict[str, str]      # typed subject -> its class (a record's class before any other)


def context_graph(cat: Catalogue, loaded: Loaded, graph: Graph | None = None) -> Context:
    """The validation graph for `loaded` in the context of `cat`, with the record each subject belongs to."""
    if graph is None:
        graph = Graph()
        load_schema(graph)
        try:
            graph.load_into(loaded.ntriples, loaded.rdf_format, INCOMING)
        except RdfSyntaxError as exc:
            raise LoadError(loaded.file, f"RDF 语法错误：{exc}", f"RDF syntax error: {exc}") from exc
    incoming = {"incoming": iri(INCOMING)}
    classes: dict[str, str] = {}
    for row in graph.select(query("incoming_classes"), incoming):
        s, cls = row["s"].value, row["class"].value
        if classes.get(s) not in RECORD_CLASSES and (cls in RECORD_CLASSES or s not in classes or cls == ITEM):
            classes[s] = cls
    owner = {s: s for s, cls in classes.items() if cls in RECORD_CLASSES}
    for row in graph.select(query("incoming_items"), incoming):
        s = row["s"].value
        if classes.get(s) == ITEM:
            owner[s] = row["entry"].value
    orphans = [s for s in classes if s not in owner]
    orphans += [row["s"].value for row in graph.select(query("incoming_untyped"), incoming)]
    records = set(owner.values())
    wanted: set[str] = set()
    names: set[str] = set()
    for row in graph.select(query("incoming_references"), incoming):
        if row["ref"] is not None:
            wanted.add(row["ref"].value)
        if row["name"] is not None:
            names.add(row["name"].value)
    for name in names:
        wanted |= cat.graph.graphs_with(SKOS + "prefLabel", Term("literal", name, "http://www.w3.org/2001/XMLSchema#string"))
    fetched: set[str] = set()
    todo = [w for w in wanted if w not in records]
    while todo:
        record = todo.pop()
        if record in fetched or record in records or not cat.exists(record):
            continue
        fetched.add(record)
        lines = cat.graph.graph_ntriples(record)
        graph.load_into(lines, "nt", CONTEXT)
        for _s, p, o in cat.graph.triples_about(record, record):   # department parent chains (D03)
            if p.value == ORG + "subOrganizationOf" and o.is_iri:
                todo.append(o.value)
    return Context(graph, owner, orphans, classes)


def _group(lines: Iterable[bytes], owner: dict[str, str]) -> dict[str, list[bytes]]:
    """N-Triples lines of the file grouped by the record they belong to (kept as UTF-8 bytes, which
    take half the memory of str for Chinese text)."""
    record_of = {subject.encode("utf-8"): record for subject, record in owner.items()}
    groups: dict[str, list[bytes]] = defaultdict(list)
    for line in lines:
        line = line.rstrip(b"\n")
        if line:
            groups[record_of[line[1:line.index(b">")]]].append(line)
    return groups


def record_sheets() -> dict[str, str]:
    return {s.target: s.name for s in sheets().values()}
