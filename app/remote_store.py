"""The catalogue's store on an external SPARQL 1.1 server: `RemoteGraph` has the methods of `govcat.store.Graph`
that the catalogue, its journal, the analytics, search, lineage and the public view use, spoken over HTTP.

- Queries: SPARQL 1.1 Protocol, form-encoded POST (every engine takes it; Virtuoso 7.2 hangs on a direct
  application/sparql-query body), results as application/sparql-results+json turned into `Term` values.
  Bound values: SPARQL has no bound parameters, so `govcat.sparql.bind_terms` writes them into the query
  as serialized RDF terms — the one place that does it.
- Writes: SPARQL 1.1 Update built from RDF terms of govcat's own data (parsed by govcat.store, written with
  `Term.n3()`): DROP SILENT GRAPH, DELETE DATA, INSERT DATA (or INSERT … WHERE {} for blank nodes where the
  engine refuses them in INSERT DATA). Large writes are split at graph borders; a graph with blank nodes is
  never split. Where the engine takes N-Quads on its Graph Store endpoint, a bulk load is one POST of the file.
- The engine's default graph must be the union of its named graphs (`oxigraph serve --union-default-graph`;
  Virtuoso does so by itself): checked when the store is opened.
No pyoxigraph here: parsing and serializing RDF goes through govcat.store.
"""
from __future__ import annotations

import itertools
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import httpx

from .engines import Engine
from .namespaces import XSD
from .remote_results import read_results, serialized
from .sparql import bind_terms, query_form
from .store import (
    EXTENSION_FORMATS,
    Graph,
    NotAcceptable,
    SerializedResults,
    negotiate,
    offered_formats,
    parse_quads,
    serialize_quads,
    serialize_triples,
)
from .terms import Term, nt_iri

JSON_RESULTS = "application/sparql-results+json"
_BOOLEAN = XSD + "boolean"
_RDF_MEDIA = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "ttl", "application/rdf+xml": "rdf"}
_RAW_MEDIA = {"json": JSON_RESULTS, "xml": "application/sparql-results+xml", "csv": "text/csv",
              "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ttl": "text/turtle",
              "ntriples": "application/n-triples", "nt": "application/n-triples", "rdf": "application/rdf+xml"}
_GRAPH_FORMATS = {"turtle", "ttl", "ntriples", "nt", "rdf"}
_ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_GRAPHS = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"   # not DISTINCT: Virtuoso takes minutes
_HAS_GRAPH = "ASK { GRAPH ?g { ?s ?p ?o } }"
_GRAPH_TRIPLES = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
_ABOUT = "SELECT ?g ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"


class EngineError(OSError):
    """The engine could not be reached or refused a request (an OSError, as the embedded store's are)."""


