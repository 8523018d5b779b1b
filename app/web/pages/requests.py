"""Sharing requests (共享申请, GUIDE §5) in the web pages: the inbox /requests/inbox, one request
/requests/{code} where the provider's editor grants or refuses, and the form /requests/new?resource=CODE.

The work is govcat.sharing's (submit, decide, withdraw: rules R01–R04 refuse with their report, whose findings
are shown at their fields) and govcat.sharing_read's (lists, who sees the purpose and basis, the R05 overdue
findings). Editors see their department's incoming and outgoing requests; admins, reviewers and viewers every
request, filtered by provider, consumer and state in the URL. Writes are POSTs from these pages (303 after)."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from ...access import Access
from ...analytics.inventory import systems
from ...analytics.zombies import department_names
from ...catalogue.labels import column_labels
from ...catalogue.records import KINDS, find_record, record_json, visible
from ...namespaces import DCT, GC
from ...sharing import (
    GRANTED,
    PENDING,
    STATE_NAMES,
    Ask,
    RequestError,
    decide,
    submit,
    withdraw,
)
from ...sharing_form import channels, field_labels, place, working_days_left
from ...sharing_read import as_json, listing, overdue, read
from ..auth import AccessDep, CatalogueDep
from ..requests_api import STATUS
from .edit import refused
from .render import language, page
from .search import entry_url

PER_PAGE = 50
ASKING_ROLES = ("editor", "admin")


def login_first(request: Request) -> RedirectResponse:
    """To the login form, coming back to this very URL (its query included) afterwards."""
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def request_url(code: str) -> str:
    return "/requests/" + quote(code, safe="")


def _dept_names(cat) -> dict[str, str]:
    """USCC -> department name."""
    return {uscc: name for name, _region, uscc in department_names(cat, with_uscc=True).values() if uscc}


def department_uscc(cat, department: str | None) -> str | None:
    return department_names(cat, with_uscc=True).get(department, ("", "", None))[2] if department else None


def _decorate(cat, rows: list[dict], late: dict[str, dict]) -> list[dict]:
    """Each request with its R05 finding (overdue or answered late) and the working days left."""
    for r in rows:
        r["late"] = late.get(r["code"])
        r["days_left"] = working_days_left(cat, r["due"]) if r["state"] == STATE_NAMES[PENDING][0] else None
    return sorted(rows, key=lambda r: (r["state"] != STATE_NAMES[PENDING][0], r["due"] or "", r["code"]))


def inbox_data(cat, access: Access, params) -> dict:
    names = _dept_names(cat)
    state = params.get("state") or None
    late = {r["code"]: r for found in overdue(cat, access).values() for r in found}
    own = department_uscc(cat, access.user.department) if access.user.role == "editor" else None
    if own:
        sections = [("incoming", listing(cat, access, provider=own, state=state)),
                    ("outgoing", listing(cat, access, consumer=own, state=state))]
    else:
        sections = [("all", listing(cat, access, params.get("provider") or None, params.get("consumer") or None,
                                    state))]
    only_late = params.get("overdue") == "1"
    shown = []
    for name, rows in sections:
        rows = _decorate(cat, rows, late)
        if only_late:
            rows = [r for r in rows if r["late"]]
        shown.append({"name": name, "rows": rows})
    return {"sections": shown, "names": names, "own": own, "states": list(STATE_NAMES.values()),
            "chosen": {k: params.get(k, "") for k in ("provider", "consumer", "state", "overdue")}}


def _systems_for(cat, uscc: str | None) -> list:
    """The systems a request may name: a department's (in use first), or every system for an admin."""
    rows = [s for s in systems(cat) if uscc is None or s.department == uscc]
    return sorted(rows, key=lambda s: (s.department, not s.in_use, s.code))


def _entry(cat, access: Access, code: str) -> dict | None:
    record = find_record(cat, KINDS["entries"], code)
    return record_json(cat, record) if record and visible(cat, access, KINDS["entries"], record) else None


def _may_ask(access: Access) -> bool:
    return access.user.role in ASKING_ROLES and (access.admin or access.user.department is not None)


def form_data(cat, access: Access, resource: str) -> dict | None:
    entry = _entry(cat, access, resource)
    if entry is None:
        return None
    own = None if access.admin else department_uscc(cat, access.user.department)
    return {"entry": entry, "systems": _systems_for(cat, own), "channels": channels(), "names": _dept_names(cat),
            "items": [i["信息项名称"] for i in entry.get("信息项") or [] if i.get("信息项名称")]}


def detail_data(cat, access: Access, code: str) -> dict:
    req = read(cat, code)
    body = as_json(cat, req, access)
    provider, consumer = req.text(GC + "provider"), req.text(GC + "consumer")
    state = req.text(GC + "requestState")
    decides = access.user.role in ASKING_ROLES and access.may_write(provider) and state == PENDING
    entry = _entry(cat, access, body["resource"]) if body["resource"] else None
    entry_sources = (entry or {}).get("来源信息系统") or []
    late = next((r for found in overdue(cat, access).values() for r in found if r["code"] == body["code"]), None)
    return {"r": body, "late": late, "entry": entry, "names": _dept_names(cat), "may_decide": decides,
            "may_withdraw": access.user.role in ASKING_ROLES and access.may_write(consumer)
                            and state in (PENDING, GRANTED),
            "sources": sorted(_systems_for(cat, body["provider"]), key=lambda s: s.code not in entry_sources)
                       if decides else [],
            "entry_sources": entry_sources,
            "days_left": working_days_left(cat, body["due"]) if state == PENDING else None}


