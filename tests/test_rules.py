"""Every rule of GUIDE.md (D01–D05, C01–C24, S01–S17) and govcat's F01–F04: one cell or row at a time.

Each test copies a small valid catalogue (generated once per session, below), changes what
the rule is about, writes the copy as a CSV folder and validates it. A failing case asserts a result
with the rule's ID on the changed sheet and Excel row (header = row 1) with the GUIDE's severity; a
passing case asserts that the rule reports nothing at all, which holds because the baseline is clean
(test_generated_catalogue_validates_clean). Rows are chosen by their content, not by position.
C23 reads dct:modified and gc:functionsChanged, which are not template columns: it is tested on the
baseline converted to RDF (Turtle) with those triples added; RDF results have a sheet but no row.
"""
from __future__ import annotations

import datetime as dt
import random

import pytest

from govcat.generate import generate_catalogue
from govcat.loaders import load_path
from govcat.validation.run import validate_path
from helpers import (USCC_CHARSET, Catalogue, assert_not_reported, assert_reported, make_uscc, read_csv_folder,
                     uscc_check_char)

D, S, E, I, F = "部门", "信息系统", "信息资源", "信息项", "数据流"
V, W = "Violation", "Warning"
# GUIDE severities: these rules are Warnings ("sev" W); C22 is W for a missing system, V for an unknown one.
WARNING_RULES = {"C14", "C21", "C23", "C24", "S04", "S16"}
BASE = "https://govcat.example.org/id/"   # the loaders' default record base (docs/model.md)


def cases(**values):
    """Parametrize with readable ASCII ids: cases(not_in_list="乡镇", empty="") -> ids not-in-list, empty.
    A tuple value fills several arguments."""
    return [pytest.param(*(v if isinstance(v, tuple) else (v,)), id=k.replace("_", "-")) for k, v in values.items()]


def utc_today() -> dt.date:
    """'Today' as the shapes see it: SPARQL NOW() is UTC."""
    return dt.datetime.now(dt.timezone.utc).date()


def validate(cat, tmp_path):
    return cat.validate(tmp_path / "catalogue")


def reported(report, rule, sheet, row, severity=None):
    severity = severity or (W if rule in WARNING_RULES else V)
    return assert_reported(report, rule, sheet, row, severity)


@pytest.fixture(scope="session")
def baseline_dir(tmp_path_factory):
    """A small valid catalogue, generated once per session as a CSV folder."""
    folder = tmp_path_factory.mktemp("baseline") / "catalogue"
    result = generate_catalogue(folder, entries=30, seed=7)
    assert result.defects == []
    return folder


@pytest.fixture(scope="session")
def baseline_data(baseline_dir):
    return read_csv_folder(baseline_dir)


@pytest.fixture
def cat(baseline_data):
    """A fresh, editable copy of the baseline for one test."""
    return Catalogue(baseline_data)


# --- choosing rows by content ----------------------------------------------------------------------
def root_department(cat) -> int:
    return cat.find(D, 上级部门代码="")


def child_department(cat) -> int:
    return cat.find(D, lambda r: r["上级部门代码"] != "")


def add_department(cat, name: str, uscc: str | None = None, region: str = "430000", level: str = "省",
                   parent: str | None = None, serial: int = 901) -> int:
    """A new department row under the root government; nothing refers to it."""
    parent = cat.get(D, root_department(cat), "统一社会信用代码") if parent is None else parent
    return cat.append(D, 统一社会信用代码=uscc if uscc is not None else make_uscc(region, serial),
                      部门名称=name, 上级部门代码=parent, 行政层级=level, 行政区划代码=region)


def unreferenced_entry(cat, where=None) -> int:
    """An entry no flow and no other entry points at, so that its code can change."""
    refs = cat.referenced_codes()
    return cat.find(E, lambda r: r["信息资源代码"] not in refs and (where is None or where(r)))


def reclassify(cat, row: int, classification: str) -> None:
    """Set the classification and keep 信息资源代码's 前段码 equal to it (C03)."""
    seq = cat.get(E, row, "信息资源代码").split("/")[1]
    cat.rename_entry(row, f"{classification}/{seq}", 信息资源分类=classification)


def entry_with_items(cat, format_class: str) -> int:
    return cat.find(E, lambda r: r["信息资源格式分类"] == format_class and cat.find_all(I, 信息资源代码=r["信息资源代码"]))


def drop_items(cat, code: str) -> None:
    cat.data[I] = [cat.data[I][0]] + [r for r in cat.data[I][1:] if r[cat.col(I, "信息资源代码")] != code]


def spread(cat, sheet: str, rows: list[int], values: list, header: str | None = None) -> list[int]:
    """Give each value to its own row (passing cases: every allowed value in one catalogue).
    A value is a cell text for `header`, or a dict header -> text."""
    assert len(rows) >= len(values), f"the baseline has only {len(rows)} suitable {sheet} rows"
    for row, value in zip(rows, values):
        cat.update(sheet, row, **(value if isinstance(value, dict) else {header: value}))
    return rows[:len(values)]


def other_department(cat, uscc: str) -> int:
    return cat.find(D, lambda r: r["统一社会信用代码"] != uscc)


# === the baseline ===================================================================================
def test_generated_catalogue_validates_clean(baseline_dir):
    report = validate_path(baseline_dir)
    assert report.results == []
    assert report.conforms


def test_unchanged_copy_written_by_the_tests_validates_clean(cat, tmp_path):
    """The tests' own CSV writer (UTF-8 without BOM) reads back as the same clean catalogue."""
    report = validate(cat, tmp_path)
    assert report.results == []
    assert report.counts == {sheet: len(cat.data[sheet]) - 1 for sheet in (D, S, E, I, F)}


# === 部门: D01–D05 ==================================================================================
def _wrong_check(code: str) -> str:
    return code[:17] + next(c for c in USCC_CHARSET if c != code[17])


NEW_USCC = make_uscc("430000", 901)


@pytest.mark.parametrize("uscc", cases(wrong_check_character=_wrong_check(NEW_USCC),
                                       letter_I_outside_charset=NEW_USCC[:10] + "I" + NEW_USCC[11:],
                                       lowercase=NEW_USCC[:10] + "a" + NEW_USCC[11:],
                                       seventeen_characters=NEW_USCC[:17], empty=""))
def test_d01_invalid_uscc_is_reported(cat, tmp_path, uscc):
    row = add_department(cat, "湖南省测试局", uscc=uscc)
    reported(validate(cat, tmp_path), "D01", D, row)


def test_d01_duplicate_uscc_is_reported_on_both_rows(cat, tmp_path):
    original = child_department(cat)
    copy = cat.append_copy(D, original, 部门名称="湖南省重复代码局")
    report = validate(cat, tmp_path)
    reported(report, "D01", D, original)
    reported(report, "D01", D, copy)


