"""Shared by the per-rule tests (test_rules_*.py): the baseline catalogue, fixtures and row pickers.


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

import pytest

from govcat.generate import generate_catalogue
from govcat.loaders import load_path  # noqa: F401 (for the test modules)
from govcat.validation.run import validate_path  # noqa: F401 (for the test modules)
from helpers import (  # noqa: F401 (re-exported to the test modules)
    USCC_CHARSET, Catalogue, assert_not_reported, assert_reported, make_uscc, read_csv_folder, uscc_check_char)

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


def wrong_check(code: str) -> str:
    return code[:17] + next(c for c in USCC_CHARSET if c != code[17])


NEW_USCC = make_uscc("430000", 901)
