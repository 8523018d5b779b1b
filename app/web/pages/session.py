"""Login and logout of the web pages. A user signs in with the name and the token `govcat user add` printed;
the token goes into an HttpOnly, SameSite=Strict cookie (govcat.web.auth reads it like a bearer token)."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from ...catalogue.users import authenticate
from ..auth import SESSION_COOKIE, AccessDep, CatalogueDep, same_origin
from .render import page


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def session_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    async def login_form(request: Request, access: AccessDep, next: str | None = None):
        return page(request, access, "login.html", next=safe_next(next), failed=False, name="")

    @router.post("/login")
    async def login(request: Request, access: AccessDep, cat: CatalogueDep,
                    name: Annotated[str, Form()], token: Annotated[str, Form()],
                    next: Annotated[str | None, Form()] = None):
        user = await run_in_threadpool(authenticate, cat, token.strip()) if token.strip() else None
        if user is None or user.name != name.strip() or not same_origin(request):
            return page(request, access, "login.html", status=401, next=safe_next(next), failed=True,
                        name=name)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, token.strip(), httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", max_age=12 * 3600)
        return response

    @router.post("/logout")
    async def logout(request: Request, access: AccessDep):
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    return router
