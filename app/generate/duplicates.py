"""Planted duplicate systems and near-misses in a generated CSV catalogue, for measuring duplicate detection.

For each plant, a system X of the catalogue is chosen and two systems are added to another department of
the same region: a **duplicate** (X's subject reworded — 系统 ↔ 平台, 管理系统 ↔ 管理平台, phase dropped — X's
functions in another order, a tenth of X's use) and a **near-miss** (a name that begins like X's, with the
subject and business of another system S — of the same region where there is one, so that its functions
name this place — and other functions; it is close to S by construction, so only its pair with X is
labelled). The truth — which pairs are duplicates and which must not be — is returned and written to
`planted-duplicates.json` in the folder."""
from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

from .vocab import SYSTEM_FUNCTIONS

_SWAPS = (("管理信息系统", "管理平台"), ("管理系统", "管理平台"), ("信息系统", "信息平台"), ("服务平台", "服务系统"),
          ("管理平台", "管理系统"), ("信息平台", "信息系统"), ("平台", "系统"), ("系统", "平台"))
_PHASE = re.compile(r"（[一二三四五六七八九十]+期）$")
_FUNCTIONS = re.compile(r"提供(.+)等功能")


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, headers: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)


def reword(subject: str) -> str:
    subject = _PHASE.sub("", subject)
    for old, new in _SWAPS:
        if subject.endswith(old):
            return subject[: -len(old)] + new
    return subject + "平台"


def plant_duplicates(folder: Path, count: int, seed: int = 1) -> dict:
    """Add `count` duplicates and `count` near-misses to the CSV catalogue in `folder`; returns
    {"duplicates": [[X, Y], …], "near_misses": [[X, Z], …]} (system codes)."""
    rng = random.Random(seed)
    _, depts = _read(folder / "部门.csv")
    headers, systems = _read(folder / "信息系统.csv")
    by_uscc = {d["统一社会信用代码"]: d for d in depts}
    region_depts: dict[str, list[dict]] = {}
    for d in depts:
        region_depts.setdefault(d["行政区划代码"], []).append(d)
    sources = [s for s in systems if s["整合状态"] == "独立运行" and s["所属部门代码"] in by_uscc
               and len(region_depts[by_uscc[s["所属部门代码"]]["行政区划代码"]]) > 1]
    rng.shuffle(sources)
    truth: dict[str, list] = {"duplicates": [], "near_misses": []}
    serial = 0
    for x in sources[:count]:
        dept = by_uscc[x["所属部门代码"]]
        other = rng.choice([d for d in region_depts[dept["行政区划代码"]] if d is not dept])
        subject = x["系统名称"][len(dept["部门名称"]):] if x["系统名称"].startswith(dept["部门名称"]) else x["系统名称"]
        region = dept["行政区划代码"]

        def add(name: str, function: str) -> str:
            nonlocal serial
            serial += 1
            row = dict(x)
            row.update({"系统编码": f"HN-{region}-P{serial:04d}", "系统名称": other["部门名称"] + name,
                        "所属部门代码": other["统一社会信用代码"], "运行单位": other["部门名称"],
                        "系统功能": function, "整合状态": "独立运行", "整合至": ""})
            systems.append(row)
            return row["系统编码"]

        found = _FUNCTIONS.search(x["系统功能"])
        functions = re.split(r"、|和", found.group(1)) if found else []
        rng.shuffle(functions)
        lead = x["系统功能"].split("，")[0]
        duplicate = add(reword(subject), f"{lead}，提供{'、'.join(functions)}等功能")
        systems[-1].update({"月均使用次数": str(int(x["月均使用次数"]) // 10),   # the redundant one is less used
                            "用户数": str(int(x["用户数"]) // 10)})
        truth["duplicates"].append([x["系统编码"], duplicate])
        unlike = [s for s in systems if s["所属部门代码"] not in (x["所属部门代码"],) and s["系统功能"].split("，")[0] != lead]
        here = [s for s in unlike if s["所属部门代码"] in by_uscc and by_uscc[s["所属部门代码"]]["行政区划代码"] == region]
        stranger = rng.choice(here or unlike)   # a business of this region: its lead names this place
        stranger_subject = stranger["系统名称"][len(by_uscc[stranger["所属部门代码"]]["部门名称"]):] \
            if stranger["所属部门代码"] in by_uscc else stranger["系统名称"]
        other_functions = rng.sample([f for f in SYSTEM_FUNCTIONS if f not in functions], 3)
        near = add(subject[:2] + _PHASE.sub("", stranger_subject),
                   f"{stranger['系统功能'].split('，')[0]}，提供{'、'.join(other_functions)}等功能")
        truth["near_misses"].append([x["系统编码"], near])
    _write(folder / "信息系统.csv", headers, systems)
    (folder / "planted-duplicates.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth
