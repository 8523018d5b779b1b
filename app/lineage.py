"""Lineage (GUIDE §5): where the data of a system or an entry come from and where they go, to any depth.

The graph walked, edges in the direction the data move:
- `flow`: source system → target system, one per data flow (数据流), with the entry it carries (`resource`)
  and the flow's code (`flow`);
- `source`: system → entry, for each 来源信息系统 of the entry (the entry's data come from the system);
- `derivation`: entry → entry, for `prov:wasDerivedFrom` (the derived entry is downstream). No template
  column produces it; RDF input and SPARQL Update can;
- `owner`: department → system or entry (所属部门 / 提供方), attached to every node found; departments are
  never walked through (that would join everything a department owns).

Downstream of a system: the flows out of it and the entries it produces; of an entry: the flows that carry
it (the edge runs from the flow's source system, which is added as a node) and the entries derived from it.
Upstream of a system: the flows into it; of an entry: its source systems and the entries it derives from.
`both` is the union of the up and the down walk (not a walk in both directions at each step, which would
reach the whole connected part of the catalogue).

An iterative breadth-first walk: one bound query per node (lineage_down_step / lineage_up_step, one triple
pattern per branch so that Oxigraph starts from the node), then each record's own triples from its graph.
Each node is expanded once (cycle-safe); `depth` counts flow, source and derivation edges from the start
(None: no limit); `max_nodes` stops a walk that grows past it (the answer says it was truncated).
No HTTP here: `govcat.web.lineage_api` serves it."""
from __future__ import annotations

from dataclasses import dataclass, field

from .namespaces import DCT, GC, RDF_TYPE, SKOS
from .queries import query
from .store import Graph
from .terms import Term, iri

SYSTEM, ENTRY, DEPARTMENT, FLOW = GC + "InformationSystem", GC + "InformationResource", GC + "Department", GC + "DataFlow"
KINDS = {SYSTEM: "system", ENTRY: "entry", DEPARTMENT: "department"}
DIRECTIONS = ("up", "down", "both")


@dataclass(frozen=True)
class Node:
    id: str
    type: str          # system, entry or department
    code: str | None
    label: str | None

    def as_json(self) -> dict:
        return {"id": self.id, "type": self.type, "code": self.code, "label": self.label}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    type: str                  # flow, source, derivation or owner
    resource: str | None = None   # the entry a flow carries (its code)
    flow: str | None = None       # the flow's code

    def as_json(self) -> dict:
        return {"source": self.source, "target": self.target, "type": self.type, "resource": self.resource,
                "flow": self.flow}


@dataclass
class Lineage:
    start: Node
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple, Edge] = field(default_factory=dict)
    truncated: bool = False

    def as_json(self) -> dict:
        return {"start": self.start.id, "nodes": [n.as_json() for n in self.nodes.values()],
                "edges": [e.as_json() for e in self.edges.values()], "truncated": self.truncated}


@dataclass
class _Record:
    """What the walk needs of one record's graph."""
    types: set[str]
    values: dict[str, list[Term]]

    def first(self, predicate: str) -> str | None:
        found = self.values.get(predicate)
        return found[0].value if found else None

    def all(self, predicate: str) -> list[str]:
        return [t.value for t in self.values.get(predicate, ()) if t.is_iri]


