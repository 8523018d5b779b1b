"""The catalogue generator: deterministic, exact headers, valid by construction, defects where it says.

`findings()` below is a small independent reading of GUIDE §0–§2 (and govcat's F01–F04), written for
these tests only: a valid catalogue must give none, a defective one exactly the planted list.
"""
import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from govcat.generate import generate_catalogue
from govcat.generate.departments import plan_departments

ROOT = Path(__file__).resolve().parents[1]
SHEETS = ["部门", "信息系统", "信息资源", "信息项", "数据流"]
TODAY = date(2026, 6, 30)

# --- GUIDE §4, written again from the text -------------------------------------------------------
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    total = sum(CHARSET.index(c) * (3 ** i % 31) for i, c in enumerate(code[:17]))
    return CHARSET[(31 - total % 31) % 31] == code[17]


def test_uscc_check_matches_the_guide_examples():
    assert uscc_valid("91110000600037341L") and uscc_valid("91350100M000100Y43")
    assert not uscc_valid("91110000600037341M")


# --- reading the output --------------------------------------------------------------------------
def model_headers() -> dict[str, list[str]]:
    """The header column of each '### <sheet> →' table of docs/model.md."""
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    out = {}
    for sheet in SHEETS:
        block = text.split(f"### {sheet} →", 1)[1].split("\n\n", 1)[0]
        rows = [line for line in block.splitlines() if line.startswith("|")][2:]
        out[sheet] = [row.split("|")[1].strip() for row in rows]
    return out


def read_csv(folder: Path) -> dict[str, list[list[str]]]:
    out = {}
    for sheet in SHEETS:
        raw = (folder / f"{sheet}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        out[sheet] = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    return out


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], r)) for r in rows[1:]]


# --- an independent checker ----------------------------------------------------------------------
NODES = {"101", "102", "103", "104", "105"} | {f"2{i:02d}" for i in range(1, 13)} | {f"30{i}" for i in range(1, 9)}
FORMATS = {"电子文件": "OFD wps xml txt doc docx html pdf ppt pptx", "电子表格": "et xls xlsx csv",
           "数据库": "达梦 DM|KingbaseES|Oracle|SQL Server|MySQL|PostgreSQL|DB2|Access|dbf",
           "图形图像": "jpg png gif bmp tif", "流媒体": "swf rm mpg mp4", "自描述格式": "",
           "服务接口": "REST WebService", "其他": ""}
FORMATS = {k: set(v.split("|") if "|" in v else v.split()) for k, v in FORMATS.items()}
TYPES = dict(zip("CNYDTLMGBIF", "字符型 数值型 货币型 日期型 日期时间型 逻辑型 备注型 通用型 双精度型 整型 浮点型".split()))
CYCLES = {"实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期"}
YES_NO = {"是", "否"}
LAW = re.compile(r"《.+》|法|条例|规定|办法")
CODE = re.compile(r"^[1-3][0-9]{5}[0-9]*/[0-9]+$")
INT = re.compile(r"^[0-9]+$")
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def is_date(text: str, past: bool = False) -> bool:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return False
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None and (not past or day <= TODAY)


