"""The evaluation and the annual report in a real browser (tests/browser.py): the nine indicators of the
province against /api/evaluation, server-side SVG charts by 市州 and department for the indicator chosen, the
.xlsx downloads read back, the report's HTML shown in the page and downloaded; an editor's department marked
and reported first."""
from __future__ import annotations

from urllib.parse import urlsplit

from browser import browser, login, page, snap, unlabelled_fields, web  # noqa: F401 (fixtures)
from govcat.workdays import beijing_today
from python_calamine import CalamineWorkbook
from test_rest_api import Api

YEAR = beijing_today().year


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def test_indicators_charts_and_download(page, web, tmp_path):
    result = Api(web.url, web.tokens["viewer"]).get("evaluation", params={"year": YEAR}).json()
    login(page, web, "viewer")
    page.goto("/evaluation")                                                  # this year by default
    assert page.get_by_role("heading", level=1).inner_text() == f"统一评价 {YEAR} 年度"
    assert unlabelled_fields(page) == []
    rows = page.locator("#indicator-table tbody tr")
    assert rows.locator("th").all_inner_texts() == [f"E{n}" for n in range(1, 10)]
    for n, indicator in enumerate(result["indicators"]):
        cell = result["province"]["indicators"][indicator["id"]]
        shown = rows.nth(n).locator("td").last.inner_text()
        assert shown.startswith(percent(cell["value"])) and f"{cell['numerator']}/{cell['denominator']}" in shown
    charts = page.locator("figure.chart")
    assert charts.count() == 3 and page.locator("figure.chart svg rect").count() > 0
    assert page.locator("#department-table tbody tr").count() == len(result["departments"])

    page.get_by_label("按市州、部门作图的指标").select_option("E7")
    with page.expect_navigation():
        page.get_by_role("button", name="查看").click()
    assert "indicator=E7" in page.url
    caption = page.locator("figure.chart figcaption").nth(1).inner_text()
    assert caption.startswith("E7 平台接入率")
    bars = page.locator("figure.chart").nth(2).locator("svg text").all_text_contents()
    for d in result["departments"]:                                           # each department's E7 bar label
        assert percent(d["indicators"]["E7"]["value"]) in bars
    snap(page, "evaluation")

    with page.expect_download() as caught:
        page.get_by_role("link", name="下载评价结果（xlsx）").click()
    download = caught.value
    assert download.suggested_filename == f"evaluation-{YEAR}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = CalamineWorkbook.from_path(str(saved)).get_sheet_by_name(f"{YEAR}年度评价").to_python()
    assert sheet[0][:4] == ["层级", "代码", "名称", "E1 系统编目率"]
    assert sheet[1][0] == "全省" and len(sheet) == 1 + 1 + len(result["regions"]) + len(result["departments"])


def test_keyboard_changes_the_year(page, web):
    login(page, web, "viewer")
    page.goto("/evaluation")
    page.get_by_label("年度").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(YEAR - 1))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"year={YEAR - 1}" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == f"统一评价 {YEAR - 1} 年度"
    response = page.goto("/evaluation?year=abc")
    assert response.status == 400 and "2000" in page.get_by_role("alert").inner_text()


def test_annual_report_shown_and_downloaded(page, web, tmp_path):
    login(page, web, "editor")
    page.goto(f"/evaluation?year={YEAR}")
    mine = page.locator("#department-table tr.evaluation-mine")
    assert mine.count() == 1 and mine.get_attribute("data-code") == web.departments[0]
    with page.expect_navigation():
        page.get_by_role("link", name="年度报告（与上年比较）").click()
    assert unlabelled_fields(page) == []
    assert page.get_by_label("报告单位").input_value() == web.departments[0]   # an editor's own department
    page.get_by_label("报告单位").select_option("")                           # the province
    with page.expect_navigation():
        page.get_by_role("button", name="生成").click()
    frame = page.frame_locator("#report-frame")
    assert frame.locator("h1").inner_text() == f"全省 / province {YEAR} 年度政务信息资源目录报告"
    assert frame.locator("svg rect").count() > 0
    snap(page, "report")

    with page.expect_download() as caught:
        page.get_by_role("link", name="下载报告（HTML）").click()
    html = tmp_path / caught.value.suggested_filename
    caught.value.save_as(html)
    assert html.name == f"report-{YEAR}.html" and "年度政务信息资源目录报告" in html.read_text(encoding="utf-8")
    with page.expect_download() as caught:
        page.get_by_role("link", name="下载报告（xlsx）").click()
    xlsx = tmp_path / caught.value.suggested_filename
    caught.value.save_as(xlsx)
    sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("指标").to_python()
    assert [row[0] for row in sheet[1:]] == [f"E{n}" for n in range(1, 10)]

    response = page.goto(f"/report/document?year={YEAR}&department=000000000000000000")
    assert response.status == 404


def test_evaluation_needs_a_login(page, web):
    for path in ("/evaluation", "/report", "/evaluation.xlsx"):
        page.goto(path)
        assert urlsplit(page.url).path == "/login"