class _Walk:
    def __init__(self, graph: Graph, max_nodes: int):
        self.graph, self.max_nodes = graph, max_nodes
        self.records: dict[str, _Record | None] = {}

    def record(self, subject: str) -> _Record | None:
        if subject not in self.records:
            triples = self.graph.triples_about(subject, subject)
            if not triples:
                self.records[subject] = None
            else:
                values: dict[str, list[Term]] = {}
                for _s, p, o in triples:
                    values.setdefault(p.value, []).append(o)
                self.records[subject] = _Record({t.value for t in values.get(RDF_TYPE, ())}, values)
        return self.records[subject]

    def node(self, subject: str) -> Node | None:
        found = self.record(subject)
        if found is None:
            return None
        kind = next((KINDS[t] for t in (SYSTEM, ENTRY, DEPARTMENT) if t in found.types), None)
        if kind is None:
            return None
        if kind == "department":
            labels = found.values.get(SKOS + "prefLabel", [])
            label = next((t.value for t in labels if t.language in (None, "zh")), labels[0].value if labels else None)
            return Node(subject, kind, found.first(GC + "uscc"), label)
        return Node(subject, kind, found.first(DCT + "identifier"), found.first(DCT + "title"))

    def owner(self, node: Node) -> str | None:
        found = self.record(node.id)
        return found.first(GC + "ownerDepartment" if node.type == "system" else DCT + "publisher")

    def code(self, subject: str | None) -> str | None:
        found = self.record(subject) if subject else None
        return found.first(DCT + "identifier") if found else None

    def steps(self, node: Node, direction: str) -> list[tuple[Edge, str]]:
        """(edge, next node) for each edge leaving `node` in `direction` (down: out-edges, up: in-edges)."""
        rows = self.graph.select(query(f"lineage_{direction}_step"), {"node": iri(node.id)})
        found: list[tuple[Edge, str]] = []
        for row in rows:
            link, other = row["link"].value, row["record"].value
            record = self.record(other)
            if record is None:
                continue
            if FLOW in record.types and link in ("source", "target", "resource"):
                found += self._flow(other, record, node, direction, link)
            elif ENTRY in record.types and link == "source" and direction == "down":
                found.append((Edge(node.id, other, "source"), other))          # the system produces the entry
            elif SYSTEM in record.types and link == "source" and direction == "up":
                found.append((Edge(other, node.id, "source"), other))          # the entry comes from the system
            elif ENTRY in record.types and link == "derivation":
                edge = Edge(node.id, other, "derivation") if direction == "down" else Edge(other, node.id, "derivation")
                found.append((edge, other))
        return found

    def _flow(self, flow: str, record: _Record, node: Node, direction: str, link: str) -> list[tuple[Edge, str]]:
        sources, targets = record.all(GC + "sourceSystem"), record.all(GC + "targetSystem")
        resource = record.first(GC + "resource")
        carried, code = self.code(resource), record.first(DCT + "identifier")
        if link == "resource":        # down from an entry: where the flows carrying it go
            return [(Edge(s, t, "flow", carried, code), t) for s in sources for t in targets]
        if direction == "down":       # the flow leaves the system
            return [(Edge(node.id, t, "flow", carried, code), t) for t in targets]
        return [(Edge(s, node.id, "flow", carried, code), s) for s in sources]


def lineage(graph: Graph, start: str, direction: str = "both", depth: int | None = None,
            max_nodes: int = 10000) -> Lineage:
    """The lineage of the system or entry `start` (an IRI). Raises ValueError for a bad direction or depth,
    LookupError when `start` is no system or entry."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
    if depth is not None and depth < 0:
        raise ValueError("depth must be 0 or more")
    walk = _Walk(graph, max_nodes)
    first = walk.node(start)
    if first is None or first.type not in ("system", "entry"):
        raise LookupError(start)
    result = Lineage(first, {first.id: first})
    for way in (("up", "down") if direction == "both" else (direction,)):
        _bfs(walk, result, first, way, depth)
    for node in list(result.nodes.values()):
        if node.type == "department":
            continue
        dept = walk.owner(node)
        dept_node = walk.node(dept) if dept else None
        if dept_node is not None:
            result.nodes.setdefault(dept_node.id, dept_node)
            _add(result.edges, Edge(dept_node.id, node.id, "owner"))
    return result


def _bfs(walk: _Walk, result: Lineage, first: Node, direction: str, depth: int | None) -> None:
    seen, frontier, level = {first.id}, [first], 0
    while frontier and (depth is None or level < depth):
        following: list[Node] = []
        for node in frontier:
            for edge, other in walk.steps(node, direction):
                for end in (edge.source, edge.target):    # a flow carrying an entry brings its source system
                    if end not in result.nodes:
                        found = walk.node(end)
                        if found is None:
                            continue
                        if len(result.nodes) >= walk.max_nodes:
                            result.truncated = True
                            return
                        result.nodes[end] = found
                if edge.source in result.nodes and edge.target in result.nodes:
                    _add(result.edges, edge)
                if other not in seen and other in result.nodes:
                    seen.add(other)
                    following.append(result.nodes[other])
        frontier, level = following, level + 1


def _add(edges: dict[tuple, Edge], edge: Edge) -> None:
    edges.setdefault((edge.source, edge.target, edge.type, edge.resource, edge.flow), edge)


__all__ = ["DIRECTIONS", "Edge", "Lineage", "Node", "lineage"]