def test_d01_valid_unique_usccs_pass(cat, tmp_path):
    """A government code of this project and the two valid examples of GUIDE §4."""
    for n, uscc in enumerate([NEW_USCC, "91110000600037341L", "91350100M000100Y43"]):
        add_department(cat, f"湖南省测试局{n}", uscc=uscc)
    assert_not_reported(validate(cat, tmp_path), "D01")


def test_d01_check_character_is_reported_exactly_where_it_is_wrong(cat, tmp_path):
    """GB 32100 §4 on 40 random codes (letters and digits in every position): D01 only on the wrong ones."""
    rng = random.Random(32100)
    wrong_rows, seen = set(), set()
    for n in range(40):
        body = "".join(rng.choice(USCC_CHARSET) for _ in range(17))
        good = uscc_check_char(body)
        last = good if n % 2 == 0 else rng.choice([c for c in USCC_CHARSET if c != good])
        assert body not in seen
        seen.add(body)
        row = add_department(cat, f"湖南省校验码测试局{n:02d}", uscc=body + last)
        if last != good:
            wrong_rows.add(row)
    report = validate(cat, tmp_path)
    assert {r.row for r in report.results if r.rule == "D01"} == wrong_rows
    assert all(r.sheet == D and r.severity == V for r in report.results if r.rule == "D01")


def test_d02_empty_department_name_is_reported(cat, tmp_path):
    row = add_department(cat, "")
    reported(validate(cat, tmp_path), "D02", D, row)


def test_d02_duplicate_name_in_the_same_region_is_reported_on_both_rows(cat, tmp_path):
    original = child_department(cat)
    rec = cat.record(D, original)
    copy = add_department(cat, rec["部门名称"], region=rec["行政区划代码"], level=rec["行政层级"])
    report = validate(cat, tmp_path)
    reported(report, "D02", D, original)
    reported(report, "D02", D, copy)


def test_d02_same_name_in_another_region_passes(cat, tmp_path):
    original = child_department(cat)
    assert cat.get(D, original, "行政区划代码") != "430100"
    add_department(cat, cat.get(D, original, "部门名称"), region="430100", level="市")
    assert_not_reported(validate(cat, tmp_path), "D02")


def test_d03_parent_that_is_no_department_is_reported(cat, tmp_path):
    row = child_department(cat)
    cat.set(D, row, "上级部门代码", make_uscc("430000", 999))
    reported(validate(cat, tmp_path), "D03", D, row)


def test_d03_department_that_is_its_own_parent_is_reported(cat, tmp_path):
    row = child_department(cat)
    cat.set(D, row, "上级部门代码", cat.get(D, row, "统一社会信用代码"))
    reported(validate(cat, tmp_path), "D03", D, row)


def test_d03_parent_cycle_is_reported_on_both_departments(cat, tmp_path):
    root, child = root_department(cat), child_department(cat)
    assert cat.get(D, child, "上级部门代码") == cat.get(D, root, "统一社会信用代码")
    cat.set(D, root, "上级部门代码", cat.get(D, child, "统一社会信用代码"))
    report = validate(cat, tmp_path)
    reported(report, "D03", D, root)
    reported(report, "D03", D, child)


def test_d03_known_parent_three_levels_deep_passes(cat, tmp_path):
    add_department(cat, "湖南省测试局直属中心", parent=cat.get(D, child_department(cat), "统一社会信用代码"))
    assert_not_reported(validate(cat, tmp_path), "D03")


@pytest.mark.parametrize("level", cases(township="乡镇", not_in_list="省级", empty=""))
def test_d04_level_outside_the_list_is_reported(cat, tmp_path, level):
    row = child_department(cat)
    cat.set(D, row, "行政层级", level)
    reported(validate(cat, tmp_path), "D04", D, row)


def test_d04_every_level_in_the_list_passes(cat, tmp_path):
    spread(cat, D, cat.rows(D), ["国家", "省", "市", "县"], "行政层级")
    assert_not_reported(validate(cat, tmp_path), "D04")


@pytest.mark.parametrize("region", cases(five_digits="43000", letter="43010A", empty=""))
def test_d05_region_code_not_six_digits_is_reported(cat, tmp_path, region):
    row = child_department(cat)
    cat.set(D, row, "行政区划代码", region)
    reported(validate(cat, tmp_path), "D05", D, row)


def test_d05_six_digit_region_code_passes(cat, tmp_path):
    add_department(cat, "长沙市测试局", region="430100", level="市")
    assert_not_reported(validate(cat, tmp_path), "D05")


# === 信息资源: C01–C24 ===============================================================================
@pytest.mark.parametrize("classification", [
    pytest.param("309001", id="class-3-item-09-no-node"),
    pytest.param("106001", id="class-1-item-06-no-node"),
    pytest.param("401001", id="class-4"),
    pytest.param("30700", id="five-digits"),
])
def test_c01_classification_outside_the_guide_is_reported(cat, tmp_path, classification):
    row = unreferenced_entry(cat)
    reclassify(cat, row, classification)
    reported(validate(cat, tmp_path), "C01", E, row)


def test_c01_empty_classification_is_reported(cat, tmp_path):
    row = unreferenced_entry(cat)
    cat.set(E, row, "信息资源分类", "")
    reported(validate(cat, tmp_path), "C01", E, row)


def test_c01_unknown_theme_of_the_open_theme_list_is_reported_as_warning(cat, tmp_path):
    """§3.1 calls the 主题 list open: an unknown theme (2 + 13) is a Warning asking to confirm."""
    row = unreferenced_entry(cat)
    reclassify(cat, row, "213001")
    report = validate(cat, tmp_path)
    reported(report, "C01", E, row, W)
    assert not [r for r in report.results if r.rule == "C01" and r.severity == V]


def test_c01_classifications_on_guide_nodes_pass(cat, tmp_path):
    refs = cat.referenced_codes()
    rows = cat.find_all(E, lambda r: r["信息资源代码"] not in refs)
    classifications = ["105001", "201001", "212003004", "301001", "308001001001"]
    assert len(rows) >= len(classifications)
    for row, classification in zip(rows, classifications):
        reclassify(cat, row, classification)
    assert_not_reported(validate(cat, tmp_path), "C01")


@pytest.mark.parametrize("title", [pytest.param("", id="empty"), pytest.param("   ", id="blank"),
                                   pytest.param("名" * 101, id="101-characters")])
def test_c02_title_empty_or_too_long_is_reported(cat, tmp_path, title):
    cat.set(E, 2, "信息资源名称", title)
    reported(validate(cat, tmp_path), "C02", E, 2)


def test_c02_title_of_100_characters_passes(cat, tmp_path):
    cat.set(E, 2, "信息资源名称", "名" * 100)
    assert_not_reported(validate(cat, tmp_path), "C02")


