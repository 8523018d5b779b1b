"""The edit form in a real browser (tests/browser.py): break a rule and read its message at the field, fix
and save (checked through the REST API); the conditional fields follow the dropdowns (with and without
JavaScript); a concurrent edit through the API is shown beside the user's version and can be overridden;
a new entry with data items; who may open the form."""
from __future__ import annotations

from urllib.parse import quote

from browser import browser, login, page, snap, unlabelled_fields, web  # noqa: F401 (fixtures)
from test_rest_api import Api

from govcat.catalogue.form_model import conditions


def own_entry(web, **filters) -> dict:
    """An entry of the editor's department (as the API shows it) matching `filters` (column: value)."""
    found = Api(web.url, web.tokens["editor"]).all("entries", provider=web.departments[0])
    return next(e for e in found if all(e[k] == v for k, v in filters.items()))


def field(page, header: str):
    """The wrapper of one field of the form (its label, control, hint and messages)."""
    return page.locator(f'.edit-field[data-column="{header}"]')


def edit_url(code: str) -> str:
    return f"/entry/{quote(code, safe='/')}/edit"


def test_conditions_come_from_the_rules():
    found = {column: [(c.trigger, c.values, c.rules) for c in conds] for column, conds in conditions("信息资源").items()}
    assert found["共享条件"] == [("共享类型", ("有条件共享",), ("C11",))]
    assert found["不予共享依据"] == [("共享类型", ("不予共享",), ("C12",))]
    assert found["开放条件"] == [("是否向社会开放", ("是",), ("C16",))]
    assert found["格式说明"] == [("信息资源格式分类", ("自描述格式", "其他"), ("C08",))]
    assert "共享类型" not in found and "信息资源名称" not in found       # required always: always shown
    assert conditions("信息系统")["整合至"][0].values == ("已整合",)


def test_rule_message_at_its_field_then_fix_and_save(page, web):
    entry = own_entry(web, 共享类型="无条件共享", 共享条件=None)
    code, api = entry["信息资源代码"], Api(web.url, web.tokens["editor"])
    login(page, web, "editor")
    page.goto(edit_url(code))
    assert page.get_by_role("heading", level=1).inner_text().startswith("修改信息资源")
    assert unlabelled_fields(page) == []
    assert page.get_by_label("信息资源名称").input_value() == entry["信息资源名称"]
    assert "required" in (field(page, "信息资源名称").locator("label").get_attribute("class") or "")
    assert page.get_by_label("共享类型").locator("option").all_inner_texts()[1:] == ["无条件共享", "有条件共享", "不予共享"]
    assert field(page, "共享条件").is_hidden()

    page.get_by_label("信息资源名称").fill("")
    page.get_by_label("共享类型").select_option("有条件共享")
    assert field(page, "共享条件").is_visible()
    page.get_by_role("button", name="保存").first.click()

    summary = page.locator("#edit-summary")
    assert "未保存" in summary.inner_text()
    title = field(page, "信息资源名称").locator(".message")
    assert title.get_attribute("data-rule") == "C02" and "必须填写信息资源名称" in title.inner_text()
    condition = field(page, "共享条件").locator(".message")
    assert condition.get_attribute("data-rule") == "C11"
    assert "必须填写共享条件" in condition.inner_text()
    assert page.get_by_label("信息资源名称").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("共享类型").input_value() == "有条件共享"         # the form kept what was typed
    assert page.get_by_label("信息资源名称").input_value() == ""
    snap(page, "edit-rule-messages")
    summary.get_by_role("link", name="共享条件").click()                     # the summary leads to the field
    assert page.evaluate("location.hash") == "#" + page.get_by_label("共享条件").get_attribute("id")
    assert api.record("entries", code)[0]["共享类型"] == "无条件共享"          # nothing written

    page.get_by_label("信息资源名称").fill("改过的名称")
    page.get_by_label("共享条件").focus()
    page.keyboard.type("仅向省内政务部门共享，用于监管")
    page.keyboard.press("Enter")                                             # Enter saves
    page.wait_for_url(lambda url: "done=saved" in url)
    assert page.get_by_role("status").inner_text() == "已保存。"
    stored, tag = api.record("entries", code)
    assert (stored["信息资源名称"], stored["共享类型"], stored["共享条件"]) == ("改过的名称", "有条件共享", "仅向省内政务部门共享，用于监管")
    assert tag == f'"v{entry["_meta"]["version"] + 1}"'
    assert stored["信息项"] == entry["信息项"]                               # the data items went along unchanged


