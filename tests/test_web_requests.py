"""Sharing requests in a real browser (tests/browser.py): the second department's editor asks for a conditionally
shared entry of the first department — the rule R03 refuses without purpose and basis, its messages at those
fields — then the provider's editor finds it in the inbox with its working-day due date, refuses it without
reasons (R04's message at the reasons), then grants it: the request becomes a data flow. A request submitted
40 days ago (admins may date a request made on paper) is marked overdue with R05's message. Keyboard: a
refusal typed and sent without the mouse."""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote, urlsplit

import httpx
import pytest
from browser import (  # noqa: F401 (fixtures)
    browser,
    ensure_assets,
    ensure_chromium,
    govcat_cli,
    login,
    page,
    serve_catalogue,
    snap,
    unlabelled_fields,
)
from conftest import enter_made_up_notices
from govcat.workdays import beijing_today, due_date
from sparqlserver import start_server, stop_server
from test_rest_api import Api


def pick(api: Api, provider: str, consumer: str, n: int) -> tuple[list[str], str]:
    """n conditionally shared entries of `provider` with a source system, and a system of `consumer`."""
    entries = [e["信息资源代码"] for e in api.all("entries", provider=provider)
               if e["共享类型"] == "有条件共享" and e["来源信息系统"] and e["_meta"]["state"] == "已发布"]
    systems = [s["系统编码"] for s in api.all("systems", department=consumer)]
    assert len(entries) >= n and systems
    return entries[:n], systems[0]


@pytest.fixture(scope="module")
def web(small_xlsx, tmp_path_factory):
    """The shared set-up (tests/browser.py), and a request made 40 days ago by the second department. Past the
    installed chinese-calendar's data, the admin first enters (made-up) notices of the years it lacks, as in
    production (`web.notices`: the expected due dates are counted with them)."""
    ensure_chromium()
    ensure_assets()
    served = serve_catalogue(small_xlsx, tmp_path_factory.mktemp("web-requests"))
    admin = Api(served.url, served.tokens["admin"])
    try:
        entries, system = pick(admin, served.departments[0], served.departments[1], 3)
    finally:                                       # a failed set-up leaves no server behind
        stop_server(served.server, served.store)
    day = beijing_today() - dt.timedelta(days=40)
    notices = enter_made_up_notices(served.store, served.names["admin"], first=day)
    made = govcat_cli("request", "submit", entries[2], "--system", system, "--purpose", "核验", "--basis", "职责",
                      "--consumer", served.departments[1], "--as", served.names["admin"], "--date", day.isoformat(),
                      "--store", str(served.store), "--format", "json")
    served.server = start_server(served.store)
    served.entries, served.system, served.late = entries, system, json.loads(made.stdout)
    served.notices = notices
    yield served
    stop_server(served.server, served.store)


def logout(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()


def field_of(page, field_id: str):
    return page.locator(f".field:has(#{field_id})")


def api_request(web, code: str) -> dict:
    return Api(web.url, web.tokens["admin"]).get(f"requests/{quote(code)}").json()


def test_ask_refused_by_r03_then_refused_by_r04_then_granted(page, web):
    entry = web.entries[0]
    login(page, web, "editor_b")
    page.goto(f"/requests/new?resource={quote(entry, safe='/')}")
    assert unlabelled_fields(page) == []
    assert page.locator("#requests-sharing-type").inner_text() == "有条件共享"
    page.get_by_label("申请方系统").select_option(web.system)
    page.get_by_role("button", name="提交申请").click()
    # the rule's own messages (the API answers the same ask with the same report), each at its field
    with httpx.Client(base_url=web.url, headers={"Authorization": f"Bearer {web.tokens['editor_b']}"}) as client:
        report = client.post("/api/requests", json={"resource": entry, "system": web.system}).json()
    expected = {r["path"].rsplit("#", 1)[-1]: r["message"] for r in report["results"] if r["rule"] == "R03"}
    assert set(expected) == {"purpose", "useBasis"}
    assert field_of(page, "r-purpose").locator(".message").inner_text() == "R03 " + expected["purpose"]
    assert field_of(page, "r-basis").locator(".message").inner_text() == "R03 " + expected["useBasis"]
    assert page.get_by_label("申请方系统").input_value() == web.system        # what the user chose is kept
    snap(page, "requests-r03")

    page.get_by_label("应用场景").fill("学籍核验中核对企业信息")
    page.get_by_label("使用依据").fill("《教育法》第二十条")
    page.get_by_label("共享方式").select_option("接口")
    page.locator(".requests-item input").first.check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(lambda url: "/requests/SQ-" in url)
    code = urlsplit(page.url).path.rsplit("/", 1)[-1]
    assert page.get_by_role("status").inner_text() == "申请已提交。"
    due = due_date(beijing_today(), web.notices).isoformat()
    assert page.locator("#request-due .requests-due").inner_text() == due
    stored = api_request(web, code)
    assert (stored["state"], stored["due"], stored["channel"], stored["purpose"]) == \
        ("待审核", due, "接口", "学籍核验中核对企业信息")
    assert page.locator("#requests-decide").count() == 0                     # the consumer does not answer
    page.goto("/requests/inbox")
    assert page.locator(f"#requests-outgoing tr[data-code='{code}']").count() == 1

    logout(page)
    login(page, web, "editor")                                               # the provider's editor
    page.goto("/requests/inbox")
    row = page.locator(f"#requests-incoming tr[data-code='{code}']")
    assert row.locator(".requests-due").inner_text() == due
    assert "剩" in row.inner_text() and "待审核" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name=code).click()
    assert unlabelled_fields(page) == []
    assert page.locator("#request-purpose").inner_text() == "学籍核验中核对企业信息"

    page.get_by_role("button", name="拒绝").click()                           # no reasons: R04
    message = field_of(page, "d-refuse-reason").locator(".message")
    assert message.inner_text().startswith("R04 ") and "拒绝共享申请必须说明理由" in message.inner_text()
    assert api_request(web, code)["state"] == "待审核"
    snap(page, "requests-r04")

    sources = page.get_by_label("源系统编码")
    chosen = sources.input_value()
    page.get_by_role("button", name="同意").click()
    page.wait_for_url(lambda url: url.endswith(f"/requests/{code}"))
    assert page.locator("h1 .badge").inner_text() == "已同意"
    stored = api_request(web, code)
    assert stored["state"] == "已同意" and stored["flow"] == f"{code}-F" and stored["flow_current"]
    assert page.locator("#request-flow").inner_text() == f"{code}-F"
    flow = Api(web.url, web.tokens["editor"]).record("flows", f"{code}-F")[0]
    assert (flow["源系统编码"], flow["目标系统编码"]) == (chosen, web.system)
    assert page.locator("#requests-decide").count() == 0                     # answered: no more forms


