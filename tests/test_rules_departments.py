"""Per-rule tests, 部门: D01–D05, and the clean baseline (see rulecases.py for how they work)."""
from __future__ import annotations

import random

import pytest

from rulecases import *  # noqa: F401,F403 — the baseline fixtures, row pickers and assertions


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
@pytest.mark.parametrize("uscc", cases(wrong_check_character=wrong_check(NEW_USCC),
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