def _date(value: str, name: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise RequestError("bad_request", f"{name} 应为日期 YYYY-MM-DD", f"{name} must be a date YYYY-MM-DD") from None


def _ask(cat, access: Access, form) -> Ask:
    system = str(form.get("system", "")).strip()
    consumer = None
    if access.admin:     # an admin asks on behalf of the department that owns the chosen system
        consumer = next((s.department for s in systems(cat) if s.code == system), None) or None
    return Ask(str(form.get("resource", "")).strip(), system, [str(i) for i in form.getlist("items")],
               str(form.get("purpose", "")).strip() or None, str(form.get("basis", "")).strip() or None,
               str(form.get("channel", "")).strip() or None, _date(str(form.get("use_from", "")), "use_from"),
               _date(str(form.get("use_until", "")), "use_until"), consumer)


def _problem(exc: RequestError) -> dict:
    """What a refused step shows: the rules' findings at their fields, or the refusal's message."""
    by_field, elsewhere = place(exc.report)
    return {"findings": by_field, "other_findings": elsewhere,
            "error": None if exc.kind == "invalid" else (exc.zh, exc.en)}


def requests_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/requests/inbox")
    async def inbox(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        try:
            data = await run_in_threadpool(inbox_data, cat, access, request.query_params)
        except RequestError as exc:
            return refused(request, access, STATUS[exc.kind], exc.zh, exc.en)
        number = request.query_params.get("page", "1")
        number = max(int(number), 1) if number.isdigit() else 1
        return page(request, access, "requests_inbox.html", per_page=PER_PAGE, number=number,
                    request_url=request_url, entry_url=entry_url, **data)

    async def new_form(request: Request, access: Access, cat, resource: str, status: int = 200,
                       values: dict | None = None, problem: dict | None = None):
        if not _may_ask(access):
            return refused(request, access, 403, "只有部门编辑（为本部门）和管理员可以提出共享申请。",
                           "Only a department's editors (for their department) and admins make sharing requests.")
        data = await run_in_threadpool(form_data, cat, access, resource)
        if data is None:
            return refused(request, access, 404, f"没有代码为 {resource} 的信息资源。", f"There is no entry {resource}.")
        labels = await run_in_threadpool(field_labels, cat, language(request))
        return page(request, access, "requests_new.html", status=status, labels=labels, entry_url=entry_url,
                    values=values or {"channel": data["channels"][0], "items": []},
                    **(problem or {"findings": {}, "other_findings": [], "error": None}), **data)

    @router.get("/requests/new")
    async def new(request: Request, access: AccessDep, cat: CatalogueDep, resource: str = ""):
        if access.anonymous:
            return login_first(request)
        return await new_form(request, access, cat, resource.strip())

    @router.post("/requests/new")
    async def make(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("system", "purpose", "basis", "channel", "use_from", "use_until")}
        values["items"] = [str(i) for i in form.getlist("items")]
        resource = str(form.get("resource", "")).strip()
        try:
            ask = _ask(cat, access, form)
            made = await run_in_threadpool(submit, cat, ask, access)
        except RequestError as exc:
            return await new_form(request, access, cat, resource, STATUS[exc.kind], values, _problem(exc))
        return RedirectResponse(request_url(made.text(DCT + "identifier")) + "?made=1",
                                status_code=303)

    async def detail(request: Request, access: Access, cat, code: str, status: int = 200,
                     problem: dict | None = None, values: dict | None = None):
        try:
            data = await run_in_threadpool(detail_data, cat, access, code)
        except RequestError as exc:
            return refused(request, access, STATUS[exc.kind], exc.zh, exc.en)
        lang = language(request)
        labels = await run_in_threadpool(field_labels, cat, lang)
        return page(request, access, "requests_request.html", status=status, labels=labels, entry_url=entry_url,
                    source_label=column_labels(lang)[("数据流", "源系统编码")],
                    values=values or {}, made=request.query_params.get("made") == "1",
                    **(problem or {"findings": {}, "other_findings": [], "error": None}), **data)

    @router.get("/requests/{code}")
    async def show(request: Request, code: str, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        return await detail(request, access, cat, code)

    @router.post("/requests/{code}/decision")
    async def answer(request: Request, code: str, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        form = await request.form()
        grant = form.get("decision") == "grant"
        reason = str(form.get("reason", "")).strip() or None
        source = str(form.get("source_system", "")).strip() or None
        try:
            await run_in_threadpool(decide, cat, code, access, grant, reason, source)
        except RequestError as exc:
            return await detail(request, access, cat, code, STATUS[exc.kind], _problem(exc),
                                {"reason": reason or "", "source_system": source or "", "decision": form.get("decision")})
        return RedirectResponse(request_url(code), status_code=303)

    @router.post("/requests/{code}/withdrawal")
    async def take_back(request: Request, code: str, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        try:
            await run_in_threadpool(withdraw, cat, code, access)
        except RequestError as exc:
            return await detail(request, access, cat, code, STATUS[exc.kind], _problem(exc))
        return RedirectResponse(request_url(code), status_code=303)

    return router
