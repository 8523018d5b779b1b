"""Helpers for the rule tests: edit a copy of a valid catalogue cell by cell, write it, validate it.

A `Catalogue` holds the five template sheets as lists of text rows, the header first, so that the list
index of a row is its Excel row number minus one (header = Excel row 1, first data row = Excel row 2).
"""
from __future__ import annotations

import csv
from pathlib import Path

from govcat.generate import SHEETS
from govcat.validation.run import Report, validate_path

# GB 32100-2015 (GUIDE §4), written again here so that tests can mint valid and invalid codes.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * (3 ** i % 31) for i, c in enumerate(first17))
    return USCC_CHARSET[(31 - total % 31) % 31]


def make_uscc(region: str, serial: int) -> str:
    """A valid government USCC (登记管理部门 1, 类别 1) for `region` with a made-up body."""
    body = f"11{region}{serial:09d}"
    assert len(body) == 17
    return body + uscc_check_char(body)


def read_csv_folder(folder: Path) -> dict[str, list[list[str]]]:
    out = {}
    for sheet in SHEETS:
        with open(folder / f"{sheet}.csv", encoding="utf-8-sig", newline="") as f:
            out[sheet] = [list(r) for r in csv.reader(f)]
    return out


class Catalogue:
    """A mutable copy of the baseline catalogue."""

    def __init__(self, data: dict[str, list[list[str]]]):
        self.data = {sheet: [list(r) for r in rows] for sheet, rows in data.items()}

    # -- reading -----------------------------------------------------------------------------------
    def headers(self, sheet: str) -> list[str]:
        return self.data[sheet][0]

    def col(self, sheet: str, header: str) -> int:
        return self.headers(sheet).index(header)

    def get(self, sheet: str, row: int, header: str) -> str:
        return self.data[sheet][row - 1][self.col(sheet, header)]

    def record(self, sheet: str, row: int) -> dict[str, str]:
        return dict(zip(self.headers(sheet), self.data[sheet][row - 1]))

    def rows(self, sheet: str) -> list[int]:
        """The Excel row numbers of the data rows."""
        return list(range(2, len(self.data[sheet]) + 1))

    def find_all(self, sheet: str, where=None, **equal: str) -> list[int]:
        """Excel rows whose cells equal `equal` (header=value) and for which where(record) holds."""
        found = []
        for row in self.rows(sheet):
            rec = self.record(sheet, row)
            if all(rec[h] == v for h, v in equal.items()) and (where is None or where(rec)):
                found.append(row)
        return found

    def find(self, sheet: str, where=None, **equal: str) -> int:
        """The first such Excel row; fails the test (not the rule) if the baseline has none."""
        found = self.find_all(sheet, where, **equal)
        assert found, f"baseline has no {sheet} row with {equal} {where or ''}: the test needs one"
        return found[0]

    def referenced_codes(self) -> set[str]:
        """Entry codes that something other than the entry's own data items points at."""
        refs = {self.get("数据流", r, "信息资源代码") for r in self.rows("数据流")}
        for r in self.rows("信息资源"):
            refs.update(c for c in self.get("信息资源", r, "关联资源代码").split(";") if c)
        return refs

    # -- editing -----------------------------------------------------------------------------------
    def set(self, sheet: str, row: int, header: str, value: str) -> None:
        self.data[sheet][row - 1][self.col(sheet, header)] = value

    def update(self, sheet: str, row: int, **cells: str) -> None:
        for header, value in cells.items():
            self.set(sheet, row, header, value)

    def append(self, sheet: str, **cells: str) -> int:
        """A new last row (missing cells empty); returns its Excel row."""
        unknown = set(cells) - set(self.headers(sheet))
        assert not unknown, f"no such column(s) on {sheet}: {unknown}"
        self.data[sheet].append([cells.get(h, "") for h in self.headers(sheet)])
        return len(self.data[sheet])

    def append_copy(self, sheet: str, row: int, **cells: str) -> int:
        """A copy of `row` as a new last row, with some cells changed; returns its Excel row."""
        rec = self.record(sheet, row)
        rec.update(cells)
        return self.append(sheet, **rec)

    def rename_entry(self, row: int, code: str, **cells: str) -> None:
        """Give the entry at `row` a new code (and other cells); its data items follow it."""
        old = self.get("信息资源", row, "信息资源代码")
        assert old not in self.referenced_codes(), "pick an entry nothing refers to"
        self.update("信息资源", row, 信息资源代码=code, **cells)
        for r in self.find_all("信息项", 信息资源代码=old):
            self.set("信息项", r, "信息资源代码", code)

    # -- output ------------------------------------------------------------------------------------
    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for sheet in SHEETS:
            with open(folder / f"{sheet}.csv", "w", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows(self.data[sheet])
        return folder

    def validate(self, folder: Path) -> Report:
        return validate_path(self.write(folder))


# -- assertions --------------------------------------------------------------------------------------
def describe(report: Report) -> str:
    return "\n".join(f"  {r.rule} {r.severity} {r.sheet} row {r.row} [{r.column}] value={r.shown!r}"
                     for r in report.results) or "  (no results)"


def assert_reported(report: Report, rule: str, sheet: str, row: int | None, severity: str | None = None):
    """A result of `rule` on (sheet, row) exists (with `severity`, if given); returns the matches."""
    hits = [r for r in report.results if (r.rule, r.sheet, r.row) == (rule, sheet, row)]
    assert hits, f"expected {rule} on {sheet} row {row}; got:\n{describe(report)}"
    if severity is not None:
        assert any(r.severity == severity for r in hits), (
            f"expected {rule} on {sheet} row {row} as {severity}; got:\n{describe(report)}")
    return hits


def assert_not_reported(report: Report, rule: str) -> None:
    hits = [r for r in report.results if r.rule == rule]
    assert not hits, f"expected no {rule} result; got:\n{describe(report)}"
