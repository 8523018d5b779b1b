"""The annual report and the past catalogue it compares with, rebuilt from the history."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time

from python_calamine import CalamineWorkbook

from govcat.analytics.evaluation import evaluate
from govcat.analytics.past import catalogue_at
from govcat.catalogue import Catalogue
from govcat.catalogue.loading import load_file
from sheets import edit_sheet


def set_all(path, column: str, value: str) -> None:
    edit_sheet(path, lambda row: row.update({column: value}))


def indicators(result: dict) -> dict:
    return {k: v for k, v in result["province"]["indicators"].items() if k != "E6"}   # E6: zombies as of the day


def test_the_past_catalogue_is_the_store_as_it_was(small_csv, tmp_path):
    folder = tmp_path / "catalogue"
    shutil.copytree(small_csv, folder)
    set_all(folder / "信息系统.csv", "是否接入共享交换平台", "是")
    cat = Catalogue.open(tmp_path / "store")
    assert load_file(cat, folder, "tester").written
    first = evaluate(cat, 2026)
    assert first["province"]["indicators"]["E7"]["value"] == 1.0
    time.sleep(1.1)                      # versions are stamped to the second
    between = dt.datetime.now(dt.timezone.utc)
    time.sleep(1.1)
    set_all(folder / "信息系统.csv", "是否接入共享交换平台", "否")
    assert load_file(cat, folder, "tester").written
    assert evaluate(cat, 2026)["province"]["indicators"]["E7"]["value"] == 0.0
    assert indicators(evaluate(catalogue_at(cat, between), 2026)) == indicators(first)
    assert indicators(evaluate(catalogue_at(cat, dt.datetime.now(dt.timezone.utc)), 2026)) == indicators(evaluate(cat, 2026))
    empty = catalogue_at(cat, dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    assert evaluate(empty, 1999)["departments"] == []


def test_report_writes_html_and_xlsx(small_csv, tmp_path):
    store = tmp_path / "store"
    subprocess.run([sys.executable, "-m", "govcat", "load", str(small_csv), "--store", str(store)], check=True,
                   capture_output=True)
    year = dt.date.today().year
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "govcat", "report", "--store", str(store), "--year", str(year),
                    "--out", str(out)], check=True, capture_output=True)
    html = (out / f"report-{year}.html").read_text(encoding="utf-8")
    assert f"{year} 年度政务信息资源目录报告" in html and "平台接入率" in html and "<svg" in html
    sheet = CalamineWorkbook.from_path(str(out / f"report-{year}.xlsx")).get_sheet_by_name("指标").to_python()
    assert [row[0] for row in sheet[1:]] == [f"E{n}" for n in range(1, 10)]
    assert all(row[7] == "—" for row in sheet[1:])      # the store did not exist at the end of last year
    bad = subprocess.run([sys.executable, "-m", "govcat", "report", "--store", str(store), "--year", str(year),
                          "--department", "nope", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2
