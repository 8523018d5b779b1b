"""Saved queries over HTTP: GET /api/queries (the analysts' queries with their parameters) and
GET /api/queries/{name}?param=… (run one, values bound, never pasted into the text).

The queries are parsed and prepared when the router is built, in `create_app`: a broken header or query stops
the server start (govcat.saved_queries.SavedQueryError names the file and line). They read the internal
catalogue, so both routes need a token (401 without one); they run in the SPARQL query workers on the internal
view (the users graph is never in it), with the endpoint's time limit and row cap, and answer by Accept like
/sparql (JSON, XML, CSV, TSV). Internal queries (`# internal`) are neither listed nor run: 404."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ..paths import QUERIES_DIR
from ..query_service import QueryRequest, view_for
from ..saved_queries import ParameterError, analyst_queries, bind, load_all
from .auth import CatalogueDep, InternalDep
from .sparql import QueriesDep

_STATUS = {"refused": 400, "syntax": 400, "forbidden": 403, "not_acceptable": 406, "timeout": 504, "busy": 503,
           "failed": 500}


def queries_router(folder: Path | None = None) -> APIRouter:
    saved = analyst_queries(load_all(folder or QUERIES_DIR))   # raises SavedQueryError: the server does not start
    router = APIRouter(prefix="/api", tags=["saved queries 保存的查询"])

    @router.get("/queries", summary="分析用的保存查询及其参数 / the saved queries analysts run, with their parameters")
    async def list_queries(_access: InternalDep):
        return {"queries": [q.as_json() for q in saved.values()]}

    @router.get("/queries/{name}", summary="按名称执行保存的查询（参数在 URL 中）/ run a saved query by name "
                                           "(parameters in the URL)")
    async def run_query(name: str, request: Request, cat: CatalogueDep, queries: QueriesDep, access: InternalDep):
        query = saved.get(name)
        if query is None:
            raise HTTPException(404, detail={"zh": f"没有名为 {name} 的分析查询（见 /api/queries）",
                                             "en": f"there is no saved query named {name} (see /api/queries)"})
        values: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            values.setdefault(key, []).append(value)
        try:
            bindings = await run_in_threadpool(bind, query, values, cat.resolve)
        except ParameterError as exc:
            raise HTTPException(400, detail={"zh": exc.zh, "en": exc.en, "param": exc.param}) from None
        outcome = await queries.run_async(QueryRequest(
            query=query.text, accept=request.headers.get("accept"), bindings=tuple(bindings.items()),
            view=view_for(access)))
        if outcome.error is not None:
            headers = {"Retry-After": "1"} if outcome.error.kind == "busy" else None
            raise HTTPException(_STATUS[outcome.error.kind], detail={"zh": outcome.error.zh, "en": outcome.error.en},
                                headers=headers)
        results = outcome.results
        headers = {"Vary": "Accept, Authorization"}
        if results.truncated:
            headers["X-Govcat-Truncated"] = "true"
            headers["X-Govcat-Row-Cap"] = str(queries.row_cap)
        return Response(results.body, media_type=results.media_type, headers=headers)

    return router
