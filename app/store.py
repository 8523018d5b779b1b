"""The only module that talks to pyoxigraph.

`Graph` wraps an Oxigraph store (in memory for validation, on disk for the
catalogue) and speaks in `govcat.terms.Term` values, so that nothing else in
govcat depends on the backend. Values reach SPARQL only through bound
substitutions.
"""
from __future__ import annotations

import functools
import itertools

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
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
    """An RDF format by short name (`ttl`, `nt` …) or media type (`text/turtle`)."""
    try:
        return _FORMATS[name.lower()]
    except KeyError:
        found = ox.RdfFormat.from_media_type(name) if "/" in name else None
        if found is None:
            raise ValueError(f"unknown RDF format {name!r}") from None
        return found


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


def parse_objects(data: bytes | str, fmt: str, predicates: set[str]) -> Iterable[tuple[str, str, Term]]:
    """(subject IRI, predicate, object) of the triples of `data` whose predicate is one of `predicates`, the
    objects exactly as written: no store in between, so a literal keeps its datatype and lexical form
    ("5"^^xsd:int stays xsd:int; a store would hold the xsd:integer 5). Triples about blank nodes are left out."""
    try:
        for triple in ox.parse(data.encode("utf-8") if isinstance(data, str) else data, format=_format(fmt)):
            if triple.predicate.value in predicates and isinstance(triple.subject, ox.NamedNode):
                yield triple.subject.value, triple.predicate.value, to_term(triple.object)
    except SyntaxError as exc:
        raise RdfSyntaxError(str(exc)) from exc


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

    @classmethod
    def read_only(cls, path: Path) -> "Graph":
        """Open an on-disk store for reading only. Only for a store no process writes, e.g. a `backup`."""
        graph = cls.__new__(cls)
        graph._store, graph.path = ox.Store.read_only(str(path)), Path(path)
        return graph

    def backup(self, target: Path) -> None:
        """A consistent checkpoint of this on-disk store in the new folder `target` (hard links where it can)."""
        self._store.backup(str(target))

    def __len__(self) -> int:
        """Every quad counted: linear in the store's size (about 1 s for 5 M quads)."""
        return len(self._store)

    def holds_at_least(self, n: int) -> bool:
        """Whether the store has n quads or more, reading no more than n of them."""
        return sum(1 for _ in itertools.islice(self._store.quads_for_pattern(None, None, None, None), n)) >= n

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

    def bulk_load_file(self, path: Path, fmt: str = "nq", chunk_lines: int | None = None) -> None:
        """Fast load of a large file (atomic: all of it or nothing). With `chunk_lines` (N-Triples and N-Quads
        only, whose statements are lines), the file is loaded in parts of that many lines, each a bulk load of its
        own: Oxigraph's bulk loader holds a whole input in memory while it sorts it (1.1 GiB for 1.3 M quads against
        0.7 GiB in parts of 500,000, measured), so parts bound the memory. Each part is atomic, not the whole:
        the caller makes it so (the journal applies a change again after a crash)."""
        try:
            if chunk_lines is None:
                self._store.bulk_load(path=str(path), format=_format(fmt))
                return
            with open(path, "rb") as lines:
                while part := b"".join(itertools.islice(lines, chunk_lines)):
                    self._store.bulk_load(part, format=_format(fmt))
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

    def update(self, text: str, base_iri: str | None = None) -> None:
        """Run a SPARQL Update (atomic). Only on scratch copies: catalogue writes go through
        `Catalogue.commit`, with their history. Raises SyntaxError, OSError."""
        self._store.update(text, base_iri=base_iri)

    def fingerprints(self, subject: str | None = None, predicate: str | None = None, obj: str | None = None,
                     graph: str | None = None, default_graph: bool = False) -> dict[str | None, tuple[int, int]]:
        """Per graph (None: the default graph), the number and an order-independent checksum of the quads
        matching a pattern of IRIs (None: any term; `default_graph`: only the default graph). Two calls in
        one process give equal figures for a graph exactly when its matching quads are the same (up to
        checksum collisions, about 2**-64)."""
        g = ox.DefaultGraph() if default_graph else ox.NamedNode(graph) if graph else None
        found: dict[str | None, list[int]] = {}
        for quad in self._store.quads_for_pattern(ox.NamedNode(subject) if subject else None,
                                                  ox.NamedNode(predicate) if predicate else None,
                                                  ox.NamedNode(obj) if obj else None, g):
            name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
            figures = found.setdefault(name, [0, 0])
            figures[0] += 1
            figures[1] = (figures[1] + hash(str(quad))) & 0xFFFFFFFFFFFFFFFF
        return {name: (n, checksum) for name, (n, checksum) in found.items()}

    def graph_names(self) -> set[str]:
        return {g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)}

    def has_graph(self, graph: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def graph_ntriples(self, graph: str) -> str:
        """The triples of one named graph as canonical N-Triples (one per line)."""
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)).decode("utf-8")

    def dump_graph_to(self, graph: str, output: Path) -> None:
        """The triples of one named graph as canonical N-Triples, written to a file (no copy in memory)."""
        self._store.dump(str(output), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))

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
    def select(self, query: str, bindings: Mapping[str, Term] | None = None,
               named_graphs: Iterable[str] | None = None) -> list[dict[str, Term | None]]:
        """Run a SELECT query; each row maps variable name to Term (or None when unbound). `named_graphs`: the
        only graphs `GRAPH ?g` ranges over (the protocol's named-graph-uri), e.g. a page of records at once."""
        return list(self.select_iter(query, bindings, named_graphs))

    def select_iter(self, query: str, bindings: Mapping[str, Term] | None = None,
                    named_graphs: Iterable[str] | None = None) -> Iterator[dict[str, Term | None]]:
        """`select`, its rows made one at a time as the store streams them (no list of every row)."""
        options = {"named_graphs": [ox.NamedNode(g) for g in named_graphs]} if named_graphs is not None else {}
        results = self._store.query(query, substitutions=_substitutions(bindings),
                                    use_default_graph_as_union=True, **options)
        names = [v.value for v in results.variables]
        for row in results:                                   # a solution iterates its values
            yield dict(zip(names, map(to_term, row)))

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

    def query_serialized(self, query: str, accept: str | None = None, *, row_cap: int = 0,
                         union_default: bool = True, default_graphs: Iterable[str] | None = None,
                         named_graphs: Iterable[str] | None = None, base_iri: str | None = None,
                         bindings: Mapping[str, Term] | None = None,
                         spill: Callable[[str, str, bytes], None] | None = None) -> "SerializedResults":
        """Any SPARQL query, its results serialized in the format the HTTP `accept` header asks for.

        `default_graphs` / `named_graphs` (the protocol's default-graph-uri / named-graph-uri) replace the
        dataset of the query when either is given; otherwise the default graph is the union of all graphs
        if `union_default`. `row_cap` > 0 keeps the first `row_cap` solutions (or triples) and says whether
        more were cut. `bindings` are bound parameters (projected variables, as for `select`).
        `spill(kind, media type, part)`, when given, receives the body in parts of about `SPILL_AT` bytes as
        they are serialized, and the returned body is what is left; only for answers without a row cap (with
        one, whether rows were cut is known only at the end).
        Raises SyntaxError (bad query), NotAcceptable, ValueError (a bad graph IRI), OSError."""
        options: dict = {"base_iri": base_iri, "substitutions": _substitutions(bindings)}
        if default_graphs is not None or named_graphs is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs or ()]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
        else:
            options["use_default_graph_as_union"] = union_default
        results = self._store.query(query, **options)
        kind = ("graph" if isinstance(results, ox.QueryTriples)
                else "boolean" if isinstance(results, ox.QueryBoolean) else "solutions")
        media_type = negotiate(accept, kind)
        if media_type is None:
            raise NotAcceptable(kind, [f.media_type for f in _OFFERED[kind]])
        fmt = (ox.RdfFormat if kind == "graph" else ox.QueryResultsFormat).from_media_type(media_type)
        if kind == "boolean" or row_cap <= 0:
            if spill is None or kind == "boolean":
                return SerializedResults(kind, media_type, results.serialize(format=fmt), False)
            sink = _Spilling(lambda part: spill(kind, media_type, part))
            results.serialize(sink, format=fmt)
            return SerializedResults(kind, media_type, sink.rest(), False)
        # One solution (triple) per line in TSV (N-Triples): stop reading after the cap, then convert.
        line_format = ox.RdfFormat.N_TRIPLES if kind == "graph" else ox.QueryResultsFormat.TSV
        sink = _FirstLines(row_cap if kind == "graph" else row_cap + 1)
        try:
            results.serialize(sink, format=line_format)
        except _Enough:
            pass
        body = sink.text()
        if fmt != line_format:
            if kind == "graph":
                body = ox.serialize(ox.parse(body, format=line_format), format=fmt)
            else:
                body = ox.parse_query_results(body, format=line_format).serialize(format=fmt)
        return SerializedResults(kind, media_type, body, sink.cut)

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


