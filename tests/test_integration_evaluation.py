"""Integration tracking and the evaluation indicators on a generated catalogue where one department's systems
and one entry are rewritten: expectations are counted from the CSV files that were loaded."""
from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from sheets import govcat, read_sheet, write_sheet


@pytest.fixture(scope="module")
def catalogue(small_csv, tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluation")
    folder = root / "catalogue"
    shutil.copytree(small_csv, folder)
    depts = {d["统一社会信用代码"]: d for d in read_sheet(folder / "部门.csv")}
    systems = read_sheet(folder / "信息系统.csv")
    owner = Counter(s["所属部门代码"] for s in systems)
    uscc = next(code for code, n in owner.most_common() if n >= 3)
    name = depts[uscc]["部门名称"]
    mine = [s for s in systems if s["所属部门代码"] == uscc]
    s1, s2, s3 = mine[:3]
    for s in mine:
        s.update({"运行单位": name, "整合状态": "独立运行", "整合至": "", "承载网络": "电子政务外网", "是否接入共享交换平台": "是"})
    s2.update({"运行单位": name + "信息中心", "整合状态": "计划整合", "承载网络": "互联网", "是否接入共享交换平台": "否"})
    s3.update({"运行单位": name + "办公室", "整合状态": "已整合", "整合至": s1["系统编码"]})
    write_sheet(folder / "信息系统.csv", systems)
    entries = read_sheet(folder / "信息资源.csv")
    own_entries = [e for e in entries if e["信息资源提供方代码"] == uscc]
    assert own_entries, "the chosen department provides no entry"
    warned = own_entries[0]
    warned.update({"共享方式分类": "邮件方式", "共享方式类型": "", "共享条件": warned["共享条件"] or "无法联网，以邮件方式提供"})
    write_sheet(folder / "信息资源.csv", entries)
    store = root / "store"
    govcat("load", str(folder), "--store", str(store))
    return {"store": store, "uscc": uscc, "name": name, "systems": mine, "s": (s1, s2, s3), "entries": own_entries,
            "all_entries": entries}


def test_integration_of_the_rewritten_department(catalogue):
    s1, s2, s3 = catalogue["s"]
    out = govcat("integration", "--store", str(catalogue["store"]), "--department", catalogue["uscc"], "--format", "json")
    [d] = json.loads(out.stdout)
    n = len(catalogue["systems"])
    assert d["name"] == catalogue["name"] and d["systems"] == n
    assert d["by_status"] == {"独立运行": n - 2, "已整合": 1, "计划整合": 1, "申请暂缓整合": 0, "已关停": 0}
    assert d["targets"] == [{"system": s1["系统编码"], "name": s1["系统名称"], "receives": [s3["系统编码"]]}]
    assert [m["system"] for m in d["must_merge"]] == [s2["系统编码"]]      # s3 is merged already
    assert d["active"] == n - 1 and d["connected"] == n - 2 and d["not_connected"] == [s2["系统编码"]]
    assert d["to_migrate"] == [{"system": s2["系统编码"], "name": s2["系统名称"], "network": "互联网"}]
    missing = govcat("integration", "--store", str(catalogue["store"]), "--department", "000", check=False)
    assert missing.returncode == 2


def test_evaluation_indicators_count_what_was_loaded(catalogue, tmp_path):
    out = govcat("evaluate", "--store", str(catalogue["store"]), "--year", "2025", "--format", "json")
    result = json.loads(out.stdout)
    assert [i["id"] for i in result["indicators"]] == [f"E{n}" for n in range(1, 10)]
    assert all(i["formula"]["zh"] and i["formula"]["en"] and i["rule"] for i in result["indicators"])
    dept = next(d for d in result["departments"] if d["code"] == catalogue["uscc"])["indicators"]
    n_sys, entries = len(catalogue["systems"]), catalogue["entries"]
    assert dept["E7"] == {"numerator": n_sys - 2, "denominator": n_sys - 1, "value": round((n_sys - 2) / (n_sys - 1), 4)}
    assert (dept["E8"]["numerator"], dept["E8"]["denominator"]) == (1, 2)
    shareable = sum(e["共享类型"] in ("无条件共享", "有条件共享") for e in entries)
    assert (dept["E2"]["numerator"], dept["E2"]["denominator"]) == (shareable, len(entries))
    assert dept["E3"]["numerator"] == sum(e["是否向社会开放"] == "是" for e in entries)
    assert (dept["E4"]["numerator"], dept["E4"]["denominator"]) == (len(entries) - 1, len(entries))   # the C14 warning
    sources = {code for e in catalogue["all_entries"] for code in e["来源信息系统"].split(";") if code}
    active = [s for s in catalogue["systems"] if s["整合状态"] != "已整合"]
    assert (dept["E1"]["numerator"], dept["E1"]["denominator"]) == (sum(s["系统编码"] in sources for s in active), len(active))
    assert dept["E9"]["value"] is None
    for key in ("E1", "E2", "E7"):     # the province and the 市州 add up the departments
        total = sum(d["indicators"][key]["denominator"] for d in result["departments"])
        assert result["province"]["indicators"][key]["denominator"] == total
        assert sum(r["indicators"][key]["denominator"] for r in result["regions"]) == total
    govcat("evaluate", "--store", str(catalogue["store"]), "--year", "2025", "--format", "xlsx",
           "--out", str(tmp_path / "e.xlsx"))
    assert (tmp_path / "e.xlsx").stat().st_size > 0
