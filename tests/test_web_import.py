"""The import page in a real browser (tests/browser.py): a workbook with planted errors is reported by sheet,
row and rule and nothing is written; a large good one shows its progress, then is committed and its entries
are in the catalogue; an editor imports their own department's records only; the template downloads."""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import python_calamine
import xlsxwriter
from browser import browser, govcat_cli, login, page, snap, unlabelled_fields, web  # noqa: F401 (fixtures)
from test_rest_api import Api

from govcat.loaders.tabular import cell_text
from govcat.schema import sheets

# ms: a check or a commit of a generated workbook on a busy machine; on an external engine (tests/engine_switch.py)
# the commit also writes through the engine's SPARQL endpoint and refreshes the server's replica of it
LONG = 240_000 if os.environ.get("GOVCAT_TEST_ENGINE") else 60_000


def read_workbook(path: Path) -> dict[str, list[list[str]]]:
    """The template's sheets of a workbook as text, as the loader reads the cells."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: [[cell_text(c) for c in row] for row in book.get_sheet_by_name(name).to_python()]
            for name in sheets()}


def write_workbook(path: Path, tables: dict[str, list[list[str]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, rows in tables.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
    book.close()
    return path


def retitled(source: Path, out: Path, provider: str, title: str) -> tuple[Path, str, int]:
    """`source` with the title of the first entry of `provider` changed: (file, entry code, Excel row)."""
    tables = read_workbook(source)
    rows = tables["信息资源"]
    header = rows[0]
    n = next(i for i, row in enumerate(rows) if i and row[header.index("信息资源提供方代码")] == provider)
    rows[n][header.index("信息资源名称")] = title
    return write_workbook(out, tables), rows[n][header.index("信息资源代码")], n + 1


def upload(page, path: Path) -> None:
    page.goto("/import")
    page.get_by_label("工作簿（.xlsx）").set_input_files(str(path))
    page.get_by_role("button", name="上传并校验").click()
    page.locator("#import-result, #import-error").first.wait_for(timeout=LONG)


def test_workbook_with_errors_is_reported_by_sheet_and_row(page, web, tmp_path):
    bad = tmp_path / "有错误.xlsx"
    govcat_cli("generate", str(bad), "--entries", "20", "--seed", "2", "--defects", "0.2")
    planted = json.loads(Path(str(bad) + ".defects.json").read_text(encoding="utf-8"))
    assert planted
    admin = Api(web.url, web.tokens["admin"])
    before = admin.get("entries", params={"per_page": 1}).json()["total"]
    login(page, web, "admin")
    page.goto("/import")
    assert unlabelled_fields(page) == []
    upload(page, bad)
    assert page.locator("#import-file").inner_text() == "文件：有错误.xlsx"
    assert "校验完成（未写入）" in page.locator("#import-result").inner_text()
    assert page.locator("#import-blocked").is_visible()
    assert page.get_by_role("button", name="确认导入").count() == 0
    report = page.locator("#import-report")
    for defect in planted:
        heading = report.locator(f'h3[data-sheet="{defect["sheet"]}"][data-row="{defect["row"]}"]')
        assert heading.inner_text() == f'{defect["sheet"]} 第 {defect["row"]} 行'
        rules = heading.locator("xpath=following-sibling::ul[1]/li").evaluate_all(
            "items => items.map(li => li.dataset.rule)")
        assert defect["rule"] in rules, (defect, rules)
    snap(page, "import-report")
    assert admin.get("entries", params={"per_page": 1}).json()["total"] == before       # nothing written


def test_editor_imports_only_their_department(page, web, small_xlsx, tmp_path):
    mine, code, _row = retitled(small_xlsx, tmp_path / "本部门.xlsx", web.departments[0], "编辑导入改的名称")
    theirs, other, row = retitled(small_xlsx, tmp_path / "他部门.xlsx", web.departments[1], "不该改的名称")
    editor = Api(web.url, web.tokens["editor"])
    login(page, web, "editor")
    assert "导入" in page.get_by_role("navigation").inner_text()

    upload(page, theirs)
    outside = page.locator("#import-outside")
    assert "不属于您的部门" in outside.inner_text()
    assert f"信息资源 第 {row} 行 · {other}" in outside.locator("li").all_inner_texts()
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert editor.record("entries", other)[0]["信息资源名称"] != "不该改的名称"

    upload(page, mine)
    assert "修改 1 条" in page.locator("#import-result").inner_text()
    page.get_by_role("button", name="确认导入").click()
    page.locator("#import-result.ok").wait_for(timeout=LONG)
    assert "修改 1 条" in page.locator("#import-result").inner_text()
    assert editor.record("entries", code)[0]["信息资源名称"] == "编辑导入改的名称"


def test_template_download_and_who_may_import(page, web, tmp_path):
    page.goto("/import")
    assert "/login?next=/import" in page.url
    login(page, web, "viewer")
    assert page.goto("/import").status == 403
    page.get_by_role("button", name="退出").click()
    login(page, web, "editor")
    page.goto("/import")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载空白模板（.xlsx，含下拉列表和填写说明）").click()
    saved = tmp_path / "模板.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "目录模板.xlsx"
    names = python_calamine.CalamineWorkbook.from_path(str(saved)).sheet_names
    assert names[:len(sheets())] == list(sheets()) and "填写说明" in names
    page.get_by_label("工作簿（.xlsx）").set_input_files(str(saved))           # the empty template: nothing to do
    page.get_by_role("button", name="上传并校验").click()
    page.locator("#import-nothing").wait_for(timeout=LONG)


def _raw_post(url: str, head: str) -> tuple[int, dict]:
    """Sends only the head of a POST /import (no body) and reads the answer: the limit answers before any body."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall((f"POST /import HTTP/1.1\r\nHost: {host}\r\n"
                      "Content-Type: multipart/form-data; boundary=x\r\n" + head + "\r\n").encode())
        answer = b""
        while chunk := conn.recv(65536):       # the answer says "connection: close": read to the end
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, json.loads(answer.split(b"\r\n\r\n", 1)[1])


