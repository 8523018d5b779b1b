"""Bearer tokens → `Access` (govcat.access says what each role may do).

No Authorization header: the session cookie of the web pages (set by /login, holding the same token), else
anonymous (the public view). A bearer token that matches no account is a 401, never a silent downgrade to
anonymous, so that a client with a revoked token notices; a stale session cookie is anonymous (the pages
offer the login again). The cookie is SameSite=Strict and HttpOnly, and a write carried by it must come
from a page of this server (its Origin, else its Referer, names this host): no cross-site request forgery."""
from __future__ import annotations

from typing import Annotated

from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from ..access import ANONYMOUS, Access
from ..catalogue import Catalogue
from ..catalogue.users import authenticate, authenticate_at_once


def get_catalogue(request: Request) -> Catalogue:
    return request.app.state.catalogue


CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


def _unauthorized(zh: str, en: str) -> HTTPException:
    return HTTPException(401, detail={"zh": zh, "en": en}, headers={"WWW-Authenticate": 'Bearer realm="govcat"'})


SESSION_COOKIE = "govcat_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_access(request: Request, cat: CatalogueDep) -> Access:
    header = request.headers.get("authorization")
    if not header:
        return await _session_access(request, cat)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Authorization 头须为 Bearer 令牌", "the Authorization header must be a Bearer token")
    user = await _authenticate(cat, token.strip())
    if user is None:
        raise _unauthorized("令牌无效", "the token is not valid")
    return Access(user)


async def _session_access(request: Request, cat: Catalogue) -> Access:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ANONYMOUS
    if request.method not in SAFE_METHODS and not same_origin(request):
        raise HTTPException(403, detail={"zh": "跨站请求被拒绝：请从本站页面提交",
                                         "en": "cross-site request refused: submit from this site's pages"})
    user = await _authenticate(cat, token)
    return ANONYMOUS if user is None else Access(user)


async def _authenticate(cat: Catalogue, token: str):
    """The token's user; in a thread only when the accounts must be read from the store (the first request
    after a write, or every request on an external engine): a thread costs about 0.1 ms a request."""
    if authenticate_at_once(cat):
        return authenticate(cat, token)
    return await run_in_threadpool(authenticate, cat, token)


def same_origin(request: Request) -> bool:
    """The request names this server as its origin (Origin header, else Referer)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    host = request.headers.get("host", "")
    return urlsplit(source).netloc == host


AccessDep = Annotated[Access, Depends(get_access)]


def require_internal(access: AccessDep) -> Access:
    if not access.internal:
        raise _unauthorized("内部目录需要令牌", "the internal catalogue needs a token")
    return access


def require_admin(access: AccessDep) -> Access:
    if not access.admin:
        if access.anonymous:
            raise _unauthorized("需要管理员令牌", "an admin token is needed")
        raise HTTPException(403, detail={"zh": "只有管理员可以这样做", "en": "only an admin may do this"})
    return access


InternalDep = Annotated[Access, Depends(require_internal)]
AdminDep = Annotated[Access, Depends(require_admin)]
