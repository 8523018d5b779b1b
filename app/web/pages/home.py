"""The home page: entries per department and workflow state, validation status, zombies and duplicates
found, the evaluation indicators as charts. The figures are computed once per state of the store (kept until the
next write: systems.per_generation)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from ...analytics.overview import overview
from ..auth import AccessDep, CatalogueDep
from .render import language, page
from .systems import per_generation


def bar(name: str, value: float | None) -> dict:
    """One bar of a chart (charts.html): a ratio shown as a percentage, "—" without a denominator."""
    return {"name": name, "value": value, "label": "—" if value is None else f"{value * 100:.1f}%"}


def evaluation_charts(evaluation: dict, lang: str) -> dict[str, list[dict]]:
    """The province's nine indicators, and E1 (systems catalogued) per 市州."""
    province = evaluation["province"]["indicators"]
    return {"province": [bar(f"{i['id']} {i['name'][lang]}", province[i["id"]]["value"])
                         for i in evaluation["indicators"]],
            "E1": [bar(r["name"] or r["code"], r["indicators"]["E1"]["value"]) for r in evaluation["regions"]]}


def home_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def home(request: Request, access: AccessDep, cat: CatalogueDep):
        figures = await run_in_threadpool(per_generation, cat, ("home", access.internal),
                                          lambda: overview(cat, access.internal))
        evaluation = figures.get("evaluation")
        charts = evaluation_charts(evaluation, language(request)) if evaluation else {}
        return page(request, access, "home.html", figures=figures, charts=charts)

    return router