def test_an_upload_over_the_limit_is_refused_before_it_is_read(web):
    """GOVCAT_MAX_UPLOAD_MB (default 100): a body declared larger is a 413 sent at once; none declared, a 411."""
    status, body = _raw_post(web.server.url, f"Content-Length: {101 << 20}\r\n")
    assert status == 413 and "100 MB" in body["detail"]["zh"] and "100 MB" in body["detail"]["en"]
    status, body = _raw_post(web.server.url, "Transfer-Encoding: chunked\r\n")
    assert status == 411 and "Content-Length" in body["detail"]["zh"]


def test_large_workbook_shows_progress_then_commits(page, web, tmp_path):     # last: it changes the store
    good = tmp_path / "目录.xlsx"
    govcat_cli("generate", str(good), "--entries", "1500", "--seed", "2")
    codes = [row[2] for row in read_workbook(good)["信息资源"][1:] if row[2]]
    assert read_workbook(good)["信息资源"][0][2] == "信息资源代码"
    login(page, web, "admin")
    page.goto("/import")
    page.get_by_label("工作簿（.xlsx）").set_input_files(str(good))
    page.get_by_role("button", name="上传并校验").click()
    progress = page.locator("#import-progress")
    progress.wait_for()                                                      # the check runs in the background
    assert page.locator("#job-progress").get_attribute("max") == "100"
    assert page.locator("#job-stage").inner_text().startswith("步骤 ")
    status = page.request.get(page.url + "/status").json()
    assert status["mode"] == "check" and status["steps"] == 3 and 0 <= status["percent"] <= 100
    page.locator("#import-result").wait_for(timeout=LONG)                     # the page follows it and reloads
    assert "违规 0 条" in page.locator("#import-result").inner_text()

    commit = page.get_by_role("button", name="确认导入")
    commit.focus()
    page.keyboard.press("Enter")                                             # the keyboard commits
    page.locator("#import-result.ok").wait_for(timeout=LONG)
    assert page.locator("#import-result").inner_text().startswith("已导入：新增 ")
    assert page.request.get(page.url + "/status").json()["state"] == "committed"
    admin = Api(web.url, web.tokens["admin"])
    assert admin.get("entries", params={"per_page": 1}).json()["total"] >= len(codes)
    for code in (codes[0], codes[len(codes) // 2], codes[-1]):
        assert admin.get(f"entries/{code}").status_code == 200
    page.reload()                                                            # committed once only
    assert page.get_by_role("button", name="确认导入").count() == 0
