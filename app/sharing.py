"""Sharing requests (共享申请, GUIDE §5): a department asks another for a published entry; the provider answers.

    made = submit(cat, Ask(resource="307002/000008", system="SYS-001", purpose=…, basis=…), access)
    decide(cat, made.code, access_of_provider, grant=False, reason="…")

Each request is a record in the named graph {base}request/{code}; every change of state is a version in the
history (`Catalogue.stage`): submit, grant, refuse, withdraw, expire. Rules R01–R04 are the shapes of
shapes/request.ttl, run by the validation engine in the context of the store (the entry, its data items, the
departments, the consumer's system) like every write; a Violation refuses the step with the report and writes
nothing. 无条件共享 entries are granted on submission; 不予共享 ones are refused by R01 with the provider's basis
as the value. The due date (R05) is the 10th working day after submission on the official calendar
(govcat.workdays, with the holiday notices admins entered for years chinese-calendar does not know yet:
govcat.calendar_notices; a date beyond both is an error). A grant becomes a gc:DataFlow record (the entry's
来源信息系统 → the consumer's system, validated by F01–F04) in the same atomic commit; a withdrawal or expiry
deletes it through the history. Reading and access: govcat.sharing_read."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from govcat.loaders import Loaded, base_iri

from .access import Access
from .catalogue.journal import ChangeSet
from .catalogue.loading import INCOMING, context_graph
from .catalogue.records import KINDS, BodyError, to_loaded
from .catalogue.repository import Catalogue, is_admin_line
from .namespaces import DCT, GC, GCC, RDF_TYPE, XSD
from .schema import code_lists, concept_labels
from .terms import Term, iri, iri_segment, literal
from .validation.run import Report, validate_loaded
from .calendar_notices import notices
from .workdays import CalendarRangeError, beijing_today, due_date, working_days_between

REQUEST = GC + "SharingRequest"
SHEET = "共享申请"
STATES = GCC + "request-state/"
PENDING, GRANTED, REFUSED, WITHDRAWN, EXPIRED = (STATES + str(n) for n in range(1, 6))
STATE_NAMES = {PENDING: ("待审核", "submitted"), GRANTED: ("已同意", "granted"), REFUSED: ("已拒绝", "refused"),
               WITHDRAWN: ("已撤回", "withdrawn"), EXPIRED: ("已过期", "expired")}
GRANTING_RULES = {"R01", "R02", "R03", "R04"}
DEFAULT_CHANNEL = "共享交换平台"           # GUIDE §3.2: the platform is the default method
DEFAULT_FREQUENCY = "不定期"               # a flow's 频率 when the entry gives no 更新周期


class RequestError(Exception):
    """A step that cannot be taken. kind: unauthorized, forbidden, not_found, conflict, bad_request, invalid
    (`report` holds the validation report) or calendar (a date beyond the official calendar)."""

    def __init__(self, kind: str, zh: str, en: str, report: Report | None = None):
        self.kind, self.zh, self.en, self.report = kind, zh, en, report
        super().__init__(en)


@dataclass
class Ask:
    """What the consumer asks for: codes as the template writes them."""
    resource: str                       # 信息资源代码
    system: str                         # 系统编码 of the consumer's receiving system
    items: list[str] = field(default_factory=list)     # 信息项名称; none = all
    purpose: str | None = None          # 应用场景
    basis: str | None = None            # 依据
    channel: str | None = None          # 交换方式 (共享交换平台, 前置机, 接口, 文件)
    use_from: dt.date | None = None
    use_until: dt.date | None = None
    consumer: str | None = None         # USCC; only an admin asks on a department's behalf


# -- the record as predicate -> values ---------------------------------------------------------------------------
class Record:
    def __init__(self, subject: str, values: dict[str, list[Term]] | None = None):
        self.iri, self.values = subject, values or {}

    @classmethod
    def read(cls, cat: Catalogue, subject: str) -> Record:
        record = cls(subject)
        for _s, p, o in cat.graph.triples_about(subject, subject):
            record.values.setdefault(p.value, []).append(o)
        return record

    def one(self, predicate: str) -> Term | None:
        found = self.values.get(predicate)
        return found[0] if found else None

    def text(self, predicate: str) -> str | None:
        term = self.one(predicate)
        return term.value if term is not None else None

    def set(self, predicate: str, *terms: Term | None) -> None:
        kept = [t for t in terms if t is not None and (not t.is_literal or t.value.strip())]
        if kept:
            self.values[predicate] = kept
        else:
            self.values.pop(predicate, None)

    def lines(self) -> list[str]:
        """Content N-Triples (no admin triples: the history adds those)."""
        s = f"<{self.iri}>"
        return sorted(f"{s} <{p}> {o.n3()} ." for p, terms in self.values.items() for o in terms
                      if not is_admin_line(f"{s} <{p}> {o.n3()} ."))


def request_iri(code: str, base: str | None = None) -> str:
    return f"{base or base_iri()}request/{iri_segment(code)}"


def _date(day: dt.date) -> Term:
    return literal(day.isoformat(), XSD + "date")


def _label(concept: str | None) -> str | None:
    return concept_labels().get(concept) if concept else None


def _concept(cls: str, text: str) -> str | None:
    codes = code_lists().get(cls)
    return codes.lookup.get(text.strip()) if codes else None


def code_of(cat: Catalogue, record: str | None) -> str | None:
    """The code of a record (identifier or USCC); for a record no longer in the store, its IRI's last segment."""
    if record is None:
        return None
    for _s, p, o in cat.graph.triples_about(record, record):
        if p.value in (DCT + "identifier", GC + "uscc"):
            return o.value
    from urllib.parse import unquote
    return unquote(record.rsplit("/", 1)[-1])


