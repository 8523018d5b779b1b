"""The SPARQL page /query in a real browser (tests/browser.py): YASGUI served from this server against /sparql,
the saved queries one click away (a click opens the query in a new tab and explains its parameters), run by
the button and by the keyboard, the results table compared with the same saved query run by the API; YASGUI
fetches nothing from another host."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from browser import browser, login, page, snap, unlabelled_fields, web  # noqa: F401 (fixtures)


def api_rows(web, name: str, role: str = "viewer") -> list[dict]:
    with httpx.Client(base_url=web.url, headers={"Authorization": f"Bearer {web.tokens[role]}",
                                                 "Accept": "application/sparql-results+json"}, timeout=60) as client:
        answer = client.get(f"/api/queries/{name}")
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]["bindings"]


def remote_requests(page, web) -> list[str]:
    """Collects every request the page makes to another host than the server's."""
    own = urlsplit(web.url).netloc
    found: list[str] = []
    page.on("request", lambda r: found.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https", "ws", "wss") and urlsplit(r.url).netloc != own else None)
    return found


def test_the_query_page_needs_a_login(page, web):
    page.goto("/query")
    assert urlsplit(page.url).path == "/login"
    login(page, web, "viewer")                                         # back to /query afterwards
    page.goto("/query")
    assert page.get_by_role("heading", level=1).inner_text() == "SPARQL 查询"


def test_a_saved_query_opens_in_yasgui_and_runs(page, web):
    remote = remote_requests(page, web)
    login(page, web, "viewer")
    page.goto("/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    assert unlabelled_fields(page) == []
    expected = api_rows(web, "entries_by_sharing_type")
    assert expected                                                     # the catalogue has entries
    page.get_by_role("button", name="各共享类型的条目数", exact=True).click()
    active = page.locator(".tabPanel.active")
    assert "各共享类型的条目数" in page.locator(".tabsList .tab.active").inner_text()
    text = page.evaluate("() => document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()")
    assert "sharingType" in text and text.startswith("# title@zh: 各共享类型的条目数")
    assert "此查询没有参数" in page.locator("#query-explain").inner_text()
    active.locator(".yasqe_queryButton").click()
    rows = active.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(expected)
    shown = active.locator(".yasr table.dataTable tbody").inner_text()
    assert all(str(row["entries"]["value"]) in shown for row in expected)
    snap(page, "query-saved-run")
    assert remote == []                                                 # no CDN, no prefix.cc, no LOV


def test_keyboard_loads_a_query_with_parameters_and_runs_it(page, web):
    remote = remote_requests(page, web)
    login(page, web, "admin")
    page.goto("/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    button = page.get_by_role("button", name="僵尸系统候选", exact=True)
    button.focus()
    page.keyboard.press("Enter")                                       # a saved query is a button: Enter loads it
    explained = page.locator("#query-explain")
    assert "?minCriteria" in explained.inner_text() and "默认 1" in explained.inner_text()
    assert "/api/queries/zombie_candidates?minCriteria=1" in explained.inner_text()
    assert "僵尸系统候选" in page.locator(".tabsList .tab.active").inner_text()
    # run the saved query whose only parameters are optional and bound in the editor: replace ?minCriteria by 1
    page.evaluate("""() => { const cm = document.querySelector('.tabPanel.active .CodeMirror').CodeMirror;
                             cm.setValue(cm.getValue().replace('FILTER(?criteria >= ?minCriteria)', 'FILTER(?criteria >= 1)')); }""")
    page.locator(".tabPanel.active .CodeMirror textarea").focus()
    page.keyboard.press("Control+Enter")                               # YASQE runs the query on Ctrl+Enter
    rows = page.locator(".tabPanel.active .yasr table.dataTable tbody tr")
    rows.first.wait_for()
    expected = api_rows(web, "zombie_candidates", "admin")
    assert expected and rows.count() == len(expected)
    assert remote == []


def test_without_the_assets_the_page_says_to_run_govcat_assets(tmp_path, monkeypatch):
    import govcat.web.pages as pages
    from fastapi.testclient import TestClient
    from govcat.saved_queries import analyst_queries, load_all
    from govcat.web.app import create_app
    from govcat.web.settings import Settings
    from sparqlserver import add_user

    store = tmp_path / "store"
    token = add_user(store, "viewer1", "viewer")                          # `govcat user add` on an empty store
    monkeypatch.setattr(pages, "VENDOR", {name: tmp_path / "absent" / name for name in pages.VENDOR})
    with TestClient(create_app(Settings(store=store, query_workers=1))) as client:
        client.cookies.set("govcat_session", token)
        html = client.get("/query").text
    assert "govcat assets" in html and 'id="query-no-assets"' in html
    assert "yasgui.min.js" not in html                                  # no script that is not there
    buttons = re.findall(r'<button type="button" class="query-load[^>]*>', html)
    assert len(buttons) == len(analyst_queries(load_all())) and all("disabled" in b for b in buttons)   # the saved queries, listed but inert
