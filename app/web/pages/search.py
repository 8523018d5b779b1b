"""The search page /search: the Chinese search of govcat.search with facets that refine, highlighted hits
and paging. The URL holds the whole state — q, the facet values (the parameters of GET /api/search, a
parameter repeated for several values) and page — so a search can be shared. `department` (the REST
filter's name, used by the home page) is read as `provider`. Like the API, anonymous users search the
public entries only; a logged-in user searches the internal catalogue."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from ...search import FilterError, IndexUnavailable, SearchRequest, search
from ...search.documents import FACETS
from ..auth import AccessDep
from ..search_api import MAX_PAGE
from .render import language, page

MAX_Q = 200
ALIASES = {"department": "provider"}
PAGE_WINDOW = 2          # page links shown either side of the current page

Filters = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class State:
    """What a search URL says."""
    q: str
    page: int
    filters: Filters

    def url(self, **changes) -> str:
        """The URL of this state with some parts replaced (a new query or new filters go back to page 1)."""
        q, filters = changes.get("q", self.q), changes.get("filters", self.filters)
        number = changes.get("page", 1 if "q" in changes or "filters" in changes else self.page)
        params = [("q", q)] if q else []
        params += [(name, value) for name, values in filters for value in values]
        if number > 1:
            params.append(("page", str(number)))
        return "/search" + ("?" + urlencode(params) if params else "")

    def without(self, name: str, value: str) -> str:
        kept = tuple((n, tuple(v for v in values if not (n == name and v == value))) for n, values in self.filters)
        return self.url(filters=tuple((n, values) for n, values in kept if values))

    def chosen(self, name: str) -> tuple[str, ...]:
        return next((values for n, values in self.filters if n == name), ())


def read_state(request: Request) -> State:
    params = request.query_params
    q = " ".join(params.get("q", "").split())[:MAX_Q]
    number = params.get("page", "1").strip()
    number = min(max(int(number), 1), MAX_PAGE) if number.isdigit() else 1
    filters = []
    for facet in FACETS:
        names = [facet.name] + [alias for alias, name in ALIASES.items() if name == facet.name]
        values = [v.strip() for n in names for v in params.getlist(n) if v.strip()]
        if values:
            filters.append((facet.name, tuple(dict.fromkeys(values))))
    return State(q, number, tuple(filters))


def page_links(state: State, pages: int) -> list[dict]:
    """The pager: first, the pages around the current one, last; gaps as None."""
    shown = sorted({1, pages} | set(range(max(1, state.page - PAGE_WINDOW), min(pages, state.page + PAGE_WINDOW) + 1)))
    links, last = [], 0
    for number in shown:
        if number > last + 1:
            links.append(None)
        links.append({"number": number, "url": state.url(page=number), "current": number == state.page})
        last = number
    return links


def facet_groups(state: State, found: dict) -> list[dict]:
    """Per facet, its values with counts; a chosen value the results no longer count stays listed (0)."""
    groups = []
    for facet in FACETS:
        rows = [dict(r, chosen=r["value"] in state.chosen(facet.name)) for r in found["facets"].get(facet.name, [])]
        listed = {r["value"] for r in rows}
        rows += [{"value": v, "label": v, "count": 0, "chosen": True} for v in state.chosen(facet.name) if v not in listed]
        if rows:
            groups.append({"facet": facet, "rows": rows, "other": found["facets_other"].get(facet.name, 0)})
    return groups


def entry_url(code: str) -> str:
    return "/entry/" + quote(code, safe="/")


def search_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/search")
    async def search_page(request: Request, access: AccessDep):
        state = read_state(request)
        if any(alias in request.query_params for alias in ALIASES):
            return RedirectResponse(state.url(), status_code=303)
        asked = SearchRequest(state.q, state.page, state.filters, internal=access.internal)
        lang, problem, status, found = language(request), None, 200, None
        try:
            found = await run_in_threadpool(search, request.app.state.search, asked)
        except FilterError as exc:
            problem, status = (exc.zh if lang == "zh" else exc.en), 400
        except IndexUnavailable:
            problem = "检索索引需要重建，请稍后再试" if lang == "zh" else "the search index must be rebuilt, try again later"
            status = 503
        shown = {(name, r["value"]): r["label"] for name, rows in (found or {}).get("facets", {}).items() for r in rows}
        chosen = [{"facet": f, "label": shown.get((f.name, v), v), "remove": state.without(f.name, v)}
                  for f in FACETS for v in state.chosen(f.name)]
        context = {"state": state, "problem": problem, "found": found, "chosen": chosen, "entry_url": entry_url,
                   "groups": [], "pages": [], "page_count": 0}
        if found is not None:
            count = min(-(-found["total"] // found["per_page"]), MAX_PAGE)
            context.update(groups=facet_groups(state, found), page_count=count,
                           pages=page_links(state, count) if count > 1 else [])
        return page(request, access, "search.html", status=status, **context)

    return router
