"""Create, replace and delete one record for the REST API (no HTTP here): access, version check,
validation in the context of the store and the write with its history, all under `cat.write_lock`.

    written = update(cat, KINDS["entries"], "101001/000001", body, access, if_match='"v3"', base=base)

Every refusal is a `WriteError` whose `kind` the web layer maps to a status: unauthorized (401),
forbidden (403), not_found (404), conflict (409), stale (412: If-Match names another version),
precondition_required (428: no If-Match), bad_request (400: not a record of the template) and invalid
(422: Violations; `report` is the validation report). Nothing is written on any refusal."""
from __future__ import annotations

from dataclasses import dataclass

from govcat.loaders import base_iri

from ..access import Access
from ..queries import query
from ..terms import iri
from ..validation.run import Report
from .journal import ChangeSet
from .loading import LoadOutcome, load_loaded
from .records import (
    BodyError,
    Kind,
    find_record,
    minted_iri,
    owner_of_body,
    owner_of_record,
    to_loaded,
)
from .repository import Catalogue, user_iri

WRITER_ROLES = ("admin", "editor")


class WriteError(Exception):
    def __init__(self, kind: str, zh: str, en: str, report: Report | None = None, etag: str | None = None):
        self.kind, self.zh, self.en, self.report, self.etag = kind, zh, en, report, etag
        super().__init__(en)


@dataclass
class Written:
    record: str
    code: str
    version: int
    changed: bool          # False: the body equals the stored record, nothing was written


def etag(version: int) -> str:
    """The entity tag of a record's version (strong: the JSON of a version never changes)."""
    return f'"v{version}"'


def matches(if_match: str, version: int) -> bool:
    """RFC 9110 If-Match: "*" or a list of entity tags, compared strongly (a weak tag never matches)."""
    tags = [t.strip() for t in if_match.split(",")]
    return "*" in tags or etag(version) in tags


def create(cat: Catalogue, kind: Kind, body: object, access: Access, base: str) -> Written:
    _may_write_at_all(access, kind, creating=True)
    loaded, record, code = _parse(kind, body, base)
    if not code:      # the key column is required: validation says so in its report
        _write(cat, loaded, access, None, "create", dry_run=True)
        raise WriteError("bad_request", f"缺少{kind.key.header}", f"{kind.key.header} is missing")
    with cat.write_lock:
        if find_record(cat, kind, code) or cat.exists(record):
            raise WriteError("conflict", f"{kind.zh} {code} 已存在（修改请用 PUT）",
                             f"the {kind.en} {code} exists already (use PUT to change it)", etag=etag(cat.version_number(record)))
        owner = owner_of_body(cat, kind, body, base)
        _check_owner(access, owner, kind)
        outcome = _write(cat, loaded, access, owner, "create")
        return Written(record, code, cat.version_number(record), bool(outcome.new or outcome.changed))


def update(cat: Catalogue, kind: Kind, code: str, body: object, access: Access, if_match: str | None,
           base: str) -> Written:
    _may_write_at_all(access, kind)
    _need_if_match(if_match)
    loaded, record, code = _parse(kind, body, base, code)
    with cat.write_lock:
        current = _current(cat, kind, code)
        if current != record:
            raise WriteError("conflict", f"{kind.zh} {code} 的 IRI 不是模板生成的 {record}，请用 govcat load 修改",
                             f"the {kind.en} {code} has the IRI {current}, not the template's {record}; "
                             f"change it with govcat load")
        _check_owner(access, owner_of_record(cat, kind, current), kind)
        owner = owner_of_body(cat, kind, body, base)
        _check_owner(access, owner, kind)
        _check_version(cat, current, if_match)
        outcome = _write(cat, loaded, access, owner, "edit")
        return Written(record, code, cat.version_number(record), bool(outcome.new or outcome.changed))