# -- steps -------------------------------------------------------------------------------------------------------
def submit(cat: Catalogue, ask: Ask, access: Access, on: dt.date | None = None) -> Record:
    """Make a request as `access` (an editor asks for their department; an admin names `ask.consumer`).
    Returns the stored record: 待审核, or 已同意 with its flow for a 无条件共享 entry."""
    on = on or beijing_today()
    user = _writer(access)
    if user.role == "admin":
        consumer = cat.resolve(ask.consumer) if ask.consumer else None
        if consumer is None:
            raise RequestError("bad_request", "管理员代为申请时须指明申请部门（统一社会信用代码）",
                               "an admin asking on a department's behalf must name it (its USCC)")
    else:
        if ask.consumer and cat.resolve(ask.consumer) != user.department:
            raise RequestError("forbidden", "编辑只能为本部门申请", "an editor asks only for their own department")
        consumer = user.department
    try:
        due = due_date(on, notices(cat))
    except CalendarRangeError as exc:
        raise RequestError("calendar", exc.zh, exc.en) from None
    resource = _find(cat, ask.resource, GC + "InformationResource")
    system = _find(cat, ask.system, GC + "InformationSystem")
    channel = _concept(GC + "ExchangeChannel", ask.channel or DEFAULT_CHANNEL)
    if channel is None:
        raise RequestError("bad_request", f"交换方式 {ask.channel} 不在代码表中（共享交换平台、前置机、接口、文件）",
                           f"the channel {ask.channel} is not in the code list (共享交换平台, 前置机, 接口, 文件)")
    if ask.use_until and ask.use_until < (ask.use_from or on):
        raise RequestError("bad_request", "使用期限止早于起始日", "the period of use ends before it starts")
    with cat.write_lock:
        code = _next_code(cat, on)
        req = Record(request_iri(code))
        entry = Record.read(cat, resource) if resource else Record("")
        req.set(RDF_TYPE, iri(REQUEST))
        req.set(DCT + "identifier", literal(code))
        req.set(GC + "consumer", iri(consumer))
        req.set(GC + "provider", entry.one(DCT + "publisher"))
        req.set(GC + "requester", iri(user.iri))
        req.set(GC + "requestedResource", iri(resource or _missing(cat, "resource", ask.resource)))
        req.set(GC + "targetSystem", iri(system or _missing(cat, "system", ask.system)))
        req.set(GC + "requestedItemName", *[literal(name.strip()) for name in ask.items if name.strip()])
        req.set(GC + "purpose", literal(ask.purpose or ""))
        req.set(GC + "useBasis", literal(ask.basis or ""))
        req.set(GC + "requestedChannel", iri(channel))
        req.set(GC + "useFrom", _date(ask.use_from or on))
        req.set(GC + "useUntil", _date(ask.use_until) if ask.use_until else None)
        req.set(GC + "submittedOn", _date(on))
        req.set(GC + "dueDate", _date(due))
        req.set(GC + "requestState", iri(PENDING))
        _check(cat, req, GRANTING_RULES)
        change = ChangeSet()
        note = None
        if _label(entry.text(GC + "sharingType")) == "无条件共享":      # granted at once (GUIDE §5)
            _grant(cat, change, req, entry, user.iri, on, None, None)
            note = "无条件共享，提交即同意 / unconditionally shared: granted on submission"
        cat.stage(change, req.iri, req.lines(), user=user.iri, action="submit", note=note, old=[], version=0)
        cat.commit(change)
        return req