@pytest.mark.parametrize("make_code", [
    pytest.param(lambda cls, seq: cls + seq, id="no-slash"),
    pytest.param(lambda cls, seq: f"{cls}/{seq[:-1]}A", id="letter-in-sequence"),
    pytest.param(lambda cls, seq: f"{cls}/", id="empty-sequence"),
    pytest.param(lambda cls, seq: f"307099/{seq}", id="prefix-differs-from-classification"),
])
def test_c03_malformed_or_inconsistent_code_is_reported(cat, tmp_path, make_code):
    row = unreferenced_entry(cat)
    cls, seq = cat.get(E, row, "信息资源分类"), cat.get(E, row, "信息资源代码").split("/")[1]
    cat.rename_entry(row, make_code(cls, seq))
    reported(validate(cat, tmp_path), "C03", E, row)


def test_c03_duplicate_code_is_reported_on_both_rows(cat, tmp_path):
    # an entry that needs no data items, so that the copy breaks nothing but C03
    original = cat.find(E, lambda r: r["信息资源格式分类"] not in ("数据库", "电子表格"))
    copy = cat.append_copy(E, original, 信息资源名称=cat.get(E, original, "信息资源名称") + "（副本）")
    report = validate(cat, tmp_path)
    reported(report, "C03", E, original)
    reported(report, "C03", E, copy)


def test_c03_new_well_formed_unique_code_passes(cat, tmp_path):
    row = unreferenced_entry(cat)
    cat.rename_entry(row, cat.get(E, row, "信息资源分类") + "/999999")
    assert_not_reported(validate(cat, tmp_path), "C03")


@pytest.mark.parametrize("provider", cases(unknown_name="湖南省不存在厅", empty=""))
def test_c04_provider_that_names_no_department_is_reported(cat, tmp_path, provider):
    cat.set(E, 2, "信息资源提供方", provider)
    reported(validate(cat, tmp_path), "C04", E, 2)


def test_c04_provider_that_names_another_known_department_passes(cat, tmp_path):
    dept = other_department(cat, cat.get(E, 2, "信息资源提供方代码"))
    cat.update(E, 2, 信息资源提供方=cat.get(D, dept, "部门名称"), 信息资源提供方代码=cat.get(D, dept, "统一社会信用代码"))
    assert_not_reported(validate(cat, tmp_path), "C04")


@pytest.mark.parametrize("make_code", [
    pytest.param(lambda cat, code: make_uscc("430000", 999), id="valid-uscc-of-no-department"),
    pytest.param(lambda cat, code: cat.get(D, other_department(cat, code), "统一社会信用代码"),
                 id="code-of-another-department-than-the-named-one"),
    pytest.param(lambda cat, code: _wrong_check(code), id="wrong-check-character"),
    pytest.param(lambda cat, code: "", id="empty"),
])
def test_c05_provider_code_invalid_unknown_or_mismatched_is_reported(cat, tmp_path, make_code):
    cat.set(E, 2, "信息资源提供方代码", make_code(cat, cat.get(E, 2, "信息资源提供方代码")))
    reported(validate(cat, tmp_path), "C05", E, 2)


def test_c05_provider_code_of_the_named_department_passes(cat, tmp_path):
    dept = other_department(cat, cat.get(E, 2, "信息资源提供方代码"))
    cat.update(E, 2, 信息资源提供方=cat.get(D, dept, "部门名称"), 信息资源提供方代码=cat.get(D, dept, "统一社会信用代码"))
    assert_not_reported(validate(cat, tmp_path), "C05")


def test_c06_empty_abstract_is_reported(cat, tmp_path):
    cat.set(E, 2, "信息资源摘要", "")
    reported(validate(cat, tmp_path), "C06", E, 2)


def test_c06_short_but_present_abstract_passes(cat, tmp_path):
    """Present is enough for C06; a short abstract is C24's business (a Warning)."""
    cat.set(E, 2, "信息资源摘要", "详见附件")
    assert_not_reported(validate(cat, tmp_path), "C06")


@pytest.mark.parametrize("cells", [
    pytest.param({"信息资源格式分类": "压缩包"}, id="class-not-in-list"),
    pytest.param({"信息资源格式分类": ""}, id="class-empty"),
    pytest.param({"信息资源格式分类": "电子文件", "信息资源格式类型": "MySQL"}, id="type-of-another-class"),
    pytest.param({"信息资源格式分类": "电子文件", "信息资源格式类型": "numbers"}, id="type-not-in-list"),
])
def test_c07_format_class_or_type_wrong_is_reported(cat, tmp_path, cells):
    row = cat.find(E, 信息资源格式分类="电子文件")
    cat.update(E, row, **cells)
    reported(validate(cat, tmp_path), "C07", E, row)


def test_c07_format_types_consistent_with_their_class_pass(cat, tmp_path):
    pairs = [("电子文件", "OFD"), ("电子表格", "et"), ("数据库", "达梦 DM"), ("数据库", "SQL Server"),
             ("图形图像", "tif"), ("流媒体", "mp4"), ("服务接口", "WebService"), ("自描述格式", "")]
    # entries with data items, so that 数据库/电子表格 stay valid for C09
    rows = cat.find_all(E, lambda r: cat.find_all(I, 信息资源代码=r["信息资源代码"]))
    spread(cat, E, rows, [{"信息资源格式分类": c, "信息资源格式类型": t, "格式说明": "GeoJSON"} for c, t in pairs])
    assert_not_reported(validate(cat, tmp_path), "C07")


@pytest.mark.parametrize("format_class", cases(self_describing="自描述格式", other="其他"))
def test_c08_self_describing_or_other_format_without_description_is_reported(cat, tmp_path, format_class):
    row = cat.find(E, 信息资源格式分类="电子文件")
    cat.update(E, row, 信息资源格式分类=format_class, 信息资源格式类型="", 格式说明="")
    reported(validate(cat, tmp_path), "C08", E, row)


@pytest.mark.parametrize("format_class", cases(self_describing="自描述格式", other="其他"))
def test_c08_self_describing_or_other_format_with_description_passes(cat, tmp_path, format_class):
    row = cat.find(E, 信息资源格式分类="电子文件")
    cat.update(E, row, 信息资源格式分类=format_class, 信息资源格式类型="", 格式说明="GeoJSON 地理要素集合")
    assert_not_reported(validate(cat, tmp_path), "C08")


@pytest.mark.parametrize("format_class", cases(database="数据库", spreadsheet="电子表格"))
def test_c09_database_or_spreadsheet_entry_without_data_items_is_reported(cat, tmp_path, format_class):
    row = entry_with_items(cat, format_class)
    drop_items(cat, cat.get(E, row, "信息资源代码"))
    reported(validate(cat, tmp_path), "C09", E, row)


def test_c09_file_entry_without_data_items_passes(cat, tmp_path):
    row = cat.find(E, 信息资源格式分类="电子文件")
    drop_items(cat, cat.get(E, row, "信息资源代码"))
    assert_not_reported(validate(cat, tmp_path), "C09")


