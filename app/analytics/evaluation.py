"""The unified evaluation (统一评价体系, GUIDE §7): indicators per department and per 市州, each defined by a name,
a formula and the rule it rests on, and computed by SPARQL (queries/eval_*.rq, the guide's shapes, the zombie
criteria). Ratios are numerator / denominator; a department without a denominator has no value (null).

E4 and E5 run the guide's Warning-severity shapes over the stored entries (Violations never reach the store:
every write is refused with one). The C23 shape compares with today, so E5 is as of today whatever the year.
E6 evaluates the zombie criteria as of 31 December of the year (or today, if earlier). E9 counts the sharing
requests (govcat.sharing) submitted in the year and due for an answer by then (queries/eval_requests.rq); beside
the indicators each unit has `requests`: decided, granted, approval rate and mean working days to decide."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from ..catalogue.repository import Catalogue
from ..namespaces import GC, XSD
from ..queries import query
from ..terms import literal
from ..validation.engine import default_checks, run_checks
from . import zombies
from .zombies import department_names


@dataclass(frozen=True)
class Indicator:
    id: str
    zh: str
    en: str
    formula_zh: str
    formula_en: str
    rule: str

    def as_json(self) -> dict:
        return {"id": self.id, "name": {"zh": self.zh, "en": self.en},
                "formula": {"zh": self.formula_zh, "en": self.formula_en}, "rule": self.rule}


INDICATORS = (
    Indicator("E1", "系统编目率", "systems catalogued", "有信息资源以其为来源信息系统的在用系统数 ÷ 在用系统数",
              "active systems that are the source system of an entry ÷ active systems", "§2 S01, C 来源信息系统"),
    Indicator("E2", "可共享率", "entries shareable", "无条件共享与有条件共享的信息资源数 ÷ 信息资源数",
              "entries shared unconditionally or conditionally ÷ entries", "C10"),
    Indicator("E3", "开放率", "entries open", "向社会开放的信息资源数 ÷ 信息资源数", "entries open to the public ÷ entries",
              "C15"),
    Indicator("E4", "校验通过率", "entries passing validation", "无任何违规或警告的信息资源数 ÷ 信息资源数",
              "entries with no violation or warning ÷ entries", "C01–C24"),
    Indicator("E5", "及时更新率", "entries kept current", "未被 C23 提示的信息资源数 ÷ 信息资源数",
              "entries not flagged by C23 ÷ entries", "C23"),
    Indicator("E6", "僵尸系统清理率", "zombie systems cleared", "已关停系统数 ÷（已关停系统数 + 现有僵尸系统候选数）",
              "systems shut down ÷ (systems shut down + current zombie candidates)", "Z1–Z5"),
    Indicator("E7", "平台接入率", "systems connected to the platform", "接入共享交换平台的在用系统数 ÷ 在用系统数",
              "active systems connected to the exchange platform ÷ active systems", "S14"),
    Indicator("E8", "整合进度", "integration progress", "已整合或已关停的二级单位/处室运行系统数 ÷ 二级单位/处室运行系统数",
              "systems run by a sub-unit that are integrated or shut down ÷ systems run by a sub-unit", "S04, S15"),
    Indicator("E9", "共享申请按时答复率", "sharing requests answered in time",
              "10 个工作日内答复的共享申请数 ÷ 应已答复的共享申请数（已答复，或未答复已过期限）",
              "requests answered within 10 working days ÷ requests due (answered, or unanswered past the due date)", "R05"),
)


@dataclass
class Unit:
    """A department or a 市州 with its numerator / denominator per indicator."""
    key: str
    name: str
    region: str
    counts: dict[str, list[int]]

    def values(self) -> dict[str, dict]:
        out = {}
        for indicator in INDICATORS:
            num, den = self.counts.get(indicator.id, (0, 0))
            out[indicator.id] = {"numerator": num, "denominator": den,
                                 "value": round(num / den, 4) if den else None}
        return out

    def as_json(self) -> dict:
        granted, decided = self.counts.get("granted", (0, 0))
        days = self.counts.get("days", (0, 0))[0]
        return {"code": self.key, "name": self.name, "region": self.region, "indicators": self.values(),
                "requests": {"decided": decided, "granted": granted,          # beside E9: GUIDE §5 sharing requests
                             "approval_rate": round(granted / decided, 4) if decided else None,
                             "mean_days_to_decide": round(days / decided, 2) if decided else None}}


def city_of(region: str) -> str:
    """The 市州 code of a region code (430211 → 430200); the province's own code stays (省本级)."""
    if not region or region.endswith("0000"):
        return region
    return region[:4] + "00"


