"""The SPARQL endpoint's query service when the store is on an external engine (govcat.engines).

Checkpoints of the live store cannot be taken from a remote engine, so each view is served as follows:
- public (no token): as with the embedded store — worker processes on checkpoints of the public view, a local
  store holding only what the open-data feed shows (govcat.public_view, kept in step from the engine), so no
  query can reach more, whatever its FROM, GRAPH ?g or default-graph-uri;
- admin: forwarded to the engine (after the same checks: read-only, SERVICE only to allowed hosts), with the
  row cap and the time limit (Virtuoso stops the query itself; oxigraph serve only has its server-wide
  --timeout-s, so govcat stops waiting and the engine may finish the query);
- internal (viewer, editor, reviewer tokens): as with the embedded store — worker processes on a local
  checkpoint with the users graph and the sharing requests' content removed; the checkpoint is a read replica
  made from a dump of the engine (`RemoteGraph.backup`), in the background after each write this server makes,
  and a query waits for the replica that holds the writes made before it. Making it is linear in the store's
  size (README, "External SPARQL engines", has the figures); writes other processes make straight to the
  engine (`govcat load` while the server runs) reach it with the server's next write or restart, as they reach
  the public view. No query sent to the engine could be confined to that view (no protocol dataset can leave
  out quads of a graph it includes). The saved queries (/api/queries) go the same way, by the caller's view.
- SPARQL Update (admin): as before, on a scratch copy — made from a dump of the engine (linear in its size).
"""
from __future__ import annotations

import asyncio
import logging

from .query_service import QueryService, _backup, _Snapshot
from .query_types import ADMIN, INTERNAL, PUBLIC, QueryError, QueryOutcome, QueryRequest
from .query_worker import _execute
from .sparql import QueryRefused, check_query, declares_dataset

log = logging.getLogger("govcat.query")


class RemoteQueryService(QueryService):
    """QueryService for a store on an external engine: public view and internal replica local, admin forwarded."""

    def _snapshot(self, public_changed: bool) -> _Snapshot:
        """The public view's checkpoint when it changed, and a new folder for the internal replica, filled
        by `_prepare` in the background (the admin view is forwarded: its path is never opened)."""
        with self._lock:
            self._serial += 1
            folder = self.root / f"cp-{self._serial}"
            self._pending.add(folder.name)
            public = self._public_folder
            if public_changed or public is None:
                public = f"pub-{self._serial}"
                self._pending.add(public)
        folder.mkdir()
        if public != self._public_folder:
            _backup(self.public.backup, self.root / public)
            self._public_folder = public
        return _Snapshot({ADMIN: self.root / public, INTERNAL: folder / INTERNAL, PUBLIC: self.root / public},
                         {ADMIN: public, INTERNAL: folder.name, PUBLIC: public})

    def _prepare(self, snapshot: _Snapshot) -> None:
        """The internal replica: a dump of the engine loaded into a local store, then the hidden graphs removed."""
        try:
            _backup(self.graph.backup, snapshot.paths[INTERNAL])
        except OSError:                 # EngineError is one: the engine did not answer
            log.exception("could not copy the engine into the internal replica %s", snapshot.paths[INTERNAL])
            snapshot.failed = True
            snapshot.ready.set()
            return
        super()._prepare(snapshot)

    def run(self, request: QueryRequest) -> QueryOutcome:
        return self._forward(request) if request.view == ADMIN else super().run(request)

    async def run_async(self, request: QueryRequest, stream: bool = False) -> QueryOutcome:
        if request.view != ADMIN:
            return await super().run_async(request, stream)
        return await asyncio.to_thread(self._forward, request)

    def _forward(self, request: QueryRequest) -> QueryOutcome:
        try:
            check_query(request.query, self.allowed_service_hosts)
        except QueryRefused as exc:
            return QueryOutcome(error=QueryError("refused", exc.zh, exc.en))
        task = {"query": request.query, "accept": request.accept, "default_graphs": request.default_graphs,
                "named_graphs": request.named_graphs, "base_iri": request.base_iri,
                "bindings": dict(request.bindings), "union_default": not declares_dataset(request.query),
                "row_cap": self.row_cap}
        status, value = _execute(_TimeLimited(self.graph, self.timeout), task)
        return QueryOutcome(results=value) if status == "ok" else QueryOutcome(error=value)


class _TimeLimited:
    """The engine's store, its queries given the endpoint's time limit."""

    def __init__(self, graph, timeout: float):
        self.graph, self.timeout = graph, timeout

    def query_serialized(self, query: str, accept: str | None = None, **options):
        return self.graph.query_serialized(query, accept, timeout=self.timeout, **options)
