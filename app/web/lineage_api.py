"""GET /api/lineage/{code}?direction=up|down|both&depth=N: the lineage of a system or an entry (govcat.lineage),
as {"start", "nodes": [{"id", "type", "code", "label"}], "edges": [{"source", "target", "type", "resource",
"flow"}], "truncated"}. The code is a 系统编码 or 信息资源代码 (entry codes contain "/": the rest of the path) or a
record IRI. Internal: a token is needed (401 without one). Unknown code, or a code of something else than a
system or an entry: 404. The walk reads the live store in a worker thread; it stops at the row cap
(GOVCAT_ROW_CAP) nodes, and says so with "truncated": true."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from ..lineage import DIRECTIONS, lineage
from .auth import CatalogueDep, InternalDep
from .sparql import QueriesDep


def lineage_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["lineage 血缘"])

    @router.get("/lineage/{code:path}", summary="系统或信息资源的血缘（沿数据流、来源系统和派生关系）/ lineage of a "
                                               "system or entry along data flows, source systems and derivations")
    async def get_lineage(code: str, cat: CatalogueDep, queries: QueriesDep, _access: InternalDep,
                          direction: Annotated[str, Query(description="up | down | both")] = "both",
                          depth: Annotated[str | None, Query(description="最大深度（非负整数），缺省不限 / max depth "
                                                                          "(0 or more), none: unlimited")] = None):
        limit = None
        if depth is not None and depth.strip():
            if not depth.strip().isdigit():
                raise HTTPException(400, detail={"zh": f"depth 须为非负整数，而不是“{depth}”",
                                                 "en": f"depth must be an integer of 0 or more, not {depth!r}",
                                                 "param": "depth"})
            limit = int(depth)
        if direction not in DIRECTIONS:
            raise HTTPException(400, detail={"zh": f"direction 须为 {'、'.join(DIRECTIONS)} 之一",
                                             "en": f"direction must be one of {', '.join(DIRECTIONS)}",
                                             "param": "direction"})

        def walk():
            record = cat.resolve(code)
            if record is None:
                return None
            try:
                return lineage(cat.graph, record, direction, limit, max_nodes=queries.row_cap or 10 ** 9)
            except LookupError:      # a department, a flow: no system or entry
                return None

        found = await run_in_threadpool(walk)
        if found is None:
            raise HTTPException(404, detail={"zh": f"目录中没有编码为“{code}”的信息系统或信息资源",
                                             "en": f"the catalogue has no system or entry with the code {code!r}"})
        return found.as_json()

    return router
