"""The REST API: departments, systems, entries (with their data items) and flows under /api/….

HTTP only; records are mapped and written by `govcat.catalogue.records` / `record_writes`.
- GET /api/{kind}?page=&per_page=&filters → {"total", "page", "per_page", "items": [record, …]}
- GET /api/{kind}/{code} → the record, with ETag "v{version}"; codes may hold '/' (101001/000001)
- POST /api/{kind} → 201 + Location + ETag; PUT /api/{kind}/{code} (If-Match required) → 200 + ETag;
  DELETE /api/{kind}/{code} (If-Match required) → 204
- GET /api/{kind}/{code}/history → the versions with what changed (token needed)
Errors: {"detail": {"zh", "en"}}, except 422, whose body is the `govcat validate --format json` report in
the language of Accept-Language (zh unless en is preferred)."""
from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from govcat.loaders import base_iri

from ..catalogue.history import diff, versions
from ..catalogue.record_writes import WriteError, create, delete, etag, update
from ..catalogue.records import (
    KINDS,
    BodyError,
    Kind,
    find_record,
    json_schema,
    list_records,
    minted_iri,
    record_json,
    visible,
)
from ..validation.report import as_json
from .auth import AccessDep, CatalogueDep, InternalDep

STATUS = {"unauthorized": 401, "forbidden": 403, "not_found": 404, "conflict": 409, "stale": 412,
          "precondition_required": 428, "bad_request": 400, "invalid": 422}
MAX_PER_PAGE = 100
JSON = "application/json"


def language(request: Request) -> str:
    """zh or en, whichever Accept-Language prefers (zh when it names neither)."""
    ranked = []
    for position, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, *params = [p.strip() for p in part.split(";")]
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.lower().split("-")[0]
        if primary in ("zh", "en") and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else "zh"