class RemoteGraph:
    """The catalogue's store on `engine` (govcat.engines.Engine). Thread-safe (one HTTP connection pool)."""

    path = None

    def __init__(self, engine: Engine):
        self.engine, self.quirks = engine, engine.quirks
        self._http = httpx.Client(timeout=httpx.Timeout(engine.timeout, connect=10.0))
        self._check_union()

    def _check_union(self) -> None:
        """The queries read the default graph as the union of the named graphs: refuse an engine that does
        not. One triple of a named graph is looked up in the default graph; an empty store gets a probe."""
        one = "{ SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1 }"
        if self.ask(f"ASK {one}"):
            union = self.ask(f"ASK {{ {one} FILTER EXISTS {{ ?s ?p ?o }} }}")
        else:
            probe = "<urn:govcat:union-check>"
            self._update(f"INSERT DATA {{ GRAPH {probe} {{ {probe} {probe} {probe} }} }}")
            try:
                union = self.ask(f"ASK {{ {probe} {probe} {probe} }}")
            finally:
                self._update(f"DROP SILENT GRAPH {probe}")
        if not union:
            raise EngineError(f"the default graph of {self.engine.query} is not the union of its named graphs "
                              "(start oxigraph serve with --union-default-graph)")

    # -- HTTP -----------------------------------------------------------------------------------------
    def _post(self, url: str, timeout: float | None = None, **kwargs) -> httpx.Response:
        try:
            response = self._http.post(url, timeout=timeout or httpx.USE_CLIENT_DEFAULT, **kwargs)
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"{url} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise EngineError(f"cannot reach the SPARQL engine at {url}: {exc}") from exc
        if response.status_code == 400:
            raise SyntaxError(response.text.strip()[:2000])
        if response.status_code >= 300:
            raise EngineError(f"the SPARQL engine at {url} answered {response.status_code}: {response.text[:2000]}")
        return response

    def _update(self, text: str) -> None:
        try:
            self._post(self.engine.update, content=text.encode("utf-8"),
                       headers={"Content-Type": "application/sparql-update; charset=utf-8"})
        except SyntaxError as exc:      # an update govcat wrote, refused: the engine's limit, not the user's text
            raise EngineError(f"the SPARQL engine refused an update: {exc}") from None

    def _request(self, text: str, accept: str | None = None, timeout: float | None = None,
                 params: Mapping[str, list[str]] | None = None) -> httpx.Response:
        if query_form(text) in ("CONSTRUCT", "DESCRIBE"):   # Virtuoso answers them in JSON if it may
            accept = "application/n-triples"
        accept = accept or f"{JSON_RESULTS}, application/n-triples;q=0.9"
        form = {"query": self.engine.adapt(text)} | {k: list(vs) for k, vs in (params or {}).items() if vs}
        if timeout and self.quirks.timeout_parameter:
            form[self.quirks.timeout_parameter] = str(int(timeout * 1000))
        return self._post(self.engine.query, timeout=timeout, data=form, headers={"Accept": accept})

    def _results(self, response: httpx.Response):
        """("solutions", variables, rows) | ("boolean", value) | ("graph", triples) from an engine's answer."""
        if response.headers.get("x-sql-state") == "S1TAT":   # Virtuoso's "anytime" answer: cut by its time limit
            raise TimeoutError("the engine stopped the query at its time limit (its partial results are dropped)")
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media in _RDF_MEDIA:
            return "graph", [(s, p, o) for s, p, o, _g in parse_quads(response.content, _RDF_MEDIA[media])]
        found = read_results(response.content)
        if found[0] == "boolean":
            return found
        _kind, names, rows = found
        if self.quirks.ask_as_select and names == ["__ASK_RETVAL"]:
            return "boolean", bool(rows) and rows[0]["__ASK_RETVAL"].value not in ("0", "false")
        cap = response.headers.get("x-sparql-maxrows")    # Virtuoso's ResultSetMaxRows cut the answer
        if cap is not None and len(rows) >= int(cap):
            raise EngineError(f"the engine cut the results at {cap} rows: raise its limit (Virtuoso: "
                              "[SPARQL] ResultSetMaxRows in virtuoso.ini)")
        if self.quirks.numeric_booleans:
            for row in rows:
                for name, term in row.items():
                    if term is not None and term.datatype == _BOOLEAN and term.value in ("1", "0"):
                        row[name] = Term("literal", "true" if term.value == "1" else "false", _BOOLEAN)
        return "solutions", names, rows

    def _own(self, graph: str | None) -> bool:
        return graph is not None and not graph.startswith(self.quirks.system_graphs or ("\0",))

    # -- querying ------------------------------------------------------------------------------------
    def select(self, query: str, bindings: Mapping[str, Term] | None = None,
               named_graphs: Iterable[str] | None = None) -> list[dict[str, Term | None]]:
        """As `Graph.select`; `named_graphs` are sent as the protocol's named-graph-uri."""
        if named_graphs is not None and not (named_graphs := list(named_graphs)):
            return []       # no graph: nothing to match (an empty named-graph-uri would mean "all graphs")
        params = {"named-graph-uri": named_graphs} if named_graphs is not None else None
        found = self._results(self._request(bind_terms(query, bindings), params=params))
        if found[0] != "solutions":
            raise ValueError("not a SELECT query")
        _kind, names, rows = found
        missing = [n for n in (bindings or {}) if n not in names]   # `SELECT *`: the bound value stays in the rows
        for row in rows:
            row.update({n: bindings[n] for n in missing})
        return rows

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        found = self._results(self._request(bind_terms(query, bindings)))
        if found[0] != "boolean":
            raise ValueError("not an ASK query")
        return found[1]

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[tuple[Term, Term, Term]]:
        found = self._results(self._request(bind_terms(query, bindings)))
        if found[0] != "graph":
            raise ValueError("not a CONSTRUCT or DESCRIBE query")
        return found[1]

    def query_serialized(self, query: str, accept: str | None = None, *, row_cap: int = 0,
                         union_default: bool = True, default_graphs: Iterable[str] | None = None,
                         named_graphs: Iterable[str] | None = None, base_iri: str | None = None,
                         bindings: Mapping[str, Term] | None = None, timeout: float | None = None) -> SerializedResults:
        """As `Graph.query_serialized`, the query run by the engine (its default graph is always the union;
        a FROM in the query or `default_graphs` / `named_graphs` choose another dataset). Raises SyntaxError
        (the engine refused the query), NotAcceptable, TimeoutError, EngineError."""
        text = bind_terms(query, bindings)
        if base_iri and not re.search(r'[<>"{}|^`\\\s]', base_iri):
            text = f"BASE <{base_iri}>\n{text}"
        params = {"default-graph-uri": list(default_graphs or ()), "named-graph-uri": list(named_graphs or ())}
        found = self._results(self._request(text, timeout=timeout, params=params))
        media = negotiate(accept, found[0])
        if media is None:
            raise NotAcceptable(found[0], [m for m, _iri in offered_formats(found[0])])
        return serialized(found, media, row_cap)

    def query_raw(self, query: str, result_format: str) -> tuple[str, bytes]:
        """Any query, its results serialized as `govcat query --format` asks (as `Graph.query_raw`)."""
        found = self._results(self._request(query))
        graph = found[0] == "graph"
        if graph:
            result_format = {"json": "turtle", "csv": "turtle", "tsv": "turtle", "xml": "rdf"}.get(result_format,
                                                                                                  result_format)
        media = _RAW_MEDIA.get(result_format) if graph == (result_format in _GRAPH_FORMATS) else None
        if media is None:
            raise ValueError(f"{result_format} is no format for {found[0]} results")
        return found[0], serialized(found, media, 0).body

    # -- reading the store ------------------------------------------------------------------------------
    def _quads(self, query: str, bindings: Mapping[str, Term] | None = None) -> Iterator[tuple[Term, Term, Term, str]]:
        for row in self.select(query, bindings):
            if self._own(row["g"].value):
                yield row["s"], row["p"], row["o"], row["g"].value

    def _own_quads(self) -> str:
        """A pattern matching the quads of govcat's graphs (not the engine's own)."""
        keep = " && ".join(f"!STRSTARTS(STR(?g), {json.dumps(p)})" for p in self.quirks.system_graphs)
        return "GRAPH ?g { ?s ?p ?o }" + (f" FILTER({keep})" if keep else "")

    def __len__(self) -> int:
        return int(self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {self._own_quads()} }}")[0]["n"].value)

    def holds_at_least(self, n: int) -> bool:
        return len(self.select(f"SELECT ?s WHERE {{ {self._own_quads()} }} LIMIT {int(n)}")) >= n

    def all_quads(self) -> list[tuple[Term, Term, Term, str]]:
        return list(self._quads(_ALL_QUADS))

    def graph_names(self) -> set[str]:
        rows = self.select(_GRAPHS)
        return {r["g"].value for r in rows if self._own(r["g"].value)}

    def has_graph(self, graph: str) -> bool:
        return self.ask(_HAS_GRAPH, {"g": Term("iri", _checked(graph))})

    def _graph_triples(self, graph: str) -> list[tuple[Term, Term, Term]]:
        rows = self.select(_GRAPH_TRIPLES, {"g": Term("iri", _checked(graph))})
        return [(r["s"], r["p"], r["o"]) for r in rows]

    def graph_ntriples(self, graph: str) -> str:
        """One named graph as canonical N-Triples (written by govcat.store, sorted), like the embedded store's."""
        text = serialize_triples(self._graph_triples(graph), "nt").decode("utf-8")
        return "".join(sorted(line + "\n" for line in text.splitlines() if line))

    def dump_graph_to(self, graph: str, output: Path) -> None:
        Path(output).write_text(self.graph_ntriples(graph), encoding="utf-8")

    def dump_dataset(self, fmt: str = "nq", output: Path | None = None) -> bytes | None:
        """Every quad of govcat's graphs (not the engine's own), N-Quads or TriG."""
        if self.quirks.dataset_upload and self.engine.store and fmt == "nq" and output is not None:
            with self._http.stream("GET", self.engine.store, headers={"Accept": "application/n-quads"}) as got:
                if got.status_code == 200:
                    with open(output, "wb") as out:
                        out.writelines(got.iter_bytes())
                    return None
        return serialize_quads(self._quads(_ALL_QUADS), fmt, output)

    def triples_about(self, subject: str, graph: str | None = None) -> list[tuple[Term, Term, Term]]:
        subject_term = Term("iri", _checked(subject))
        bound = {"s": subject_term} | ({"g": Term("iri", _checked(graph))} if graph else {})
        rows = self.select(_ABOUT, bound)
        return [(subject_term, r["p"], r["o"]) for r in rows if graph or self._own(r["g"].value)]

    def graphs_with_object(self, obj: Term) -> set[str]:
        rows = self.select(_GRAPHS, {"o": obj})
        return {r["g"].value for r in rows if self._own(r["g"].value)}

    def graphs_with(self, predicate: str, obj: Term) -> set[str]:
        rows = self.select(_GRAPHS,
                           {"p": Term("iri", predicate), "o": obj})
        return {r["g"].value for r in rows if self._own(r["g"].value)}

    # -- writing ---------------------------------------------------------------------------------------
    def clear_graphs(self, graphs: Iterable[str]) -> None:
        self._updates(f"DROP SILENT GRAPH {nt_iri(_checked(g))}" for g in graphs)

    def remove_quads(self, quads: Iterable[tuple[Term, Term, Term, str]]) -> None:
        for graph, lines, blank in _units(quads, self.quirks.max_update_bytes, self.quirks.max_block_triples):
            if blank:
                raise ValueError("quads with blank nodes cannot be removed by SPARQL (DELETE DATA)")
            self._updates([f"DELETE DATA {{ {_in_graph(graph, lines)} }}"])

    def add(self, triples: Iterable[tuple[Term, Term, Term]]) -> None:
        self._insert((s, p, o, None) for s, p, o in triples)

    def load(self, data: bytes | str, fmt: str, base_iri: str | None = None) -> None:
        self._insert(parse_quads(data, fmt, base_iri=base_iri))

    def load_into(self, data: bytes | str, fmt: str, graph: str) -> None:
        self._insert(parse_quads(data, fmt, graph=graph))

    def load_file(self, path: Path, fmt: str | None = None, base_iri: str | None = None) -> None:
        fmt = fmt or EXTENSION_FORMATS.get(Path(path).suffix.lower())
        if fmt is None:
            raise ValueError(f"cannot tell the RDF format of {path}")
        if fmt in ("nq", "nquads"):
            return self.bulk_load_file(path, fmt)
        self._insert(parse_quads(None, fmt, path=Path(path), base_iri=base_iri))

    def bulk_load_file(self, path: Path, fmt: str = "nq", chunk_lines: int | None = None) -> None:
        """A file into the engine: N-Quads posted as they are to a Graph Store endpoint that takes them (in
        parts of `chunk_lines` lines if given, each a request), else parsed and sent as updates (streamed:
        the whole file is never held in memory here). Not atomic as a whole: the journal re-applies a change."""
        if fmt in ("nq", "nquads") and self.quirks.dataset_upload and self.engine.store:
            with open(path, "rb") as lines:
                while part := b"".join(itertools.islice(lines, chunk_lines or 1_000_000)):
                    self._post(self.engine.store, content=part, headers={"Content-Type": "application/n-quads"})
            return
        self._insert(parse_quads(None, fmt, path=Path(path)))

    def flush(self) -> None:
        """Nothing to do: every write is done when its request returns."""

    def backup(self, target: Path) -> None:
        """An embedded copy of the whole store in the new folder `target` (for a SPARQL Update's scratch
        copy): a dump and a bulk load, so linear in the store's size."""
        with tempfile.TemporaryDirectory() as spill:
            dump = Path(spill) / "dump.nq"
            self.dump_dataset("nq", dump)
            copy = Graph(Path(target))
            copy.bulk_load_file(dump, "nq")
            copy.flush()
            del copy

    def _insert(self, quads: Iterable[tuple[Term, Term, Term, str | None]]) -> None:
        self._updates(self._insert_operations(quads))

    def _insert_operations(self, quads: Iterable[tuple[Term, Term, Term, str | None]]) -> Iterator[str]:
        """INSERT DATA, the graphs grouped into as few operations as the size limit allows; a graph with blank
        nodes in an INSERT … WHERE {} of its own where the engine refuses them in INSERT DATA."""
        blocks, size = [], 0
        for graph, lines, blank in _units(quads, self.quirks.max_update_bytes, self.quirks.max_block_triples):
            block = _in_graph(graph, lines)
            if blank and not self.quirks.bnodes_in_data:
                yield f"INSERT {{ {block} }} WHERE {{}}"
                continue
            if blocks and size + len(block) > self.quirks.max_update_bytes:
                yield "INSERT DATA { " + "\n".join(blocks) + " }"
                blocks, size = [], 0
            blocks.append(block)
            size += len(block) + 1
        if blocks:
            yield "INSERT DATA { " + "\n".join(blocks) + " }"

    def _updates(self, operations: Iterable[str]) -> None:
        """Run update operations, as few requests as the engine's size limit allows."""
        batch, size = [], 0
        for operation in operations:
            if batch and (size + len(operation) > self.quirks.max_update_bytes or
                          len(batch) >= self.quirks.max_operations):
                self._update(" ;\n".join(batch))
                batch, size = [], 0
            batch.append(operation)
            size += len(operation) + 3
        if batch:
            self._update(" ;\n".join(batch))

    def close(self) -> None:
        self._http.close()


