"""The home page, login and the language switch in a real browser (tests/browser.py)."""
from __future__ import annotations

import httpx

from browser import browser, login, page, snap, unlabelled_fields, web  # noqa: F401 (fixtures)


def api(web, role: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {web.tokens[role]}"} if role else {}
    return httpx.Client(base_url=web.url, headers=headers, timeout=30)


def test_anonymous_home_shows_only_public_figures(page, web):
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "政务信息资源目录"
    with api(web) as anonymous:
        public = anonymous.get("/api/entries", params={"per_page": 1}).json()["total"]
    assert public > 0
    assert page.locator("#total-entries").inner_text() == str(public)
    assert page.locator("#zombie-count").count() == 0            # the analyses are internal
    assert page.get_by_role("link", name="登录").is_visible()
    assert "检索" in page.get_by_role("navigation").inner_text()
    assert "信息系统" not in page.get_by_role("navigation").inner_text()


def test_login_shows_the_internal_figures_by_role(page, web):
    login(page, web, "viewer")
    assert page.url.endswith("/")
    assert "viewer1" in page.locator(".user").inner_text()
    with api(web, "viewer") as viewer:
        total = viewer.get("/api/entries", params={"per_page": 1}).json()["total"]
        pairs = viewer.get("/api/duplicates").json()
    assert page.locator("#total-entries").inner_text() == str(total)
    assert page.locator("#duplicate-count").inner_text() == str(len(pairs))
    rows = page.locator("#department-table tbody tr")
    assert rows.count() == len(web.departments)
    states = page.locator("#department-table thead th").all_inner_texts()
    assert "已发布" in states                                       # loaded with --publish
    # the sum of the department rows is the total
    assert sum(int(x) for x in page.locator("#department-table tbody td:last-child").all_inner_texts()) == total
    assert page.locator("figure.chart svg rect").count() > 0           # evaluation charts (server-side SVG)
    assert page.locator("#validation-rate").inner_text().endswith("%")
    assert "判定日期 20" in page.locator("#zombie-count + a + .hint").inner_text()   # the zombie run's day
    nav = page.get_by_role("navigation").inner_text()
    assert "信息系统" in nav and "审核" not in nav and "导入" not in nav   # a viewer neither reviews nor imports
    snap(page, "home-viewer")
    page.get_by_role("button", name="退出").click()
    assert page.locator("#zombie-count").count() == 0
    assert page.get_by_role("link", name="登录").is_visible()


def test_wrong_token_is_refused_with_a_message(page, web):
    page.goto("/login")
    assert unlabelled_fields(page) == []
    page.get_by_label("用户名").fill("viewer1")
    page.get_by_label("令牌").fill("not-the-token")
    page.keyboard.press("Enter")                                       # Enter submits the form
    assert page.get_by_role("alert").inner_text() == "用户名或令牌不对。"
    assert page.locator(".user").count() == 0
    # someone else's token with this name is refused too
    page.get_by_label("令牌").fill(web.tokens["admin"])
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").is_visible()


def test_english_switch_follows_the_user(page, web):
    page.goto("/")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Government information-resource catalogue"
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/login")                                                 # the cookie keeps the language
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    page.get_by_role("link", name="中文").click()
    assert page.get_by_role("heading", level=1).inner_text() == "登录"


def test_keyboard_reaches_the_skip_link_and_the_menu(page, web):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.goto("/")
    for _ in range(3):                                                  # skip link, brand, first menu item…
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('nav') !== null")


def test_the_session_cookie_is_a_token_for_the_api_and_refuses_cross_site_writes(web):
    with httpx.Client(base_url=web.url, timeout=30) as client:
        assert client.get("/api/systems").status_code == 401
        signed = client.post("/login", data={"name": "viewer1", "token": web.tokens["viewer"], "next": "/"},
                             headers={"Origin": web.url})
        assert signed.status_code == 303
        cookie = signed.cookies["govcat_session"]
        assert "httponly" in signed.headers["set-cookie"].lower()
        assert "samesite=strict" in signed.headers["set-cookie"].lower()
        client.cookies.set("govcat_session", cookie)
        assert client.get("/api/systems").status_code == 200            # read as the viewer
        # a write carried by the cookie from another site (or with no origin at all) is refused
        assert client.post("/logout", headers={"Origin": "http://evil.example"}).status_code == 403
        assert client.post("/logout").status_code == 403
        assert client.post("/logout", headers={"Origin": web.url}).status_code == 303
        # a login posted from another site is refused too, and a next= to another host is ignored
        client.cookies.clear()
        assert client.post("/login", data={"name": "viewer1", "token": web.tokens["viewer"]},
                           headers={"Origin": "http://evil.example"}).status_code == 401
        assert "govcat_session" not in client.cookies
        away = client.post("/login", data={"name": "viewer1", "token": web.tokens["viewer"],
                                           "next": "//evil.example/x"}, headers={"Origin": web.url})
        assert away.headers["location"] == "/"


def test_the_language_switch_keeps_every_parameter(page, web):
    page.goto("/search?q=%E6%95%B0%E6%8D%AE&sharing_type=a&sharing_type=b")
    href = page.get_by_role("link", name="English").get_attribute("href")
    assert href.count("sharing_type=") == 2 and "q=" in href and href.endswith("lang=en")