def findings(data: dict[str, list[list[str]]]) -> set[tuple[str, str, int]]:
    found: set[tuple[str, str, int]] = set()

    def flag(rule, sheet, index):
        found.add((rule, sheet, index + 2))

    def dup(sheet, rows, key, rule):
        seen = set()
        for n, r in enumerate(rows):
            if key(r) in seen:
                flag(rule, sheet, n)
            seen.add(key(r))

    depts = as_dicts(data["部门"])
    by_code = {d["统一社会信用代码"]: d for d in depts}
    by_name = {d["部门名称"]: d for d in depts if d["部门名称"]}
    for n, d in enumerate(depts):
        checks = {"D01": uscc_valid(d["统一社会信用代码"]), "D02": bool(d["部门名称"]),
                  "D03": not d["上级部门代码"] or d["上级部门代码"] in by_code,
                  "D04": d["行政层级"] in {"国家", "省", "市", "县"},
                  "D05": re.fullmatch(r"[0-9]{6}", d["行政区划代码"]) is not None}
        for rule, ok in checks.items():
            if not ok:
                flag(rule, "部门", n)
    dup("部门", depts, lambda d: d["统一社会信用代码"], "D01")
    dup("部门", depts, lambda d: (d["行政区划代码"], d["部门名称"] or object()), "D02")

    systems = as_dicts(data["信息系统"])
    sys_codes = {s["系统编码"] for s in systems}
    for n, s in enumerate(systems):
        owner = by_code.get(s["所属部门代码"])
        status = s["整合状态"]
        checks = {
            "S02": bool(s["系统名称"]), "S03": owner is not None and uscc_valid(s["所属部门代码"]),
            "S04": owner is None or s["运行单位"] == owner["部门名称"] or status != "独立运行",
            "S05": bool(s["系统功能"]), "S06": s["使用范围"] in {"处室内部", "本部门", "本系统上下级", "跨部门", "面向公众"},
            "S07": bool(INT.match(s["月均使用次数"]) and INT.match(s["用户数"])),
            "S08": bool(s["审批部门"]) and is_date(s["审批时间"]),
            "S09": s["经费来源"] in {"财政投资", "政企合建", "购买服务", "自筹", "其他"},
            "S10": bool(NUMBER.match(s["建设金额(万元)"]) and NUMBER.match(s["年运维费用(万元)"])),
            "S11": is_date(s["最近更新日期"]),
            "S12": bool(NUMBER.match(s["资源利用率(%)"])) and float(s["资源利用率(%)"]) <= 100,
            "S13": s["承载网络"] in {"电子政务外网", "电子政务内网", "互联网", "专网"},
            "S14": s["是否接入共享交换平台"] in YES_NO,
            "S15": status in {"独立运行", "已整合", "计划整合", "申请暂缓整合", "已关停"}
            and ((status == "已整合") == bool(s["整合至"]))
            and (not s["整合至"] or (s["整合至"] in sys_codes and s["整合至"] != s["系统编码"])),
            "S16": s["等级保护级别"] in {"一级", "二级", "三级", "四级", "未定级"}, "S17": s["业务脱节"] in YES_NO,
        }
        for rule, ok in checks.items():
            if not ok:
                flag(rule, "信息系统", n)
    dup("信息系统", systems, lambda s: s["系统编码"], "S01")

    entries = as_dicts(data["信息资源"])
    codes = {e["信息资源代码"] for e in entries}
    items = as_dicts(data["信息项"])
    items_of: dict[str, int] = {}
    for n, it in enumerate(items):
        items_of[it["信息资源代码"]] = items_of.get(it["信息资源代码"], 0) + 1
        kind = it["数据类型"]
        if not it["信息项名称"] or not (kind in TYPES or kind in TYPES.values()
                                     or (kind[:1] in TYPES and kind == f"{kind[0]} {TYPES[kind[0]]}")):
            flag("C09", "信息项", n)
    dup("信息项", items, lambda it: (it["信息资源代码"], it["信息项名称"] or object()), "C09")
    for n, e in enumerate(entries):
        cat, code, share, fclass = e["信息资源分类"], e["信息资源代码"], e["共享类型"], e["信息资源格式分类"]
        provider = by_name.get(e["信息资源提供方"])
        method = e["共享方式分类"]
        related = [c for c in e["关联资源代码"].split(";") if c]
        sources = [c for c in e["来源信息系统"].split(";") if c]
        checks = {
            "C01": bool(re.fullmatch(r"[1-3][0-9]{5}[0-9]*", cat)) and cat[:3] in NODES,
            "C02": bool(e["信息资源名称"].strip()) and len(e["信息资源名称"]) <= 100,
            "C03": bool(CODE.match(code)) and code.split("/")[0] == cat,
            "C04": provider is not None,
            "C05": uscc_valid(e["信息资源提供方代码"]) and e["信息资源提供方代码"] in by_code
            and (provider is None or provider["统一社会信用代码"] == e["信息资源提供方代码"]),
            "C06": bool(e["信息资源摘要"].strip()),
            "C07": fclass in FORMATS and (e["信息资源格式类型"] in FORMATS[fclass] or not FORMATS[fclass]
                                          and not e["信息资源格式类型"]),
            "C08": fclass not in ("自描述格式", "其他") or bool(e["格式说明"]),
            "C09": fclass not in ("数据库", "电子表格") or items_of.get(code, 0) > 0,
            "C10": share in {"无条件共享", "有条件共享", "不予共享"},
            "C11": share != "有条件共享" or bool(e["共享条件"]),
            "C12": share != "不予共享" or bool(LAW.search(e["不予共享依据"])),
            "C13": share == "不予共享" or method in {"邮件方式", "介质方式"}
            or (method == "共享平台方式" and e["共享方式类型"] in {"库表", "接口", "文件"}),
            "C14": method not in {"邮件方式", "介质方式"},
            "C15": e["是否向社会开放"] in YES_NO,
            "C16": e["是否向社会开放"] != "是" or bool(e["开放条件"]),
            "C17": share != "不予共享" or e["是否向社会开放"] == "否",
            "C18": e["更新周期"] in CYCLES, "C19": is_date(e["发布日期"], past=True),
            "C20": all(c in codes and c != code for c in related),
            "C21": cat[:1] != "1" or share == "无条件共享",
            "C22": bool(sources) and all(c in sys_codes for c in sources),
            "C24": not e["信息资源摘要"] or (len(e["信息资源摘要"]) >= 10 and e["信息资源摘要"] != e["信息资源名称"]),
        }
        if share not in {"无条件共享", "有条件共享", "不予共享"}:
            checks["C21"] = True
        for rule, ok in checks.items():
            if not ok:
                flag(rule, "信息资源", n)
    dup("信息资源", entries, lambda e: e["信息资源代码"], "C03")

    flows = as_dicts(data["数据流"])
    for n, f in enumerate(flows):
        checks = {"F01": bool(f["流编码"]),
                  "F02": f["源系统编码"] in sys_codes and f["目标系统编码"] in sys_codes
                  and f["源系统编码"] != f["目标系统编码"],
                  "F03": f["信息资源代码"] in codes,
                  "F04": f["交换方式"] in {"共享交换平台", "前置机", "接口", "文件"} and f["频率"] in CYCLES}
        for rule, ok in checks.items():
            if not ok:
                flag(rule, "数据流", n)
    dup("数据流", flows, lambda f: f["流编码"], "F01")
    return found


