"""The SPARQL page /query: YASGUI (npm @zazuko/yasgui, served from /static/vendor/yasgui by `govcat assets`)
against this server's /sparql, and beside it the saved queries (queries/*.rq that analysts run, the same list
as GET /api/queries) one click away: a click opens the query's text in a new YASGUI tab and explains its
parameters. The user runs it.

YASGUI is configured to fetch nothing but /sparql (static/own/query.js): the LOV class and property
autocompleters are off, prefixes come from its bundled list (no prefix.cc), the endpoint list holds /sparql
only, and nothing is kept in the browser's storage (results of the internal catalogue must not outlive the
session on a shared computer). The session cookie goes with each query (same origin), so the query sees what
the user's role may read."""
from __future__ import annotations

from fastapi import APIRouter, Request

from ...paths import QUERIES_DIR
from ...saved_queries import TYPES, analyst_queries, load_all
from ..auth import AccessDep
from .render import language, page
from .requests import login_first


def explained(saved, lang: str) -> list[dict]:
    """What the page shows and query.js loads: each query's title, description, text and parameters."""
    pick = 0 if lang == "zh" else 1
    return [{"name": q.name, "title": q.title.get(lang) or q.title["zh"],
             "description": q.description.get(lang) or q.description.get("zh", ""), "text": q.text,
             "params": [{"name": p.name, "label": p.label.get(lang) or p.label.get("zh", p.name),
                         "type": TYPES[p.type][pick], "required": p.required, "default": p.default}
                        for p in q.params]}
            for q in saved.values()]


def query_router() -> APIRouter:
    saved = analyst_queries(load_all(QUERIES_DIR))
    router = APIRouter(include_in_schema=False)

    @router.get("/query")
    async def query_page(request: Request, access: AccessDep):
        if access.anonymous:
            return login_first(request)
        from . import assets_installed  # the package imports this module first
        return page(request, access, "query.html", queries=explained(saved, language(request)),
                    installed=assets_installed())

    return router