def convert_ntriples(data: bytes, fmt: str, prefixes: Mapping[str, str] | None = None) -> bytes:
    """N-Triples text written in another RDF format (or again as canonical N-Triples), without a store: the
    triples are parsed and written in Oxigraph, none becomes a Python object. Raises RdfSyntaxError."""
    try:
        return ox.serialize(ox.parse(data, format=ox.RdfFormat.N_TRIPLES), format=_format(fmt),
                            prefixes=dict(prefixes or {}))
    except SyntaxError as exc:
        raise RdfSyntaxError(str(exc)) from None


def serialize_quads(quads: Iterable[tuple[Term, Term, Term, str | None]], fmt: str = "nq", output: Path | None = None):
    """Serialize quads (graph None: the default graph) without a store, to `output` or returned."""
    found = (ox.Quad(from_term(s), from_term(p), from_term(o), ox.NamedNode(g) if g else ox.DefaultGraph())
             for s, p, o, g in quads)
    return ox.serialize(found, str(output) if output else None, format=_format(fmt))


def parse_quads(data: bytes | str | None, fmt: str, path: Path | None = None, base_iri: str | None = None,
                graph: str | None = None) -> Iterable[tuple[Term, Term, Term, str | None]]:
    """The quads of `data` (or of the file `path`) without a store; triples go to `graph` (None: default)."""
    try:
        for q in ox.parse(data.encode("utf-8") if isinstance(data, str) else data, path=str(path) if path else None,
                          format=_format(fmt), base_iri=base_iri):
            g = q.graph_name.value if isinstance(q, ox.Quad) and isinstance(q.graph_name, ox.NamedNode) else graph
            yield to_term(q.subject), to_term(q.predicate), to_term(q.object), g
    except SyntaxError as exc:
        raise RdfSyntaxError(str(exc)) from None


