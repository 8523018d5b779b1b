"""The systems inventory (信息系统, GUIDE §2) for logged-in users: /systems lists the systems with filters in the
URL (department, 市州, in use, 整合状态, network, platform, scope, zombie criterion, text) and each system's
zombie flags with their evidence as the last `govcat zombies` stored them; /systems/duplicates shows the
stored duplicate pairs side by side (names, functions, departments, use, shared words and data items, score,
kind); /systems/integration the integration status per department (govcat.analytics.integration).

An editor first sees their own department (the department filter set); "全部部门" shows every one. The
figures are read once per state of the store (Catalogue.generation) and kept until the next write."""
from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from ...access import Access
from ...analytics.duplicates import KINDS
from ...analytics.evaluation import city_of
from ...analytics.integration import STATUSES, track
from ...analytics.inventory import (
    RUNNING,
    Filters,
    assessed_on,
    choices,
    duplicate_pairs,
    systems,
)
from ...catalogue import Catalogue
from ..auth import AccessDep, CatalogueDep
from .entry import link
from .render import page
from .requests import department_uscc, login_first

PER_PAGE = 50
_lock = threading.Lock()


def per_generation(cat: Catalogue, key: tuple, compute: Callable[[], object]):
    """`compute()` once per state of the store and `key` (Catalogue.kept: until the next write); one page's
    figures computed at a time, so that two visitors after a write do not both compute them."""
    with _lock:
        return cat.kept(("page",) + key, compute)


def read_filters(request: Request, cat: Catalogue, access: Access) -> Filters:
    params = request.query_params
    values = {name: params.get(name, "").strip()[:200] for name in Filters.names()}
    if "department" not in params and access.user.role == "editor":
        values["department"] = department_uscc(cat, access.user.department) or ""
    return Filters(**values)


def _inventory(cat: Catalogue) -> dict:
    rows = systems(cat)
    return {"rows": rows, "choices": choices(cat, rows), "assessed_on": assessed_on(cat),
            "by_code": {s.code: s for s in rows}}


def _page_number(request: Request) -> int:
    number = request.query_params.get("page", "1")
    return max(int(number), 1) if number.isdigit() else 1


def _score(text: str) -> float:
    try:
        return min(max(float(text), 0.0), 1.0)
    except ValueError:
        return 0.0


def systems_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def figures(request: Request, cat: Catalogue) -> dict:
        return await run_in_threadpool(per_generation, cat, ("inventory",), lambda: _inventory(cat))

    @router.get("/systems")
    async def inventory(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        data = await figures(request, cat)
        filters = read_filters(request, cat, access)
        shown = [s for s in data["rows"] if filters.matches(s)]
        number = _page_number(request)
        return page(request, access, "systems.html", filters=filters, rows=shown, total=len(data["rows"]),
                    visible=shown[(number - 1) * PER_PAGE: number * PER_PAGE], number=number, per_page=PER_PAGE,
                    choices=data["choices"], assessed_on=data["assessed_on"], running=RUNNING,
                    system_link=lambda code: link("system", code, True), tab="/systems")

    @router.get("/systems/duplicates")
    async def duplicates(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        data = await figures(request, cat)
        pairs = await run_in_threadpool(per_generation, cat, ("pairs",),
                                        lambda: duplicate_pairs(cat, data["by_code"]))
        filters = read_filters(request, cat, access)
        kind = request.query_params.get("kind", "")
        low = _score(request.query_params.get("min_score", "0"))
        shown = [p for p in pairs if (not filters.department or filters.department in
                                      (p.first.department, p.second.department))
                 and (not kind or p.kind == kind) and p.score >= low]
        number = _page_number(request)
        return page(request, access, "systems_duplicates.html", filters=filters, pairs=shown, total=len(pairs),
                    visible=shown[(number - 1) * PER_PAGE: number * PER_PAGE], number=number, per_page=PER_PAGE,
                    kinds=KINDS, kind=kind, min_score=request.query_params.get("min_score", ""),
                    choices=data["choices"], system_link=lambda code: link("system", code, True),
                    tab="/systems/duplicates")

    @router.get("/systems/integration")
    async def integration(request: Request, access: AccessDep, cat: CatalogueDep):
        if access.anonymous:
            return login_first(request)
        data = await figures(request, cat)
        found = await run_in_threadpool(per_generation, cat, ("integration",), lambda: track(cat))
        filters = read_filters(request, cat, access)
        shown = [d for d in found if (not filters.department or d.uscc == filters.department)
                 and (not filters.city or city_of(d.region) == filters.city)]
        return page(request, access, "systems_integration.html", filters=filters, departments=shown,
                    statuses=STATUSES, choices=data["choices"], system_link=lambda code: link("system", code, True),
                    tab="/systems/integration")

    return router
