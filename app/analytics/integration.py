"""Integration tracking per department (seed; GUIDE S04, S13–S15): its systems by 整合状态, its "大系统" (the
systems others were integrated into), the systems run by a 二级单位 or 处室 that must still be merged, platform
connection, and migration to the 电子政务外网.

A system is *active* unless 已关停 or 已整合. Run by a 二级单位/处室 (S04): its 运行单位 is not the department's
own name. To migrate (S13): an active system on 互联网 or 专网 (the 电子政务内网 carries classified work and
stays)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..catalogue.repository import Catalogue
from ..queries import query
from ..schema import concept_labels
from .zombies import CLEARED, department_names

STATUSES = ("独立运行", "已整合", "计划整合", "申请暂缓整合", "已关停")
MIGRATE_FROM = ("互联网", "专网")


@dataclass
class DepartmentIntegration:
    department: str          # IRI
    name: str
    uscc: str
    region: str
    systems: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    targets: dict[str, dict] = field(default_factory=dict)      # 大系统 code -> {"name", "receives": [codes]}
    must_merge: list[dict] = field(default_factory=list)
    active: int = 0
    connected: int = 0
    not_connected: list[str] = field(default_factory=list)
    to_migrate: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"department": self.uscc, "name": self.name, "region": self.region, "systems": self.systems,
                "by_status": self.by_status,
                "targets": [{"system": code} | value for code, value in sorted(self.targets.items())],
                "must_merge": self.must_merge, "active": self.active, "connected": self.connected,
                "not_connected": self.not_connected, "to_migrate": self.to_migrate}


def track(cat: Catalogue, department: str | None = None) -> list[DepartmentIntegration]:
    """Per department (or the one with USCC `department`), ordered by USCC."""
    labels = concept_labels()
    departments = {iri: DepartmentIntegration(iri, name, uscc, region)
                   for iri, (name, region, uscc) in _departments(cat).items()}
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    rows = cat.graph.select(query("integration_systems"))
    for row in rows:
        names[row["code"].value] = row["name"].value if row["name"] else ""
        codes[row["system"].value] = row["code"].value
    for row in sorted(rows, key=lambda r: r["code"].value):
        dept = departments.get(row["department"].value) if row["department"] else None
        if dept is None:
            continue
        code = row["code"].value
        status = labels.get(row["status"].value, "") if row["status"] else ""
        dept.systems += 1
        if status in dept.by_status:
            dept.by_status[status] += 1
        into = codes.get(row["into"].value) if row["into"] is not None else None
        if status == "已整合" and into is not None:
            target = dept.targets.setdefault(into, {"name": names.get(into, ""), "receives": []})
            target["receives"].append(code)
        unit = row["unit"].value.strip() if row["unit"] else ""
        if unit and unit != dept.name and status not in CLEARED:
            dept.must_merge.append({"system": code, "name": names[code], "unit": unit, "status": status})
        if status in CLEARED:
            continue
        dept.active += 1
        if row["connected"] is not None and row["connected"].value == "true":
            dept.connected += 1
        else:
            dept.not_connected.append(code)
        network = labels.get(row["network"].value, "") if row["network"] else ""
        if network in MIGRATE_FROM:
            dept.to_migrate.append({"system": code, "name": names[code], "network": network})
    found = sorted(departments.values(), key=lambda d: d.uscc)
    if department is not None:
        found = [d for d in found if d.uscc == department]
    return [d for d in found if d.systems or department is not None]


def _departments(cat: Catalogue) -> dict[str, tuple[str, str, str]]:
    """IRI -> (name, region, USCC)."""
    return {iri: (name, region, uscc) for iri, (name, region, uscc) in department_names(cat, with_uscc=True).items()}
