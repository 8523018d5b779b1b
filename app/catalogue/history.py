"""Versions of a record: list them, show what changed, bring an earlier one back as a new change."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

from govcat.loaders import base_iri

from ..namespaces import GC, RDF_TYPE
from ..queries import query
from ..schema import concept_labels, sheets
from ..terms import Term, iri
from ..validation.run import shown_value
from .journal import ChangeSet
from .repository import Catalogue, is_admin_line, user_iri


@dataclass(frozen=True)
class Version:
    number: int
    time: str
    user: str | None
    action: str
    content: list[str] | None      # N-Triples lines; None for a deletion
    note: str | None


class HistoryError(Exception):
    """A history request that cannot be met (unknown record or version); zh and en text."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)


def versions(cat: Catalogue, record: str) -> list[Version]:
    """Every version, oldest first; the content of the last one is the record's current graph."""
    rows = cat.graph.select(query("versions"), {"record": iri(record)})
    found = [Version(int(r["n"].value), r["time"].value, r["user"].value if r["user"] else None,
                     r["action"].value, r["content"].value.split("\n") if r["content"] else None,
                     r["note"].value if r["note"] else None) for r in rows]
    if found and found[-1].action != "delete":
        last = found[-1]
        found[-1] = Version(last.number, last.time, last.user, last.action, cat.record_lines(record), last.note)
    return found


def diff(old: list[str] | None, new: list[str] | None) -> list[str]:
    """A readable diff of two versions' triples: '+ column value' / '- column value', each predicate named by the
    column of the subject's own sheet (an entry's dct:title is 信息资源名称, a system's 系统名称)."""
    classes = _subject_classes((old or []) + (new or []))
    before = [_readable(line, classes) for line in old or [] if _shows(line)]
    after = [_readable(line, classes) for line in new or [] if _shows(line)]
    return [line for line in difflib.unified_diff(sorted(before), sorted(after), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def _shows(line: str) -> bool:
    """Content and workflow state are shown; types and bookkeeping (version, editor, date) are not."""
    return (not is_admin_line(line) or f" <{GC}workflowState> " in line) and f" <{RDF_TYPE}> " not in line


def _subject_classes(lines: list[str]) -> dict[str, str]:
    """Subject (as written, <…>) -> its rdf:type, from the versions' own type lines."""
    found = {}
    for line in lines:
        if f" <{RDF_TYPE}> " in line:
            subject, _p, obj = line.rstrip(" .").split(" ", 2)
            found.setdefault(subject, obj[1:-1])
    return found


def _readable(line: str, classes: dict[str, str]) -> str:
    """One triple as an editor reads it: column header and the value as written in the template."""
    subject, predicate, obj = line.rstrip(" .").split(" ", 2)
    headers = _headers()
    name = headers.get(classes.get(subject), {}).get(predicate[1:-1]) or headers[None].get(predicate[1:-1], predicate)
    if obj.startswith("<"):
        value = shown_value(Term("iri", obj[1:-1]), concept_labels()) or obj
    else:
        value = obj[1:obj.rindex('"')].replace('\\"', '"').replace("\\n", " ")
    where = f"信息项{subject.rsplit('/', 1)[-1][:-1]} " if "/item/" in subject else ""
    return f"{where}{name}：{value}"


@lru_cache(maxsize=1)
def _headers() -> dict[str | None, dict[str, str]]:
    """Target class -> path -> column header; None: every path, the first sheet's header (no type known)."""
    headers: dict[str | None, dict[str, str]] = {None: {GC + "workflowState": "审核状态"}}
    for sheet in sheets().values():
        own = headers.setdefault(sheet.target, {GC + "workflowState": "审核状态"})
        for column in sheet.columns:
            own.setdefault(column.path, column.header)
            headers[None].setdefault(column.path, column.header)
    return headers


def restore_version(cat: Catalogue, record: str, number: int, user: str) -> int:
    """Make version `number` of `record` current again, as a new version; returns the new number."""
    history = versions(cat, record)
    chosen = next((v for v in history if v.number == number), None)
    if chosen is None:
        raise HistoryError(f"记录没有第 {number} 版", f"the record has no version {number}")
    if chosen.content is None:
        raise HistoryError(f"第 {number} 版是一次删除，没有内容可恢复", f"version {number} is a deletion; it has no content")
    content = [line for line in chosen.content if not is_admin_line(line)]
    state = next((line.rsplit(" ", 2)[-2][1:-1] for line in chosen.content if "#workflowState>" in line), None)
    change = ChangeSet()
    n = cat.stage(change, record, content, user=user_iri(base_iri(), user), action="restore", state=state,
                  note=f"restored version {number}")
    cat.commit(change)
    return n
