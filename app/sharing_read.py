"""Reading sharing requests: lists, one request as JSON or text, and the overdue ones (R05) per provider.

Who sees what (GUIDE §5: nobody but the two departments sees a request's purpose and basis): every token
holder sees that a request exists, its entry, departments, dates and state; its purpose (应用场景), basis
(依据) and the provider's reasons only users of the consumer or the provider department and admins
(`may_see_purpose`). Anonymous callers see nothing."""
from __future__ import annotations

from collections import defaultdict

from .access import Access
from .catalogue.repository import Catalogue
from .namespaces import DCT, GC
from .queries import query
from .sharing import PENDING, REQUEST, STATE_NAMES, Record, RequestError, code_of
from .terms import iri
from .validation.engine import default_checks, run_checks

CONFIDENTIAL = ("purpose", "basis", "reason")


def request_rows(cat: Catalogue, provider: str | None = None, consumer: str | None = None) -> list[dict]:
    """One dict per request (IRIs and ISO dates as strings), ordered by code; filtered by department IRIs."""
    bindings = {}
    if provider:
        bindings["provider"] = iri(provider)
    if consumer:
        bindings["consumer"] = iri(consumer)
    rows = cat.graph.select(query("request_list"), bindings or None)
    return [{k: (v.value if v is not None else None) for k, v in row.items()} for row in rows]


def may_see_purpose(access: Access, req: Record) -> bool:
    if access.anonymous:
        return False
    if access.admin:
        return True
    mine = access.user.department
    return mine is not None and mine in (req.text(GC + "consumer"), req.text(GC + "provider"))


def read(cat: Catalogue, code: str) -> Record:
    record = cat.resolve(code)
    req = Record.read(cat, record) if record else None
    if req is None or req.text("http://www.w3.org/1999/02/22-rdf-syntax-ns#type") != REQUEST:
        raise RequestError("not_found", f"没有编号为 {code} 的共享申请", f"no sharing request {code}")
    return req


def as_json(cat: Catalogue, req: Record, access: Access) -> dict:
    """The request as the API and `--format json` show it; confidential fields only for those who may see them."""
    state = req.text(GC + "requestState")
    names = STATE_NAMES.get(state, (state, state))
    requester = req.text(GC + "requester")
    decided_by = req.text(GC + "decidedBy")
    body = {"code": req.text(DCT + "identifier"), "state": names[0], "state_en": names[1],
            "resource": code_of(cat, req.text(GC + "requestedResource")),
            "resource_title": _title(cat, req.text(GC + "requestedResource")),
            "provider": code_of(cat, req.text(GC + "provider")), "consumer": code_of(cat, req.text(GC + "consumer")),
            "requester": requester.rsplit("/", 1)[-1] if requester else None,
            "system": code_of(cat, req.text(GC + "targetSystem")),
            "items": sorted(t.value for t in req.values.get(GC + "requestedItemName", [])),
            "channel": _label(req.text(GC + "requestedChannel")),
            "use_from": req.text(GC + "useFrom"), "use_until": req.text(GC + "useUntil"),
            "submitted": req.text(GC + "submittedOn"), "due": req.text(GC + "dueDate"),
            "decided": req.text(GC + "decidedOn"),
            "decided_by": decided_by.rsplit("/", 1)[-1] if decided_by else None,
            "working_days": int(req.text(GC + "workingDaysToDecide")) if req.one(GC + "workingDaysToDecide") else None,
            "flow": code_of(cat, req.text(GC + "grantedFlow")), "flow_current": bool(
                req.text(GC + "grantedFlow") and cat.exists(req.text(GC + "grantedFlow"))),
            "ended": req.text(GC + "endedOn")}
    if may_see_purpose(access, req):
        body |= {"purpose": req.text(GC + "purpose"), "basis": req.text(GC + "useBasis"),
                 "reason": req.text(GC + "decisionReason")}
    return body


