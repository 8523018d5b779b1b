"""SPARQL 1.1 Protocol at /sparql: the HTTP side only; queries run in `govcat.query_service`.

GET ?query=…, POST form-encoded (query=…) and POST application/sparql-query; default-graph-uri and
named-graph-uri choose the dataset. Results by Accept (SELECT/ASK: JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE:
Turtle, N-Triples, JSON-LD, RDF/XML). GET without a query: the service description. Updates are refused."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ..query_service import QueryError, QueryRequest, QueryService, service_description

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
TRUNCATED = "X-Govcat-Truncated"

_STATUS = {"refused": 400, "syntax": 400, "not_acceptable": 406, "timeout": 504, "busy": 503, "failed": 500}


def get_queries(request: Request) -> QueryService:
    return request.app.state.queries


QueriesDep = Annotated[QueryService, Depends(get_queries)]


class _BadRequest(Exception):
    def __init__(self, status: int, zh: str, en: str):
        self.status, self.error = status, QueryError("refused", zh, en)


def _text(status: int, error: QueryError, headers: dict[str, str] | None = None) -> Response:
    return Response(error.message + "\n", status_code=status, media_type="text/plain; charset=utf-8",
                    headers=headers)


def _refuse_update() -> _BadRequest:
    return _BadRequest(403, "此端点不接受 SPARQL Update（写入须经 govcat load 或 REST API，以进入历史记录）",
                       "SPARQL Update is not accepted here (writes go through govcat load or the REST API, "
                       "so that they reach the history)")


def _one_query(values: list[str]) -> str | None:
    if len(values) > 1:
        raise _BadRequest(400, "只能提交一个 query 参数", "exactly one query parameter is allowed")
    return values[0] if values else None


def _request(request: Request, text: str, params: dict[str, list[str]]) -> QueryRequest:
    default, named = params.get("default-graph-uri", []), params.get("named-graph-uri", [])
    return QueryRequest(query=text, accept=request.headers.get("accept"),
                        default_graphs=tuple(default) if default else None,
                        named_graphs=tuple(named) if named else None,
                        base_iri=str(request.url_for("sparql_get")))


async def _answer(queries: QueryService, query: QueryRequest) -> Response:
    outcome = await run_in_threadpool(queries.run, query)
    if outcome.error is not None:
        headers = {"Retry-After": "1"} if outcome.error.kind == "busy" else None
        return _text(_STATUS[outcome.error.kind], outcome.error, headers)
    results = outcome.results
    headers = {"Vary": "Accept"}
    if results.truncated:
        headers[TRUNCATED] = "true"
        headers["X-Govcat-Row-Cap"] = str(queries.row_cap)
    return Response(results.body, media_type=results.media_type, headers=headers)


def _url_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


def sparql_router() -> APIRouter:
    router = APIRouter(tags=["SPARQL"])

    @router.get("/sparql", name="sparql_get",
                summary="SPARQL 查询（GET）/ SPARQL query; without a query: the service description")
    async def sparql_get(request: Request, queries: QueriesDep,
                         query: Annotated[str | None, Query(description="SPARQL 1.1 query")] = None,
                         default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri")] = None,
                         named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri")] = None):
        params = _url_params(request)
        try:
            if "update" in params:
                raise _BadRequest(400, "SPARQL Update 不能用 GET 提交", "SPARQL Update cannot be sent with GET")
            text = _one_query(params.get("query", []))
        except _BadRequest as exc:
            return _text(exc.status, exc.error)
        if text is None:
            return _description(request, queries)
        return await _answer(queries, _request(request, text, params))

    @router.post("/sparql", name="sparql_post", summary="SPARQL 查询（POST）/ SPARQL query (form or direct body)",
                 openapi_extra={"requestBody": {"content": {
                     FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
                     SPARQL_QUERY: {"schema": {"type": "string"}}}}})
    async def sparql_post(request: Request, queries: QueriesDep):
        params = _url_params(request)
        media, _, options = request.headers.get("content-type", "").partition(";")
        media = media.strip().lower()
        body = await request.body()
        try:
            if media == FORM:
                try:
                    form = parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
                except UnicodeDecodeError:
                    raise _BadRequest(400, "表单不是有效的 UTF-8", "the form is not valid UTF-8") from None
                if "update" in form:
                    raise _refuse_update()
                text = _one_query(form.get("query", []) + params.get("query", []))
                if text is None:
                    raise _BadRequest(400, "缺少 query 参数", "the query parameter is missing")
                for key in ("default-graph-uri", "named-graph-uri"):
                    params[key] = params.get(key, []) + form.get(key, [])
            elif media == SPARQL_QUERY:
                charset = _charset(options)
                if charset not in (None, "utf-8", "utf8"):
                    raise _BadRequest(400, f"查询须为 UTF-8 编码，而不是 {charset}",
                                      f"the query must be UTF-8, not {charset}")
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    raise _BadRequest(400, "查询不是有效的 UTF-8", "the query is not valid UTF-8") from None
            elif media == SPARQL_UPDATE:
                raise _refuse_update()
            else:
                raise _BadRequest(415, f"POST 的内容类型须为 {FORM} 或 {SPARQL_QUERY}",
                                  f"POST needs the content type {FORM} or {SPARQL_QUERY}, not {media or 'none'}")
        except _BadRequest as exc:
            return _text(exc.status, exc.error)
        return await _answer(queries, _request(request, text, params))

    return router


def _charset(options: str) -> str | None:
    for option in options.split(";"):
        name, _, value = option.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _description(request: Request, queries: QueryService) -> Response:
    found = service_description(str(request.url_for("sparql_get")), request.headers.get("accept"),
                                federated=bool(queries.allowed_service_hosts))
    if found is None:
        found = service_description(str(request.url_for("sparql_get")), None,
                                    federated=bool(queries.allowed_service_hosts))
    media_type, body = found
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
