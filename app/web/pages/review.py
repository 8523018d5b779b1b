"""The review queue /review (issue 8, item 6): the entries 待审核, each approved or returned with a reason
by a reviewer or an admin through `govcat.catalogue.workflow.transition` — the same step as `govcat approve`
and `govcat return`, with its rule that the reviewer is not the entry's last editor. (Editors submit their
drafts from the edit form, pages/edit.py.)"""
from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from ...access import Access
from ...catalogue.history import HistoryError
from ...catalogue.records import KINDS, META, list_records, record_json
from ...catalogue.users import UserError
from ...catalogue.workflow import transition
from ..auth import AccessDep, CatalogueDep
from .edit import login_redirect, refused
from .entry import fields
from .render import language, page
from .search import entry_url

ENTRIES = KINDS["entries"]
SUBMITTED = "待审核"
PER_PAGE = 20
REVIEWERS = ("reviewer", "admin")
DONE = {"approve": ("已审核通过并发布：", "Approved and published: "), "return": ("已退回修改：", "Returned: ")}


def may_review(access: Access) -> bool:
    return access.user is not None and access.user.role in REVIEWERS


def queue(cat, access: Access, number: int, lang: str) -> tuple[int, list[dict]]:
    """One page of the entries waiting for review, oldest code first, with what a reviewer reads."""
    found = list_records(cat, ENTRIES, {"state": SUBMITTED}, number, PER_PAGE, access)
    shown = []
    for record in found.records:
        body = record_json(cat, record)
        code = body[ENTRIES.key.header]
        shown.append({"code": code, "title": body.get("信息资源名称"), "provider": body.get("信息资源提供方"),
                      "meta": body[META], "fields": fields(body, ENTRIES.sheet_name, lang, True),
                      "item_count": len(body.get(ENTRIES.items) or []),
                      "href": entry_url(code), "action": "/review/" + quote(code, safe="/")})
    return found.total, shown


async def review_page(request: Request, access: Access, cat, status: int = 200, problem: dict | None = None):
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    total, entries = await run_in_threadpool(queue, cat, access, number, language(request))
    done = request.query_params.get("done")
    notice = (DONE[done], request.query_params.get("code", "")) if done in DONE else None
    pages = -(-total // PER_PAGE)
    return page(request, access, "review.html", status=status, total=total, entries=entries, number=number,
                pages=pages, notice=notice, problem=problem or {"code": None})


def closed(request: Request, access: Access):
    return refused(request, access, 403, "审核页只对审核员和管理员开放。", "Only reviewers and admins review entries.")


def review_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/review")
    async def review(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_redirect(request)
        if not may_review(access):
            return closed(request, access)
        return await review_page(request, access, cat)

    @router.post("/review/{code:path}/{action}")
    async def decide(code: str, action: str, request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_redirect(request)
        if not may_review(access) or action not in DONE:
            return closed(request, access)
        reason = str((await request.form()).get("reason", "")).strip() or None
        try:
            await run_in_threadpool(transition, cat, code, action, access.user.name,
                                    reason if action == "return" else None)
        except (UserError, HistoryError) as exc:
            problem = {"code": code, "zh": exc.zh, "en": exc.en, "reason": reason or ""}
            return await review_page(request, access, cat, status=409, problem=problem)
        return RedirectResponse("/review?" + urlencode({"done": action, "code": code}), status_code=303)

    return router
