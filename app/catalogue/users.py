"""Accounts: admin, reviewer, editor, viewer. A bearer token is shown once and stored as its SHA-256."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from govcat.loaders import base_iri

from ..namespaces import FOAF, GC, RDF_TYPE
from ..queries import query
from ..terms import literal, nt_iri, nt_literal
from .journal import ChangeSet
from .repository import USERS_GRAPH, Catalogue, quad_lines, user_iri

ROLES = ("admin", "reviewer", "editor", "viewer")


@dataclass(frozen=True)
class User:
    iri: str
    name: str
    role: str
    department: str | None


class UserError(Exception):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)


ACCOUNTS = "accounts"   # the key of the accounts kept in memory (Catalogue.kept)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(cat: Catalogue, name: str, role: str, department: str | None = None) -> str:
    """Create a user; returns the new bearer token (never stored in clear)."""
    if role not in ROLES:
        raise UserError(f"未知角色 {role}（应为 {'、'.join(ROLES)}）", f"unknown role {role} (one of {', '.join(ROLES)})")
    if not name.strip():
        raise UserError("用户名不能为空", "the user name is empty")
    if get_user(cat, name) is not None:
        raise UserError(f"用户 {name} 已存在", f"user {name} exists already")
    dept = None
    if department:
        dept = cat.resolve(department)
        if dept is None:
            raise UserError(f"库中没有部门 {department}", f"the store holds no department {department}")
    token = secrets.token_urlsafe(32)
    u = nt_iri(user_iri(base_iri(), name))
    triples = [f"{u} {nt_iri(RDF_TYPE)} {nt_iri(GC + 'User')} .", f"{u} {nt_iri(FOAF + 'name')} {nt_literal(name)} .",
               f"{u} {nt_iri(GC + 'role')} {nt_literal(role)} .",
               f"{u} {nt_iri(GC + 'tokenHash')} {nt_literal(_digest(token))} ."]
    if dept:
        triples.append(f"{u} {nt_iri(GC + 'userDepartment')} {nt_iri(dept)} .")
    cat.commit(ChangeSet(add=quad_lines(USERS_GRAPH, triples)))
    return token


def _user(row) -> User:
    return User(row["user"].value, row["name"].value, row["role"].value,
                row["dept"].value if row["dept"] else None)


def get_user(cat: Catalogue, name: str) -> User | None:
    rows = cat.graph.select(query("user_by_name"), {"name": literal(name)})
    return _user(rows[0]) if rows else None


def authenticate(cat: Catalogue, token: str) -> User | None:
    """The user holding `token`, or None. Every account's digest is compared, each in constant time, so
    the answer time says nothing about how close a guess came."""
    digest = _digest(token).encode("ascii")
    found = None
    for hashed, user in _accounts(cat):
        if hmac.compare_digest(digest, hashed):
            found = user
    return found


def authenticate_at_once(cat: Catalogue) -> bool:
    """`authenticate` would not read the store (the accounts are kept in memory): no need for a thread."""
    return cat.is_kept(ACCOUNTS)


def _accounts(cat: Catalogue) -> list[tuple[bytes, User]]:
    """Every account's token digest and user, read once per state of the store (Catalogue.kept)."""
    return cat.kept(ACCOUNTS, lambda: [(row["hash"].value.encode("ascii"), _user(row))
                                         for row in cat.graph.select(query("users"))])
