"""The edit forms (issue 8, item 4): /entry/{code}/edit and /new/entry, and the same form for the other
records (/department|system|flow/{code}/edit, /new/department|system|flow), generated from the shapes by
`govcat.catalogue.form_model`.

A save goes through the REST API's core (`record_writes.create` / `update`) with the form turned into the
API's JSON body; a refusal by the rules puts each finding beside its field, and the form keeps what the
user typed. The form carries the version it was opened at (the ETag); a record changed meanwhile (412 in
REST terms) is shown beside what the user sent, and saving again applies the user's version over it.
Only users who may write the record's department see the form (`Access.may_write`)."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from govcat.loaders import base_iri

from ...access import Access
from ...catalogue.form_model import (
    blank,
    body_from_form,
    check,
    form_fields,
    form_values,
    item_fields,
    new_record_values,
    place,
)
from ...catalogue.history import HistoryError, versions
from ...catalogue.record_writes import WRITER_ROLES, WriteError, create, etag, update
from ...catalogue.records import KINDS, META, Kind, find_record, owner_of_record, record_json
from ...catalogue.users import UserError
from ...catalogue.workflow import transition
from ..auth import AccessDep, CatalogueDep
from ..rest import STATUS
from .render import language, page
from .search import entry_url

# URL segment -> the REST API's kind (the entry page /entry/{code} is another module's; its form is here)
PAGE_KINDS = {"entry": KINDS["entries"], "department": KINDS["departments"], "system": KINDS["systems"],
              "flow": KINDS["flows"]}
SLUGS = {kind.name: slug for slug, kind in PAGE_KINDS.items()}
EDITABLE_STATES = ("草稿", "退回修改")       # the entries an editor may submit for review
ITEM_FIELD = re.compile(r"^item-(\d+)-(.+)$")


def edit_url(kind: Kind, code: str) -> str:
    return f"/{SLUGS[kind.name]}/{quote(code, safe='/')}/edit"


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse("/login?next=" + quote(request.url.path, safe="/"), status_code=303)


def refused(request: Request, access: Access, status: int, zh: str, en: str):
    """A page that says why the user cannot go on (403, 404)."""
    return page(request, access, "edit_refused.html", status=status, message=(zh, en))


def forbidden(request: Request, access: Access, creating: bool = False):
    if creating:
        return refused(request, access, 403, "您没有权限新建这类记录：编辑新建本部门的记录，管理员新建任何记录。",
                       "You may not create such a record: editors create their department's records, admins any.")
    return refused(request, access, 403, "您没有权限修改这条记录：只有该部门的编辑和管理员可以修改。",
                   "You may not change this record: only its department's editors and admins may.")


def parse_form(kind: Kind, form) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The fields and the nested rows the user sent (rows ticked for removal and empty rows left out)."""
    values = {c.header: str(form.get(c.header, "")) for c in kind.sheet.columns}
    rows: dict[int, dict[str, str]] = {}
    for name, value in form.multi_items():
        matched = ITEM_FIELD.match(name)
        if matched:
            rows.setdefault(int(matched.group(1)), {})[matched.group(2)] = str(value)
    headers = [f.header for f in item_fields(kind, "zh")]
    items = []
    for _n, row in sorted(rows.items()):
        if row.get("remove"):
            continue
        item = {h: row.get(h, "") for h in headers}
        if not blank(item):
            items.append(item)
    return values, items


def conflict_rows(kind: Kind, theirs: dict, values: dict[str, str], items: list[dict[str, str]],
                  lang: str) -> list[dict]:
    """The stored record (theirs) beside the one the user sent (yours), field by field."""
    stored, stored_items = form_values(kind, theirs)
    rows = []
    for f in form_fields(kind.sheet_name, lang):
        yours = values.get(f.header, "").strip()
        rows.append({"label": f.label, "theirs": stored[f.header], "yours": yours,
                     "differs": stored[f.header] != yours})
    if kind.items:
        def lines(rows_):
            return "\n".join(" · ".join(v.strip() for v in row.values() if v.strip()) for row in rows_)
        mine, kept = lines(items), lines(stored_items)
        rows.append({"label": kind.items, "theirs": kept, "yours": mine, "differs": kept != mine})
    return rows


