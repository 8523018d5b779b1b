"""The search page and the entry page in a real browser (tests/browser.py): search in Chinese, refine by a
facet, page on, share the URL, open an entry from a hit; an entry's metadata under the shapes' names (zh
and en), its data items, validation, history with the diff of an edit made through the REST API, the
lineage graph (cytoscape.js) and its table fallback; what anonymous users may not open."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from browser import browser, login, page, snap, unlabelled_fields, web  # noqa: F401 (fixtures)
from govcat.catalogue.labels import column_labels
from govcat.schema import sheets
from test_rest_api import Api

WORD = "信息"


def hit_codes(page) -> list[str]:
    return page.locator(".search-hits li .search-code").all_inner_texts()


def entry_of(web, role: str, **filters) -> dict:
    """An entry (as the API shows it) of the editor's department matching `filters` (column: value)."""
    found = Api(web.url, web.tokens[role]).all("entries", provider=web.departments[0])
    return next(e for e in found if all(e[k] == v for k, v in filters.items()))


def test_search_pages_refines_shares_and_opens_an_entry(page, web):
    viewer = Api(web.url, web.tokens["viewer"])
    login(page, web, "viewer")
    page.goto("/search")
    assert unlabelled_fields(page) == []
    page.get_by_label("检索词").fill(WORD)
    page.keyboard.press("Enter")                                       # Enter in the search box submits
    page.wait_for_url(lambda url: "q=" in url)
    found = viewer.get("search", params={"q": WORD}).json()
    assert found["total"] > found["per_page"]                          # more than one page
    assert page.locator("#results-title").inner_text().startswith(f"共 {found['total']} 条结果")
    assert hit_codes(page) == [r["code"] for r in found["results"]]
    marks = page.locator(".search-hits h3 em").all_inner_texts()
    assert marks and set(marks) == {WORD}                             # highlighted in the titles

    page.get_by_role("link", name="下一页").click()
    assert parse_qs(urlsplit(page.url).query) == {"q": [WORD], "page": ["2"]}
    second = viewer.get("search", params={"q": WORD, "page": 2}).json()
    assert hit_codes(page) == [r["code"] for r in second["results"]]
    assert page.locator(".search-hits").get_attribute("start") == str(found["per_page"] + 1)
    assert page.locator(".pager [aria-current=page]").inner_text() == "2"

    facet = next(v for v in found["facets"]["sharing_type"] if v["count"] < found["total"])
    page.locator("#facet-sharing_type").get_by_label(facet["label"]).check()
    page.get_by_role("button", name="按所选筛选").click()
    page.wait_for_url(lambda url: "sharing_type=" in url)
    state = parse_qs(urlsplit(page.url).query)
    assert state == {"q": [WORD], "sharing_type": [facet["value"]]}     # a refined search starts on page 1
    refined = viewer.get("search", params={"q": WORD, "sharing_type": facet["value"]}).json()
    assert refined["total"] == facet["count"]
    assert hit_codes(page) == [r["code"] for r in refined["results"]]
    snap(page, "search-refined")

    shared = page.url                                                  # the URL alone gives the same page
    other = page.context.new_page()
    other.goto(shared)
    assert other.get_by_label("检索词").input_value() == WORD
    assert other.locator("#facet-sharing_type").get_by_label(facet["label"]).is_checked()
    assert hit_codes(other) == hit_codes(page)
    other.close()

    page.get_by_role("link", name=f"去掉筛选 共享类型 {facet['value']}").click()
    assert parse_qs(urlsplit(page.url).query) == {"q": [WORD]}
    assert hit_codes(page) == [r["code"] for r in found["results"]]

    first = found["results"][0]
    page.locator(".search-hits h3 a").first.click()
    assert urlsplit(page.url).path == f"/entry/{first['code']}"
    assert page.get_by_role("heading", level=1).inner_text().startswith(first["title"])


def test_anonymous_search_finds_public_entries_only(page, web):
    public = Api(web.url, None).get("search").json()
    internal = Api(web.url, web.tokens["viewer"]).get("search").json()
    assert 0 < public["total"] < internal["total"]
    page.goto("/search")
    assert page.locator("#results-title").inner_text().startswith(f"共 {public['total']} 条结果")
    assert hit_codes(page) == [r["code"] for r in public["results"]]
    # the home page links departments as ?department= (the REST filter's name): read as the provider facet
    provider = public["facets"]["provider"][0]
    page.goto(f"/search?department={provider['value']}")
    assert parse_qs(urlsplit(page.url).query) == {"provider": [provider["value"]]}
    assert page.locator("#facet-provider").get_by_label(provider["label"]).is_checked()
    assert f"信息资源提供方：{provider['label']}" in page.locator(".search-chosen").inner_text()
    assert page.locator(".search-hits li").count() == min(provider["count"], public["per_page"])
    response = page.goto("/search?sharing_type=随便共享")               # not a value of the facet: said so
    assert response.status == 400
    assert "共享类型" in page.get_by_role("alert").inner_text()