@pytest.mark.parametrize("cells", [
    pytest.param({"信息项名称": ""}, id="name-empty"),
    pytest.param({"数据类型": "VARCHAR2"}, id="type-not-in-list"),
    pytest.param({"数据类型": ""}, id="type-empty"),
    pytest.param({"数据长度": "abc"}, id="length-not-integer"),
    pytest.param({"数据长度": "0"}, id="length-zero"),
    pytest.param({"信息资源代码": "307001/999999"}, id="entry-code-of-no-entry"),
])
def test_c09_data_item_without_name_valid_type_or_entry_is_reported(cat, tmp_path, cells):
    cat.update(I, 2, **cells)
    reported(validate(cat, tmp_path), "C09", I, 2)


def test_c09_duplicate_item_name_within_an_entry_is_reported_on_both_rows(cat, tmp_path):
    first = 2
    second = cat.find(I, lambda r: r["信息资源代码"] == cat.get(I, first, "信息资源代码")
                      and r["信息项名称"] != cat.get(I, first, "信息项名称"))
    cat.set(I, second, "信息项名称", cat.get(I, first, "信息项名称"))
    report = validate(cat, tmp_path)
    reported(report, "C09", I, first)
    reported(report, "C09", I, second)


def test_c09_same_item_name_in_another_entry_passes(cat, tmp_path):
    name, code = cat.get(I, 2, "信息项名称"), cat.get(I, 2, "信息资源代码")
    names_of = lambda c: {cat.get(I, r, "信息项名称") for r in cat.find_all(I, 信息资源代码=c)}
    row = cat.find(I, lambda r: r["信息资源代码"] != code and name not in names_of(r["信息资源代码"]))
    cat.set(I, row, "信息项名称", name)
    assert_not_reported(validate(cat, tmp_path), "C09")


def test_c09_data_types_as_letter_label_or_both_pass(cat, tmp_path):
    spread(cat, I, cat.rows(I), ["N", "数值型", "N 数值型", "数值型N", "T 日期时间型", "B", "I", "浮点型"], "数据类型")
    assert_not_reported(validate(cat, tmp_path), "C09")


@pytest.mark.parametrize("sharing", cases(not_in_list="部分共享", empty=""))
def test_c10_sharing_type_outside_the_list_is_reported(cat, tmp_path, sharing):
    row = cat.find(E, 共享类型="无条件共享")
    cat.set(E, row, "共享类型", sharing)
    reported(validate(cat, tmp_path), "C10", E, row)


def test_c10_every_sharing_type_in_the_list_passes(cat, tmp_path):
    rows = cat.find_all(E, 共享类型="无条件共享")
    spread(cat, E, rows, [{"共享类型": t, "共享条件": "仅向公安部门共享，用于身份核验",
                           "不予共享依据": "《中华人民共和国保守国家秘密法》"} for t in ("无条件共享", "有条件共享", "不予共享")])
    assert_not_reported(validate(cat, tmp_path), "C10")


def test_c11_conditional_sharing_without_conditions_is_reported(cat, tmp_path):
    row = cat.find(E, 共享类型="有条件共享")
    cat.set(E, row, "共享条件", "")
    reported(validate(cat, tmp_path), "C11", E, row)


def test_c11_conditional_sharing_with_conditions_passes(cat, tmp_path):
    row = cat.find(E, 共享类型="无条件共享")
    cat.update(E, row, 共享类型="有条件共享", 共享条件="仅向市场监管部门共享，用于企业信用核查")
    assert_not_reported(validate(cat, tmp_path), "C11")


@pytest.mark.parametrize("basis", [pytest.param("", id="empty"),
                                   pytest.param("涉及个人隐私，不宜对外提供", id="no-law-named"),
                                   pytest.param("数据涉密，无法共享", id="only-the-word-wufa")])
def test_c12_not_shared_without_a_legal_basis_is_reported(cat, tmp_path, basis):
    row = cat.find(E, 共享类型="不予共享")
    cat.set(E, row, "不予共享依据", basis)
    reported(validate(cat, tmp_path), "C12", E, row)


def test_c12_not_shared_citing_a_law_regulation_or_policy_passes(cat, tmp_path):
    bases = ["依据《中华人民共和国统计法》第九条", "依据湖南省政务数据管理办法", "依据国家保密条例", "按照有关规定"]
    spread(cat, E, cat.find_all(E, 共享类型="不予共享"), bases, "不予共享依据")
    assert_not_reported(validate(cat, tmp_path), "C12")


@pytest.mark.parametrize("cells", [
    pytest.param({"共享方式分类": "", "共享方式类型": ""}, id="no-method"),
    pytest.param({"共享方式分类": "共享平台方式", "共享方式类型": ""}, id="platform-without-type"),
    pytest.param({"共享方式分类": "FTP方式"}, id="class-not-in-list"),
    pytest.param({"共享方式分类": "共享平台方式", "共享方式类型": "光盘"}, id="type-not-in-list"),
])
def test_c13_shared_entry_without_valid_sharing_method_is_reported(cat, tmp_path, cells):
    row = cat.find(E, 共享类型="有条件共享", 共享方式分类="共享平台方式")
    cat.update(E, row, **cells)
    reported(validate(cat, tmp_path), "C13", E, row)


def test_c13_not_shared_entry_without_sharing_method_passes(cat, tmp_path):
    row = cat.find(E, 共享类型="不予共享")
    assert cat.get(E, row, "共享方式分类") == ""
    assert_not_reported(validate(cat, tmp_path), "C13")


def test_c13_platform_method_with_each_type_passes(cat, tmp_path):
    spread(cat, E, cat.find_all(E, 共享类型="无条件共享"),
           [{"共享方式分类": "共享平台方式", "共享方式类型": t} for t in ("库表", "接口", "文件")])
    assert_not_reported(validate(cat, tmp_path), "C13")


@pytest.mark.parametrize("method", cases(email="邮件方式", media="介质方式"))
def test_c14_off_platform_sharing_method_is_reported_as_warning(cat, tmp_path, method):
    row = cat.find(E, 共享类型="无条件共享", 共享方式分类="共享平台方式")
    cat.update(E, row, 共享方式分类=method, 共享方式类型="")
    report = validate(cat, tmp_path)
    reported(report, "C14", E, row)
    assert_not_reported(report, "C13")   # a valid method: only the Warning


def test_c14_platform_sharing_method_passes(cat, tmp_path):
    row = cat.find(E, 共享类型="无条件共享", 共享方式分类="共享平台方式")
    cat.set(E, row, "共享方式类型", "接口")
    assert_not_reported(validate(cat, tmp_path), "C14")


@pytest.mark.parametrize("value", cases(not_yes_or_no="部分开放", empty="", latin_y="Y", digit_one="1"))
def test_c15_open_to_public_not_yes_or_no_is_reported(cat, tmp_path, value):
    row = cat.find(E, 是否向社会开放="否")
    cat.set(E, row, "是否向社会开放", value)
    reported(validate(cat, tmp_path), "C15", E, row)


