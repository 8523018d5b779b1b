"""Analysts' routes: zombie systems and duplicate-system candidates (internal: a token is needed)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from ..analytics import zombies
from ..analytics.duplicates import KINDS
from ..queries import query
from .auth import CatalogueDep, InternalDep


def _lang(request: Request) -> str:
    header = (request.headers.get("accept-language") or "").lower()
    return "en" if header.startswith("en") else "zh"


def analytics_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["analytics 分析"])

    @router.get("/zombies", summary="僵尸信息系统（Z1–Z5）及依据 / zombie systems (Z1–Z5) with their evidence")
    async def get_zombies(request: Request, cat: CatalogueDep, _access: InternalDep,
                          as_of: Annotated[dt.date | None, Query(description="评估日期 / evaluation date")] = None,
                          threshold: Annotated[list[str] | None, Query(
                              description="阈值 name=value，可重复 / a threshold, repeatable")] = None):
        try:
            limits = zombies.Thresholds.parse(threshold or [])
        except ValueError as exc:
            raise HTTPException(400, detail=str(exc)) from None
        found = await run_in_threadpool(zombies.evaluate, cat, as_of or dt.date.today(), limits,
                                        zombies.stored_duplicates(cat))
        return [z.as_json(_lang(request)) for z in found]

    @router.get("/duplicates", summary="重复建设候选（最近一次 govcat duplicates 的结果）/ duplicate-system "
                                       "candidates stored by the last duplicate run")
    async def get_duplicates(request: Request, cat: CatalogueDep, _access: InternalDep,
                             min_score: Annotated[float, Query(ge=0, le=1)] = 0.0):
        lang = _lang(request)
        rows = await run_in_threadpool(cat.graph.select, query("duplicate_details"))
        found = []
        for r in rows:
            score = float(r["score"].value)
            if score < min_score:
                continue
            kind = r["kind"].value
            found.append({"systems": [r["codeA"].value, r["codeB"].value],
                          "names": [r["nameA"].value if r["nameA"] else "", r["nameB"].value if r["nameB"] else ""],
                          "score": score, "kind": KINDS.get(kind, kind) if lang == "zh" else kind,
                          "shared_terms": [t for t in r["terms"].value.split("\x1f") if t] if r["terms"] else [],
                          "shared_items": [t for t in r["items"].value.split("\x1f") if t] if r["items"] else []})
        return found

    @router.get("/integration", summary="各部门信息系统整合进度 / integration tracking per department")
    async def get_integration(cat: CatalogueDep, _access: InternalDep,
                              department: Annotated[str | None, Query(description="统一社会信用代码 / USCC")] = None):
        from ..analytics.integration import track
        found = await run_in_threadpool(track, cat, department)
        if department and not found:
            raise HTTPException(404, detail={"zh": f"库中没有部门 {department}", "en": f"no department {department}"})
        return [d.as_json() for d in found]

    @router.get("/evaluation", summary="统一评价体系指标（部门、市州、全省）/ evaluation indicators per department, "
                                       "市州 and province")
    async def get_evaluation(cat: CatalogueDep, _access: InternalDep,
                             year: Annotated[int, Query(ge=2000, le=2100, description="评价年度 / year")]):
        from ..analytics.evaluation import evaluate
        return await run_in_threadpool(evaluate, cat, year)

    return router
