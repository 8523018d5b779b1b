"""The entry page /entry/{code} (信息资源代码): the metadata under the shapes' column names (sh:name in the
page's language), the data items, and for logged-in users the validation of the entry against the store,
its history with what each version changed, and its lineage as an interactive graph (cytoscape.js,
static/own/lineage.js) with a table of the same nodes and edges.

Visibility follows the REST API: an entry the user may not read (`records.visible`) is a 404, and the
history and the lineage, internal in the API, are shown to logged-in users only. Validation runs the
write path's check (`loading.load_loaded`, dry run: the entry in the context of the records it refers
to) on every view — a few tens of milliseconds; the store keeps no report to show instead."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from govcat.loaders import Loaded

from ...catalogue.history import diff, versions
from ...catalogue.labels import column_labels
from ...catalogue.loading import load_loaded
from ...catalogue.records import (
    ITEMS,
    KINDS,
    META,
    STATE_ALIASES,
    WORKFLOW_CLASS,
    find_record,
    owner_of_record,
    record_json,
    visible,
)
from ...catalogue.repository import is_admin_line
from ...lineage import lineage
from ...schema import RECORD_SEGMENTS, code_lists, sheets
from ...validation.engine import SEVERITY_ORDER
from ..auth import AccessDep, CatalogueDep
from ..sparql import QueriesDep
from .render import language, page
from .search import entry_url

ENTRIES = KINDS["entries"]
NODE_NAMES = {"system": ("信息系统", "system"), "entry": ("信息资源", "entry"), "department": ("部门", "department")}
EDGE_NAMES = {"flow": ("数据流", "data flow"), "source": ("来源信息系统", "source system"),
              "derivation": ("派生", "derivation"), "owner": ("所属部门", "owner")}
ACTIONS = {"load": ("导入", "loaded"), "publish": ("导入并发布", "loaded, published"), "create": ("新建", "created"),
           "edit": ("修改", "edited"), "delete": ("删除", "deleted"), "restore": ("恢复旧版", "restored"),
           "submit": ("提交审核", "submitted"), "approve": ("审核通过", "approved"), "return": ("退回修改", "returned"),
           "withdraw": ("下线", "withdrawn"), "harvest": ("采集", "harvested"), "grant": ("授权", "granted")}
SEVERITIES = {"Violation": ("违规", "violation"), "Warning": ("警告", "warning"), "Info": ("提示", "info")}


def pick(names: tuple[str, str], lang: str) -> str:
    return names[0] if lang == "zh" else names[1]


def link(kind: str | None, code: str | None, internal: bool) -> str | None:
    """Where a node or a reference opens: an entry its page, a department the search of its entries, a
    system its row of the inventory with its zombie flags (internal only, as in the API)."""
    if not code:
        return None
    if kind == "entry":
        return entry_url(code)
    if kind == "department":
        return "/search?" + urlencode({"provider": code})
    if kind == "system" and internal:
        return "/systems?" + urlencode({"department": "", "q": code})
    return None


def state_name(label: str | None, lang: str) -> str | None:
    """A workflow state's zh label, or its English name (draft, submitted, …)."""
    if label is None or lang == "zh":
        return label
    concept = code_lists()[WORKFLOW_CLASS].lookup.get(label, "")
    english = {notation: name for name, notation in STATE_ALIASES.items()}
    return english.get(concept.rsplit("/", 1)[-1], label)


def fields(body: dict, sheet_name: str, lang: str, internal: bool) -> list[dict]:
    """The columns of the sheet with the record's values, in template order, under their names."""
    labels, shown = column_labels(lang), []
    for column in sheets()[sheet_name].columns:
        value = body.get(column.header)
        values = value if isinstance(value, list) else [] if value is None else [value]
        kind = {"resource": "entry"}.get(RECORD_SEGMENTS.get(column.cls), RECORD_SEGMENTS.get(column.cls))
        label = labels[(sheet_name, column.header)]
        shown.append({"header": column.header, "label": label.name, "description": label.description,
                      "boolean": column.kind == "boolean",
                      "values": [{"text": str(v), "href": link(kind, str(v), internal)} for v in values]})
    return shown


