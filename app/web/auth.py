"""Bearer tokens → `Access` (govcat.access says what each role may do).

No Authorization header: anonymous (the public view). A token that matches no account is a 401, never a
silent downgrade to anonymous, so that a client with a revoked token notices."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from ..access import ANONYMOUS, Access
from ..catalogue import Catalogue
from ..catalogue.users import authenticate


def get_catalogue(request: Request) -> Catalogue:
    return request.app.state.catalogue


CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


def _unauthorized(zh: str, en: str) -> HTTPException:
    return HTTPException(401, detail={"zh": zh, "en": en}, headers={"WWW-Authenticate": 'Bearer realm="govcat"'})


async def get_access(request: Request, cat: CatalogueDep) -> Access:
    header = request.headers.get("authorization")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Authorization 头须为 Bearer 令牌", "the Authorization header must be a Bearer token")
    user = await run_in_threadpool(authenticate, cat, token.strip())
    if user is None:
        raise _unauthorized("令牌无效", "the token is not valid")
    return Access(user)


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