def test_conditional_fields_follow_the_dropdowns(page, web):
    entry = own_entry(web, 共享类型="无条件共享", 共享条件=None, 不予共享依据=None)
    login(page, web, "editor")
    page.goto(edit_url(entry["信息资源代码"]))
    sharing = page.get_by_label("共享类型")
    for chosen, shown, hidden in (("有条件共享", "共享条件", "不予共享依据"), ("不予共享", "不予共享依据", "共享条件"),
                                  ("无条件共享", None, "共享条件")):
        sharing.select_option(chosen)
        if shown:
            assert field(page, shown).is_visible()
        assert field(page, hidden).is_hidden()
    assert "当「共享类型」为有条件共享时必填" in field(page, "共享条件").locator(".hint").text_content()
    page.get_by_label("共享类型").focus()
    page.keyboard.press("Tab")                             # the next visible field, past the hidden ones
    assert page.evaluate("document.activeElement.name") == "共享方式分类"
    assert page.evaluate("document.activeElement.labels[0].textContent").startswith("共享方式分类")


def test_without_javascript_every_field_is_there(browser, web):
    context = browser.new_context(base_url=web.url, locale="zh-CN", java_script_enabled=False)
    try:
        plain = context.new_page()
        login(plain, web, "editor")
        entry = own_entry(web, 共享类型="无条件共享", 共享条件=None)
        plain.goto(edit_url(entry["信息资源代码"]))
        assert field(plain, "共享条件").is_visible() and field(plain, "不予共享依据").is_visible()
        rows = plain.locator("#items-table tbody tr").count()
        plain.get_by_role("button", name="添加信息项").click()                # asks the server for a row
        assert plain.locator("#items-table tbody tr").count() == rows + 1
        assert plain.get_by_label("信息资源名称").input_value() == entry["信息资源名称"]
    finally:
        context.close()


def test_concurrent_edit_shows_both_versions(page, web):
    entry = own_entry(web, 共享类型="无条件共享")
    code = entry["信息资源代码"]
    login(page, web, "editor")
    page.goto(edit_url(code))
    page.get_by_label("信息资源摘要").fill("本部门编辑在表单中改写的摘要，说明这条信息资源的内容。")

    admin = Api(web.url, web.tokens["admin"])
    body, tag = admin.record("entries", code)
    body["信息资源名称"] = "管理员同时改的名称"
    assert admin.put("entries", code, body, tag).status_code == 200

    page.get_by_role("button", name="保存").first.click()
    conflict = page.locator("#edit-conflict")
    assert conflict.is_visible()
    assert "已被他人修改" in conflict.get_by_role("heading").inner_text()
    assert "admin1" in conflict.inner_text()
    differs = page.locator("#conflict-table tr.differs")
    assert differs.count() == 2
    title_row = differs.filter(has_text="信息资源名称")
    assert title_row.locator("td.theirs").inner_text() == "管理员同时改的名称"
    assert title_row.locator("td.yours").inner_text() == entry["信息资源名称"]
    assert "本部门编辑在表单中改写的摘要" in differs.filter(has_text="信息资源摘要").locator("td.yours").inner_text()
    assert page.get_by_label("信息资源摘要").input_value().startswith("本部门编辑")   # the form kept it
    snap(page, "edit-conflict")
    assert admin.record("entries", code)[0]["信息资源名称"] == "管理员同时改的名称"

    page.get_by_role("button", name="保存").last.click()                     # re-apply mine over theirs
    page.wait_for_url(lambda url: "done=saved" in url)
    stored = admin.record("entries", code)[0]
    assert stored["信息资源名称"] == entry["信息资源名称"]
    assert stored["信息资源摘要"].startswith("本部门编辑在表单中改写的摘要")


