"""The SPARQL endpoint's query service when the store is on an external engine (govcat.engines).

Checkpoints of the live store cannot be taken from a remote engine, so each view is served as follows:
- public (no token): as with the embedded store — worker processes on checkpoints of the public view, a local
  store holding only what the open-data feed shows (govcat.public_view, kept in step from the engine), so no
  query can reach more, whatever its FROM, GRAPH ?g or default-graph-uri;
- admin: forwarded to the engine (after the same checks: read-only, SERVICE only to allowed hosts), with the
  row cap and the time limit (Virtuoso stops the query itself; oxigraph serve only has its server-wide
  --timeout-s, so govcat stops waiting and the engine may finish the query);
- internal (viewer, editor, reviewer tokens): refused with a message. That view hides the users graph, the
  sharing requests and the content and notes of their versions inside the history graph; a query sent to
  the engine cannot be confined to that (no protocol dataset can leave out quads of a graph it includes), and
  a local copy of the whole store would defeat the external engine. The saved queries (/api/queries) go the
  same way, by the caller's view.
- SPARQL Update (admin): as before, on a scratch copy — made from a dump of the engine (linear in its size).
"""
from __future__ import annotations

import asyncio

from .query_service import QueryService, _backup, _Snapshot
from .query_types import ADMIN, INTERNAL, PUBLIC, QueryError, QueryOutcome, QueryRequest
from .query_worker import _execute
from .sparql import QueryRefused, check_query, declares_dataset

INTERNAL_REFUSED = QueryError(
    "forbidden",
    "目录库在外部 SPARQL 引擎上时，不提供内部用户的 SPARQL 视图（它须隐藏用户图和共享申请内容，引擎无法按此限制查询）；"
    "请使用管理员令牌，或不带令牌查询公开视图",
    "with the store on an external SPARQL engine there is no SPARQL view for internal users (it must hide the "
    "users graph and the sharing requests' content, which the engine cannot confine a query to); use an admin "
    "token, or no token for the public view")


class RemoteQueryService(QueryService):
    """QueryService for a store on an external engine: public view local, admin forwarded, internal refused."""

    def _snapshot(self, public_changed: bool) -> _Snapshot:
        with self._lock:
            self._serial += 1
            public = self._public_folder
            if public_changed or public is None:
                public = f"pub-{self._serial}"
                self._pending.add(public)
        if public != self._public_folder:
            _backup(self.public.backup, self.root / public)
            self._public_folder = public
        path = self.root / public      # the only checkpoint: workers serve the public view alone
        return _Snapshot({view: path for view in (ADMIN, INTERNAL, PUBLIC)},
                         {view: public for view in (ADMIN, INTERNAL, PUBLIC)})

    def _prepare(self, snapshot: _Snapshot) -> None:
        snapshot.ready.set()           # nothing to hide: no internal checkpoint is made

    def run(self, request: QueryRequest) -> QueryOutcome:
        return super().run(request) if request.view == PUBLIC else self._forward(request)

    async def run_async(self, request: QueryRequest) -> QueryOutcome:
        if request.view == PUBLIC:
            return await super().run_async(request)
        return await asyncio.to_thread(self._forward, request)

    def _forward(self, request: QueryRequest) -> QueryOutcome:
        if request.view != ADMIN:
            return QueryOutcome(error=INTERNAL_REFUSED)
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