def findings(cat, record: str, lang: str) -> list[dict]:
    """The entry validated as a write of it would be: in the context of the store, nothing written."""
    lines = [line for line in cat.record_lines(record) if not is_admin_line(line)]
    outcome = load_loaded(cat, Loaded("web", ntriples="\n".join(lines), rdf_format="nt"), "web", dry_run=True)
    labels = column_labels(lang)
    results = sorted(outcome.report.results, key=lambda r: (SEVERITY_ORDER[r.severity], r.sheet or "", r.row or 0))
    return [{"severity": r.severity, "severity_name": pick(SEVERITIES[r.severity], lang), "rule": r.rule,
             "field": labels[(r.sheet, r.column)].name if (r.sheet, r.column) in labels else r.column,
             "item": r.row if r.sheet == ITEMS else None, "value": r.shown or r.value,
             "message": r.messages.get(lang) or r.messages.get("zh")} for r in results]


def history(cat, record: str, lang: str) -> list[dict]:
    """The versions, newest first, each with the lines it changed."""
    found = versions(cat, record)
    before = [None] + [v.content for v in found[:-1]]
    return [{"number": v.number, "time": v.time.replace("T", " ")[:19], "user": (v.user or "").rsplit("/", 1)[-1],
             "action": pick(ACTIONS.get(v.action, (v.action, v.action)), lang), "note": v.note,
             "changes": diff(old, v.content)} for v, old in reversed(list(zip(found, before)))]


def lineage_view(cat, record: str, max_nodes: int, lang: str) -> dict:
    """The lineage (both ways, any depth) as the graph script and the table read it: nodes with their
    page and kind, edges with the names of their ends and what they are."""
    found = lineage(cat.graph, record, "both", None, max_nodes=max_nodes).as_json()
    names = {}
    for node in found["nodes"]:
        node["href"] = link(node["type"], node["code"], True)
        node["kind"] = pick(NODE_NAMES[node["type"]], lang)
        names[node["id"]] = node["label"] or node["code"] or node["id"]
    for edge in found["edges"]:
        edge["kind"] = pick(EDGE_NAMES[edge["type"]], lang)
        edge["label"] = " ".join(p for p in (edge["flow"], edge["resource"]) if p) if edge["type"] == "flow" else ""
        edge["source_name"], edge["target_name"] = names.get(edge["source"]), names.get(edge["target"])
    return found


def read_entry(cat, code: str, access, lang: str, max_nodes: int) -> dict | None:
    record = find_record(cat, ENTRIES, code)
    if record is None or not visible(cat, access, ENTRIES, record):
        return None
    body = record_json(cat, record)
    rows = body.get(ITEMS) or []
    labels = column_labels(lang)
    shown = {"code": code, "body": body, "meta": body[META], "state": state_name(body[META]["state"], lang),
             "fields": fields(body, ENTRIES.sheet_name, lang, access.internal),
             "item_columns": [{"header": h, "label": labels[(ITEMS, h)].name,
                               "description": labels[(ITEMS, h)].description} for h in (rows[0] if rows else {})],
             "items": rows, "findings": None, "versions": None, "lineage": None}
    if access.internal:
        shown.update(findings=findings(cat, record, lang), versions=history(cat, record, lang),
                     lineage=lineage_view(cat, record, max_nodes, lang))
    shown["actions"] = actions(cat, access, record, body[META]["state"])
    return shown


def actions(cat, access, record: str, state: str | None) -> dict[str, bool]:
    """What this user may start from the page: edit it (its department's editors, admins), ask for it (editors
    of other departments and admins, once it is published; the request's rules R01–R04 decide the rest)."""
    owner = owner_of_record(cat, ENTRIES, record)
    role = access.user.role if access.user else None
    return {"edit": access.may_write(owner),
            "request": state == "已发布" and (role == "admin" or (role == "editor" and access.user.department != owner))}


def entry_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/entry/{code:path}")
    async def entry_page(code: str, request: Request, access: AccessDep, cat: CatalogueDep, queries: QueriesDep):
        lang = language(request)
        shown = await run_in_threadpool(read_entry, cat, code, access, lang, queries.row_cap or 10 ** 9)
        if shown is None:
            return page(request, access, "entry_missing.html", status=404, code=code)
        return page(request, access, "entry.html", entry_url=entry_url, **shown)

    return router