def _checked(value: str) -> str:
    if re.search(r'[<>"{}|^`\\\s]', value):
        raise ValueError(f"not an IRI: {value!r}")
    return value


def _in_graph(graph: str | None, lines: list[str]) -> str:
    return " ".join(lines) if graph is None else f"GRAPH {nt_iri(_checked(graph))} {{ {' '.join(lines)} }}"


def _units(quads: Iterable[tuple[Term, Term, Term, str | None]], limit: int,
           triples: int) -> Iterator[tuple[str | None, list[str], bool]]:
    """(graph, triple lines, has blank nodes): consecutive quads of one graph, at most `limit` characters and
    `triples` triples each, except that a graph with blank nodes stays whole (their labels are scoped to one
    operation)."""
    graph, lines, size, blank = None, [], 0, False
    for s, p, o, g in quads:
        if lines and (g != graph or ((size > limit or len(lines) >= triples) and not blank)):
            yield graph, lines, blank
            lines, size, blank = [], 0, False
        graph = g
        line = f"{_term_text(s)} {_term_text(p)} {_term_text(o)} ."
        lines.append(line)
        size += len(line) + 1
        blank = blank or s.kind == "bnode" or o.kind == "bnode"
    if lines:
        yield graph, lines, blank


def _term_text(term: Term) -> str:
    if term.kind == "iri":
        _checked(term.value)
    return term.n3()
