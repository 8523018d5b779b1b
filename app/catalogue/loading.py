"""`govcat load`: validate a file in the context of the store, then write all of it or nothing.

Validation graph = ontology + code lists + the file + the stored records the file depends on (those it
refers to, the parent chains of departments, departments it names), minus the stored versions of the
records the file replaces. Only findings about the file's own records are reported."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from govcat.loaders import LoadError, Loaded, base_iri

from ..namespaces import GC, ORG, SKOS
from ..queries import query
from ..schema import sheets
from ..store import Graph, RdfSyntaxError
from ..terms import Term, iri
from ..validation.engine import load_schema
from ..validation.run import Report, read_into_graph, validate_loaded
from .journal import ChangeSet
from .repository import GRAPHS, Catalogue, is_admin_line, user_iri

INCOMING, CONTEXT = GRAPHS + "incoming", GRAPHS + "context"
WORKFLOW = "https://w3id.org/govcat/code/workflow-state/"
DRAFT, SUBMITTED, PUBLISHED, RETURNED, WITHDRAWN = (WORKFLOW + str(n) for n in range(1, 6))
ENTRY = GC + "InformationResource"

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
    graph, owner, orphans = context_graph(cat, loaded, graph_slot.pop() if graph_slot else None)
    classes = _classes(graph)
    report = validate_loaded(loaded, graph, classes=set(classes.values()) | {GC + "DataItem"})
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
    if not loaded.streamed and len(loaded.ntriples) < SMALL_WRITE:    # an edit: canonical triples in memory
        incoming = _group(graph.graph_ntriples(INCOMING).encode("utf-8").splitlines(), owner)
        del graph
    else:
        spill = cat.folder / "incoming.nt.tmp"     # the file's triples, canonical, without a copy in memory
        graph.dump_graph_to(INCOMING, spill)
        del graph                   # the validation graph is no longer needed: free it before writing
        try:
            with open(spill, "rb") as lines:
                incoming = _group(lines, owner)
        finally:
            spill.unlink(missing_ok=True)
    editor = user_iri(base_iri(), user)
    change = ChangeSet()
    entry_records = {s for s, cls in classes.items() if cls == ENTRY}
    source = Path(loaded.file).name
    past: dict[str, int] | None = None      # versions of records without a graph (new or deleted), fetched once
    records = set(incoming)
    while incoming:                 # popped, so that each record's lines are freed once staged
        record, lines = incoming.popitem()
        content = sorted({line.decode("utf-8") for line in lines})
        del lines
        old = cat.record_lines(record)
        if old and sorted(line for line in old if not is_admin_line(line)) == content:
            outcome.unchanged += 1
            continue
        (outcome.changed if old else outcome.new).append(record)
        version = None
        if not old:
            past = cat.last_versions() if past is None else past
            version = past.get(record, 0)
        state = (PUBLISHED if publish else DRAFT) if record in entry_records else None
        cat.stage(change, record, content, user=editor, action="publish" if publish else action, state=state,
                  source=source, old=old, version=version)
    if replace_department:
        dept = cat.resolve(replace_department)
        if dept is None:
            raise LoadError(loaded.file, f"库中没有统一社会信用代码为 {replace_department} 的部门",
                            f"the store holds no department {replace_department}")
        for row in cat.graph.select(query("department_records"), {"dept": iri(dept)}):
            record = row["record"].value
            if record not in records and record not in outcome.removed:
                outcome.removed.append(record)
                cat.stage(change, record, None, user=editor, action="delete", source=source)
    if not dry_run and change:
        progress("写入 / writing")
        cat.commit(change)
        outcome.written = True
    return outcome


def context_graph(cat: Catalogue, loaded: Loaded, graph: Graph | None = None) -> tuple[Graph, dict[str, str], list[str]]:
    """The validation graph for `loaded` in the context of `cat`, subject -> record of the file, and the
    subjects that belong to no record."""
    if graph is None:
        graph = Graph()
        load_schema(graph)
        try:
            graph.load_into(loaded.ntriples, loaded.rdf_format, INCOMING)
        except RdfSyntaxError as exc:
            raise LoadError(loaded.file, f"RDF 语法错误：{exc}", f"RDF syntax error: {exc}") from exc
    owner: dict[str, str] = {}
    orphans = []
    for row in graph.select(query("incoming_records"), {"incoming": iri(INCOMING)}):
        if row["record"] is None:
            orphans.append(row["s"].value)
        else:
            owner[row["s"].value] = row["record"].value
    records = set(owner.values())
    wanted: set[str] = set()
    names: set[str] = set()
    for row in graph.select(query("incoming_references"), {"incoming": iri(INCOMING)}):
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
    return graph, owner, orphans


def _classes(graph: Graph) -> dict[str, str]:
    rows = graph.select("SELECT ?g ?s ?c WHERE { GRAPH ?g { ?s a ?c } }", {"g": iri(INCOMING)})
    return {r["s"].value: r["c"].value for r in rows}


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
