"""The review queue in a real browser (tests/browser.py) over a store of drafts: an editor submits from the
edit page, a reviewer approves (keyboard) and returns with a reason, the editor reads the reason on the
form; the last editor of an entry cannot approve it; who may open the queue."""
from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from browser import browser, ensure_assets, ensure_chromium, login, page, serve_catalogue, snap, unlabelled_fields  # noqa: F401
from sparqlserver import stop_server
from test_rest_api import Api


@pytest.fixture(scope="module")
def web(small_xlsx, tmp_path_factory):
    """The catalogue loaded as drafts (no --publish): entries to submit and review."""
    ensure_chromium()
    ensure_assets()
    served = serve_catalogue(small_xlsx, tmp_path_factory.mktemp("drafts"), publish=False)
    yield served
    stop_server(served.server, served.store)


def submit(web, role: str, code: str) -> None:
    """What the edit page's 提交审核 button sends (bearer token instead of the session cookie)."""
    with httpx.Client(base_url=web.url, headers={"Authorization": f"Bearer {web.tokens[role]}"}) as client:
        response = client.post(f"/entry/{quote(code, safe='/')}/submit")
    assert response.status_code == 303, response.text


def drafts(web, count: int) -> list[str]:
    found = Api(web.url, web.tokens["editor"]).all("entries", provider=web.departments[0], state="草稿")
    return [e["信息资源代码"] for e in found[:count]]


def article(page, code: str):
    return page.locator(f'article.review-entry[data-code="{code}"]')


def test_reviewer_approves_and_returns_with_a_reason(page, web):
    approved, returned = drafts(web, 2)
    for code in (approved, returned):
        submit(web, "editor", code)
    api = Api(web.url, web.tokens["reviewer"])
    login(page, web, "reviewer")
    assert "审核" in page.get_by_role("navigation").inner_text()
    page.goto("/review")
    assert unlabelled_fields(page) == []
    waiting = api.get("entries", params={"state": "待审核", "per_page": 1}).json()["total"]
    assert page.locator("#review-count").inner_text() == f"共 {waiting} 条待审核"
    assert article(page, approved).is_visible() and article(page, returned).is_visible()
    article(page, approved).locator("summary").click()                        # all fields, under their names
    assert article(page, approved).locator(".entry-fields th").first.inner_text() == "信息资源分类"
    snap(page, "review-queue")

    article(page, approved).get_by_role("button", name="通过").focus()
    page.keyboard.press("Enter")                                              # the keyboard approves
    page.wait_for_url(lambda url: "done=approve" in url)
    assert page.get_by_role("status").inner_text() == f"已审核通过并发布：{approved}"
    assert api.record("entries", approved)[0]["_meta"]["state"] == "已发布"
    assert article(page, approved).count() == 0

    box = article(page, returned)
    box.get_by_label("退回理由").fill("共享条件写得不清楚，请补充使用范围")
    box.get_by_role("button", name="退回修改").click()
    page.wait_for_url(lambda url: "done=return" in url)
    assert api.record("entries", returned)[0]["_meta"]["state"] == "退回修改"
    assert api.history("entries", returned)[-1]["note"] == "共享条件写得不清楚，请补充使用范围"

    page.get_by_role("button", name="退出").click()
    login(page, web, "editor")
    page.goto(f"/entry/{quote(returned, safe='/')}/edit")
    assert "共享条件写得不清楚，请补充使用范围" in page.locator("#edit-returned").inner_text()
    page.get_by_role("button", name="提交审核").click()                        # submitted again
    page.wait_for_url(lambda url: "done=submitted" in url)
    assert api.record("entries", returned)[0]["_meta"]["state"] == "待审核"


def test_the_last_editor_cannot_approve(page, web):
    code = drafts(web, 1)[0]
    admin = Api(web.url, web.tokens["admin"])
    body, tag = admin.record("entries", code)
    body["信息资源摘要"] = body["信息资源摘要"] + "（管理员补充）"
    assert admin.put("entries", code, body, tag).status_code == 200          # the admin is the last editor
    submit(web, "admin", code)
    login(page, web, "admin")
    page.goto("/review")
    article(page, code).get_by_role("button", name="通过").click()
    alert = article(page, code).get_by_role("alert")
    assert alert.inner_text() == "审核人不能是该信息资源的最后编辑人"
    assert admin.record("entries", code)[0]["_meta"]["state"] == "待审核"
    article(page, code).get_by_role("button", name="退回修改").click()        # no reason: the browser asks
    assert page.evaluate("document.activeElement.name") == "reason"
    assert admin.record("entries", code)[0]["_meta"]["state"] == "待审核"


def test_only_reviewers_and_admins_open_the_queue(page, web):
    page.goto("/review")
    assert "/login?next=/review" in page.url
    login(page, web, "editor")
    assert "审核" not in page.get_by_role("navigation").inner_text()
    response = page.goto("/review")
    assert response.status == 403 and "审核员和管理员" in page.get_by_role("alert").inner_text()
