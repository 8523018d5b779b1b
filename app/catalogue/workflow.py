"""The review workflow of catalogue entries (GUIDE §1): 草稿 → 待审核 → 已发布, 退回修改, 已下线.

Review is done by a different account from the one that last edited the entry."""
from __future__ import annotations

from govcat.loaders import base_iri

from ..namespaces import GC
from .history import HistoryError
from .journal import ChangeSet
from .loading import DRAFT, ENTRY, PUBLISHED, RETURNED, SUBMITTED, WITHDRAWN
from .repository import Catalogue, is_admin_line
from .users import User, UserError, get_user

STATE_NAMES = {DRAFT: "草稿", SUBMITTED: "待审核", PUBLISHED: "已发布", RETURNED: "退回修改", WITHDRAWN: "已下线"}

# action: (states it starts from, state it leads to, roles allowed, reviewer must not be last editor)
TRANSITIONS = {
    "submit": ({DRAFT, RETURNED}, SUBMITTED, {"editor", "admin"}, False),
    "approve": ({SUBMITTED}, PUBLISHED, {"reviewer", "admin"}, True),
    "return": ({SUBMITTED}, RETURNED, {"reviewer", "admin"}, True),
    "withdraw": ({PUBLISHED}, WITHDRAWN, {"reviewer", "admin"}, False),
}


def transition(cat: Catalogue, code: str, action: str, user_name: str, reason: str | None = None) -> str:
    """Apply `action` to the entry with `code` as `user_name`; returns the new state IRI."""
    starts, target, roles, four_eyes = TRANSITIONS[action]
    user = _user(cat, user_name)
    record = cat.resolve(code)
    lines = cat.record_lines(record) if record else []
    if not lines:
        raise HistoryError(f"库中没有代码为 {code} 的记录", f"the store holds no record {code}")
    if not any(f"> <{ENTRY}> ." in line and line.startswith(f"<{record}>") for line in lines):
        raise UserError(f"{code} 不是信息资源，只有信息资源有审核流程", f"{code} is not an entry; only entries are reviewed")
    state = cat.admin_value(record, GC + "workflowState")
    state = state.value if state else DRAFT
    if user.role not in roles:
        raise UserError(f"角色 {user.role} 不能执行 {action}", f"the role {user.role} cannot {action}")
    if user.role == "editor" and user.department and not _owned_by(lines, record, user.department):
        raise UserError("编辑只能提交本部门的信息资源", "an editor submits only their own department's entries")
    if state not in starts:
        raise UserError(f"信息资源处于“{STATE_NAMES.get(state, state)}”，不能 {action}",
                        f"the entry is {STATE_NAMES.get(state, state)}; it cannot be {action}ed")
    editor = cat.admin_value(record, GC + "lastEditor")
    if four_eyes and editor is not None and editor.value == user.iri:
        raise UserError("审核人不能是该信息资源的最后编辑人", "the reviewer must not be the entry's last editor")
    if action == "return" and not (reason or "").strip():
        raise UserError("退回修改必须说明理由（--reason）", "returning an entry needs a reason (--reason)")
    content = [line for line in lines if not is_admin_line(line)]
    modified = cat.admin_value(record, "http://purl.org/dc/terms/modified")    # a state change is no edit
    change = ChangeSet()
    cat.stage(change, record, content, user=user.iri, action=action, state=target,
              editor=editor.value if editor else user.iri, modified=modified.value if modified else None,
              note=reason, old=lines)
    cat.commit(change)
    return target


def _user(cat: Catalogue, name: str) -> User:
    user = get_user(cat, name)
    if user is None:
        raise UserError(f"没有用户 {name}（先用 govcat user add 创建）", f"no user {name} (create it with govcat user add)")
    return user


def _owned_by(lines: list[str], record: str, department: str) -> bool:
    return any(line.startswith(f"<{record}> <http://purl.org/dc/terms/publisher> <{department}>") for line in lines)


__all__ = ["STATE_NAMES", "TRANSITIONS", "transition", "base_iri"]