def test_refusal_by_keyboard_and_the_consumers_view(page, web):
    consumer = httpx.Client(base_url=web.url, headers={"Authorization": f"Bearer {web.tokens['editor_b']}"})
    made = consumer.post("/api/requests", json={"resource": web.entries[1], "system": web.system,
                                                "purpose": "统计分析", "basis": "职责"})
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    login(page, web, "editor")
    page.goto(f"/requests/{code}")
    page.get_by_label("答复理由", exact=True).fill("该信息资源涉及企业商业秘密，暂不提供")
    page.keyboard.press("Tab")                                               # from the reasons to the button
    assert page.evaluate("document.activeElement.id") == "refuse"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1 .badge").inner_text() == "已拒绝"
    assert page.locator("#request-reason").inner_text() == "该信息资源涉及企业商业秘密，暂不提供"
    assert api_request(web, code)["state"] == "已拒绝"
    logout(page)
    login(page, web, "viewer")                                               # another department's user
    page.goto(f"/requests/{code}")
    assert page.locator("#request-purpose").count() == 0 and page.locator("#request-reason").count() == 0
    assert page.locator("#requests-decide").count() == 0 and page.locator("#withdraw").count() == 0


def test_overdue_request_is_marked_in_the_inbox(page, web):
    late = web.late
    assert late["state"] == "待审核" and late["due"] < beijing_today().isoformat()
    login(page, web, "viewer")
    page.goto("/requests/inbox")
    assert unlabelled_fields(page) == []
    page.get_by_label("只看逾期或超期答复").check()
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    rows = page.locator("#requests-all tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-code") == late["code"]
    mark = rows.first.locator(".requests-late")
    assert mark.inner_text() == "已逾期"
    overdue = Api(web.url, web.tokens["viewer"]).get("requests", params={"overdue": "true"}).json()
    message = overdue[web.departments[0]][0]["message"]["zh"]
    assert mark.get_attribute("title") == message
    with page.expect_navigation():
        rows.first.get_by_role("link", name=late["code"]).click()
    assert message in page.locator("#requests-late").inner_text()

    page.goto("/requests/inbox?provider=" + web.departments[1])               # filters in the URL
    assert page.locator("#requests-all tbody tr").count() == 0
    assert page.get_by_label("提供方").input_value() == web.departments[1]


def test_who_may_ask(page, web):
    page.goto(f"/requests/new?resource={quote(web.entries[0], safe='/')}")
    assert urlsplit(page.url).path == "/login"
    login(page, web, "reviewer")
    response = page.goto(f"/requests/new?resource={quote(web.entries[0], safe='/')}")
    assert response.status == 403 and "部门编辑" in page.get_by_role("alert").inner_text()
    logout(page)
    login(page, web, "editor_b")
    response = page.goto("/requests/new?resource=000000/999999")
    assert response.status == 404
    response = page.goto("/requests/SQ-19990101-001")
    assert response.status == 404
