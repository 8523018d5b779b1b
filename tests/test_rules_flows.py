"""Per-rule tests, 数据流: F01–F04 (see rulecases.py for how they work)."""
from __future__ import annotations

import pytest

from rulecases import *  # noqa: F401,F403 — the baseline fixtures, row pickers and assertions


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
