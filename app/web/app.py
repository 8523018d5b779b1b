"""The FastAPI application. Everything is built in `create_app(settings)`; nothing at import time.

Start-up opens the catalogue (the server is the one process holding the store), starts the SPARQL query
workers on a checkpoint of it and makes the open-data feed on the public view; shutdown stops the workers and
removes their checkpoints. `/sparql` itself is answered by `GovcatApp`, outside FastAPI's routing."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ..analytics.refresh import Refresher
from ..catalogue import Catalogue
from ..dcat.feed import Feed
from ..engines import query_service
from ..search import SearchIndex
from .analytics_api import analytics_router
from .feed import feed_router
from .limits import UploadLimit
from .lineage_api import lineage_router
from .pages import mount_static, pages_router
from .queries_api import queries_router
from .requests_api import requests_router
from .rest import rest_router
from .search_api import search_router
from .settings import Settings
from .sparql import GovcatApp

log = logging.getLogger("govcat.web")


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            catalogue = Catalogue.open(settings.store)
        except OSError as exc:   # RocksDB's lock: another process has the store open
            log.error("无法打开目录库 %s：%s / cannot open the store", settings.store, exc)
            raise
        search = SearchIndex.open(catalogue)          # built or caught up before serving (govcat.search.index)
        catalogue.listeners.append(search.changed)
        app.state.search = search
        queries = query_service(catalogue.graph, catalogue.folder, workers=settings.query_workers,
                                timeout=settings.query_timeout, row_cap=settings.row_cap,
                                allowed_service_hosts=settings.service_hosts)   # by the store's engine
        queries.start()
        catalogue.listeners.append(queries.refresh)   # queries see every write, the public view too
        feed = Feed(queries.public.listing)           # the open-data feed reads what is kept of the public view
        refresher = Refresher(catalogue, background=True)    # stored zombie results follow the writes
        catalogue.listeners.append(refresher)
        app.state.catalogue, app.state.queries, app.state.dcat_feed = catalogue, queries, feed
        try:
            yield
        finally:
            refresher.close()
            queries.close()
            search.close()

    app = GovcatApp(title="govcat", description="政务信息资源目录 / government information-resource catalogue",
                    version="0.1.0", lifespan=lifespan)   # answers /sparql itself
    app.state.settings = settings
    app.include_router(rest_router())
    app.include_router(analytics_router())
    app.include_router(feed_router())
    app.include_router(search_router())
    app.include_router(requests_router())
    app.include_router(queries_router())   # parses every queries/*.rq: a broken one stops the start
    app.include_router(lineage_router())
    app.include_router(pages_router())
    mount_static(app)
    app.add_middleware(UploadLimit, max_bytes=int(settings.max_upload_mb * (1 << 20)))
    return app