def _error(status: int, zh: str, en: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": {"zh": zh, "en": en}}, status_code=status, headers=headers)


def _refused(request: Request, exc: WriteError) -> Response:
    if exc.kind == "invalid":
        return Response(as_json(exc.report, language(request)), status_code=422, media_type=JSON)
    headers = {"ETag": exc.etag} if exc.etag else None
    if exc.kind == "unauthorized":
        headers = {"WWW-Authenticate": 'Bearer realm="govcat"'}
    return _error(STATUS[exc.kind], exc.zh, exc.en, headers)


def _not_found(kind: Kind, code: str) -> JSONResponse:
    return _error(404, f"没有代码为 {code} 的{kind.zh}", f"no {kind.en} {code}")


async def _body(request: Request):
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise WriteError("bad_request", f"请求体不是 JSON：{exc}", f"the request body is not JSON: {exc}") from exc


def _record_response(cat, record: str, status: int = 200, headers: dict | None = None) -> JSONResponse:
    body = record_json(cat, record)
    return JSONResponse(body, status_code=status, headers={"ETag": etag(body["_meta"]["version"])} | (headers or {}))


def _page_args(page: str, per_page: str) -> tuple[int, int]:
    try:
        p, n = int(page), int(per_page)
    except ValueError:
        p = n = 0
    if p < 1 or not 1 <= n <= MAX_PER_PAGE:
        raise BodyError(f"page 应为正整数，per_page 应为 1–{MAX_PER_PAGE}",
                        f"page must be a positive integer and per_page 1–{MAX_PER_PAGE}")
    return p, n


PageQ = Annotated[str, Query(description="页码，从 1 起 / page number, from 1",
                             json_schema_extra={"type": "integer", "minimum": 1})]
PerPageQ = Annotated[str, Query(description=f"每页条数，1–{MAX_PER_PAGE} / records per page",
                                json_schema_extra={"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE})]


def _filter(zh: str, en: str):
    return Query(description=f"{zh} / {en}")


def rest_router() -> APIRouter:
    router = APIRouter(prefix="/api")

    async def listing(request: Request, cat, access, kind: Kind, page: str, per_page: str,
                      filters: dict[str, str | None]) -> Response:
        if kind.name in ("systems", "flows") and not access.internal:
            return _error(401, "内部目录需要令牌", "the internal catalogue needs a token",
                          {"WWW-Authenticate": 'Bearer realm="govcat"'})
        try:
            p, n = _page_args(page, per_page)
            given = {k: v for k, v in filters.items() if v is not None}
            found = await run_in_threadpool(list_records, cat, kind, given, p, n, access)
        except BodyError as exc:
            return _error(400, exc.zh, exc.en)
        items = await run_in_threadpool(lambda: [record_json(cat, r) for r in found.records])
        return JSONResponse({"total": found.total, "page": p, "per_page": n, "items": items})

    @router.get("/departments", tags=["departments"], summary="列出部门 / List departments",
                description="匿名调用者只看到有公开信息资源的部门 / anonymous callers see only the departments "
                            "that provide public entries")
    async def list_departments(request: Request, cat: CatalogueDep, access: AccessDep,
                               page: PageQ = "1", per_page: PerPageQ = "20") -> Response:
        return await listing(request, cat, access, KINDS["departments"], page, per_page, {})

    @router.get("/systems", tags=["systems"], summary="列出信息系统 / List information systems (token needed)")
    async def list_systems(request: Request, cat: CatalogueDep, access: AccessDep, page: PageQ = "1",
                           per_page: PerPageQ = "20",
                           department: Annotated[str | None, _filter("所属部门的统一社会信用代码", "owning department's USCC")] = None) -> Response:
        return await listing(request, cat, access, KINDS["systems"], page, per_page, {"department": department})

    @router.get("/entries", tags=["entries"], summary="列出信息资源 / List catalogue entries",
                description="匿名调用者只看到已发布且向社会开放的信息资源 / anonymous callers see only published "
                            "entries open to the public")
    async def list_entries(
            request: Request, cat: CatalogueDep, access: AccessDep, page: PageQ = "1", per_page: PerPageQ = "20",
            department: Annotated[str | None, _filter("提供方的统一社会信用代码", "provider's USCC")] = None,
            provider: Annotated[str | None, _filter("同 department", "same as department")] = None,
            sharing_type: Annotated[str | None, _filter("共享类型（如 无条件共享）", "sharing type, e.g. 无条件共享")] = None,
            state: Annotated[str | None, _filter("审核状态：草稿、待审核、已发布、退回修改、已下线",
                                                 "workflow state: draft, submitted, published, returned, withdrawn")] = None,
            open: Annotated[str | None, _filter("是否向社会开放：是 或 否", "open to the public: 是 or 否")] = None) -> Response:
        filters = {"department": department, "provider": provider, "sharing_type": sharing_type, "state": state,
                   "open": open}
        return await listing(request, cat, access, KINDS["entries"], page, per_page, filters)

    @router.get("/flows", tags=["flows"], summary="列出数据流 / List data flows (token needed)")
    async def list_flows(request: Request, cat: CatalogueDep, access: AccessDep, page: PageQ = "1",
                         per_page: PerPageQ = "20",
                         source: Annotated[str | None, _filter("源系统编码", "source system code")] = None,
                         target: Annotated[str | None, _filter("目标系统编码", "target system code")] = None) -> Response:
        return await listing(request, cat, access, KINDS["flows"], page, per_page, {"source": source, "target": target})

    for kind in KINDS.values():
        _record_routes(router, kind)
    return router


def _record_routes(router: APIRouter, kind: Kind) -> None:
    tag, path = kind.name, f"/{kind.name}/{{code:path}}"
    body_doc = {"requestBody": {"required": True, "content": {JSON: {"schema": json_schema(kind.name)}}}}
    responses = {412: {"description": "If-Match 不是当前版本 / If-Match names another version"},
                 422: {"description": "未通过校验：govcat validate 的 JSON 报告 / Violations: the JSON report of "
                                      "govcat validate"},
                 428: {"description": "缺少 If-Match / If-Match is missing"}}

    @router.get(path + "/history", tags=[tag], summary=f"{kind.zh}的历史版本 / Versions of a {kind.en} (token needed)",
                name=f"{kind.name}_history")
    async def history(code: str, cat: CatalogueDep, access: InternalDep) -> Response:
        def read():
            record = find_record(cat, kind, code) or minted_iri(kind, code, base_iri())
            found, previous, shown = versions(cat, record), None, []
            for v in found:
                shown.append({"version": v.number, "time": v.time, "user": v.user.rsplit("/", 1)[-1] if v.user else None,
                              "action": v.action, "note": v.note, "changes": diff(previous, v.content)})
                previous = v.content
            return record, shown
        record, shown = await run_in_threadpool(read)
        if not shown:
            return _not_found(kind, code)
        return JSONResponse({"code": code, "iri": record, "versions": shown})

    @router.get(path, tags=[tag], summary=f"读取{kind.zh} / Get a {kind.en}", name=f"{kind.name}_get",
                description="带 ETag（版本号）；匿名调用者看不到的记录为 404 / with an ETag (the version); a record "
                            "the caller may not see is a 404")
    async def get(code: str, request: Request, cat: CatalogueDep, access: AccessDep) -> Response:
        def read():
            record = find_record(cat, kind, code)
            return record if record and visible(cat, access, kind, record) else None
        record = await run_in_threadpool(read)
        if record is None:
            return _not_found(kind, code)
        response = await run_in_threadpool(_record_response, cat, record)
        if request.headers.get("if-none-match") in (response.headers["etag"], "*"):
            return Response(status_code=304, headers={"ETag": response.headers["etag"]})
        return response

    @router.post(f"/{kind.name}", tags=[tag], summary=f"新增{kind.zh} / Create a {kind.en}", status_code=201,
                 openapi_extra=body_doc, responses={k: v for k, v in responses.items() if k == 422})
    async def post(request: Request, cat: CatalogueDep, access: AccessDep) -> Response:
        try:
            body = await _body(request)
            written = await run_in_threadpool(create, cat, kind, body, access, base_iri())
        except WriteError as exc:
            return _refused(request, exc)
        location = f"/api/{kind.name}/{quote(written.code, safe='/')}"
        return await run_in_threadpool(_record_response, cat, written.record, 201, {"Location": location})

    @router.put(path, tags=[tag], summary=f"修改{kind.zh}（整条替换） / Replace a {kind.en}", openapi_extra=body_doc,
                responses=responses)
    async def put(code: str, request: Request, cat: CatalogueDep, access: AccessDep) -> Response:
        try:
            body = await _body(request)
            written = await run_in_threadpool(update, cat, kind, code, body, access,
                                              request.headers.get("if-match"), base_iri())
        except WriteError as exc:
            return _refused(request, exc)
        return await run_in_threadpool(_record_response, cat, written.record)

    @router.delete(path, tags=[tag], summary=f"删除{kind.zh} / Delete a {kind.en}", status_code=204,
                   responses={k: v for k, v in responses.items() if k != 422})
    async def remove(code: str, request: Request, cat: CatalogueDep, access: AccessDep) -> Response:
        try:
            await run_in_threadpool(delete, cat, kind, code, access, request.headers.get("if-match"))
        except WriteError as exc:
            return _refused(request, exc)
        return Response(status_code=204)
