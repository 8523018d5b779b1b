"""Where the catalogue's store lives: the embedded Oxigraph store in the store folder (the default), or an
external SPARQL 1.1 server (Query, Update and Graph Store Protocol), chosen by settings. `open_store` is the
one place that decides; engine differences are data in `QUIRKS`, nothing else branches on the engine.

Settings (environment; README, "External SPARQL engines"):
- GOVCAT_SPARQL_ENDPOINT: the query endpoint. Unset: the embedded store.
- GOVCAT_SPARQL_UPDATE_ENDPOINT: the update endpoint (default: the query endpoint).
- GOVCAT_GSP_ENDPOINT: the Graph Store Protocol endpoint, for bulk loads (default: none; updates only).
- GOVCAT_SPARQL_ENGINE: oxigraph, virtuoso or sparql (plain SPARQL 1.1, no quirks; the default).
- GOVCAT_SPARQL_TIMEOUT: seconds a request to the engine may take (default 600).

The store folder still holds the journal of the change in flight (crash safety is unchanged: a change is
written locally first, then applied to the engine, and applied again after a crash), the search index and
the public view; the engine holds the records, history, users and the project's own graphs. So a folder
belongs to one store: the first time it is opened with an engine named it is bound to that engine
(`engine.json` in the folder, the endpoints and engine kind), and later opens use that engine whatever the
settings say, or refuse when the settings name another one (or the folder already holds an embedded store).
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

BINDING = "engine.json"      # in the store folder: the engine the folder belongs to
EMBEDDED = "oxigraph"        # in the store folder: the embedded store
ENVIRONMENT = {"query": "GOVCAT_SPARQL_ENDPOINT", "update": "GOVCAT_SPARQL_UPDATE_ENDPOINT",
               "store": "GOVCAT_GSP_ENDPOINT", "engine": "GOVCAT_SPARQL_ENGINE", "timeout": "GOVCAT_SPARQL_TIMEOUT"}


@dataclass(frozen=True)
class Quirks:
    """What an engine does differently from SPARQL 1.1 (and what it offers beyond it), as data."""
    lateral: bool = False            # understands LATERAL (Oxigraph, SPARQL 1.2 draft); else LATERAL { } → { }
    ask_as_select: bool = False      # answers ASK as one solution of ?__ASK_RETVAL (1 or 0)
    numeric_booleans: bool = False   # writes xsd:boolean results as "1" / "0"
    bnodes_in_data: bool = True      # takes blank nodes in INSERT DATA (Virtuoso: only in INSERT … WHERE {})
    dataset_upload: bool = False     # its Graph Store endpoint takes N-Quads for many graphs in one POST
    unbound_transitive: bool = True  # evaluates `?a p+ ?b` with both ends unbound (Virtuoso: "transitive
                                     # start not given"); govcat's own queries always bind the start
    system_graphs: tuple[str, ...] = ()   # IRI prefixes of the engine's own graphs, never govcat's data
    timeout_parameter: str | None = None  # query parameter taking a time limit in milliseconds
    max_update_bytes: int = 8 << 20  # size of one update request; larger writes are split (at graph borders)
    max_operations: int = 1 << 30    # operations in one update request (Virtuoso: "Query too large" at ~1,000)
    max_block_triples: int = 1 << 30  # triples in one GRAPH block of INSERT/DELETE DATA (Virtuoso's parser:
                                      # "memory exhausted" at ~5,000)


QUIRKS = {
    "sparql": Quirks(),
    "oxigraph": Quirks(lateral=True, dataset_upload=True, max_update_bytes=64 << 20),
    "virtuoso": Quirks(ask_as_select=True, numeric_booleans=True, bnodes_in_data=False, unbound_transitive=False,
                       system_graphs=("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                                      "http://localuriqaserver/"),
                       timeout_parameter="timeout", max_update_bytes=2 << 20, max_operations=500,
                       max_block_triples=2000),
}


@dataclass(frozen=True)
class Engine:
    query: str
    update: str
    store: str | None = None       # Graph Store Protocol endpoint
    name: str = "sparql"
    timeout: float = 600.0
    quirks: Quirks = field(default_factory=Quirks)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Engine | None:
        """The external engine the environment names, or None for the embedded store."""
        environ = os.environ if environ is None else environ
        query = environ.get(ENVIRONMENT["query"], "").strip()
        if not query:
            return None
        name = environ.get(ENVIRONMENT["engine"], "").strip().lower() or "sparql"
        if name not in QUIRKS:
            raise ValueError(f"{ENVIRONMENT['engine']} must be one of {', '.join(QUIRKS)}, not {name!r}")
        for key in ("query", "update", "store"):
            value = environ.get(ENVIRONMENT[key], "").strip()
            if value and not value.startswith(("http://", "https://")):
                raise ValueError(f"{ENVIRONMENT[key]} must be an http(s) URL, not {value!r}")
        try:
            timeout = float(environ.get(ENVIRONMENT["timeout"], "") or 600)
        except ValueError:
            raise ValueError(f"{ENVIRONMENT['timeout']} must be a number of seconds") from None
        return cls(query=query, update=environ.get(ENVIRONMENT["update"], "").strip() or query,
                   store=environ.get(ENVIRONMENT["store"], "").strip() or None, name=name, timeout=timeout,
                   quirks=QUIRKS[name])

    def adapt(self, text: str) -> str:
        """A query of govcat's, in the dialect of this engine (the only rewrite: LATERAL where unknown)."""
        if self.quirks.lateral:
            return text
        from .sparql import drop_lateral
        return drop_lateral(text)