def serialize_results(json_results: bytes, media_type: str) -> bytes:
    """SPARQL results in JSON (solutions or a boolean) written in another results format (a media type)."""
    parsed = ox.parse_query_results(json_results, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=ox.QueryResultsFormat.from_media_type(media_type))


# -- SPARQL results over HTTP --------------------------------------------------------------------------
_OFFERED = {   # what an endpoint answers for each kind of result, the default first
    "solutions": [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML, ox.QueryResultsFormat.CSV,
                  ox.QueryResultsFormat.TSV],
    "boolean": [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML],
    "graph": [ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML],
}


@dataclass(frozen=True)
class SerializedResults:
    kind: str          # "solutions", "boolean" or "graph"
    media_type: str
    body: bytes
    truncated: bool    # the row cap cut the results


class NotAcceptable(ValueError):
    """No format the Accept header takes fits the kind of results."""

    def __init__(self, kind: str, offered: list[str]):
        self.kind, self.offered = kind, offered
        super().__init__(f"no acceptable format for {kind} results; offered: {', '.join(offered)}")


def offered_formats(kind: str) -> list[tuple[str, str]]:
    """(media type, format IRI) of each format offered for a kind of results, the default first."""
    return [(f.media_type, f.iri) for f in _OFFERED[kind]]


def _accepted(accept: str) -> list[str]:
    """The media ranges of an Accept header, highest quality first (ties keep their order), q=0 dropped."""
    ranges = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, i, media.lower()))
    return [media for _q, _i, media in sorted(ranges)]


@functools.lru_cache(maxsize=256)   # clients send the same few Accept headers (parsing one: ≈ 10 µs)
def negotiate(accept: str | None, kind: str) -> str | None:
    """The media type to answer `kind` results with, or None when the Accept header takes none offered."""
    offered = _OFFERED[kind]
    if not accept or not accept.strip():
        return offered[0].media_type
    lookup = ox.RdfFormat.from_media_type if kind == "graph" else ox.QueryResultsFormat.from_media_type
    for media in _accepted(accept):
        if media == "*/*":
            return offered[0].media_type
        if media.endswith("/*"):
            found = next((f for f in offered if f.media_type.startswith(media[:-1])), None)
        else:
            found = lookup(media)
        if found in offered:
            return found.media_type
    return None


class _Enough(Exception):
    pass


SPILL_AT = 1 << 20   # bytes: the parts `query_serialized` spills a long answer in


class _Spilling:
    """A write target that hands on what it is given in parts of at least `SPILL_AT` bytes."""

    __slots__ = ("spill", "_parts", "_size")

    def __init__(self, spill: Callable[[bytes], None]):
        self.spill, self._parts, self._size = spill, [], 0

    def write(self, data) -> int:
        data = bytes(data)
        self._parts.append(data)
        self._size += len(data)
        if self._size >= SPILL_AT:
            self.spill(self.rest())
        return len(data)

    def flush(self) -> None:
        pass

    def rest(self) -> bytes:
        """What has not been spilled yet (and forget it)."""
        body = b"".join(self._parts)
        self._parts, self._size = [], 0
        return body


class _FirstLines:
    """A write target that keeps the first `limit` lines and stops the writer after that.

    A plain object with `write` and `flush` (as an `io.RawIOBase`, a capped SELECT of 3 rows took about 5 µs
    more: 106 against 101 µs, in turn in one run)."""

    __slots__ = ("limit", "lines", "cut", "_parts")

    def __init__(self, limit: int):
        self.limit, self.lines, self.cut, self._parts = limit, 0, False, []

    def write(self, data) -> int:
        data = bytes(data)
        self._parts.append(data)
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            self.cut = True
            raise _Enough
        return len(data)

    def flush(self) -> None:
        pass

    def text(self) -> bytes:
        body = b"".join(self._parts)
        if self.cut:
            body = b"".join(line + b"\n" for line in body.split(b"\n")[:self.limit])
        return body