# --- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    folder = tmp_path_factory.mktemp("valid") / "cat"
    result = generate_catalogue(folder, 400, seed=7)
    return result, read_csv(folder)


@pytest.fixture(scope="module")
def defective(tmp_path_factory):
    folder = tmp_path_factory.mktemp("defective") / "cat"
    result = generate_catalogue(folder, 600, seed=3, defects=0.1)
    return result, read_csv(folder)


# --- tests ---------------------------------------------------------------------------------------
def test_headers_are_exactly_those_of_the_model(valid):
    headers = model_headers()
    assert all(len(h) >= 5 for h in headers.values())
    for sheet in SHEETS:
        assert valid[1][sheet][0] == headers[sheet]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    def files(folder):
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    generate_catalogue(tmp_path / "a", 150, seed=5, defects=0.1)
    generate_catalogue(tmp_path / "b", 150, seed=5, defects=0.1)
    generate_catalogue(tmp_path / "c", 150, seed=6, defects=0.1)
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert "defects.json" in files(tmp_path / "a")
    assert all(files(tmp_path / "a")[f] != files(tmp_path / "c")[f] for f in ("信息资源.csv", "信息项.csv"))


def test_counts_are_roughly_as_asked(valid):
    result, data = valid
    assert result.counts == {s: len(data[s]) - 1 for s in SHEETS}
    assert result.counts["信息资源"] == 400
    assert 4 * 400 <= result.counts["信息项"] <= 7 * 400
    assert 400 / 8 <= result.counts["信息系统"] <= 400 / 3
    assert 90 <= result.counts["数据流"] <= 110
    assert result.defects == [] and result.defects_path is None
    shares = [e["共享类型"] for e in as_dicts(data["信息资源"])]
    assert {"无条件共享", "有条件共享", "不予共享"} <= set(shares)
    classes = [e["信息资源分类"][0] for e in as_dicts(data["信息资源"])]
    assert 0.04 < classes.count("1") / 400 < 0.2 and 0.04 < classes.count("2") / 400 < 0.2


def test_every_uscc_is_valid_and_distinct(valid):
    depts = as_dicts(valid[1]["部门"])
    codes = [d["统一社会信用代码"] for d in depts]
    assert all(uscc_valid(c) and c.startswith("11" + d["行政区划代码"]) for c, d in zip(codes, depts))
    assert len(set(codes)) == len(codes)
    roots = [d for d in depts if not d["上级部门代码"]]
    assert [(d["部门名称"], d["行政区划代码"]) for d in roots] == [("湖南省人民政府", "430000")]