def test_c15_open_to_public_yes_or_no_passes(cat, tmp_path):
    spread(cat, E, cat.find_all(E, 共享类型="无条件共享", 是否向社会开放="否"),
           [{"是否向社会开放": "是", "开放条件": "无条件开放"}, {"是否向社会开放": "否", "开放条件": ""}])
    assert_not_reported(validate(cat, tmp_path), "C15")


def test_c16_open_entry_without_opening_conditions_is_reported(cat, tmp_path):
    row = cat.find(E, 是否向社会开放="是")
    cat.set(E, row, "开放条件", "")
    reported(validate(cat, tmp_path), "C16", E, row)


def test_c16_open_entries_with_conditions_and_closed_entries_without_pass(cat, tmp_path):
    spread(cat, E, cat.find_all(E, 共享类型="无条件共享", 是否向社会开放="否"),
           [{"是否向社会开放": o, "开放条件": c} for o, c in [("是", "无条件开放"), ("是", "依申请开放"), ("否", "")]])
    assert_not_reported(validate(cat, tmp_path), "C16")


def test_c17_not_shared_entry_open_to_public_is_reported(cat, tmp_path):
    row = cat.find(E, 共享类型="不予共享")
    cat.update(E, row, 是否向社会开放="是", 开放条件="依申请开放")
    reported(validate(cat, tmp_path), "C17", E, row)


def test_c17_shared_entries_open_to_public_pass(cat, tmp_path):
    for sharing in ("无条件共享", "有条件共享"):
        cat.update(E, cat.find(E, 共享类型=sharing, 是否向社会开放="否"), 是否向社会开放="是", 开放条件="依申请开放")
    assert_not_reported(validate(cat, tmp_path), "C17")


@pytest.mark.parametrize("cycle", cases(every_two_years="每两年", empty=""))
def test_c18_update_cycle_outside_the_list_is_reported(cat, tmp_path, cycle):
    cat.set(E, 2, "更新周期", cycle)
    reported(validate(cat, tmp_path), "C18", E, 2)


def test_c18_every_update_cycle_and_documented_variant_passes(cat, tmp_path):
    cycles = ["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期",
              "每天", "即时", "静态数据", "不更新", "每月（每月5日前）"]
    spread(cat, E, cat.rows(E), cycles, "更新周期")
    assert_not_reported(validate(cat, tmp_path), "C18")


@pytest.mark.parametrize("issued", [
    pytest.param(lambda: (utc_today() + dt.timedelta(days=30)).isoformat(), id="in-the-future"),
    pytest.param(lambda: "2023-02-30", id="no-such-day"),
    pytest.param(lambda: "2023-5-12", id="unpadded"),
    pytest.param(lambda: "", id="empty"),
])
def test_c19_release_date_not_iso_or_in_the_future_is_reported(cat, tmp_path, issued):
    cat.set(E, 2, "发布日期", issued())
    reported(validate(cat, tmp_path), "C19", E, 2)


def test_c19_iso_release_dates_up_to_today_pass(cat, tmp_path):
    spread(cat, E, cat.rows(E), [utc_today().isoformat(), "2020-02-29"], "发布日期")
    assert_not_reported(validate(cat, tmp_path), "C19")


@pytest.mark.parametrize("related", [
    pytest.param(lambda cat: "307001/999999", id="code-of-no-entry"),
    pytest.param(lambda cat: cat.get(E, 2, "信息资源代码"), id="the-entry-itself"),
    pytest.param(lambda cat: cat.get(E, 3, "信息资源代码") + ";307001/999999", id="one-of-two-unknown"),
])
def test_c20_related_code_unknown_or_self_is_reported(cat, tmp_path, related):
    cat.set(E, 2, "关联资源代码", related(cat))
    reported(validate(cat, tmp_path), "C20", E, 2)


def test_c20_related_codes_of_other_entries_pass(cat, tmp_path):
    cat.set(E, 2, "关联资源代码", cat.get(E, 3, "信息资源代码") + ";" + cat.get(E, 4, "信息资源代码"))
    assert_not_reported(validate(cat, tmp_path), "C20")


@pytest.mark.parametrize("cells", [
    pytest.param({"共享类型": "有条件共享", "共享条件": "仅向公安部门共享，用于身份核验"}, id="conditional"),
    pytest.param({"共享类型": "不予共享", "不予共享依据": "依据《中华人民共和国保守国家秘密法》", "共享方式分类": "",
                  "共享方式类型": "", "是否向社会开放": "否", "开放条件": ""}, id="not-shared"),
])
def test_c21_basic_resource_not_shared_unconditionally_is_reported_as_warning(cat, tmp_path, cells):
    row = cat.find(E, lambda r: r["信息资源分类"].startswith("1"))
    cat.update(E, row, **cells)
    reported(validate(cat, tmp_path), "C21", E, row)


def test_c21_basic_resource_shared_unconditionally_and_other_classes_conditionally_pass(cat, tmp_path):
    basic = cat.find(E, lambda r: r["信息资源分类"].startswith("1"))
    cat.update(E, basic, 共享类型="无条件共享")
    assert cat.find_all(E, lambda r: r["信息资源分类"][0] in "23" and r["共享类型"] == "有条件共享")
    assert_not_reported(validate(cat, tmp_path), "C21")


@pytest.mark.parametrize("systems", [pytest.param(lambda own: "HN-430000-9999", id="unknown-system"),
                                     pytest.param(lambda own: own + ";HN-430000-9999", id="one-of-two-unknown")])
def test_c22_source_system_not_in_the_inventory_is_reported(cat, tmp_path, systems):
    cat.set(E, 2, "来源信息系统", systems(cat.get(E, 2, "来源信息系统")))
    reported(validate(cat, tmp_path), "C22", E, 2, V)


def test_c22_no_source_system_is_reported_as_warning(cat, tmp_path):
    cat.set(E, 2, "来源信息系统", "")
    report = validate(cat, tmp_path)
    reported(report, "C22", E, 2, W)
    assert not [r for r in report.results if r.rule == "C22" and r.severity == V]


def test_c22_source_systems_of_the_inventory_pass(cat, tmp_path):
    codes = [cat.get(S, r, "系统编码") for r in cat.rows(S)[:2]]
    cat.set(E, 2, "来源信息系统", "；".join(codes))   # the full-width separator is accepted too
    assert_not_reported(validate(cat, tmp_path), "C22")


@pytest.mark.parametrize("abstract", [pytest.param(lambda title: "详见附件", id="under-10-characters"),
                                      pytest.param(lambda title: "一二三四五六七八九", id="9-characters"),
                                      pytest.param(lambda title: title, id="title-repeated")])
