"""Per-rule tests, sharing and opening of 信息资源: C10–C17 (see rulecases.py for how they work)."""
from __future__ import annotations

import pytest

from rulecases import *  # noqa: F401,F403 — the baseline fixtures, row pickers and assertions


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
