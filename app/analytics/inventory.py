"""The information-system inventory as analysts browse it (the web page /systems): every system with its
owner, 市州, use and integration, filtered by what the page's URL says; the stored zombie findings with their
evidence (`govcat zombies`); the stored duplicate pairs (`govcat duplicates`) with both systems' details side
by side.

"In use" (在用) is what integration tracking calls active: neither 已关停 nor 已整合 (the template has no other
运行状态 column)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..catalogue.repository import Catalogue
from ..namespaces import XSD
from ..queries import query
from ..schema import code_lists, concept_labels
from ..terms import literal
from .duplicates import KINDS
from .evaluation import _city_name, city_of
from .overview import stored_analyses
from .zombies import CLEARED, RULES, department_names

RUNNING = {"在用": ("在用", "in use"), "停用": ("已关停或已整合", "shut down or merged")}
CONNECTED = ("是", "否")


@dataclass
class SystemRow:
    iri: str
    code: str
    name: str
    function: str
    department: str          # USCC ("" when the owner is unknown)
    department_name: str
    region: str
    city: str                # 市州 code (430211 -> 430200)
    unit: str = ""
    scope: str = ""
    monthly_uses: str = ""
    users: str = ""
    network: str = ""
    connected: str = ""      # 是 / 否 / ""
    status: str = ""         # 整合状态
    into: str = ""           # code of the system it was merged into
    last_updated: str = ""
    zombie: dict[str, dict[str, str]] = field(default_factory=dict)    # rule -> {"zh", "en"} (stored findings)

    @property
    def in_use(self) -> bool:
        return self.status not in CLEARED


@dataclass(frozen=True)
class Filters:
    """What the inventory page's URL asks for; an empty value does not filter."""
    department: str = ""     # USCC
    city: str = ""           # 市州 code
    running: str = ""        # 在用 / 停用
    status: str = ""         # 整合状态
    network: str = ""
    connected: str = ""      # 是 / 否
    scope: str = ""
    zombie: str = ""         # "any", or one criterion Z1–Z5
    q: str = ""              # part of the code or the name

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def matches(self, s: SystemRow) -> bool:
        checks = ((self.department, s.department), (self.city, s.city), (self.status, s.status),
                  (self.network, s.network), (self.connected, s.connected), (self.scope, s.scope))
        if any(wanted and wanted != value for wanted, value in checks):
            return False
        if self.running and (self.running == "在用") != s.in_use:
            return False
        if self.zombie and not (s.zombie if self.zombie == "any" else self.zombie in s.zombie):
            return False
        return not self.q or self.q.lower() in f"{s.code} {s.name}".lower()


@dataclass(frozen=True)
class PairView:
    """A stored duplicate candidate with both systems' rows (None: a system no longer in the store)."""
    first: SystemRow
    second: SystemRow
    score: float
    kind: str                # same-department, same-region, cross-level, cross-region
    shared_terms: list[str]
    shared_items: list[str]

    @property
    def kind_zh(self) -> str:
        return KINDS.get(self.kind, self.kind)


def systems(cat: Catalogue) -> list[SystemRow]:
    """Every stored system, ordered by code, with its stored zombie findings."""
    labels = concept_labels()
    departments = department_names(cat, with_uscc=True)
    rows = cat.graph.select(query("systems_inventory"))
    codes = {r["system"].value: r["code"].value for r in rows}
    findings = stored_zombies(cat)

    def text(term) -> str:
        if term is None:
            return ""
        return labels.get(term.value, term.value)

    found = []
    for r in rows:
        name, region, uscc = departments.get(r["department"].value, ("", "", "")) if r["department"] else ("", "", "")
        connected = text(r["connected"])
        found.append(SystemRow(
            r["system"].value, r["code"].value, text(r["name"]), text(r["function"]), uscc, name, region,
            city_of(region), unit=text(r["unit"]), scope=text(r["scope"]), monthly_uses=text(r["monthlyUses"]),
            users=text(r["users"]), network=text(r["network"]),
            connected={"true": "是", "false": "否"}.get(connected, connected), status=text(r["status"]),
            into=codes.get(r["into"].value, r["into"].value) if r["into"] else "",
            last_updated=text(r["lastUpdated"]), zombie=findings.get(r["code"].value, {})))
    return found


def stored_zombies(cat: Catalogue) -> dict[str, dict[str, dict[str, str]]]:
    """System code -> criterion -> its evidence {"zh", "en"}, as the last `govcat zombies` (or the refresh
    after a write) stored them."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for r in cat.graph.select(query("zombie_candidates"), {"minCriteria": literal("1", XSD + "integer")}):
        zh = r["evidence"].value
        found.setdefault(r["code"].value, {})[r["criterion"].value] = {
            "zh": zh, "en": r["evidenceEn"].value if r["evidenceEn"] else zh}
    return {code: {rule: rules[rule] for rule in RULES if rule in rules} for code, rules in found.items()}


def assessed_on(cat: Catalogue) -> str | None:
    """The day of the stored zombie evaluation (None: never evaluated)."""
    return stored_analyses(cat)["assessed_on"]


def duplicate_pairs(cat: Catalogue, by_code: dict[str, SystemRow]) -> list[PairView]:
    """The stored duplicate candidates, strongest first, each with both systems' rows."""
    found = []
    for r in cat.graph.select(query("duplicate_details")):
        a, b = by_code.get(r["codeA"].value), by_code.get(r["codeB"].value)
        if a is None or b is None:
            continue
        found.append(PairView(a, b, float(r["score"].value), r["kind"].value,
                              [t for t in r["terms"].value.split("\x1f") if t] if r["terms"] else [],
                              [t for t in r["items"].value.split("\x1f") if t] if r["items"] else []))
    return found


def choices(cat: Catalogue, rows: list[SystemRow]) -> dict[str, list[tuple[str, str]]]:
    """The values each filter offers, as (value, shown): departments and 市州 that own systems, the code lists'
    labels of the values the systems hold (in the code list's order)."""
    departments = department_names(cat, with_uscc=True)

    order = {label: n for codes in code_lists().values() for n, label in enumerate(codes.labels)}

    def values(attribute: str) -> list[tuple[str, str]]:
        held = {getattr(s, attribute) for s in rows} - {""}
        return [(v, v) for v in sorted(held, key=lambda v: (order.get(v, len(order)), v))]

    return {"department": sorted({(s.department, s.department_name) for s in rows if s.department},
                                 key=lambda d: d[0]),
            "city": [(c, _city_name(c, departments)) for c in sorted({s.city for s in rows} - {""})],
            "status": values("status"), "network": values("network"), "scope": values("scope"),
            "connected": [(c, c) for c in CONNECTED], "zombie": [(r, r) for r in RULES]}


__all__ = ["CONNECTED", "RUNNING", "Filters", "PairView", "SystemRow", "assessed_on", "choices",
           "duplicate_pairs", "stored_zombies", "systems"]