def decide(cat: Catalogue, code: str, access: Access, grant: bool, reason: str | None = None,
           source_system: str | None = None, on: dt.date | None = None) -> Record:
    """The provider's answer: grant (the request becomes a data flow) or refuse (reasons required, R04)."""
    on = on or beijing_today()
    user = _writer(access)
    with cat.write_lock:
        req = _current(cat, code)
        if not access.may_write(req.text(GC + "provider")):
            raise RequestError("forbidden", "只有提供方部门的编辑可以答复共享申请",
                               "only editors of the providing department answer a request")
        _in_state(req, {PENDING}, "答复", "answered")
        if not grant:
            try:
                days = working_days_between(dt.date.fromisoformat(req.text(GC + "submittedOn")), on, notices(cat))
            except CalendarRangeError as exc:
                raise RequestError("calendar", exc.zh, exc.en) from None
            req.set(GC + "requestState", iri(REFUSED))
            req.set(GC + "decisionReason", literal(reason or ""))
            _decided(req, user.iri, on, days)
            _check(cat, req, {"R04"})         # refusing is always possible, even if the entry changed since
            change = ChangeSet()
        else:
            _check(cat, req, GRANTING_RULES)
            change = ChangeSet()
            entry = Record.read(cat, req.text(GC + "requestedResource"))
            _grant(cat, change, req, entry, user.iri, on, reason, source_system)
        cat.stage(change, req.iri, req.lines(), user=user.iri, action="grant" if grant else "refuse", note=reason)
        cat.commit(change)
        return req


def withdraw(cat: Catalogue, code: str, access: Access, on: dt.date | None = None) -> Record:
    """The consumer withdraws a pending or granted request; a granted one's flow ends (deleted, kept in history)."""
    on = on or beijing_today()
    user = _writer(access)
    with cat.write_lock:
        req = _current(cat, code)
        if not access.may_write(req.text(GC + "consumer")):
            raise RequestError("forbidden", "只有申请部门的编辑可以撤回共享申请",
                               "only editors of the consumer department withdraw a request")
        _in_state(req, {PENDING, GRANTED}, "撤回", "withdrawn")
        change = ChangeSet()
        _end(cat, change, req, WITHDRAWN, user.iri, on, "withdraw")
        cat.commit(change)
        return req


def expire(cat: Catalogue, access: Access, on: dt.date | None = None) -> list[Record]:
    """Every pending or granted request whose period of use ended before `on` becomes 已过期 (admin only)."""
    on = on or beijing_today()
    if not access.admin:
        raise RequestError("forbidden", "只有管理员可以执行过期处理", "only an admin runs the expiry")
    from .sharing_read import request_rows
    with cat.write_lock:
        change, ended = ChangeSet(), []
        for row in request_rows(cat):
            if row["state"] in (PENDING, GRANTED) and row["until"] and row["until"] < on.isoformat():
                req = Record.read(cat, row["request"])
                _end(cat, change, req, EXPIRED, access.user.iri, on, "expire")
                ended.append(req)
        cat.commit(change)
        return ended


# -- the parts ---------------------------------------------------------------------------------------------------
def _writer(access: Access):
    if access.anonymous:
        raise RequestError("unauthorized", "共享申请需要令牌", "sharing requests need a token")
    if access.user.role not in ("editor", "admin") or (access.user.role == "editor" and not access.user.department):
        raise RequestError("forbidden", f"角色 {access.user.role} 不能提出或答复共享申请（须为部门编辑或管理员）",
                           f"the role {access.user.role} cannot make or answer requests (a department's editor or an admin can)")
    return access.user


def _find(cat: Catalogue, code: str, cls: str) -> str | None:
    """The current record of class `cls` with `code` (None: the shapes report it)."""
    from .queries import query
    for row in cat.graph.select(query("record_by_code"), {"code": literal(code.strip())}):
        if cat.admin_value(row["record"].value, RDF_TYPE) == iri(cls):
            return row["record"].value
    return None


def _missing(cat: Catalogue, kind: str, code: str) -> str:
    """An IRI for a code that names no record, as the template would mint it: the shapes then report it."""
    from govcat.loaders.tabular import record_iri
    cls = GC + ("InformationResource" if kind == "resource" else "InformationSystem")
    return record_iri(base_iri(), cls, code.strip() or "-")


def _next_code(cat: Catalogue, on: dt.date) -> str:
    n = 1
    while cat.version_number(request_iri(code := f"SQ-{on:%Y%m%d}-{n:03d}")) or cat.exists(request_iri(code)):
        n += 1
    return code


def _current(cat: Catalogue, code: str) -> Record:
    record = cat.resolve(code) if not code.startswith("http") else code
    req = Record.read(cat, record) if record else None
    if req is None or req.text(RDF_TYPE) != REQUEST:
        raise RequestError("not_found", f"没有编号为 {code} 的共享申请", f"no sharing request {code}")
    return req


def _in_state(req: Record, allowed: set[str], zh: str, en: str) -> None:
    state = req.text(GC + "requestState")
    if state not in allowed:
        name = STATE_NAMES.get(state, (state, state))
        raise RequestError("conflict", f"共享申请处于“{name[0]}”，不能{zh}", f"the request is {name[1]}; it cannot be {en}")


