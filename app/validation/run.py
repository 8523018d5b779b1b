"""Validate a loaded file: its records, together with the ontology and code lists, against the shapes."""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from govcat.loaders import LoadError, Loaded, load_path

from ..schema import RECORD_SEGMENTS, concept_labels, sheets
from ..store import Graph, RdfSyntaxError, parse_objects
from ..terms import Term
from .engine import SEVERITY_ORDER, Finding, default_checks, load_schema, run_checks
from .literals import RawValues


@dataclass(frozen=True)
class Result:
    """One finding, placed in the template: sheet, row and column."""
    rule: str
    severity: str
    sheet: str | None
    row: int | None
    column: str | None
    focus: str
    path: str | None
    value: str | None        # the offending value (lexical form or IRI)
    shown: str | None        # the same value as the editor wrote it (code, label)
    messages: dict
    shape: str
    component: str
    finding: Finding = field(compare=False, repr=False)

    def as_json(self, lang: str) -> dict:
        return {"rule": self.rule, "severity": self.severity, "sheet": self.sheet, "row": self.row,
                "focus": self.focus, "path": self.path, "value": self.value,
                "message": self.messages.get(lang) or self.messages.get("zh")}


@dataclass
class Report:
    file: str
    results: list[Result]
    counts: dict[str, int] = field(default_factory=dict)   # records per sheet

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def by_severity(self) -> dict[str, int]:
        totals = {s: 0 for s in SEVERITY_ORDER}
        for r in self.results:
            totals[r.severity] += 1
        return totals


def validate_path(path: Path) -> Report:
    """Read and validate a file; raises LoadError when it cannot be read."""
    loaded, graph = read_into_graph(path)
    return validate_loaded(loaded, graph)


def read_into_graph(path: Path, graph_name: str | None = None) -> tuple[Loaded, Graph]:
    """Read `path` into a new in-memory graph holding the ontology and code lists too (the file's
    triples in the named graph `graph_name` if given). Tabular files are converted and parsed at the
    same time: the parser runs in a second thread (Oxigraph releases the GIL while it parses)."""
    graph = Graph()
    load_schema(graph)
    chunks: queue.Queue = queue.Queue(maxsize=4)
    failure: list[BaseException] = []

    def parse() -> None:
        while (chunk := chunks.get()) is not None:
            if not failure:
                try:
                    _load(graph, chunk, "nt", graph_name)
                except BaseException as exc:     # reported in the calling thread
                    failure.append(exc)

    worker = threading.Thread(target=parse, daemon=True)
    worker.start()
    try:
        loaded = load_path(path, sink=chunks.put)
    finally:
        chunks.put(None)
        worker.join()
    if failure:
        raise failure[0]
    if not loaded.streamed:
        try:
            _load(graph, loaded.ntriples, loaded.rdf_format, graph_name)
        except RdfSyntaxError as exc:
            raise LoadError(loaded.file, f"RDF 语法错误：{exc}", f"RDF syntax error: {exc}") from exc
    return loaded, graph


def _load(graph: Graph, data: str, fmt: str, graph_name: str | None) -> None:
    if graph_name:
        graph.load_into(data, fmt, graph_name)
    else:
        graph.load(data, fmt)


def data_graph(loaded: Loaded) -> Graph:
    """The validation graph of an already read (not streamed) file."""
    graph = Graph()
    load_schema(graph)
    try:
        graph.load(loaded.ntriples, loaded.rdf_format)
    except RdfSyntaxError as exc:
        raise LoadError(loaded.file, f"RDF 语法错误：{exc}", f"RDF syntax error: {exc}") from exc
    return graph


def validate_loaded(loaded: Loaded, graph: Graph | None = None, classes: set[str] | None = None) -> Report:
    graph = graph if graph is not None else data_graph(loaded)
    single = {(s.target, c.path) for s in sheets().values() for c in s.columns if not c.separator} \
        if loaded.tabular else frozenset()
    findings = run_checks(graph, classes=classes, single_valued=single, raw=raw_values(loaded))
    return Report(loaded.file, place(findings, loaded.sources), dict(loaded.counts))


def raw_values(loaded: Loaded) -> RawValues | None:
    """For RDF input, the objects of the sh:datatype paths as the file wrote them (None for the template's
    sheets, whose loaders write canonical literals, and for streamed input, which is not kept)."""
    if loaded.tabular or loaded.streamed or not loaded.ntriples:
        return None
    paths = {c.path for c in default_checks() if c.datatype}
    try:
        return RawValues(parse_objects(loaded.ntriples, loaded.rdf_format, paths))
    except RdfSyntaxError as exc:
        raise LoadError(loaded.file, f"RDF 语法错误：{exc}", f"RDF syntax error: {exc}") from exc


def place(findings: list[Finding], sources: dict[str, tuple[str, int]]) -> list[Result]:
    """Attach sheet, row and column to findings, sorted as an editor reads them."""
    sheet_of_class = {s.target: s.name for s in sheets().values()}
    columns = {(s.name, c.path): c.header for s in sheets().values() for c in s.columns}
    prefs = concept_labels()
    results = []
    unique = {(f.key(), f.shape, f.component): f for f in findings}
    for f in unique.values():
        sheet, row = sources.get(f.focus.value, (sheet_of_class.get(f.target_class), None))
        value = f.value.value if f.value is not None else None
        results.append(Result(f.rule, f.severity, sheet, row, columns.get((sheet, f.path)), f.focus.value,
                              f.path, value, shown_value(f.value, prefs), f.messages, f.shape,
                              f.component, f))
    results.sort(key=lambda r: (_sheet_rank(r.sheet), r.row or 0, SEVERITY_ORDER[r.severity], r.rule,
                                r.column or "", r.value or ""))
    return results


def _sheet_rank(sheet: str | None) -> int:
    names = list(sheets())
    return names.index(sheet) if sheet in names else len(names)


def shown_value(value: Term | None, labels: dict[str, str]) -> str | None:
    """A value as the editor wrote it: a concept by its label, a record by its code."""
    if value is None:
        return None
    if value.is_iri:
        if value.value in labels:
            return labels[value.value]
        for segment in RECORD_SEGMENTS.values():
            marker = f"/{segment}/"
            if marker in value.value:
                return unquote(value.value.split(marker, 1)[1].split("#", 1)[0])
    return value.value
