"""The annual report (seed: departments by 15 January, the province by the end of January): catalogue
compilation, platform connection, sharing, zombie clean-up and integration progress for a year, with the
change against the year before — the previous year's figures come from the catalogue rebuilt from the history
as it stood at the end of that year (`govcat.analytics.past`). Written as HTML (tables and SVG bar charts, no
script) and as an .xlsx workbook."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
import xlsxwriter

from ..catalogue.repository import Catalogue
from ..paths import TEMPLATES_DIR
from .evaluation import INDICATORS, evaluate
from .past import catalogue_at

CST = dt.timezone(dt.timedelta(hours=8))    # China Standard Time: a year ends at midnight in Beijing

SECTIONS = (
    ("编目情况 / Catalogue compilation", ("E1", "E4", "E5")),
    ("平台接入 / Platform connection", ("E7",)),
    ("数据共享与开放 / Sharing and opening", ("E2", "E3", "E9")),
    ("僵尸系统清理 / Zombie clean-up", ("E6",)),
    ("整合进度 / Integration progress", ("E8",)),
)


def year_end(year: int) -> dt.datetime:
    return dt.datetime(year + 1, 1, 1, tzinfo=CST) - dt.timedelta(seconds=1)


def build(cat: Catalogue, year: int, department: str | None = None) -> dict:
    """The report's figures: this year's evaluation (the store now, as of year end), last year's (the store
    rebuilt as of last year's end), and per indicator the change in percentage points."""
    now = evaluate(cat, year)
    before = evaluate(catalogue_at(cat, year_end(year - 1)), year - 1)

    def pick(result: dict) -> tuple[dict | None, list[dict]]:
        if department is None:
            return result["province"], result["regions"]
        unit = next((d for d in result["departments"] if d["code"] == department), None)
        return unit, []

    unit, regions = pick(now)
    if unit is None:
        raise LookupError(department)
    previous, _ = pick(before)
    rows = []
    for indicator in INDICATORS:
        cell = unit["indicators"][indicator.id]
        old = previous["indicators"][indicator.id] if previous else {"value": None, "numerator": 0, "denominator": 0}
        change = (round((cell["value"] - old["value"]) * 100, 1)
                  if cell["value"] is not None and old["value"] is not None else None)
        rows.append({"indicator": indicator, "now": cell, "before": old, "change": change})
    return {"year": year, "unit": unit, "regions": regions, "rows": {r["indicator"].id: r for r in rows},
            "indicator_rows": rows, "sections": SECTIONS, "generated": dt.datetime.now(CST).strftime("%Y-%m-%d %H:%M"),
            "department": department}


def _bars(regions: list[dict], indicator: str) -> list[dict]:
    """The 市州 bars of one indicator chart (value in 0..1; None: no denominator)."""
    return [{"name": r["name"], "value": r["indicators"][indicator]["value"],
             "label": "—" if r["indicators"][indicator]["value"] is None
             else f"{r['indicators'][indicator]['value'] * 100:.1f}%"} for r in regions]


def write_html(report: dict, out: Path) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True)
    env.globals["bars"] = _bars
    out.write_text(env.get_template("report.html").render(**report), encoding="utf-8")


def write_xlsx(report: dict, out: Path) -> None:
    book = xlsxwriter.Workbook(str(out))
    bold, pct = book.add_format({"bold": True}), book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet("指标")
    headers = ["指标", "名称", "公式", "依据", f"{report['year']}年", "分子", "分母", f"{report['year'] - 1}年", "变化（百分点）"]
    sheet.write_row(0, 0, headers, bold)
    for n, row in enumerate(report["indicator_rows"], 1):
        ind = row["indicator"]
        sheet.write_row(n, 0, [ind.id, ind.zh, ind.formula_zh, ind.rule])
        for col, value in ((4, row["now"]["value"]), (7, row["before"]["value"])):
            if value is None:
                sheet.write(n, col, "—")
            else:
                sheet.write_number(n, col, value, pct)
        sheet.write_row(n, 5, [row["now"]["numerator"], row["now"]["denominator"]])
        sheet.write(n, 8, "—" if row["change"] is None else row["change"])
    sheet.set_column(0, 0, 6), sheet.set_column(1, 1, 18), sheet.set_column(2, 2, 60), sheet.set_column(3, 8, 12)
    if report["regions"]:
        regions = book.add_worksheet("市州")
        regions.write_row(0, 0, ["代码", "市州"] + [f"{i.id} {i.zh}" for i in INDICATORS], bold)
        for n, region in enumerate(report["regions"], 1):
            regions.write_row(n, 0, [region["code"], region["name"]])
            for col, ind in enumerate(INDICATORS, 2):
                value = region["indicators"][ind.id]["value"]
                regions.write(n, col, "—") if value is None else regions.write_number(n, col, value, pct)
        regions.set_column(0, 1, 16), regions.set_column(2, 2 + len(INDICATORS), 14)
        chart = book.add_chart({"type": "bar"})
        chart.add_series({"name": "E7 平台接入率", "categories": ["市州", 1, 1, len(report["regions"]), 1],
                          "values": ["市州", 1, 8, len(report["regions"]), 8]})
        chart.set_title({"name": "各市州平台接入率"})
        regions.insert_chart(len(report["regions"]) + 3, 1, chart)
    book.close()
