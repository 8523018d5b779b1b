"""The web pages (issue 8): Jinja2 templates over the same core the API uses. Thin: each page asks the core
(govcat.catalogue, govcat.search, govcat.analytics …) and renders; no SPARQL and no rules here."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from .edit import edit_router
from .entry import entry_router
from .evaluation import evaluation_router
from .home import home_router
from .importing import import_router
from .query import query_router
from .requests import requests_router
from .review import review_router
from .search import search_router
from .session import session_router
from .systems import systems_router

STATIC = Path(__file__).resolve().parent.parent / "static"
# /static/vendor/<name> -> the folder of an npm package's built files (installed by `govcat assets`)
VENDOR = {
    "yasgui": STATIC / "node_modules" / "@zazuko" / "yasgui" / "build",
    "cytoscape": STATIC / "node_modules" / "cytoscape" / "dist",
}


def pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    router.include_router(session_router())
    router.include_router(home_router())
    router.include_router(search_router())
    router.include_router(edit_router())     # before entry_router: /entry/{code}/edit is not an entry code
    router.include_router(entry_router())
    router.include_router(review_router())
    router.include_router(requests_router())
    router.include_router(systems_router())
    router.include_router(query_router())
    router.include_router(evaluation_router())
    router.include_router(import_router())
    return router


def mount_static(app: FastAPI) -> None:
    """The project's own stylesheet and scripts, and the npm packages' files, all served from this server."""
    for name, folder in VENDOR.items():
        if folder.is_dir():
            app.mount(f"/static/vendor/{name}", StaticFiles(directory=folder), name=f"vendor-{name}")
    app.mount("/static", StaticFiles(directory=STATIC / "own"), name="static")


def assets_installed() -> bool:
    return all(folder.is_dir() for folder in VENDOR.values())