def returned_reason(cat, record: str) -> str | None:
    """Why a reviewer sent the entry back (the note of its last return)."""
    found = [v for v in versions(cat, record) if v.action == "return"]
    return found[-1].note if found else None


def form_page(request: Request, access: Access, kind: Kind, *, code: str | None, values: dict[str, str],
              items: list[dict[str, str]], version: int, meta: dict | None = None, report=None,
              status: int = 200, conflict: list[dict] | None = None, theirs_meta: dict | None = None,
              notice: tuple[str, str] | None = None, error: tuple[str, str] | None = None,
              reason: str | None = None):
    lang = language(request)
    fields = form_fields(kind.sheet_name, lang)
    placed = place(kind, report)
    ids = {f.header: f"f-{n}" for n, f in enumerate(fields, start=1)}
    shown_when = {f.header: json.dumps([{"trigger": c.trigger, "values": list(c.values)} for c in f.shown_when],
                                       ensure_ascii=False) for f in fields if f.shown_when}
    nested = item_fields(kind, lang)
    labels = {f.header: f.label for f in fields} | {f.header: f.label for f in nested}
    action = edit_url(kind, code) if code else f"/new/{SLUGS[kind.name]}"
    return page(request, access, "edit.html", status=status, kind=kind, code=code, fields=fields,
                item_fields=nested, values=values, items=items, version=version, meta=meta, placed=placed, ids=ids,
                shown_when=shown_when, labels=labels, action=action, conflict=conflict, theirs_meta=theirs_meta,
                notice=notice, error=error, reason=reason, summary=summary(kind, placed, ids, nested, labels),
                rejected=status == 422,
                submit_action=f"/entry/{quote(code, safe='/')}/submit" if kind.items and code else None,
                may_submit=bool(kind.items and code and meta and meta.get("state") in EDITABLE_STATES),
                entry_link=entry_url(code) if kind.items and code else None)


def summary(kind: Kind, placed, ids: dict[str, str], nested, labels: dict[str, str]) -> list[dict]:
    """Every finding once, with the field it is about and the anchor of that field on the form."""
    columns = {f.header: n for n, f in enumerate(nested, start=1)}
    shown = []
    for r in placed.results:
        anchor, name = None, labels.get(r.column or "", r.column)
        if r.sheet == kind.sheet_name and r.column in ids:
            anchor = ids[r.column]
        elif kind.items and r.sheet == kind.items and r.row and r.column in columns:
            anchor, name = f"i-{r.row}-{columns[r.column]}", f"{kind.items} {r.row} · {name}"
        shown.append({"r": r, "anchor": anchor, "field": name})
    return shown


def stored_record(cat, kind: Kind, code: str):
    record = find_record(cat, kind, code)
    return (record, record_json(cat, record)) if record else (None, None)