def test_c24_short_abstract_or_title_repeated_is_reported_as_warning(cat, tmp_path, abstract):
    row = cat.find(E, lambda r: len(r["信息资源名称"]) >= 10)
    cat.set(E, row, "信息资源摘要", abstract(cat.get(E, row, "信息资源名称")))
    reported(validate(cat, tmp_path), "C24", E, row)


def test_c24_abstracts_of_10_characters_or_more_pass(cat, tmp_path):
    spread(cat, E, cat.rows(E), ["一二三四五六七八九十", "记录全省规范性文件的文号、发文机关和成文日期"], "信息资源摘要")
    assert_not_reported(validate(cat, tmp_path), "C24")


# --- C23: dct:modified and gc:functionsChanged are not columns: the baseline as Turtle ---------------
DCT_MODIFIED = "<http://purl.org/dc/terms/modified>"
FUNCTIONS_CHANGED = "<https://w3id.org/govcat/def#functionsChanged>"
XSD_DATE = "<http://www.w3.org/2001/XMLSchema#date>"


def entry_iri(code: str) -> str:
    return f"{BASE}resource/{code}"


def dated(subject: str, prop: str, days_ago: int) -> str:
    day = (utc_today() - dt.timedelta(days=days_ago)).isoformat()
    return f'<{subject}> {prop} "{day}"^^{XSD_DATE} .\n'


@pytest.fixture(scope="module")
def baseline_ntriples(baseline_dir) -> str:
    return load_path(baseline_dir, base=BASE).ntriples


def validate_turtle(tmp_path, ntriples: str, extra: str):
    path = tmp_path / "catalogue.ttl"
    path.write_text(ntriples + extra, encoding="utf-8")   # N-Triples lines are Turtle
    return validate_path(path)


def c23_results(report, focus: str | None = None):
    return [r for r in report.results if r.rule == "C23" and (focus is None or r.focus == focus)]


def entry_with_cycle(cat, cycle: str) -> str:
    return cat.get(E, cat.find(E, 更新周期=cycle), "信息资源代码")


def test_c23_baseline_as_turtle_validates_clean(tmp_path, baseline_ntriples):
    assert validate_turtle(tmp_path, baseline_ntriples, "").results == []


def test_c23_entries_not_modified_for_over_twice_their_cycle_are_reported_as_warnings(
        cat, tmp_path, baseline_ntriples):
    ages = {"每年": 800, "每半年": 400, "每季度": 200, "每月": 70, "每周": 20, "每日": 5, "实时": 3}
    focus = {cycle: entry_iri(entry_with_cycle(cat, cycle)) for cycle in ages}
    extra = "".join(dated(focus[cycle], DCT_MODIFIED, days) for cycle, days in ages.items())
    report = validate_turtle(tmp_path, baseline_ntriples, extra)
    for cycle, iri in focus.items():
        found = c23_results(report, iri)
        assert found, f"{cycle} entry modified {ages[cycle]} days ago not reported"
        assert all((r.sheet, r.row, r.severity) == (E, None, W) for r in found)
    assert {r.focus for r in c23_results(report)} == set(focus.values())


def test_c23_entries_modified_within_twice_their_cycle_or_irregular_pass(cat, tmp_path, baseline_ntriples):
    ages = {"每年": 700, "每半年": 300, "每季度": 150, "每月": 40, "每周": 10, "每日": 1, "实时": 0, "不定期": 3650}
    extra = "".join(dated(entry_iri(entry_with_cycle(cat, cycle)), DCT_MODIFIED, days) for cycle, days in ages.items())
    report = validate_turtle(tmp_path, baseline_ntriples, extra)
    assert c23_results(report) == []


def test_c23_entry_not_updated_after_its_department_changed_functions_is_reported_as_warning(
        cat, tmp_path, baseline_ntriples):
    code = entry_with_cycle(cat, "不定期")   # not stale by its cycle: only the change of functions counts
    uscc = cat.get(E, cat.find(E, 信息资源代码=code), "信息资源提供方代码")
    extra = dated(f"{BASE}department/{uscc}", FUNCTIONS_CHANGED, 60) + dated(entry_iri(code), DCT_MODIFIED, 90)
    report = validate_turtle(tmp_path, baseline_ntriples, extra)
    found = c23_results(report, entry_iri(code))
    assert found and all((r.sheet, r.row, r.severity) == (E, None, W) for r in found)
    # the department's entries without any dct:modified are reported too
    others = {cat.get(E, r, "信息资源代码") for r in cat.find_all(E, 信息资源提供方代码=uscc)} - {code}
    assert {r.focus for r in c23_results(report)} == {entry_iri(c) for c in others | {code}}


@pytest.mark.parametrize("changed_ago, modified_ago", [pytest.param(60, 1, id="entries-updated-after-the-change"),
                                                       pytest.param(10, None, id="change-within-15-working-days")])
def test_c23_entries_updated_after_or_within_15_working_days_of_a_change_pass(
        cat, tmp_path, baseline_ntriples, changed_ago, modified_ago):
    uscc = cat.get(D, child_department(cat), "统一社会信用代码")
    codes = [cat.get(E, r, "信息资源代码") for r in cat.find_all(E, 信息资源提供方代码=uscc)]
    assert codes
    extra = dated(f"{BASE}department/{uscc}", FUNCTIONS_CHANGED, changed_ago)
    if modified_ago is not None:
        extra += "".join(dated(entry_iri(code), DCT_MODIFIED, modified_ago) for code in codes)
    report = validate_turtle(tmp_path, baseline_ntriples, extra)
    assert c23_results(report) == []


# === 信息系统: S01–S17 ================================================================================
def test_s01_empty_system_code_is_reported(cat, tmp_path):
    row = cat.append_copy(S, 2, 系统编码="", 系统名称="湖南省测试系统")
    reported(validate(cat, tmp_path), "S01", S, row)


def test_s01_duplicate_system_code_is_reported_on_both_rows(cat, tmp_path):
    copy = cat.append_copy(S, 2, 系统名称="湖南省测试系统")
    report = validate(cat, tmp_path)
    reported(report, "S01", S, 2)
    reported(report, "S01", S, copy)


def test_s01_new_unique_system_code_passes(cat, tmp_path):
    cat.append_copy(S, 2, 系统编码="HN-430000-0999", 系统名称="湖南省测试系统")
    assert_not_reported(validate(cat, tmp_path), "S01")


def test_s02_empty_system_name_is_reported(cat, tmp_path):
    cat.set(S, 2, "系统名称", "")
    reported(validate(cat, tmp_path), "S02", S, 2)


def test_s02_system_name_present_passes(cat, tmp_path):
    cat.set(S, 2, "系统名称", "湖南省测试系统")
    assert_not_reported(validate(cat, tmp_path), "S02")


@pytest.mark.parametrize("make_code", [
    pytest.param(lambda code: make_uscc("430000", 999), id="valid-uscc-of-no-department"),
    pytest.param(lambda code: _wrong_check(code), id="wrong-check-character"),
    pytest.param(lambda code: "", id="empty"),
])
def test_s03_owner_not_a_known_department_is_reported(cat, tmp_path, make_code):
    cat.set(S, 2, "所属部门代码", make_code(cat.get(S, 2, "所属部门代码")))
    reported(validate(cat, tmp_path), "S03", S, 2)