def test_new_entry_with_data_items_then_submit_for_review(page, web):
    login(page, web, "editor")
    page.goto("/new/entry")
    assert unlabelled_fields(page) == []
    api = Api(web.url, web.tokens["editor"])
    dept, _tag = api.record("departments", web.departments[0])
    assert page.get_by_label("信息资源提供方代码").input_value() == web.departments[0]
    assert page.get_by_label("信息资源提供方", exact=True).input_value() == dept["部门名称"]
    code = "104002/990001"
    page.get_by_label("信息资源分类").fill("104002")
    page.get_by_label("信息资源名称").fill("网页新建的信息资源")
    page.get_by_label("信息资源代码").fill(code)
    page.get_by_label("信息资源摘要").fill("通过网页表单新建的一条信息资源，用于测试。")
    page.get_by_label("信息资源格式分类").select_option("电子表格")
    page.get_by_label("共享类型").select_option("无条件共享")
    page.get_by_label("共享方式分类").select_option("共享平台方式")
    assert field(page, "共享方式类型").is_visible()
    page.get_by_label("共享方式类型").select_option("接口")
    page.get_by_label("是否向社会开放").select_option("否")
    page.get_by_label("更新周期").select_option("每月")
    page.get_by_label("发布日期").fill("2024-01-02")
    page.get_by_role("textbox", name="1 信息项名称").fill("统一社会信用代码")              # row 1, labelled by row and column
    page.get_by_role("button", name="添加信息项").click()
    page.get_by_role("textbox", name="2 信息项名称").fill("企业名称")
    page.get_by_role("combobox", name="2 数据类型").select_option("字符型")
    page.get_by_role("button", name="保存").first.click()

    cell = page.locator("#items-table td.invalid .message")                   # row 1 has no data type
    assert cell.get_attribute("data-rule") == "C09" and "数据类型" in cell.inner_text()
    assert page.get_by_role("combobox", name="1 数据类型").get_attribute("aria-invalid") == "true"
    assert api.get(f"entries/{code}").status_code == 404
    page.get_by_role("combobox", name="1 数据类型").select_option("字符型")
    page.get_by_role("textbox", name="1 数据长度").fill("18")
    page.get_by_role("button", name="保存").last.click()
    page.wait_for_url(lambda url: "done=created" in url)
    stored, _tag = api.record("entries", code)
    assert [(i["信息项名称"], i["数据类型"], i["数据长度"]) for i in stored["信息项"]] == [
        ("统一社会信用代码", "字符型", 18), ("企业名称", "字符型", None)]
    assert page.locator("#edit-state").inner_text() == "草稿"

    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url(lambda url: "done=submitted" in url)
    assert page.locator("#edit-state").inner_text() == "待审核"
    assert api.record("entries", code)[0]["_meta"]["state"] == "待审核"
    assert page.get_by_role("button", name="提交审核").count() == 0


def test_only_the_department_may_open_the_form(page, web):
    code = own_entry(web)["信息资源代码"]
    page.goto(edit_url(code))
    assert "/login?next=" in page.url                                       # anonymous: log in first
    login(page, web, "editor_b")
    response = page.goto(edit_url(code))
    assert response.status == 403 and "没有权限" in page.get_by_role("alert").inner_text()
    assert page.locator("#edit-form").count() == 0
    page.get_by_role("button", name="退出").click()
    login(page, web, "viewer")
    assert page.goto("/new/entry").status == 403
    page.get_by_role("button", name="退出").click()
    login(page, web, "admin")
    assert page.goto(edit_url(code)).status == 200