class EngineMismatch(ValueError):
    """The settings name an engine other than the one the store folder belongs to."""


def folder_engine(folder: Path, environ: Mapping[str, str] | None = None) -> Engine | None:
    """The engine the store folder belongs to, or None for the embedded store in `folder`/oxigraph: the one
    named in `folder`/engine.json; a folder without one is bound to the engine the settings name (if any) the
    first time it is opened. The time limit is a setting of this process, not of the folder."""
    folder = Path(folder)
    named = Engine.from_env(environ)
    binding = folder / BINDING
    if binding.exists():
        try:
            fields = json.loads(binding.read_text(encoding="utf-8"))
            bound = Engine(query=fields["query"], update=fields["update"], store=fields.get("store"),
                           name=fields["engine"], quirks=QUIRKS[fields["engine"]],
                           timeout=named.timeout if named else 600.0)
        except (ValueError, KeyError, TypeError) as error:
            raise EngineMismatch(f"{binding}: not a valid engine binding ({error})") from None
        if named is not None and _endpoints(named) != _endpoints(bound):
            raise EngineMismatch(
                f"存储目录 {folder} 属于 SPARQL 引擎 {bound.query}（{binding}），设置指定的是 {named.query}。"
                f" / The store folder {folder} belongs to the engine at {bound.query} ({binding}); the settings "
                f"name {named.query}. Use another folder, or edit {binding} if the engine moved.")
        return bound
    if named is None:
        return None
    if (folder / EMBEDDED).exists():
        raise EngineMismatch(
            f"存储目录 {folder} 已有内嵌存储，不能再用于外部 SPARQL 引擎。 / The store folder {folder} holds an embedded "
            f"store: use another folder for the engine at {named.query}.")
    folder.mkdir(parents=True, exist_ok=True)
    partial = binding.with_suffix(".part")
    partial.write_text(json.dumps({"engine": named.name, "query": named.query, "update": named.update,
                                   "store": named.store}, indent=1) + "\n", encoding="utf-8")
    os.replace(partial, binding)
    return named


def _endpoints(engine: Engine) -> tuple:
    return engine.name, engine.query, engine.update, engine.store


def open_store(folder: Path):
    """The catalogue's store for the store folder `folder`: the embedded store in `folder`/oxigraph, or the
    external engine the folder belongs to (`folder_engine`). The one place that chooses."""
    engine = folder_engine(folder)
    if engine is None:
        from .store import Graph
        return Graph(Path(folder) / EMBEDDED)
    from .remote_store import RemoteGraph
    return RemoteGraph(engine)


def query_service(graph, folder: Path, **options):
    """The SPARQL endpoint's query service for the catalogue's store (govcat.query_service for the embedded
    store; govcat.remote_queries for an external engine)."""
    from .remote_store import RemoteGraph
    if not isinstance(graph, RemoteGraph):
        from .query_service import QueryService
        return QueryService(graph, folder, **options)
    from .remote_queries import RemoteQueryService
    return RemoteQueryService(graph, folder, **options)