def _decided(req: Record, user: str, on: dt.date, days: int) -> None:
    req.set(GC + "decidedOn", _date(on))
    req.set(GC + "decidedBy", iri(user))
    req.set(GC + "workingDaysToDecide", literal(str(days), XSD + "integer"))


def _check(cat: Catalogue, req: Record, rules: set[str]) -> None:
    """Validate the request with the shapes in the context of the store; any Violation of `rules` refuses."""
    loaded = Loaded(SHEET, ntriples="\n".join(req.lines()) + "\n", rdf_format="nt",
                    sources={req.iri: (SHEET, 0)}, counts={SHEET: 1})
    graph = context_graph(cat, loaded).graph
    report = validate_loaded(loaded, graph, classes={REQUEST})
    report.results = [r for r in report.results if r.focus == req.iri and r.rule in rules]
    if not report.conforms:
        raise RequestError("invalid", "共享申请未通过校验", "the sharing request does not pass validation", report)


def _grant(cat: Catalogue, change: ChangeSet, req: Record, entry: Record, user: str, on: dt.date,
           reason: str | None, source_system: str | None) -> None:
    """Mark `req` granted and stage its data flow: the entry's source system → the consumer's system."""
    try:
        days = working_days_between(dt.date.fromisoformat(req.text(GC + "submittedOn")), on, notices(cat))
    except CalendarRangeError as exc:
        raise RequestError("calendar", exc.zh, exc.en) from None
    sources = sorted(code_of(cat, t.value) for t in entry.values.get(GC + "sourceSystem", []))
    source = source_system or (sources[0] if sources else "")
    if source_system:
        chosen = _find(cat, source_system, GC + "InformationSystem")
        owner = Record.read(cat, chosen).text(GC + "ownerDepartment") if chosen else None
        if owner != req.text(GC + "provider"):
            raise RequestError("bad_request", f"源系统 {source_system} 不是提供方部门的信息系统",
                               f"the source system {source_system} is not a system of the providing department")
    code = req.text(DCT + "identifier")
    body = {"流编码": f"{code}-F", "源系统编码": source, "目标系统编码": code_of(cat, req.text(GC + "targetSystem")),
            "信息资源代码": entry.text(DCT + "identifier"),
            "交换方式": _label(req.text(GC + "requestedChannel")) or DEFAULT_CHANNEL,
            "频率": _label(entry.text(DCT + "accrualPeriodicity")) or DEFAULT_FREQUENCY}
    try:
        loaded, flow, _code = to_loaded(KINDS["flows"], body, base_iri())
    except BodyError as exc:
        raise RequestError("bad_request", exc.zh, exc.en) from None
    graph = context_graph(cat, loaded).graph
    report = validate_loaded(loaded, graph, classes={GC + "DataFlow"})
    report.results = [r for r in report.results if r.focus == flow]
    if not report.conforms:
        raise RequestError("invalid", "同意后的数据流未通过校验（F01–F04），请先补全信息资源的来源信息系统",
                           "the data flow of the grant does not pass validation (F01–F04); the entry may need its "
                           "来源信息系统 first", report)
    lines = sorted(line for line in graph.graph_ntriples(INCOMING).splitlines() if line.strip())
    req.set(GC + "requestState", iri(GRANTED))
    req.set(GC + "grantedFlow", iri(flow))
    req.set(GC + "decisionReason", literal(reason or ""))
    _decided(req, user, on, days)
    cat.stage(change, flow, lines, user=user, action="grant", note=f"共享申请 {code} / sharing request {code}")


def _end(cat: Catalogue, change: ChangeSet, req: Record, state: str, user: str, on: dt.date, action: str) -> None:
    """Withdraw or expire `req`; its flow, if still there, is deleted (the history keeps it)."""
    code = req.text(DCT + "identifier")
    flow = req.text(GC + "grantedFlow")
    if flow and cat.exists(flow):      # a deletion ("delete", as every deletion in the history), with the reason
        why = {"withdraw": ("撤回", "withdrawn"), "expire": ("过期", "expired")}[action]
        cat.stage(change, flow, None, user=user, action="delete",
                  note=f"共享申请 {code} {why[0]} / sharing request {code} {why[1]}")
    req.set(GC + "requestState", iri(state))
    req.set(GC + "endedOn", _date(on))
    cat.stage(change, req.iri, req.lines(), user=user, action=action)


__all__ = [
    "EXPIRED",
    "GRANTED",
    "PENDING",
    "REFUSED",
    "REQUEST",
    "STATE_NAMES",
    "WITHDRAWN",
    "Ask",
    "Record",
    "RequestError",
    "code_of",
    "decide",
    "expire",
    "request_iri",
    "submit",
    "withdraw",
]
