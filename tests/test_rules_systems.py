"""Per-rule tests, 信息系统: S01–S17 (see rulecases.py for how they work)."""
from __future__ import annotations

import pytest

from rulecases import *  # noqa: F401,F403 — the baseline fixtures, row pickers and assertions


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
    pytest.param(lambda code: wrong_check(code), id="wrong-check-character"),
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


