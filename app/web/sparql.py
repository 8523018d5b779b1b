"""SPARQL 1.1 Protocol at /sparql: the HTTP side only; queries run in `govcat.query_service`, updates
through `govcat.sparql_update`.

GET ?query=…, POST form-encoded (query=… or update=…), POST application/sparql-query and
application/sparql-update; default-graph-uri and named-graph-uri choose a query's dataset. Results by Accept
(SELECT/ASK: JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE: Turtle, N-Triples, JSON-LD, RDF/XML). GET without a
query: the service description. Without a row cap (GOVCAT_ROW_CAP=0), a long answer is sent chunked as its
worker serializes it (`_Parts`). A request sent again as it was is not read again (`_Asked`).

Access: no token reads the public view only, a token holder everything but the users graph, an admin
everything (`view_for`); updates need an admin token (401 without a token, 403 with another role)."""
from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from ..access import ANONYMOUS, Access
from ..catalogue import Catalogue
from ..query_service import QueryService
from ..query_types import AnswerCut, QueryError, QueryRequest, view_for
from ..service_description import service_description
from ..sparql_update import UpdateRefused, write_effect
from ..validation.report import as_json
from .auth import get_access
from .rest import language

log = logging.getLogger("govcat.query")

PATH = "/sparql"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
TRUNCATED = "X-Govcat-Truncated"
PROTECTED = ("https://w3id.org/govcat/graph/",)   # govcat's own graphs: no update may change them

_STATUS = {"refused": 400, "syntax": 400, "forbidden": 403, "not_acceptable": 406, "timeout": 504, "busy": 503,
           "failed": 500}


async def get_queries(request: Request) -> QueryService:   # async: FastAPI runs sync dependencies in a thread
    return request.app.state.queries


QueriesDep = Annotated[QueryService, Depends(get_queries)]


class _BadRequest(Exception):
    def __init__(self, status: int, zh: str, en: str):
        self.status, self.error = status, QueryError("refused", zh, en)


def _text(status: int, error: QueryError, headers: dict[str, str] | None = None) -> Response:
    return Response(error.message + "\n", status_code=status, media_type="text/plain; charset=utf-8",
                    headers=headers)


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise _BadRequest(400, f"只能提交一个 {name} 参数", f"exactly one {name} parameter is allowed")
    return values[0] if values else None


def _request(request: Request, text: str, params: dict[str, list[str]], access: Access) -> QueryRequest:
    default, named = params.get("default-graph-uri", []), params.get("named-graph-uri", [])
    return QueryRequest(query=text, accept=request.headers.get("accept"),
                        default_graphs=tuple(default) if default else None,
                        named_graphs=tuple(named) if named else None,
                        base_iri=_endpoint(request), view=view_for(access))


async def _answer(queries: QueryService, query: QueryRequest) -> Response | _Results | _Parts:
    outcome = await queries.run_async(query, stream=True)
    if outcome.error is not None:
        headers = {"Retry-After": "1"} if outcome.error.kind == "busy" else None
        return _text(_STATUS[outcome.error.kind], outcome.error, headers)
    results = outcome.results
    if outcome.rest is not None:
        return _Parts(results.body, outcome.rest, results.media_type)
    return _Results(results.body, results.media_type, queries.row_cap if results.truncated else None)


class _Results:
    """A query's answer as an ASGI response, its header list built at once (Starlette's `Response` normalizes
    each header it is given; with the body read without its stream: 12 µs of the 0.17 ms a saved point lookup
    answered in this process takes)."""

    __slots__ = ("body", "headers")

    def __init__(self, body: bytes, media_type: str, cut_at: int | None):
        self.body = body
        self.headers = [(b"content-length", b"%d" % len(body)), (b"content-type", media_type.encode("latin-1")),
                        (b"vary", b"Accept, Authorization")]
        if cut_at is not None:
            self.headers += [(TRUNCATED.lower().encode(), b"true"), (b"x-govcat-row-cap", b"%d" % cut_at)]

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