def listing(cat: Catalogue, access: Access, provider: str | None = None, consumer: str | None = None,
            state: str | None = None) -> list[dict]:
    """Requests as JSON, filtered by provider / consumer USCC and state label (待审核 … or submitted …)."""
    if access.anonymous:
        raise RequestError("unauthorized", "共享申请需要令牌", "sharing requests need a token")
    provider_iri = _department(cat, provider)
    consumer_iri = _department(cat, consumer)
    found = []
    for row in request_rows(cat, provider_iri, consumer_iri):
        if state and state not in STATE_NAMES.get(row["state"], ()):
            continue
        found.append(as_json(cat, Record.read(cat, row["request"]), access))
    return found


def overdue(cat: Catalogue, access: Access) -> dict[str, list[dict]]:
    """Requests with an R05 finding (still undecided past the due date, or answered late), per provider USCC,
    found by running the R05 shapes over the stored requests."""
    if access.anonymous:
        raise RequestError("unauthorized", "共享申请需要令牌", "sharing requests need a token")
    checks = tuple(c for c in default_checks() if c.rule == "R05" and c.target_class == REQUEST)
    per_provider: dict[str, list[dict]] = defaultdict(list)
    for finding in sorted(run_checks(cat.graph, checks), key=lambda f: f.focus.value):
        req = Record.read(cat, finding.focus.value)
        body = as_json(cat, req, access) | {"rule": finding.rule, "message": finding.messages,
                                            "still_open": req.text(GC + "requestState") == PENDING}
        per_provider[body["provider"] or ""].append(body)
    return dict(sorted(per_provider.items()))


def text(requests: list[dict], lang: str = "zh") -> str:
    """One line per request (for `govcat requests` and `govcat request show`)."""
    lines = []
    for r in requests:
        state = r["state"] if lang == "zh" else r["state_en"]
        line = (f"{r['code']}  {state}  {r['resource']} {r['resource_title'] or ''}  "
                f"{r['consumer']} → {r['provider']}  申请 {r['submitted']}  期限 {r['due']}"
                if lang == "zh" else
                f"{r['code']}  {state}  {r['resource']} {r['resource_title'] or ''}  "
                f"{r['consumer']} → {r['provider']}  submitted {r['submitted']}  due {r['due']}")
        if r.get("decided"):
            line += (f"  答复 {r['decided']}（{r['working_days']} 个工作日）" if lang == "zh"
                     else f"  decided {r['decided']} ({r['working_days']} working days)")
        if r.get("flow"):
            line += f"  数据流 {r['flow']}" + ("" if r["flow_current"] else "（已结束）") if lang == "zh" else \
                f"  flow {r['flow']}" + ("" if r["flow_current"] else " (ended)")
        lines.append(line)
        for key, zh, en in (("purpose", "应用场景", "purpose"), ("basis", "依据", "basis"), ("reason", "理由", "reasons")):
            if r.get(key):
                lines.append(f"    {zh if lang == 'zh' else en}：{r[key]}" if lang == "zh" else f"    {en}: {r[key]}")
        if r.get("message"):
            lines.append(f"    [R05] {r['message'].get(lang) or r['message']['zh']}")
    return "\n".join(lines) + ("\n" if lines else "")


def _department(cat: Catalogue, uscc: str | None) -> str | None:
    if not uscc:
        return None
    dept = cat.resolve(uscc)
    if dept is None:
        raise RequestError("not_found", f"库中没有部门 {uscc}", f"the store holds no department {uscc}")
    return dept


def _title(cat: Catalogue, record: str | None) -> str | None:
    if not record:
        return None
    for _s, p, o in cat.graph.triples_about(record, record):
        if p.value == DCT + "title":
            return o.value
    return None


def _label(concept: str | None) -> str | None:
    from .schema import concept_labels
    return concept_labels().get(concept) if concept else None


__all__ = ["CONFIDENTIAL", "as_json", "listing", "may_see_purpose", "overdue", "read",
           "request_rows", "text"]