def _edit_routes(router: APIRouter, slug: str, kind: Kind) -> None:
    async def open_record(request: Request, access: Access, cat, code: str):
        """(record, body) the user may edit, or the page that says why not."""
        if access.anonymous:
            return None, login_redirect(request)
        record, body = await run_in_threadpool(stored_record, cat, kind, code)
        if record is None:
            return None, refused(request, access, 404, f"没有代码为 {code} 的{kind.zh}。",
                                 f"There is no {kind.en} {code}.")
        if not access.may_write(await run_in_threadpool(owner_of_record, cat, kind, record)):
            return None, forbidden(request, access)
        return (record, body), None

    @router.get(f"/{slug}/{{code:path}}/edit")
    async def edit_form(code: str, request: Request, access: AccessDep, cat: CatalogueDep):
        found, answer = await open_record(request, access, cat, code)
        if answer is not None:
            return answer
        record, body = found
        values, items = form_values(kind, body)
        report = await run_in_threadpool(check, cat, kind, body, access.user.name)
        reason = await run_in_threadpool(returned_reason, cat, record) if body[META]["state"] == "退回修改" else None
        notice = {"saved": ("已保存。", "Saved."), "created": ("已新建。", "Created."),
                  "submitted": ("已提交审核。", "Submitted for review.")}.get(request.query_params.get("done", ""))
        return form_page(request, access, kind, code=code, values=values, items=items, version=body[META]["version"],
                         meta=body[META], report=report, notice=notice, reason=reason)

    @router.post(f"/{slug}/{{code:path}}/edit")
    async def save(code: str, request: Request, access: AccessDep, cat: CatalogueDep):
        found, answer = await open_record(request, access, cat, code)
        if answer is not None:
            return answer
        _record, stored = found
        form = await request.form()
        values, items = parse_form(kind, form)
        version = int(form.get("version") or 0)
        if form.get("action") == "add-item":
            return form_page(request, access, kind, code=code, values=values, items=items + [{}], version=version,
                             meta=stored[META])
        body = body_from_form(kind, values, items)
        try:
            await run_in_threadpool(update, cat, kind, code, body, access, etag(version), base_iri())
        except WriteError as exc:
            return await refusal(request, access, cat, kind, exc, code, values, items, version, stored[META])
        return RedirectResponse(edit_url(kind, code) + "?done=saved", status_code=303)

    @router.get(f"/new/{slug}")
    async def new_form(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_redirect(request)
        if not may_create(access, kind):
            return forbidden(request, access, creating=True)
        values = await run_in_threadpool(new_record_values, cat, kind, access.user.department)
        return form_page(request, access, kind, code=None, values=values, items=[{}] if kind.items else [], version=0)

    @router.post(f"/new/{slug}")
    async def create_record(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_redirect(request)
        if not may_create(access, kind):
            return forbidden(request, access, creating=True)
        form = await request.form()
        values, items = parse_form(kind, form)
        if form.get("action") == "add-item":
            return form_page(request, access, kind, code=None, values=values, items=items + [{}], version=0)
        body = body_from_form(kind, values, items)
        try:
            written = await run_in_threadpool(create, cat, kind, body, access, base_iri())
        except WriteError as exc:
            return await refusal(request, access, cat, kind, exc, None, values, items, 0, None)
        return RedirectResponse(edit_url(kind, written.code) + "?done=created", status_code=303)


def may_create(access: Access, kind: Kind) -> bool:
    """Editors create their department's systems, entries and flows; admins anything (departments too)."""
    return access.admin or (access.user.role in WRITER_ROLES and kind.name != "departments")


async def refusal(request, access, cat, kind: Kind, exc: WriteError, code, values, items, version, meta):
    """The form again, with what the core said: findings beside their fields, or the conflict."""
    common = dict(code=code, values=values, items=items or ([{}] if kind.items else []), version=version, meta=meta)
    if exc.kind == "invalid":
        return form_page(request, access, kind, report=exc.report, status=422, **common)
    if exc.kind == "stale":
        _record, theirs = await run_in_threadpool(stored_record, cat, kind, code)
        if theirs is None:
            return refused(request, access, 404, f"{kind.zh} {code} 已被删除。",
                           f"The {kind.en} {code} has been deleted.")
        rows = conflict_rows(kind, theirs, values, items, language(request))
        common.update(version=theirs[META]["version"], meta=theirs[META])
        return form_page(request, access, kind, status=409, conflict=rows, theirs_meta=theirs[META], **common)
    return form_page(request, access, kind, status=STATUS.get(exc.kind, 400), error=(exc.zh, exc.en), **common)


def edit_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for slug, kind in PAGE_KINDS.items():
        _edit_routes(router, slug, kind)
    entries = PAGE_KINDS["entry"]

    @router.post("/entry/{code:path}/submit")
    async def submit(code: str, request: Request, access: AccessDep, cat: CatalogueDep):
        """An editor's draft (or a returned entry) goes to the review queue."""
        if access.anonymous:
            return login_redirect(request)
        record, body = await run_in_threadpool(stored_record, cat, entries, code)
        if record is None:
            return refused(request, access, 404, f"没有代码为 {code} 的信息资源。", f"There is no entry {code}.")
        if not access.may_write(await run_in_threadpool(owner_of_record, cat, entries, record)):
            return forbidden(request, access)
        try:
            await run_in_threadpool(transition, cat, code, "submit", access.user.name)
        except (UserError, HistoryError) as exc:
            values, items = form_values(entries, body)
            return form_page(request, access, entries, code=code, values=values, items=items, status=409,
                             version=body[META]["version"], meta=body[META], error=(exc.zh, exc.en))
        return RedirectResponse(edit_url(entries, code) + "?done=submitted", status_code=303)

    return router