class _Parts:
    """A long answer sent as its worker serializes it (chunked, no Content-Length): its first part, then
    the rest as it comes. If it breaks off (the time limit), the response is left incomplete, which is how
    HTTP/1.1 tells the client that the answer is not whole (the status line went out with the first part)."""

    def __init__(self, first: bytes, rest: AsyncIterator[bytes], media_type: str):
        self.first, self.rest = first, rest
        self.headers = [(b"content-type", media_type.encode("latin-1")), (b"vary", b"Accept, Authorization")]

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.first, "more_body": True})
        try:
            async for part in self.rest:
                await send({"type": "http.response.body", "body": part, "more_body": True})
        except AnswerCut as exc:
            log.warning("a long answer broke off after its first parts were sent: %s", exc.error.en)
            return
        finally:
            await self.rest.aclose()
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class _Asked:
    """The requests read before: a request sent again as it was (a dashboard's, a client's saved queries) is answered
    without being read again. Key: everything `_get` and `_post` read (method, URL parameters, headers, body) and
    what the endpoint's URL is made of; value: the QueryRequest it was read as, and whether it carried credentials
    (an Authorization or Cookie header). Access is decided again each time, since a token may have been revoked or
    its role changed: a request with credentials is taken from here only when its caller gets the same view now,
    otherwise it is read again. For `ASK {}` by GET, reading the request was half of govcat's 0.1 ms in a tight
    loop (bench/RESULTS.md, "requests asked again")."""

    SIZE = 512          # requests remembered (all forgotten when full)
    LONGEST = 8192      # bytes of URL parameters, headers and body: longer requests are not remembered

    def __init__(self):
        self._found: dict[tuple, _Read] = {}

    @staticmethod
    def key(scope, body: bytes) -> tuple:
        return (scope["method"], scope["query_string"], tuple(scope["headers"]), body, scope.get("scheme"),
                _server(scope), scope.get("root_path"))

    def get(self, key: tuple) -> _Read | None:
        try:
            return self._found.get(key)
        except TypeError:      # headers as lists (ASGI allows it): not remembered
            return None

    def remember(self, key: tuple, query: QueryRequest) -> None:
        if len(key[1]) + len(key[3]) + sum(len(name) + len(value) for name, value in key[2]) > self.LONGEST:
            return
        if len(self._found) >= self.SIZE:
            self._found.clear()
        credentials = any(name in (b"authorization", b"cookie") for name, _value in key[2])
        try:
            self._found[key] = _Read(query, credentials)
        except TypeError:
            pass


@dataclass(frozen=True, slots=True)
class _Read:
    query: QueryRequest
    credentials: bool


def _replay(body: bytes):
    """A `receive` that gives the body already read."""
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


def _url_params(request: Request) -> dict[str, list[str]]:
    """The URL's parameters, as Starlette's `query_params` reads them (without building its multidict)."""
    return parse_qs(request.scope["query_string"].decode("latin-1"), keep_blank_values=True)


