"""The open-data feed over HTTP (issue 6): `/catalog` (DCAT-AP 3, Hydra paging), each dataset's page and
URI, `/data.json` (POD v1.1). Public: no token needed, and none changes what is shown — only entries
published and open to the public (govcat.dcat.feed). Thin: the core is govcat.dcat."""
from __future__ import annotations

import json
import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from ..dcat.feed import Feed, classification_labels, dataset_triples, landing_url, page_triples
from ..dcat.pod import pod_catalog, pod_dataset
from ..dcat.rdf import FORMATS
from ..dcat.schemaorg import dataset_page

MEDIA = {media: ext for ext, media in FORMATS.items()}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def get_feed(request: Request) -> Feed:
    return request.app.state.dcat_feed   # made at start-up on the public view (govcat.web.app)


def _choose(accept: str | None, html: bool) -> str | None:
    """The extension of the format to answer in (ttl, jsonld, rdf, nt, or html), None if none is acceptable."""
    if not accept or not accept.strip():
        return "ttl"
    ranges = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip().lower() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, i, media))
    for _q, _i, media in sorted(ranges):
        if html and media in ("text/html", "application/xhtml+xml"):
            return "html"
        if media in MEDIA:
            return MEDIA[media]
        if media in ("*/*", "text/*", "application/*"):
            return "ttl"
    return None


def _not_acceptable() -> Response:
    offered = ", ".join(FORMATS.values())
    return Response(f"没有可接受的格式（提供 {offered}）/ no acceptable format (offered: {offered})\n", 406,
                    media_type="text/plain; charset=utf-8")


def _bad(zh: str, en: str) -> JSONResponse:
    return JSONResponse({"detail": {"zh": zh, "en": en}}, 400)


def feed_router() -> APIRouter:
    router = APIRouter(tags=["open data / 开放数据"])

    async def catalog(request: Request, ext: str | None, page: int, modified_since: str | None, q: str | None):
        if modified_since and not _DATE.match(modified_since):
            return _bad("modified_since 须为 YYYY-MM-DD 日期", "modified_since must be a YYYY-MM-DD date")
        fmt = ext or _choose(request.headers.get("accept"), html=False)
        if fmt is None:
            return _not_acceptable()
        feed = get_feed(request)
        home = str(request.base_url)
        base_url = request.url

        def link(n: int) -> str:
            return str(base_url.include_query_params(page=n))

        def build() -> bytes:
            found = feed.page(page, modified_since, q)
            return page_triples(feed, found, f"{home}catalog", home, str(base_url), link).serialize(fmt)
        body = await run_in_threadpool(build)
        return Response(body, media_type=FORMATS[fmt], headers={"Vary": "Accept"})

    @router.get("/catalog", summary="DCAT-AP 3 开放目录（按 Accept 协商格式）/ the DCAT-AP 3 catalogue (by Accept)")
    async def catalog_negotiated(request: Request, page: Annotated[int, Query(ge=1)] = 1,
                                 modified_since: str | None = None, q: str | None = None):
        return await catalog(request, None, page, modified_since, q)

    @router.get("/catalog.{ext}", summary="DCAT-AP 3 开放目录（按扩展名）/ the catalogue by extension (ttl, jsonld, rdf, nt)")
    async def catalog_by_extension(request: Request, ext: str, page: Annotated[int, Query(ge=1)] = 1,
                                   modified_since: str | None = None, q: str | None = None):
        if ext not in FORMATS:
            return Response("未知格式 / unknown format\n", 404, media_type="text/plain; charset=utf-8")
        return await catalog(request, ext, page, modified_since, q)

    async def dataset(request: Request, code: str):
        ext = None
        for known in FORMATS:
            if code.endswith("." + known):
                code, ext = code[:-len(known) - 1], known
        fmt = ext or _choose(request.headers.get("accept"), html=True)
        if fmt is None:
            return _not_acceptable()
        feed = get_feed(request)
        ds = await run_in_threadpool(feed.by_code, code)
        if ds is None:   # not public, or no such entry: the same answer, so that nothing is revealed
            return Response("没有这个公开数据集 / no such public dataset\n", 404, media_type="text/plain; charset=utf-8")
        home = str(request.base_url)
        if fmt == "html":
            return HTMLResponse(dataset_page(ds, feed.mapping, landing_url(home, ds.code)), headers={"Vary": "Accept"})
        body = dataset_triples(feed, ds, home).serialize(fmt)
        return Response(body, media_type=FORMATS[fmt], headers={"Vary": "Accept"})

    @router.get("/dataset/{code:path}", summary="数据集页面（HTML 含 schema.org，或 RDF）/ a dataset's page or RDF")
    async def dataset_page_route(request: Request, code: str):
        return await dataset(request, code)

    @router.get("/id/resource/{code:path}", summary="数据集 URI 解引用 / a dataset URI, dereferenced")
    async def dataset_uri(request: Request, code: str):
        return await dataset(request, code)

    @router.get("/data.json", summary="POD v1.1 data.json")
    async def data_json(request: Request):
        feed = get_feed(request)
        home = str(request.base_url)
        labels = classification_labels(feed)

        def chunks():
            head = json.dumps(pod_catalog([], str(request.url)), ensure_ascii=False)
            yield head[:-2].encode("utf-8")            # ... "dataset": [
            for i, ds in enumerate(feed.all_datasets()):
                record = pod_dataset(ds, feed.mapping, landing_url(home, ds.code), labels)
                yield (("," if i else "") + json.dumps(record, ensure_ascii=False)).encode("utf-8")
            yield b"]}"
        return StreamingResponse(chunks(), media_type="application/json")

    return router