def evaluate(cat: Catalogue, year: int) -> dict:
    """Every indicator per department, per 市州 and for the province."""
    as_of = min(dt.date(year, 12, 31), dt.date.today())
    departments = department_names(cat, with_uscc=True)
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))

    def add(dept: str, indicator: str, num: int, den: int) -> None:
        cell = counts[dept][indicator]
        cell[0] += num
        cell[1] += den

    for r in cat.graph.select(query("eval_systems_catalogued")):
        add(r["department"].value, "E1", int(r["numerator"].value), int(r["denominator"].value))
    entries: dict[str, int] = {}
    for r in cat.graph.select(query("eval_entries_shareable")):
        dept, n = r["department"].value, int(r["entries"].value)
        entries[dept] = n
        add(dept, "E2", int(r["shareable"].value), n)
        add(dept, "E3", int(r["open"].value), n)
    span = {"start": literal(f"{year}-01-01", XSD + "date"), "end": literal(f"{year}-12-31", XSD + "date"),
            "asOf": literal(as_of.isoformat(), XSD + "date")}
    for r in cat.graph.select(query("eval_requests"), span):     # sharing requests (GUIDE §5, R05)
        dept, decided = r["department"].value, int(r["decided"].value)
        add(dept, "E9", int(r["answeredInTime"].value), int(r["requests"].value))
        add(dept, "granted", int(r["granted"].value), decided)
        add(dept, "days", int(r["decisionDays"].value), decided)
    shut: dict[str, int] = {}
    for r in cat.graph.select(query("eval_systems_connected")):
        dept = r["department"].value
        add(dept, "E7", int(r["connected"].value), int(r["activeSystems"].value))
        add(dept, "E8", int(r["subUnitMerged"].value), int(r["subUnitSystems"].value))
        shut[dept] = int(r["shutDown"].value)
    flagged, late = _warned_entries(cat)
    provider = {r["entry"].value: r["department"].value for r in cat.graph.select(query("eval_entry_providers"))}
    bad: dict[str, int] = defaultdict(int)
    stale: dict[str, int] = defaultdict(int)
    for entry in flagged:
        if entry in provider:
            bad[provider[entry]] += 1
    for entry in late:
        if entry in provider:
            stale[provider[entry]] += 1
    for dept, n in entries.items():
        add(dept, "E4", n - bad[dept], n)
        add(dept, "E5", n - stale[dept], n)
    candidates: dict[str, int] = defaultdict(int)
    for z in zombies.evaluate(cat, as_of, zombies.Thresholds(), zombies.stored_duplicates(cat)):
        if z.department_iri:
            candidates[z.department_iri] += 1
    for dept in set(shut) | set(candidates):
        add(dept, "E6", shut.get(dept, 0), shut.get(dept, 0) + candidates[dept])

    units = [Unit(values[2] or iri, values[0], values[1], counts.get(iri, {})) for iri, values in departments.items()]
    units.sort(key=lambda u: u.key)
    cities: dict[str, Unit] = {}
    province = Unit("430000" if not units else _province_code(units), "全省 / province", "", defaultdict(lambda: [0, 0]))
    for iri, (name, region, uscc) in departments.items():
        code = city_of(region)
        city = cities.setdefault(code, Unit(code, "", code, defaultdict(lambda: [0, 0])))
        for indicator, (num, den) in counts.get(iri, {}).items():
            for unit in (city, province):
                unit.counts[indicator][0] += num
                unit.counts[indicator][1] += den
    for code, city in cities.items():
        city.name = _city_name(code, departments)
    return {"year": year, "as_of": as_of.isoformat(), "indicators": [i.as_json() for i in INDICATORS],
            "departments": [u.as_json() for u in units],
            "regions": [c.as_json() for c in sorted(cities.values(), key=lambda c: c.key)],
            "province": province.as_json()}


def _warned_entries(cat: Catalogue) -> tuple[set[str], set[str]]:
    """Entries with a finding of the guide's Warning shapes, and those flagged by C23."""
    classes = {GC + "InformationResource", GC + "DataItem"}
    checks = tuple(c for c in default_checks() if c.severity == "Warning" and c.target_class in classes)
    flagged, late = set(), set()
    for finding in run_checks(cat.graph, checks):
        entry = finding.focus.value.split("/item/")[0]
        flagged.add(entry)
        if finding.rule == "C23":
            late.add(entry)
    return flagged, late


def _province_code(units: list[Unit]) -> str:
    regions = [u.region for u in units if u.region.endswith("0000")]
    return regions[0] if regions else "430000"


def _city_name(code: str, departments: dict[str, tuple[str, str, str]]) -> str:
    """The name of a 市州 from its 人民政府 department (长沙市人民政府 → 长沙市); the code if there is none."""
    for name, region, _uscc in departments.values():
        if region == code and name.endswith("人民政府"):
            short = name[: -len("人民政府")]
            return short + ("（省本级）" if code.endswith("0000") else "")
    return code