async def _body(receive) -> bytes:
    """The request's body, as Starlette's `Request.body()` reads it, without its stream generator."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _decode(body: bytes, options: str) -> str:
    charset = _charset(options)
    if charset not in (None, "utf-8", "utf8"):
        raise _BadRequest(400, f"须为 UTF-8 编码，而不是 {charset}", f"the body must be UTF-8, not {charset}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise _BadRequest(400, "请求体不是有效的 UTF-8", "the body is not valid UTF-8") from None


class GovcatApp(FastAPI):
    """FastAPI, with /sparql answered before FastAPI's own middleware and routing.

    Not a FastAPI route: its middleware, routing, dependency solving and parameter validation cost about 0.3 ms
    a request, as much as a whole point lookup takes `oxigraph serve` (bench/RESULTS.md). Starlette's Request
    and Response are used as they are; access is decided by the same `get_access` as every route, and its
    HTTPException answered as FastAPI answers it. Documented in the OpenAPI description (`OPENAPI`)."""

    def __init__(self, **options):
        super().__init__(**options)
        self.asked = _Asked()

    def openapi(self) -> dict:
        if self.openapi_schema is None:
            schema = super().openapi()
            schema["paths"] = {PATH: OPENAPI, **schema["paths"]}
        return self.openapi_schema

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH:
            return await super().__call__(scope, receive, send)
        scope["app"] = self
        try:
            response = await _respond(scope, receive)
        except HTTPException as exc:
            response = JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        except ClientDisconnect:
            return
        await response(scope, receive, send)


async def _respond(scope, receive) -> Response | _Results | _Parts:
    state = scope["app"].state
    method = scope["method"]
    if method not in ("GET", "HEAD", "POST"):
        return _text(405, QueryError("refused", f"/sparql 不接受 {method} 请求", f"/sparql does not accept {method}"),
                     {"Allow": "GET, HEAD, POST"})
    body = await _body(receive) if method == "POST" else b""
    asked_before = scope["app"].asked
    key = _Asked.key(scope, body)
    asked = asked_before.get(key)
    if asked is not None:
        access = ANONYMOUS if not asked.credentials else await get_access(Request(scope), state.catalogue)
        if view_for(access) == asked.query.view:
            return await _answer(state.queries, asked.query)
    request = Request(scope, _replay(body))
    access = await get_access(request, state.catalogue)
    if method == "POST":
        found = await _post(request, body, state.queries, access, state.catalogue)
    else:
        found = _get(request, state.queries, access)
    if not isinstance(found, QueryRequest):
        return found
    asked_before.remember(key, found)
    return await _answer(state.queries, found)


def _get(request: Request, queries: QueryService, access: Access) -> Response | QueryRequest:
    params = _url_params(request)
    try:
        if "update" in params:
            raise _BadRequest(400, "SPARQL Update 不能用 GET 提交", "SPARQL Update cannot be sent with GET")
        text = _one(params.get("query", []), "query")
    except _BadRequest as exc:
        return _text(exc.status, exc.error)
    if text is None:
        return _description(request, queries)
    return _request(request, text, params, access)


async def _post(request: Request, body: bytes, queries: QueryService, access: Access,
                cat: Catalogue) -> Response | QueryRequest:
    params = _url_params(request)
    media, _, options = request.headers.get("content-type", "").partition(";")
    media = media.strip().lower()
    update = None
    try:
        if media == FORM:
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                raise _BadRequest(400, "表单不是有效的 UTF-8", "the form is not valid UTF-8") from None
            if "update" in form:
                if "query" in form or "query" in params:
                    raise _BadRequest(400, "不能同时提交 query 和 update", "send either query or update, not both")
                update = _one(form["update"], "update")
                for key in ("using-graph-uri", "using-named-graph-uri"):
                    params[key] = params.get(key, []) + form.get(key, [])
            else:
                text = _one(form.get("query", []) + params.get("query", []), "query")
                if text is None:
                    raise _BadRequest(400, "缺少 query 参数", "the query parameter is missing")
                for key in ("default-graph-uri", "named-graph-uri"):
                    params[key] = params.get(key, []) + form.get(key, [])
        elif media == SPARQL_QUERY:
            text = _decode(body, options)
        elif media == SPARQL_UPDATE:
            update = _decode(body, options)
        else:
            raise _BadRequest(415, f"POST 的内容类型须为 {FORM}、{SPARQL_QUERY} 或 {SPARQL_UPDATE}",
                              f"POST needs the content type {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}, "
                              f"not {media or 'none'}")
        if update is not None:
            _may_update(access, params)
    except _BadRequest as exc:
        headers = {"WWW-Authenticate": 'Bearer realm="govcat"'} if exc.status == 401 else None
        return _text(exc.status, exc.error, headers)
    if update is not None:
        return await run_in_threadpool(_update, request, cat, queries, access, update)
    return _request(request, text, params, access)


_TEXT = {"schema": {"type": "string"}}
OPENAPI = {   # the OpenAPI path item of /sparql (served by GovcatApp, not by a route)
    "get": {"tags": ["SPARQL"], "operationId": "sparql_get",
            "summary": "SPARQL 查询（GET）/ SPARQL query; without a query: the service description",
            "parameters": [
                {"name": "query", "in": "query", "required": False, "description": "SPARQL 1.1 query", **_TEXT},
                {"name": "default-graph-uri", "in": "query", "required": False,
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "named-graph-uri", "in": "query", "required": False,
                 "schema": {"type": "array", "items": {"type": "string"}}}],
            "responses": {"200": {"description": "结果 / results (by Accept)"},
                          "400": {"description": "语法错误或被拒绝 / syntax error or refused"},
                          "504": {"description": "超时 / timed out"}}},
    "post": {"tags": ["SPARQL"], "operationId": "sparql_post",
             "summary": "SPARQL 查询或更新（POST）/ SPARQL query or update (form or direct body); "
                        "updates need an admin token",
             "requestBody": {"content": {
                 FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"},
                                                                    "update": {"type": "string"}}}},
                 SPARQL_QUERY: _TEXT, SPARQL_UPDATE: _TEXT}},
             "responses": {"200": {"description": "结果 / results (by Accept)"},
                           "401": {"description": "更新需要令牌 / an update needs a token"},
                           "422": {"description": "更新结果违反规则 / the update breaks rules"}}},
}


def _may_update(access: Access, params: dict[str, list[str]]) -> None:
    if access.anonymous:
        raise _BadRequest(401, "SPARQL Update 需要管理员令牌", "SPARQL Update needs an admin token")
    if not access.admin:
        raise _BadRequest(403, "只有管理员可以执行 SPARQL Update", "only an admin may run SPARQL Update")
    if params.get("using-graph-uri") or params.get("using-named-graph-uri"):
        raise _BadRequest(400, "不支持 using-graph-uri / using-named-graph-uri：请在更新中写 USING / USING NAMED",
                          "using-graph-uri and using-named-graph-uri are not supported: write USING / USING NAMED "
                          "in the update")


def _update(request: Request, cat: Catalogue, queries: QueryService, access: Access, text: str) -> Response:
    """Work out the update's effect on a scratch copy, then write it with its history, under the write
    lock from the copy to the commit (so that the effect is computed on what it replaces)."""
    try:
        with cat.write_lock:
            effect = queries.update_effect(text, _endpoint(request), PROTECTED)
            if isinstance(effect, QueryError):
                return _text(_STATUS[effect.kind], effect)
            outcome = write_effect(cat, effect, access.user.iri, text)
    except UpdateRefused as exc:
        if exc.kind == "invalid":
            return Response(as_json(exc.report, language(request)), status_code=422,
                            media_type="application/json")
        return _text(_STATUS[exc.kind], QueryError(exc.kind, exc.zh, exc.en))
    return Response(json.dumps(outcome.as_json(), ensure_ascii=False), media_type="application/json")


def _endpoint(request: Request) -> str:
    """The endpoint's URL (the base IRI of queries and updates), as Starlette reads it from the request; remembered
    per scheme, Host header, server address and path (building Starlette's URL costs more than a point lookup's
    query on the event loop)."""
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    key = (scope.get("scheme"), host, _server(scope), scope.get("root_path"), scope["path"])
    found = _ENDPOINTS.get(key)
    if found is None:
        if len(_ENDPOINTS) >= 256:        # Host headers are the client's choice: keep a few
            _ENDPOINTS.clear()
        found = _ENDPOINTS[key] = str(request.url.replace(query="", fragment=""))
    return found


_ENDPOINTS: dict[tuple, str] = {}


def _server(scope) -> tuple | None:
    """The scope's server address as a tuple (ASGI allows a list: Starlette's TestClient sends one)."""
    server = scope.get("server")
    return None if server is None else tuple(server)


def _charset(options: str) -> str | None:
    for option in options.split(";"):
        name, _, value = option.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _description(request: Request, queries: QueryService) -> Response:
    found = service_description(_endpoint(request), request.headers.get("accept"),
                                federated=bool(queries.allowed_service_hosts))
    if found is None:
        found = service_description(_endpoint(request), None,
                                    federated=bool(queries.allowed_service_hosts))
    media_type, body = found
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
