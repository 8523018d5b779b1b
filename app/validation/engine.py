"""Run compiled SHACL checks over a data graph and collect findings."""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..namespaces import SH, sparql_prologue
from ..paths import ONTOLOGY_DIR, SHAPES_DIR
from ..queries import query
from ..store import Graph
from ..terms import Term
from .compiler import Check, compile_shapes
from .literals import RawValues

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
SMALL_GRAPH = 50_000   # triples
_CLASS_SLOT = re.compile(r"\{classes <([^>]+)>\}")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    focus: Term
    path: str | None
    value: Term | None
    shape: str
    component: str
    messages: dict
    target_class: str = ""

    def key(self) -> tuple:
        """What identifies a finding across engines (used to compare with pySHACL)."""
        return (self.rule, self.severity, self.focus.value, self.path,
                self.value.n3() if self.value is not None else None)


def schema_files() -> list[Path]:
    """The ontology and code lists, which data graphs are validated together with."""
    return sorted(ONTOLOGY_DIR.glob("*.ttl"))


def shape_files() -> list[Path]:
    return sorted(SHAPES_DIR.glob("*.ttl"))


@lru_cache(maxsize=1)
def _schema_ntriples() -> str:
    graph = Graph()
    for path in schema_files():
        graph.load_file(path)
    return graph.serialize("nt").decode("utf-8")


def load_schema(graph: Graph) -> None:
    """Add the ontology and code lists (parsed once per process, then loaded as N-Triples)."""
    graph.load(_schema_ntriples(), "nt")


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    graph = Graph()
    for path in shape_files() + schema_files():
        graph.load_file(path)
    return graph


@lru_cache(maxsize=1)
def default_checks() -> tuple[Check, ...]:
    return tuple(compile_shapes(shapes_graph()))


def _subclasses(graph: Graph, cls: str) -> str:
    rows = graph.select(sparql_prologue() + "SELECT DISTINCT ?cls ?c WHERE { ?c rdfs:subClassOf* ?cls }",
                        {"cls": Term("iri", cls)})
    classes = {r["c"].value for r in rows if r["c"].is_iri} | {cls}
    return " ".join(f"<{c}>" for c in sorted(classes))


def run_checks(graph: Graph, checks: tuple[Check, ...] | None = None,
               workers: int | None = None, classes: set[str] | None = None,
               single_valued: set[tuple[str, str]] = frozenset(), raw: RawValues | None = None) -> list[Finding]:
    """Every finding of `checks` (default: the project's shapes) on `graph`; with `classes`, only the
    checks that target one of them (findings about other records are not wanted). `single_valued`
    lists (target class, path) pairs that the input cannot hold twice (one spreadsheet cell): their
    sh:maxCount 1 checks cannot fail and are not run. `raw`: the literals as the input wrote them; the
    sh:datatype checks of IRI focus nodes then look at those (govcat.validation.literals)."""
    checks = default_checks() if checks is None else checks
    if classes is not None:
        checks = tuple(c for c in checks if c.target_class in classes)
    if single_valued:
        checks = tuple(c for c in checks if not (c.component == SH + "MaxCountConstraintComponent"
                                                 and c.max_count == 1 and (c.target_class, c.path) in single_valued))
    wanted = {c.target_class for c in checks} | {m for c in checks for m in _CLASS_SLOT.findall(c.query)}
    closures = {cls: _subclasses(graph, cls) for cls in wanted}
    targets = {cls: closures[cls] for cls in {c.target_class for c in checks}}

    def run(check: Check) -> list[Finding]:
        query = _CLASS_SLOT.sub(lambda m: closures[m.group(1)], check.query)
        rows = graph.select(query.replace("{targets}", targets[check.target_class]))
        found = []
        if raw is not None and check.datatype:
            focus = graph.select(check.focus_query().replace("{targets}", targets[check.target_class]))
            found = [Finding(check.rule, check.severity, node, check.path, value, check.shape, check.component,
                             check.messages, check.target_class)
                     for node, value in raw.offending([r["this"] for r in focus], check.path, check.datatype)]
            rows = [row for row in rows if not row["this"].is_iri]     # blank focus nodes: the store's view
        for row in rows:
            value = row.get("value")
            if value is None and check.node_shape:
                value = row["this"]
            path = row["path"].value if row.get("path") is not None else check.path
            found.append(Finding(check.rule, check.severity, row["this"], path, value,
                                 check.shape, check.component, check.messages, check.target_class))
        return found

    if workers is None:   # threads pay off once queries take longer than handing them over
        workers = min(4, os.cpu_count() or 1) if graph.holds_at_least(SMALL_GRAPH) else 1
    if workers == 1:
        return [f for check in checks for f in run(check)]
    order = _longest_first(graph, checks)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = dict(zip(order, pool.map(lambda i: run(checks[i]), order)))
    return [f for i in range(len(checks)) for f in batches[i]]   # findings in the checks' own order


def _longest_first(graph: Graph, checks: tuple[Check, ...]) -> list[int]:
    """Positions of the checks, the (probably) slowest first, so that no long check is left running alone at the end
    while the other threads idle: cost ~ instances of the target class, SPARQL-based checks (joins) ×4."""
    sizes = {r["class"].value: int(r["n"].value) for r in graph.select(query("class_sizes")) if r["class"].is_iri}

    def cost(i: int) -> int:
        check = checks[i]
        return sizes.get(check.target_class, 0) * (4 if check.component == SH + "SPARQLConstraintComponent" else 1)
    return sorted(range(len(checks)), key=cost, reverse=True)
