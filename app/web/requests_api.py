"""Sharing requests over HTTP (GUIDE §5); the work is done by govcat.sharing and govcat.sharing_read.

- GET  /api/requests?provider=USCC&consumer=USCC&state=待审核&overdue=true → [request, …] (overdue: {provider: […]})
- POST /api/requests {"resource", "system", "items", "purpose", "basis", "channel", "use_from", "use_until",
  "consumer"} → 201 + Location (editors of the consumer department; an admin names "consumer")
- GET  /api/requests/{code} → the request
- POST /api/requests/{code}/decision {"grant": true|false, "reason", "source_system"} (editors of the provider)
- POST /api/requests/{code}/withdrawal (editors of the consumer); POST /api/requests/expiry (admins)
A token is needed (401 without); purpose, basis and reasons appear only for users of the two departments and
admins. Errors: {"detail": {"zh", "en"}}; 422: the `govcat validate --format json` report (R01–R04, or F01–F04 of
the flow a grant creates); 503: a date beyond the official calendar (chinese-calendar must be upgraded)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from ..sharing import Ask, RequestError, decide, expire, submit, withdraw
from ..sharing_read import as_json, listing, overdue, read
from ..validation.report import as_json as report_json
from .auth import AccessDep, AdminDep, CatalogueDep, InternalDep
from .rest import language

STATUS = {"unauthorized": 401, "forbidden": 403, "not_found": 404, "conflict": 409, "bad_request": 400,
          "invalid": 422, "calendar": 503}
ASK_KEYS = {"resource", "system", "items", "purpose", "basis", "channel", "use_from", "use_until", "consumer"}


def _refused(request: Request, exc: RequestError) -> Response:
    if exc.kind == "invalid":
        return Response(report_json(exc.report, language(request)), status_code=422, media_type="application/json")
    headers = {"WWW-Authenticate": 'Bearer realm="govcat"'} if exc.kind == "unauthorized" else None
    return JSONResponse({"detail": {"zh": exc.zh, "en": exc.en}}, status_code=STATUS[exc.kind], headers=headers)


def _bad(zh: str, en: str) -> RequestError:
    return RequestError("bad_request", zh, en)


async def _object(request: Request, allowed: set[str]) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise _bad("请求体应为 JSON 对象", "the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _bad("请求体应为 JSON 对象", "the request body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise _bad(f"未知的字段：{'、'.join(unknown)}", f"unknown field(s): {', '.join(unknown)}")
    return body


def _text(body: dict, key: str, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad(f"「{key}」应为文本", f"{key} must be a text")
    return value


def _day(body: dict, key: str) -> dt.date | None:
    value = _text(body, key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _bad(f"「{key}」应为日期 YYYY-MM-DD", f"{key} must be a date YYYY-MM-DD") from None


def _ask(body: dict) -> Ask:
    items = body.get("items") or []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _bad("「items」应为信息项名称的列表", "items must be a list of data-item names")
    return Ask(_text(body, "resource", True), _text(body, "system", True), items, _text(body, "purpose"),
               _text(body, "basis"), _text(body, "channel"), _day(body, "use_from"), _day(body, "use_until"),
               _text(body, "consumer"))


def requests_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["sharing requests 共享申请"])

    @router.get("/requests", summary="共享申请列表；overdue=true：逾期（R05）的申请按提供方列出 / sharing requests; "
                                     "overdue=true: those flagged by R05, per provider")
    async def get_requests(request: Request, cat: CatalogueDep, access: InternalDep,
                           provider: Annotated[str | None, Query(description="提供方 USCC")] = None,
                           consumer: Annotated[str | None, Query(description="申请部门 USCC")] = None,
                           state: Annotated[str | None, Query(description="待审核、已同意… / submitted, granted…")] = None,
                           overdue_only: Annotated[bool, Query(alias="overdue")] = False):
        try:
            if overdue_only:
                found = await run_in_threadpool(overdue, cat, access)
                return {k: v for k, v in found.items() if not provider or k == provider}
            return await run_in_threadpool(listing, cat, access, provider, consumer, state)
        except RequestError as exc:
            return _refused(request, exc)

    @router.post("/requests", status_code=201, summary="提出共享申请（R01–R04）/ make a sharing request (R01–R04)")
    async def post_request(request: Request, cat: CatalogueDep, access: AccessDep):
        try:
            if access.anonymous:
                raise RequestError("unauthorized", "共享申请需要令牌", "sharing requests need a token")
            ask = _ask(await _object(request, ASK_KEYS))
            req = await run_in_threadpool(submit, cat, ask, access)
            body = await run_in_threadpool(as_json, cat, req, access)
        except RequestError as exc:
            return _refused(request, exc)
        return JSONResponse(body, status_code=201, headers={"Location": f"/api/requests/{body['code']}"})

    @router.get("/requests/{code}", summary="一条共享申请 / one sharing request")
    async def get_request(request: Request, code: str, cat: CatalogueDep, access: InternalDep):
        try:
            req = await run_in_threadpool(read, cat, code)
            return await run_in_threadpool(as_json, cat, req, access)
        except RequestError as exc:
            return _refused(request, exc)

    @router.post("/requests/{code}/decision", summary="提供方答复：同意（建立数据流）或拒绝（须说明理由，R04）/ the "
                                                      "provider grants (a data flow) or refuses (with reasons, R04)")
    async def post_decision(request: Request, code: str, cat: CatalogueDep, access: AccessDep):
        try:
            if access.anonymous:
                raise RequestError("unauthorized", "共享申请需要令牌", "sharing requests need a token")
            body = await _object(request, {"grant", "reason", "source_system"})
            if not isinstance(body.get("grant"), bool):
                raise _bad("「grant」应为 true 或 false", "grant must be true or false")
            req = await run_in_threadpool(decide, cat, code, access, body["grant"], _text(body, "reason"),
                                          _text(body, "source_system"))
            return await run_in_threadpool(as_json, cat, req, access)
        except RequestError as exc:
            return _refused(request, exc)

    @router.post("/requests/{code}/withdrawal", summary="申请部门撤回申请 / the consumer withdraws the request")
    async def post_withdrawal(request: Request, code: str, cat: CatalogueDep, access: AccessDep):
        try:
            req = await run_in_threadpool(withdraw, cat, code, access)
            return await run_in_threadpool(as_json, cat, req, access)
        except RequestError as exc:
            return _refused(request, exc)

    @router.post("/requests/expiry", summary="使用期限已过的申请改为已过期（管理员）/ expire requests whose period of "
                                             "use has ended (admins)")
    async def post_expiry(request: Request, cat: CatalogueDep, access: AdminDep):
        try:
            ended = await run_in_threadpool(expire, cat, access)
            return [await run_in_threadpool(as_json, cat, req, access) for req in ended]
        except RequestError as exc:
            return _refused(request, exc)

    return router