def test_s03_owner_that_is_a_known_department_passes(cat, tmp_path):
    dept = other_department(cat, cat.get(S, 2, "所属部门代码"))
    cat.update(S, 2, 所属部门代码=cat.get(D, dept, "统一社会信用代码"), 运行单位=cat.get(D, dept, "部门名称"))
    assert_not_reported(validate(cat, tmp_path), "S03")


def _own_unit_systems(cat) -> list[int]:
    """Systems run by their department itself and 独立运行."""
    return cat.find_all(S, lambda r: r["整合状态"] == "独立运行" and r["运行单位"] == cat.get(
        D, cat.find(D, 统一社会信用代码=r["所属部门代码"]), "部门名称"))


@pytest.mark.parametrize("unit_suffix", cases(subordinate_unit="信息中心", division="办公室"))
def test_s04_system_run_by_a_subordinate_unit_running_independently_is_reported_as_warning(
        cat, tmp_path, unit_suffix):
    row = _own_unit_systems(cat)[0]
    cat.set(S, row, "运行单位", cat.get(S, row, "运行单位") + unit_suffix)
    reported(validate(cat, tmp_path), "S04", S, row)


def test_s04_subordinate_unit_systems_being_integrated_and_department_run_systems_pass(cat, tmp_path):
    rows = _own_unit_systems(cat)
    setups = [("计划整合", "信息中心"), ("申请暂缓整合", "信息中心"), ("已关停", "办公室"), ("已整合", "办公室"), ("独立运行", "")]
    assert len(rows) >= len(setups)
    target = cat.get(S, rows[-1], "系统编码")
    for row, (status, suffix) in zip(rows, setups):
        cat.update(S, row, 整合状态=status, 运行单位=cat.get(S, row, "运行单位") + suffix,
                   整合至=target if status == "已整合" else "")
    assert_not_reported(validate(cat, tmp_path), "S04")


def test_s04_empty_operating_unit_passes(cat, tmp_path):
    cat.set(S, _own_unit_systems(cat)[0], "运行单位", "")
    assert_not_reported(validate(cat, tmp_path), "S04")


def test_s05_empty_system_function_is_reported(cat, tmp_path):
    cat.set(S, 2, "系统功能", "")
    reported(validate(cat, tmp_path), "S05", S, 2)


def test_s05_system_function_present_passes(cat, tmp_path):
    cat.set(S, 2, "系统功能", "公文流转")
    assert_not_reported(validate(cat, tmp_path), "S05")


@pytest.mark.parametrize("scope", cases(not_in_list="全省", empty=""))
def test_s06_scope_outside_the_list_is_reported(cat, tmp_path, scope):
    cat.set(S, 2, "使用范围", scope)
    reported(validate(cat, tmp_path), "S06", S, 2)


def test_s06_every_scope_in_the_list_passes(cat, tmp_path):
    spread(cat, S, cat.rows(S), ["处室内部", "本部门", "本系统上下级", "跨部门", "面向公众"], "使用范围")
    assert_not_reported(validate(cat, tmp_path), "S06")


@pytest.mark.parametrize("column, value", cases(uses_negative=("月均使用次数", "-5"), users_decimal=("用户数", "12.5"), users_empty=("用户数", "")))
def test_s07_uses_or_users_not_a_non_negative_integer_is_reported(cat, tmp_path, column, value):
    cat.set(S, 2, column, value)
    reported(validate(cat, tmp_path), "S07", S, 2)


def test_s07_non_negative_integer_uses_and_users_pass(cat, tmp_path):
    spread(cat, S, cat.rows(S), [{"月均使用次数": v, "用户数": v} for v in ("0", "12000")])
    assert_not_reported(validate(cat, tmp_path), "S07")


@pytest.mark.parametrize("approved", cases(no_such_day="2018-02-30", text="待补充", unpadded="2019-3-1"))
def test_s08_approval_date_not_a_date_is_reported(cat, tmp_path, approved):
    cat.set(S, 2, "审批时间", approved)
    reported(validate(cat, tmp_path), "S08", S, 2)


def test_s08_approval_date_passes(cat, tmp_path):
    cat.update(S, 2, 审批部门="湖南省发展和改革委员会", 审批时间="2019-03-01")
    assert_not_reported(validate(cat, tmp_path), "S08")


@pytest.mark.parametrize("funding", cases(not_in_list="专项资金", empty=""))
def test_s09_funding_source_outside_the_list_is_reported(cat, tmp_path, funding):
    cat.set(S, 2, "经费来源", funding)
    reported(validate(cat, tmp_path), "S09", S, 2)


def test_s09_every_funding_source_in_the_list_passes(cat, tmp_path):
    spread(cat, S, cat.rows(S), ["财政投资", "政企合建", "购买服务", "自筹", "其他"], "经费来源")
    assert_not_reported(validate(cat, tmp_path), "S09")


@pytest.mark.parametrize("column, value", cases(cost_negative=("建设金额(万元)", "-10"), cost_text=("建设金额(万元)", "约100"),
                                                maintenance_text=("年运维费用(万元)", "二十")))
def test_s10_negative_or_non_numeric_money_is_reported(cat, tmp_path, column, value):
    cat.set(S, 2, column, value)
    reported(validate(cat, tmp_path), "S10", S, 2)


def test_s10_non_negative_money_passes(cat, tmp_path):
    spread(cat, S, cat.rows(S), [{"建设金额(万元)": v, "年运维费用(万元)": v} for v in ("0", "1080.43", "25")])
    assert_not_reported(validate(cat, tmp_path), "S10")


@pytest.mark.parametrize("updated", cases(month_13="2021-13-01", text="不详", slashes="2021/01/01"))
def test_s11_last_update_not_a_date_is_reported(cat, tmp_path, updated):
    cat.set(S, 2, "最近更新日期", updated)
    reported(validate(cat, tmp_path), "S11", S, 2)


def test_s11_last_update_date_passes(cat, tmp_path):
    cat.set(S, 2, "最近更新日期", "2025-12-31")
    assert_not_reported(validate(cat, tmp_path), "S11")


@pytest.mark.parametrize("utilisation", cases(just_above_100="100.1", negative="-1", percent_sign="30%"))
def test_s12_utilisation_outside_0_to_100_is_reported(cat, tmp_path, utilisation):
    cat.set(S, 2, "资源利用率(%)", utilisation)
    reported(validate(cat, tmp_path), "S12", S, 2)


def test_s12_utilisation_from_0_to_100_passes(cat, tmp_path):
    spread(cat, S, cat.rows(S), ["0", "4.5", "100", "99.99"], "资源利用率(%)")
    assert_not_reported(validate(cat, tmp_path), "S12")


