"""What a user may start from an entry's page: its department's editor edits it, another department's editor
asks to share it (tests/browser.py)."""
from __future__ import annotations

import httpx

from browser import browser, login, page, web  # noqa: F401 (fixtures)


def an_entry_of(web, department: str) -> str:
    with httpx.Client(base_url=web.url, headers={"Authorization": f"Bearer {web.tokens['viewer']}"}) as client:
        items = client.get("/api/entries", params={"department": department, "state": "已发布"}).json()["items"]
    return items[0]["信息资源代码"]


def test_the_owners_editor_edits_and_another_departments_editor_asks(page, web):
    code = an_entry_of(web, web.departments[0])
    login(page, web, "editor")                      # web.departments[0]
    page.goto(f"/entry/{code}")
    assert page.get_by_role("link", name="申请共享").count() == 0
    page.get_by_role("link", name="修改").click()
    assert page.url.endswith(f"/entry/{code}/edit")
    page.get_by_role("button", name="退出").click()
    login(page, web, "editor_b")
    page.goto(f"/entry/{code}")
    assert page.get_by_role("link", name="修改").count() == 0
    page.get_by_role("link", name="申请共享").click()
    assert "/requests/new?resource=" in page.url
    assert page.get_by_role("heading", level=1).is_visible()


def test_a_viewer_and_anonymous_get_no_actions(page, web):
    code = an_entry_of(web, web.departments[0])
    page.goto(f"/entry/{code}")
    assert page.locator(".entry-actions").count() == 0
    login(page, web, "viewer")
    page.goto(f"/entry/{code}")
    assert page.locator(".entry-actions").count() == 0