def test_every_reference_resolves(valid):
    data = valid[1]
    depts = {d["统一社会信用代码"]: d for d in as_dicts(data["部门"])}
    systems = {s["系统编码"]: s for s in as_dicts(data["信息系统"])}
    entries = {e["信息资源代码"]: e for e in as_dicts(data["信息资源"])}
    for e in entries.values():
        assert depts[e["信息资源提供方代码"]]["部门名称"] == e["信息资源提供方"]
        for code in e["来源信息系统"].split(";"):
            assert systems[code]["所属部门代码"] == e["信息资源提供方代码"]
        assert all(c in entries and c != e["信息资源代码"] for c in filter(None, e["关联资源代码"].split(";")))
    for s in systems.values():
        assert s["所属部门代码"] in depts
        if s["整合状态"] == "已整合":
            assert s["整合至"] in systems and s["整合至"] != s["系统编码"]
    for f in as_dicts(data["数据流"]):
        assert f["源系统编码"] != f["目标系统编码"] and f["目标系统编码"] in systems
        assert f["源系统编码"] in entries[f["信息资源代码"]]["来源信息系统"].split(";")
    assert all(it["信息资源代码"] in entries for it in as_dicts(data["信息项"]))


def test_valid_catalogue_breaks_no_rule(valid):
    assert findings(valid[1]) == set()


def test_planted_defects_are_exactly_what_a_checker_finds(defective):
    result, data = defective
    listed = json.loads(result.defects_path.read_text(encoding="utf-8"))
    assert listed == result.defects and result.defects_path.name == "defects.json"
    assert 50 <= len(listed) <= 60
    for d in listed:
        assert set(d) == {"rule", "sheet", "row", "severity", "what"}
        assert 2 <= d["row"] <= len(data[d["sheet"]])
        assert d["severity"] == ("Warning" if d["rule"] in {"C14", "C21", "C24", "S04", "S16"} else "Violation")
    rows = [(d["sheet"], d["row"]) for d in listed]
    assert len(set(rows)) == len(rows)  # one defect per row
    assert {d["sheet"] for d in listed} == set(SHEETS)
    assert len({d["rule"] for d in listed}) >= 45  # every rule kind, round-robin
    assert findings(data) == {(d["rule"], d["sheet"], d["row"]) for d in listed}


def test_xlsx_holds_the_same_cells_as_text(tmp_path):
    result = generate_catalogue(tmp_path / "cat.xlsx", 120, seed=2, defects=0.1)
    generate_catalogue(tmp_path / "csv", 120, seed=2, defects=0.1)
    assert result.defects_path == tmp_path / "cat.xlsx.defects.json"
    csv_data = read_csv(tmp_path / "csv")
    book = CalamineWorkbook.from_path(str(result.path))
    assert book.sheet_names == SHEETS
    for sheet in SHEETS:
        rows = book.get_sheet_by_name(sheet).to_python()
        assert all(isinstance(v, str) for row in rows for v in row)
        width = len(csv_data[sheet][0])
        assert [list(r) + [""] * (width - len(r)) for r in rows] == csv_data[sheet]
        assert len(rows) - 1 == result.counts[sheet]


@pytest.mark.parametrize("entries", [0, 1, 7])
def test_tiny_catalogues_are_valid(tmp_path, entries):
    result = generate_catalogue(tmp_path / "cat", entries, seed=1, defects=1.0)
    data = read_csv(tmp_path / "cat")
    assert result.counts["信息系统"] >= 1 and result.counts["信息资源"] >= entries
    assert findings(data) == {(d["rule"], d["sheet"], d["row"]) for d in result.defects}


def test_departments_grow_with_size():
    import random
    small = plan_departments(100, random.Random(1))
    assert {d.level for d in small} == {"省"} and len(small) <= 10
    big = plan_departments(100_000, random.Random(1))
    govs = {d.region: d for d in big if d.is_government}
    cities = {d.region for d in big if d.level == "市"}
    counties = {d.region for d in big if d.level == "县"}
    assert len(cities) == 14 and {"430100", "433100", "431300"} <= cities
    assert len(counties) >= 60 and {"430121", "430181", "430182"} <= counties
    assert {c[:4] + "00" if not c.startswith("4331") else "433100" for c in counties} == cities
    for d in big:
        assert uscc_valid(d.uscc) and d.uscc[2:8] == d.region
        if d.is_government and d.level != "省":
            assert d.parent is govs[d.upper_region]
        elif not d.is_government:
            assert d.parent is govs[d.region]
    names = [(d.region, d.name) for d in big]
    assert len(set(names)) == len(names)
    assert "长沙市人力资源和社会保障局" in {d.name for d in big}


# --- a province in a box (issue 9) ---------------------------------------------------------------
def digest(folder: Path) -> str:
    import hashlib
    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()[:16]