@pytest.mark.parametrize("network", cases(not_in_list="局域网", empty=""))
def test_s13_network_outside_the_list_is_reported(cat, tmp_path, network):
    cat.set(S, 2, "承载网络", network)
    reported(validate(cat, tmp_path), "S13", S, 2)


def test_s13_every_network_in_the_list_passes(cat, tmp_path):
    spread(cat, S, cat.rows(S), ["电子政务外网", "电子政务内网", "互联网", "专网"], "承载网络")
    assert_not_reported(validate(cat, tmp_path), "S13")


@pytest.mark.parametrize("value", cases(not_yes_or_no="部分接入", empty=""))
def test_s14_platform_connection_not_yes_or_no_is_reported(cat, tmp_path, value):
    cat.set(S, 2, "是否接入共享交换平台", value)
    reported(validate(cat, tmp_path), "S14", S, 2)


def test_s14_platform_connection_yes_or_no_passes(cat, tmp_path):
    spread(cat, S, cat.rows(S), ["是", "否"], "是否接入共享交换平台")
    assert_not_reported(validate(cat, tmp_path), "S14")


@pytest.mark.parametrize("cells", [
    pytest.param(lambda cat: {"整合状态": "已停用"}, id="status-not-in-list"),
    pytest.param(lambda cat: {"整合状态": ""}, id="status-empty"),
    pytest.param(lambda cat: {"整合状态": "已整合", "整合至": ""}, id="integrated-without-target"),
    pytest.param(lambda cat: {"整合状态": "已整合", "整合至": "HN-430000-9999"}, id="integrated-into-unknown-system"),
    pytest.param(lambda cat: {"整合状态": "已整合", "整合至": cat.get(S, 2, "系统编码")}, id="integrated-into-itself"),
])
def test_s15_integration_status_wrong_or_target_missing_is_reported(cat, tmp_path, cells):
    cat.update(S, 2, **cells(cat))
    reported(validate(cat, tmp_path), "S15", S, 2)


def test_s15_integrated_into_a_known_system_passes(cat, tmp_path):
    cat.update(S, 2, 整合状态="已整合", 整合至=cat.get(S, 3, "系统编码"))
    assert_not_reported(validate(cat, tmp_path), "S15")


def test_s15_other_statuses_without_target_pass(cat, tmp_path):
    spread(cat, S, cat.rows(S), [{"整合状态": v, "整合至": ""} for v in ("独立运行", "计划整合", "申请暂缓整合", "已关停")])
    assert_not_reported(validate(cat, tmp_path), "S15")


@pytest.mark.parametrize("level", cases(level_five="五级", not_assessed="待评估"))
def test_s16_security_level_outside_the_list_is_reported_as_warning(cat, tmp_path, level):
    cat.set(S, 2, "等级保护级别", level)
    reported(validate(cat, tmp_path), "S16", S, 2)


def test_s16_every_security_level_in_the_list_or_empty_passes(cat, tmp_path):
    spread(cat, S, cat.rows(S), ["一级", "二级", "三级", "四级", "未定级", ""], "等级保护级别")
    assert_not_reported(validate(cat, tmp_path), "S16")


@pytest.mark.parametrize("value", cases(not_yes_or_no="部分", empty=""))
def test_s17_detached_not_yes_or_no_is_reported(cat, tmp_path, value):
    cat.set(S, 2, "业务脱节", value)
    reported(validate(cat, tmp_path), "S17", S, 2)


def test_s17_detached_yes_or_no_passes(cat, tmp_path):
    spread(cat, S, cat.rows(S), ["是", "否"], "业务脱节")
    assert_not_reported(validate(cat, tmp_path), "S17")


# === 数据流: F01–F04 (docs/model.md, "Rules govcat adds") ===========================================
def test_f01_empty_flow_code_is_reported(cat, tmp_path):
    cat.set(F, 2, "流编码", "")
    reported(validate(cat, tmp_path), "F01", F, 2)


def test_f01_duplicate_flow_code_is_reported_on_both_rows(cat, tmp_path):
    copy = cat.append_copy(F, 2)
    report = validate(cat, tmp_path)
    reported(report, "F01", F, 2)
    reported(report, "F01", F, copy)


def test_f01_new_unique_flow_code_passes(cat, tmp_path):
    cat.append_copy(F, 2, 流编码="F-999999")
    assert_not_reported(validate(cat, tmp_path), "F01")


@pytest.mark.parametrize("cells", [
    pytest.param(lambda cat: {"源系统编码": "HN-430000-9999"}, id="source-not-in-inventory"),
    pytest.param(lambda cat: {"目标系统编码": "HN-430000-9999"}, id="target-not-in-inventory"),
    pytest.param(lambda cat: {"目标系统编码": cat.get(F, 2, "源系统编码")}, id="source-equals-target"),
    pytest.param(lambda cat: {"目标系统编码": ""}, id="target-empty"),
])
def test_f02_flow_systems_unknown_missing_or_equal_are_reported(cat, tmp_path, cells):
    cat.update(F, 2, **cells(cat))
    reported(validate(cat, tmp_path), "F02", F, 2)


def test_f02_flow_between_two_different_known_systems_passes(cat, tmp_path):
    source, target = cat.get(F, 2, "源系统编码"), cat.get(F, 2, "目标系统编码")
    cat.update(F, 2, 源系统编码=target, 目标系统编码=source)
    assert_not_reported(validate(cat, tmp_path), "F02")


@pytest.mark.parametrize("code", cases(code_of_no_entry="307001/999999", empty=""))
def test_f03_flow_resource_not_in_the_catalogue_is_reported(cat, tmp_path, code):
    cat.set(F, 2, "信息资源代码", code)
    reported(validate(cat, tmp_path), "F03", F, 2)


def test_f03_flow_resource_of_the_catalogue_passes(cat, tmp_path):
    cat.set(F, 2, "信息资源代码", cat.get(E, 2, "信息资源代码"))
    assert_not_reported(validate(cat, tmp_path), "F03")


@pytest.mark.parametrize("column, value", cases(channel_not_in_list=("交换方式", "U盘拷贝"), channel_empty=("交换方式", ""),
                                                frequency_not_in_list=("频率", "按需"), frequency_empty=("频率", "")))
def test_f04_channel_or_frequency_outside_its_list_is_reported(cat, tmp_path, column, value):
    cat.set(F, 2, column, value)
    reported(validate(cat, tmp_path), "F04", F, 2)


def test_f04_every_channel_and_frequencies_in_their_lists_pass(cat, tmp_path):
    spread(cat, F, cat.rows(F), [{"交换方式": c, "频率": f} for c, f in [
        ("共享交换平台", "实时"), ("前置机", "每天"), ("接口", "每季度"), ("文件", "不定期"), ("接口", "静态数据")]])
    assert_not_reported(validate(cat, tmp_path), "F04")
