"""The evaluation /evaluation?year=Y (统一评价, GUIDE §7: indicators E1–E9 of govcat.analytics.evaluation for the
province, each 市州 and each department, with server-side SVG charts — the home page's charts.html) and the
annual report /report?year=Y[&department=USCC] (govcat.analytics.report: this year against last year's end
rebuilt from the history), both downloadable: the evaluation as .xlsx (analytics.output.evaluation_xlsx),
the report as its HTML document and .xlsx (report.write_html, write_xlsx).

Logged-in users only. An editor's department is marked in the tables, and their first report is their
department's ("全省" switches to the province's). Figures are computed once per state of the store and year."""
from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from ...access import Access
from ...analytics.evaluation import INDICATORS, city_of, evaluate
from ...analytics.output import evaluation_xlsx
from ...analytics.report import build, write_html, write_xlsx
from ...workdays import beijing_today
from ..auth import AccessDep, CatalogueDep
from .edit import refused
from .home import bar
from .render import language, page
from .requests import department_uscc, login_first
from .systems import per_generation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IDS = tuple(i.id for i in INDICATORS)


def year_asked(request: Request) -> int | None:
    """The year in the URL (this year in Beijing when none); None when it is not a year from 2000 to 2100."""
    raw = request.query_params.get("year", "").strip()
    if not raw:
        return beijing_today().year
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None


def charts(result: dict, departments: list[dict], indicator: str, lang: str) -> dict[str, list[dict]]:
    """The bars of the page: the province's nine indicators, one indicator per 市州 and per department shown."""
    province = result["province"]["indicators"]
    return {"province": [bar(f"{i['id']} {i['name'][lang]}", province[i["id"]]["value"]) for i in result["indicators"]],
            "regions": [bar(r["name"] or r["code"], r["indicators"][indicator]["value"]) for r in result["regions"]],
            "departments": [bar(d["name"], d["indicators"][indicator]["value"]) for d in departments]}


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _written(write, figures: dict, *options) -> bytes:
    """What a writer of govcat.analytics puts in its file, write(figures, out, *options) (they write files,
    the page sends bytes)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        write(figures, out, *options)
        return out.read_bytes()


def evaluation_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def figures(request: Request, cat, year: int) -> dict:
        return await run_in_threadpool(per_generation, cat, ("evaluation", year), lambda: evaluate(cat, year))

    def bad_year(request: Request, access: Access):
        return refused(request, access, 400, "年度应为 2000 至 2100 之间的整数。", "The year must be a whole number from 2000 to 2100.")

    @router.get("/evaluation")
    async def evaluation(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        year = year_asked(request)
        if year is None:
            return bad_year(request, access)
        result = await figures(request, cat, year)
        indicator = request.query_params.get("indicator", "E1")
        indicator = indicator if indicator in IDS else "E1"
        own = department_uscc(cat, access.user.department) if access.user.role == "editor" else None
        city = request.query_params.get("city", "")
        shown = [d for d in result["departments"] if not city or city_of(d["region"]) == city]
        return page(request, access, "evaluation.html", result=result, year=year, indicator=indicator, city=city,
                    departments=shown, charts=charts(result, shown, indicator, language(request)), own=own,
                    mine=next((d for d in result["departments"] if d["code"] == own), None))

    @router.get("/evaluation.xlsx")
    async def evaluation_download(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        year = year_asked(request)
        if year is None:
            return bad_year(request, access)
        result = await figures(request, cat, year)
        body = await run_in_threadpool(_written, evaluation_xlsx, result, language(request))
        return _download(body, XLSX, f"evaluation-{year}.xlsx")

    async def report_of(request: Request, access: Access, cat, year: int, department: str | None):
        def compute():
            try:
                return build(cat, year, department)
            except LookupError:
                return None
        return await run_in_threadpool(per_generation, cat, ("report", year, department), compute)

    def department_asked(request: Request, cat, access: Access) -> str | None:
        if "department" in request.query_params:
            return request.query_params["department"].strip() or None
        return department_uscc(cat, access.user.department) if access.user.role == "editor" else None

    @router.get("/report")
    async def report_page(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        year = year_asked(request)
        if year is None:
            return bad_year(request, access)
        department = department_asked(request, cat, access)
        result = await figures(request, cat, year)
        return page(request, access, "evaluation_report.html", year=year, department=department or "",
                    departments=[(d["code"], d["name"]) for d in result["departments"]],
                    known=department is None or any(d["code"] == department for d in result["departments"]))

    @router.get("/report/document")
    async def report_document(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        year = year_asked(request)
        if year is None:
            return bad_year(request, access)
        department = department_asked(request, cat, access)
        report = await report_of(request, access, cat, year, department)
        if report is None:
            return refused(request, access, 404, f"库中没有部门 {department}。", f"The store holds no department {department}.")
        stem = f"report-{year}" + (f"-{department}" if department else "")
        if request.query_params.get("format") == "xlsx":
            return _download(await run_in_threadpool(_written, write_xlsx, report), XLSX, stem + ".xlsx")
        html = await run_in_threadpool(_written, write_html, report)
        if request.query_params.get("download") == "1":
            return _download(html, "text/html; charset=utf-8", stem + ".html")
        return HTMLResponse(html.decode("utf-8"))

    return router
