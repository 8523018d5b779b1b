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

    def __len__(self) -> int:
        return len(self._store)

    # -- loading -------------------------------------------------------------------------
    def load(self, data: bytes | str, fmt: str, base_iri: str | None = None) -> None:
        try:
            self._store.load(data, format=_format(fmt), base_iri=base_iri)
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