def delete(cat: Catalogue, kind: Kind, code: str, access: Access, if_match: str | None) -> int:
    """Delete the record (its content stays in the history); returns the number of the deletion's version."""
    _may_write_at_all(access, kind, deleting=True)
    _need_if_match(if_match)
    with cat.write_lock:
        current = _current(cat, kind, code)
        _check_owner(access, owner_of_record(cat, kind, current), kind)
        _check_version(cat, current, if_match)
        referrers = [row["code"].value if row["code"] else row["referrer"].value
                     for row in cat.graph.select(query("rest_referrers"), {"record": iri(current)})]
        if referrers:
            shown = "、".join(referrers[:10]) + (" …" if len(referrers) > 10 else "")
            raise WriteError("conflict", f"{kind.zh} {code} 仍被其他记录引用，不能删除：{shown}",
                             f"the {kind.en} {code} is still referred to by other records: {shown}")
        change = ChangeSet()
        n = cat.stage(change, current, None, user=_user(access), action="delete", source="api")
        cat.commit(change)
        return n


# -- the steps -------------------------------------------------------------------------------------------------
def _may_write_at_all(access: Access, kind: Kind, creating: bool = False, deleting: bool = False) -> None:
    if access.anonymous:
        raise WriteError("unauthorized", "写入需要令牌", "writing needs a token")
    if access.user.role not in WRITER_ROLES:
        raise WriteError("forbidden", f"角色 {access.user.role} 不能修改目录", f"the role {access.user.role} cannot change the catalogue")
    if kind.name == "departments" and (creating or deleting) and not access.admin:
        raise WriteError("forbidden", "只有管理员可以新增或删除部门", "only an admin may create or delete departments")


def _need_if_match(if_match: str | None) -> None:
    if if_match is None or not if_match.strip():
        raise WriteError("precondition_required",
                         "修改和删除须带 If-Match 头（先 GET 取得 ETag），以免覆盖他人的修改",
                         "changes and deletions need an If-Match header (the ETag of a GET), so that no one "
                         "overwrites another editor's change unseen")


def _parse(kind: Kind, body: object, base: str, code: str | None = None):
    try:
        return to_loaded(kind, body, base, code)
    except BodyError as exc:
        raise WriteError("bad_request", exc.zh, exc.en) from exc


def _current(cat: Catalogue, kind: Kind, code: str) -> str:
    record = find_record(cat, kind, code)
    if record is None:
        raise WriteError("not_found", f"没有代码为 {code} 的{kind.zh}", f"no {kind.en} {code}")
    return record


def _check_owner(access: Access, owner: str | None, kind: Kind) -> None:
    """An editor writes only their own department's records. An owner that cannot be told (a flow whose
    source system is unknown) is left to validation, which refuses such a record."""
    if owner is not None and not access.may_write(owner):
        raise WriteError("forbidden", f"只能修改本部门的{kind.zh}", f"an editor writes only their own department's {kind.en} records")


def _check_version(cat: Catalogue, record: str, if_match: str) -> None:
    version = cat.version_number(record)
    if not matches(if_match, version):
        raise WriteError("stale", f"记录已被修改（当前为第 {version} 版），请重新获取后再改",
                         f"the record has changed (it is at version {version}); get it again and redo the change",
                         etag=etag(version))


def _write(cat: Catalogue, loaded, access: Access, owner: str | None, action: str,
           dry_run: bool = False) -> LoadOutcome:
    """Validate in the context of the store and write with history; a record whose owner is unknown is
    only validated (and refused) unless the caller is an admin."""
    writable = owner is not None or access.admin
    outcome = load_loaded(cat, loaded, access.user.name, action=action, dry_run=dry_run or not writable)
    if not outcome.report.conforms:
        raise WriteError("invalid", "记录未通过校验", "the record does not pass validation", report=outcome.report)
    if not writable and not dry_run:
        raise WriteError("forbidden", "无法确定记录所属部门", "the record's department cannot be told")
    return outcome


def _user(access: Access) -> str:
    return user_iri(base_iri(), access.user.name)


__all__ = ["WriteError", "Written", "create", "delete", "etag", "matches", "minted_iri", "update"]
