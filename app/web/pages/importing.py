"""The import page /import (issue 8, item 5): upload a workbook, read the dry-run report by sheet and row
(the report of `govcat load --dry-run`), then commit it; the empty template at /import/template.xlsx.

The upload is kept server-side under a random id (`govcat.catalogue.imports`); the check and the commit
run in a background thread, and the page follows them through /import/{id}/status (JSON: state, stage,
percent) — static/own/import.js polls it, and without scripts the page refreshes itself. The script also
sends the upload itself, to show how much of a large file has gone up. Editors (their own department's
records) and admins."""
from __future__ import annotations

import shutil
import threading
from itertools import groupby

from fastapi import APIRouter, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from ...access import Access
from ...catalogue.imports import SUFFIXES, Imports
from ...catalogue.record_writes import WRITER_ROLES
from ...template import write_template
from ..auth import AccessDep, CatalogueDep
from .edit import login_redirect, refused
from .render import language, page

SHOWN_RESULTS = 1000        # findings listed on the page (the counts cover all of them)
_lock = threading.Lock()


def imports_of(request: Request, cat) -> Imports:
    """The server's uploads and jobs (made on first use)."""
    state = request.app.state
    with _lock:
        if getattr(state, "imports", None) is None:
            state.imports = Imports(cat)
        return state.imports


def may_import(access: Access) -> bool:
    return access.user is not None and access.user.role in WRITER_ROLES


def grouped(report, lang: str) -> list[dict]:
    """The findings by sheet and row, as `govcat validate` prints them (the first SHOWN_RESULTS)."""
    groups = []
    for (sheet, row), results in groupby(report.results[:SHOWN_RESULTS], key=lambda r: (r.sheet, r.row)):
        groups.append({"sheet": sheet, "row": row, "results": [
            {"rule": r.rule, "severity": r.severity, "column": r.column,
             "value": r.shown if r.value != r.focus else None,
             "message": r.messages.get(lang) or r.messages.get("zh")} for r in results]})
    return groups


def job_view(job, lang: str) -> dict:
    outcome = job.outcome
    view = {"job": job, "job_status": job.status(), "groups": [], "totals": None, "counts": None}
    if outcome is not None and not job.running:
        view["groups"] = grouped(outcome.report, lang)
        view["totals"] = outcome.report.by_severity()
        view["counts"] = {"new": len(outcome.new), "changed": len(outcome.changed), "unchanged": outcome.unchanged,
                          "records": sum(outcome.report.counts.values()),
                          "shown": min(len(outcome.report.results), SHOWN_RESULTS),
                          "results": len(outcome.report.results), "sheets": outcome.report.counts}
    return view


def missing(request: Request, access: Access):
    return refused(request, access, 404, "没有这次导入（上传的文件只保留一天）。",
                   "There is no such import (uploads are kept for a day).")


def import_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def closed(request: Request, access: Access):
        if access.anonymous:
            return login_redirect(request)
        if not may_import(access):
            return refused(request, access, 403, "导入只对编辑和管理员开放。",
                           "Only editors and admins import workbooks.")
        return None

    @router.get("/import")
    async def import_form(request: Request, access: AccessDep):
        return closed(request, access) or page(request, access, "import.html", job=None, error=None)

    @router.get("/import/template.xlsx")
    async def template(request: Request, access: AccessDep, cat: CatalogueDep):
        if (answer := closed(request, access)) is not None:
            return answer
        lang = language(request)
        out = imports_of(request, cat).folder / f"template-{lang}.xlsx"
        if not out.exists():
            await run_in_threadpool(write_template, out, lang)
        return FileResponse(out, filename="目录模板.xlsx" if lang == "zh" else "catalogue-template.xlsx",
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @router.post("/import")
    async def upload(request: Request, access: AccessDep, cat: CatalogueDep, file: UploadFile | None = None):
        if (answer := closed(request, access)) is not None:
            return answer
        if file is None or not file.filename or not file.filename.lower().endswith(SUFFIXES):
            return page(request, access, "import.html", status=400, job=None,
                        error=("请选择一个 .xlsx 工作簿（按模板填写）。",
                               "Choose an .xlsx workbook (filled in after the template)."))
        job = await run_in_threadpool(imports_of(request, cat).add, access, file.filename,
                                      lambda out: shutil.copyfileobj(file.file, out, 1 << 20))
        return RedirectResponse(f"/import/{job.id}", status_code=303)

    @router.get("/import/{job_id}")
    async def job_page(job_id: str, request: Request, access: AccessDep, cat: CatalogueDep):
        if (answer := closed(request, access)) is not None:
            return answer
        job = imports_of(request, cat).get(job_id, access)
        if job is None:
            return missing(request, access)
        return page(request, access, "import.html", error=None, **job_view(job, language(request)))

    @router.get("/import/{job_id}/status")
    async def status(job_id: str, request: Request, access: AccessDep, cat: CatalogueDep):
        job = imports_of(request, cat).get(job_id, access) if may_import(access) else None
        if job is None:
            return JSONResponse({"detail": {"zh": "没有这次导入", "en": "no such import"}}, status_code=404)
        return JSONResponse(job.status())

    @router.post("/import/{job_id}/commit")
    async def commit(job_id: str, request: Request, access: AccessDep, cat: CatalogueDep):
        if (answer := closed(request, access)) is not None:
            return answer
        job = imports_of(request, cat).commit(job_id, access)
        if job is None:
            return missing(request, access)
        return RedirectResponse(f"/import/{job.id}", status_code=303)

    return router