def test_entry_page_labels_items_history_and_lineage(page, web):
    editor = Api(web.url, web.tokens["editor"])
    code = entry_of(web, "editor", 是否向社会开放="是")["信息资源代码"]
    body, etag = editor.record("entries", code)
    old = body["信息资源摘要"]
    body["信息资源摘要"] = new = old + "（网页测试中修改）"
    assert editor.put("entries", code, body, etag).status_code == 200
    versions = Api(web.url, web.tokens["viewer"]).history("entries", code)

    login(page, web, "viewer")
    page.goto(f"/entry/{code}")
    assert unlabelled_fields(page) == []
    columns = sheets()["信息资源"].columns
    labels = page.locator("#entry-fields tbody th").all_inner_texts()
    assert labels == [column_labels("zh")[("信息资源", c.header)].name for c in columns]
    assert all(label.strip() for label in labels)                      # every field labelled
    assert page.locator("#entry-fields tr[data-column=信息资源摘要] td").inner_text() == new
    assert page.locator("#entry-items tbody tr").count() == len(body["信息项"])
    assert "信息项名称" in page.locator("#entry-items thead").inner_text()
    assert page.locator("#entry-valid").count() + page.locator("#entry-findings").count() == 1

    newest = page.locator("#entry-history > li").first
    assert newest.get_attribute("data-version") == str(versions[-1]["version"])
    assert page.locator("#entry-history > li").count() == len(versions)
    changes = newest.locator(".entry-diff li").all_text_contents()
    assert f"新增：+ 信息资源摘要：{new}" in changes and f"去掉：− 信息资源摘要：{old}" in changes

    lineage = Api(web.url, web.tokens["viewer"]).get(f"lineage/{code}").json()
    page.wait_for_function("window.cy && window.cy.nodes().length > 0")
    assert page.locator("#lineage-graph canvas").count() > 0
    assert page.evaluate("window.cy.nodes().length") == len(lineage["nodes"])
    assert page.evaluate("window.cy.edges().length") == len(lineage["edges"])
    assert page.locator("#lineage-nodes tbody tr").count() == len(lineage["nodes"])
    assert page.locator("#lineage-edges tbody tr").count() == len(lineage["edges"])
    snap(page, "entry-viewer")

    page.locator("#lineage-graph").scroll_into_view_if_needed()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")  # scrolled
    x, y, href = page.evaluate("""() => {
        const node = window.cy.nodes('.department')[0], at = node.renderedPosition();
        const box = document.getElementById('lineage-graph').getBoundingClientRect();
        return [box.left + at.x, box.top + at.y, node.data('href')]; }""")
    page.mouse.click(x, y)                                             # a click on a node opens it
    page.wait_for_url(lambda url: url.endswith(href))
    assert page.locator("#facet-provider input:checked").count() == 1

    page.go_back()
    link = page.locator("#lineage-nodes tbody a").first                # the table, by keyboard
    target = link.get_attribute("href")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.endswith(target))


def test_entry_page_in_english(page, web):
    code = Api(web.url, None).get("entries").json()["items"][0]["信息资源代码"]
    page.goto(f"/entry/{code}?lang=en")                                # public: anonymous users may open it
    english = column_labels("en")
    labels = page.locator("#entry-fields tbody th").all_inner_texts()
    assert labels == [english[("信息资源", c.header)].name for c in sheets()["信息资源"].columns]
    assert "Abstract" in labels and "Title" in labels
    assert "Item name" in page.locator("#entry-items thead").inner_text()
    assert page.get_by_role("heading", name="Data items").count() == 1
    # history and lineage are internal, as in the API
    assert page.locator("#entry-history").count() == 0 and page.locator("#lineage-graph").count() == 0
    assert "Log in to see" in page.locator("main").inner_text()
    page.goto("/search")                                                # the language cookie follows
    assert page.locator("#facet-sharing_type legend").inner_text() == "Sharing type"


def test_anonymous_cannot_open_internal_or_draft_entries(page, web):
    closed = entry_of(web, "viewer", 是否向社会开放="否")["信息资源代码"]
    response = page.goto(f"/entry/{closed}")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "没有这条信息资源"

    editor = Api(web.url, web.tokens["editor"])
    body, _etag = editor.record("entries", entry_of(web, "editor", 是否向社会开放="是")["信息资源代码"])
    draft = f"{body['信息资源分类']}/990001"
    body.pop("_meta")
    body.update({"信息资源代码": draft, "信息资源名称": "网页测试草稿", "来源信息系统": []})
    created = editor.post("entries", body)
    assert created.status_code == 201, created.text
    assert page.goto(f"/entry/{draft}").status == 404                 # a draft, even if it will be open

    login(page, web, "viewer")
    assert page.goto(f"/entry/{draft}").status == 200
    assert page.locator("#entry-state").inner_text() == "草稿"
    finding = page.locator("#entry-findings tbody tr")                 # no source system: C22, a warning
    assert finding.count() == 1
    assert "C22" in finding.inner_text() and "警告" in finding.inner_text()
    assert "来源信息系统" in finding.inner_text()
    page.wait_for_function("window.cy && window.cy.nodes().length === 2")   # the entry and its department
    assert page.goto(f"/entry/{closed}").status == 200
