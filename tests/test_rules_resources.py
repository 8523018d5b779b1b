"""Per-rule tests, 信息资源 and 信息项: C01–C09, C18–C24 (see rulecases.py for how they work)."""
from __future__ import annotations

import datetime as dt

import pytest

from rulecases import *  # noqa: F401,F403 — the baseline fixtures, row pickers and assertions


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
    pytest.param(lambda cat, code: wrong_check(code), id="wrong-check-character"),
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


