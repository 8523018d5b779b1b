"""The only module that talks to pyoxigraph.

`Graph` wraps an Oxigraph store (in memory for validation, on disk for the
catalogue) and speaks in `govcat.terms.Term` values, so that nothing else in
govcat depends on the backend. Values reach SPARQL only through bound
substitutions.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from .terms import Term

_FORMATS = {
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
    "ttl": ox.RdfFormat.TURTLE,
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
}

EXTENSION_FORMATS = {".nt": "nt", ".nq": "nq", ".ttl": "ttl", ".trig": "trig",
                     ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "rdf", ".owl": "rdf"}


class RdfSyntaxError(ValueError):
    """Input that is not valid RDF in the declared format."""


def _format(name: str) -> ox.RdfFormat:
    try:
        return _FORMATS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown RDF format {name!r}") from None


def to_term(node) -> Term | None:
    if node is None:
        return None
    if isinstance(node, ox.NamedNode):
        return Term("iri", node.value)
    if isinstance(node, ox.Literal):
        if node.language:
            return Term("literal", node.value, None, node.language)
        return Term("literal", node.value, node.datatype.value)
    if isinstance(node, ox.BlankNode):
        return Term("bnode", node.value)
    raise TypeError(f"unsupported RDF term {node!r}")


def from_term(term: Term):
    if term.kind == "iri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.language:
        return ox.Literal(term.value, language=term.language)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype) if term.datatype else None)


def _substitutions(bindings: Mapping[str, Term] | None):
    if not bindings:
        return None
    return {ox.Variable(name): from_term(value) for name, value in bindings.items()}


class Graph:
    """An RDF dataset queried through SPARQL; the default graph is the union of all graphs."""

    def __init__(self, path: Path | None = None):
        self._store = ox.Store(str(path)) if path is not None else ox.Store()
        self.path = path

    def __len__(self) -> int:
        return len(self._store)

    # -- loading -------------------------------------------------------------------------
    def load(self, data: bytes | str, fmt: str, base_iri: str | None = None) -> None:
        try:
            self._store.load(data, format=_format(fmt), base_iri=base_iri)
        except SyntaxError as exc:
            raise RdfSyntaxError(str(exc)) from None

    def load_into(self, data: bytes | str, fmt: str, graph: str) -> None:
        """Parse triples into the named graph `graph`."""
        try:
            self._store.load(data, format=_format(fmt), to_graph=ox.NamedNode(graph))
        except SyntaxError as exc:
            raise RdfSyntaxError(str(exc)) from None

    def bulk_load_file(self, path: Path, fmt: str = "nq") -> None:
        """Fast load of a large file (atomic: all of it or nothing)."""
        try:
            self._store.bulk_load(path=str(path), format=_format(fmt))
        except SyntaxError as exc:
            raise RdfSyntaxError(str(exc)) from None

    def load_file(self, path: Path, fmt: str | None = None, base_iri: str | None = None) -> None:
        fmt = fmt or EXTENSION_FORMATS.get(Path(path).suffix.lower())
        if fmt is None:
            raise ValueError(f"cannot tell the RDF format of {path}")
        try:
            self._store.load(path=str(path), format=_format(fmt), base_iri=base_iri)
        except SyntaxError as exc:
            raise RdfSyntaxError(str(exc)) from None

    def add(self, triples: Iterable[tuple[Term, Term, Term]]) -> None:
        self._store.extend(ox.Quad(from_term(s), from_term(p), from_term(o)) for s, p, o in triples)

    def clear_graphs(self, graphs: Iterable[str]) -> None:
        for graph in graphs:
            self._store.remove_graph(ox.NamedNode(graph))

    def remove_quads(self, quads: Iterable[tuple[Term, Term, Term, str]]) -> None:
        for s, p, o, g in quads:
            self._store.remove(ox.Quad(from_term(s), from_term(p), from_term(o), ox.NamedNode(g)))

    def all_quads(self) -> list[tuple[Term, Term, Term, str]]:
        """Every quad in a named graph (small stores only: scratch graphs, tests)."""
        return [(to_term(q.subject), to_term(q.predicate), to_term(q.object), q.graph_name.value)
                for q in self._store if isinstance(q.graph_name, ox.NamedNode)]

    def flush(self) -> None:
        self._store.flush()

    def has_graph(self, graph: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def graph_ntriples(self, graph: str) -> str:
        """The triples of one named graph as canonical N-Triples (one per line)."""
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)).decode("utf-8")

    def dump_dataset(self, fmt: str = "nq", output: Path | None = None) -> bytes | None:
        """Every quad (N-Quads or TriG), to `output` or returned."""
        if output is not None:
            self._store.dump(str(output), format=_format(fmt))
            return None
        return self._store.dump(format=_format(fmt))

    def triples_about(self, subject: str, graph: str | None = None) -> list[tuple[Term, Term, Term]]:
        g = ox.NamedNode(graph) if graph else None
        return [(to_term(q.subject), to_term(q.predicate), to_term(q.object))
                for q in self._store.quads_for_pattern(ox.NamedNode(subject), None, None, g)]

    def graphs_with_object(self, obj: Term) -> set[str]:
        """Named graphs holding a triple whose object is `obj`."""
        return {q.graph_name.value for q in self._store.quads_for_pattern(None, None, from_term(obj), None)
                if isinstance(q.graph_name, ox.NamedNode)}

    def graphs_with(self, predicate: str, obj: Term) -> set[str]:
        return {q.graph_name.value
                for q in self._store.quads_for_pattern(None, ox.NamedNode(predicate), from_term(obj), None)
                if isinstance(q.graph_name, ox.NamedNode)}

    # -- querying ------------------------------------------------------------------------
    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[dict[str, Term | None]]:
        """Run a SELECT query; each row maps variable name to Term (or None when unbound)."""
        results = self._store.query(query, substitutions=_substitutions(bindings),
                                    use_default_graph_as_union=True)
        names = [v.value for v in results.variables]
        return [{n: to_term(row[i]) for i, n in enumerate(names)} for row in results]

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        return bool(self._store.query(query, substitutions=_substitutions(bindings),
                                      use_default_graph_as_union=True))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[tuple[Term, Term, Term]]:
        results = self._store.query(query, substitutions=_substitutions(bindings),
                                    use_default_graph_as_union=True)
        return [(to_term(t.subject), to_term(t.predicate), to_term(t.object)) for t in results]

    def query_raw(self, query: str, result_format: str) -> tuple[str, bytes]:
        """Any SPARQL query, its results serialized: (kind, bytes) with kind 'solutions', 'boolean' or 'graph'.

        `result_format`: json, csv, tsv, xml for SELECT/ASK; turtle, ntriples for CONSTRUCT/DESCRIBE."""
        results = self._store.query(query, use_default_graph_as_union=True)
        if isinstance(results, ox.QueryTriples):
            fmt = _format({"json": "ttl", "csv": "ttl", "tsv": "ttl", "xml": "rdf"}.get(result_format, result_format))
            return "graph", results.serialize(format=fmt)
        fmt = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
               "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}.get(result_format)
        if fmt is None:
            raise ValueError(f"{result_format} is no format for solutions or booleans")
        kind = "boolean" if isinstance(results, ox.QueryBoolean) else "solutions"
        return kind, results.serialize(format=fmt)

    def serialize(self, fmt: str = "ttl", prefixes: Mapping[str, str] | None = None) -> bytes:
        rdf_format = _format(fmt)
        if rdf_format.supports_datasets:
            return self._store.dump(format=rdf_format)
        return self._store.dump(format=rdf_format, from_graph=ox.DefaultGraph(),
                                prefixes=dict(prefixes or {}))


def serialize_triples(triples: Iterable[tuple[Term, Term, Term]], fmt: str = "ttl",
                      prefixes: Mapping[str, str] | None = None) -> bytes:
    """Serialize triples without a store (reports, exports)."""
    return ox.serialize((ox.Triple(from_term(s), from_term(p), from_term(o)) for s, p, o in triples),
                        format=_format(fmt), prefixes=dict(prefixes or {}))