def test_default_proportions_give_the_same_bytes_as_before_the_province_preset(tmp_path):
    # Digests taken before `--province` existed: tests and benches rely on these catalogues.
    generate_catalogue(tmp_path / "a", 150, seed=5, defects=0.1)
    generate_catalogue(tmp_path / "b", 2000, seed=1)
    assert (digest(tmp_path / "a"), digest(tmp_path / "b")) == ("570df66057e83a9b", "c4018f69c4caa231")


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    from govcat.generate import shape_for
    folder = tmp_path_factory.mktemp("province") / "cat"
    result = generate_catalogue(folder, 2000, seed=11, shape=shape_for(2000, province=True))
    return result, read_csv(folder)


def test_province_preset_has_every_city_and_counties_in_proportion(province):
    result, data = province
    depts = as_dicts(data["部门"])
    levels = {lvl: {d["行政区划代码"] for d in depts if d["行政层级"] == lvl} for lvl in ("省", "市", "县")}
    assert levels["省"] == {"430000"} and len(levels["市"]) == 14 and 10 <= len(levels["县"]) < 122
    assert {c[:4] + "00" if not c.startswith("4331") else "433100" for c in levels["县"]} <= levels["市"]
    # 200,000 entries : 5,000 departments : 20,000 systems : 1,000,000 items : 50,000 flows, scaled to 2,000
    counts = result.counts
    assert counts["信息资源"] == 2000 and counts["数据流"] == 500 and counts["信息系统"] == 200
    assert abs(counts["部门"] - 50) <= 5 and abs(counts["信息项"] - 10_000) <= 500
    assert sum(c["governments"] for c in result.levels["levels"].values()) == 1 + 14 + len(levels["县"])
    assert {"县→市", "市→省"} <= set(result.levels["flows"])        # flows across levels


def test_province_preset_is_valid_and_long_tailed(province):
    data = province[1]
    assert findings(data) == set()
    per_dept: dict[str, int] = {}
    for e in as_dicts(data["信息资源"]):
        per_dept[e["信息资源提供方代码"]] = per_dept.get(e["信息资源提供方代码"], 0) + 1
    sizes = sorted(per_dept.values(), reverse=True)
    assert sizes[0] >= 5 * sizes[len(sizes) // 2]                       # a few big departments …
    assert sum(1 for n in sizes if n <= sizes[len(sizes) // 2] // 2) >= len(sizes) // 10   # … and a long tail


def test_province_preset_is_deterministic_by_seed(tmp_path):
    from govcat.generate import shape_for
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        generate_catalogue(tmp_path / name, 300, seed=seed, shape=shape_for(300, province=True))
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")


def test_province_plan_at_full_size():
    import random

    from govcat.generate.departments import plan_province
    depts = plan_province(5000, random.Random(1))
    assert abs(len(depts) - 5000) <= 50
    by_level = {lvl: [d for d in depts if d.level == lvl] for lvl in ("省", "市", "县")}
    assert len({d.region for d in by_level["市"]}) == 14 and len({d.region for d in by_level["县"]}) == 122
    assert 60 <= len(by_level["省"]) <= 80 and all(30 <= sum(d.region == r for d in by_level["县"]) <= 40
                                                   for r in {d.region for d in by_level["县"]})
    names = [(d.region, d.name) for d in depts]
    assert len(set(names)) == len(names) and all(uscc_valid(d.uscc) for d in depts)
    assert {"湖南省高级人民法院", "长沙市中级人民法院", "浏阳市消防救援大队"} <= {d.name for d in depts}
    govs = {d.region: d for d in depts if d.is_government}
    assert all(d.parent is govs[d.region] for d in depts if not d.is_government)


def test_explicit_totals_and_the_cli(tmp_path):
    from click.testing import CliRunner
    from govcat.cli import main
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "c"), "--entries", "600", "--systems", "40",
                                       "--flows", "25", "--items", "1800", "--departments", "12"])
    assert result.exit_code == 0, result.output
    data = read_csv(tmp_path / "c")
    assert [len(data[s]) - 1 for s in ("部门", "信息系统", "数据流")] == [12, 40, 25]
    assert abs(len(data["信息项"]) - 1 - 1800) <= 120 and findings(data) == set()
    assert "省：政府 1 个，部门 12" in result.output
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "p"), "--entries", "1000", "--province"])
    assert result.exit_code == 0 and "市州：政府 14 个" in result.output and "县市区：政府" in result.output
