"""The systems inventory in a real browser (tests/browser.py): filters in the URL checked against the REST API,
zombie flags with the evidence the analyses API gives, duplicate pairs side by side, integration status per
department; an editor first sees their own department."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from browser import browser, login, page, snap, unlabelled_fields, web  # noqa: F401 (fixtures)
from test_rest_api import Api


def filter_by(page, press_enter_in: str | None = None) -> None:
    """Sends the filter form (its button, or Enter in a field) and waits for the new page."""
    with page.expect_navigation():
        if press_enter_in:
            page.get_by_label(press_enter_in).press("Enter")
        else:
            page.get_by_role("button", name="筛选").click()


def codes(page) -> list[str]:
    return page.locator("#systems-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.code)")


def test_filters_and_zombie_evidence(page, web):
    api = Api(web.url, web.tokens["viewer"])
    every = api.all("systems")
    login(page, web, "viewer")
    page.goto("/systems")
    assert unlabelled_fields(page) == []
    assert codes(page) == sorted(s["系统编码"] for s in every)               # a viewer sees every system

    department = web.departments[1]
    page.get_by_label("所属部门").select_option(department)
    page.get_by_label("整合状态").select_option("独立运行")
    filter_by(page)
    assert parse_qs(urlsplit(page.url).query)["department"] == [department]
    expected = sorted(s["系统编码"] for s in api.all("systems", department=department) if s["整合状态"] == "独立运行")
    assert expected and codes(page) == expected
    shared = page.url
    page.goto(shared)                                                         # the URL alone gives the same list
    assert codes(page) == expected and page.get_by_label("整合状态").input_value() == "独立运行"

    page.goto("/systems")
    page.get_by_label("僵尸系统判定").select_option("any")
    filter_by(page)
    zombies = api.get("zombies").json()                                      # evaluated today, as stored today
    assert zombies and codes(page) == [z["system"] for z in zombies]
    for z in zombies:
        row = page.locator(f"#systems-table tr[data-code='{z['system']}'] .systems-zombie li")
        assert row.all_inner_texts() == [f"{rule} {z['evidence'][rule]}" for rule in z["rules"]]
    snap(page, "systems-zombies")

    rule = zombies[0]["rules"][0]
    page.get_by_label("僵尸系统判定").select_option(rule)
    page.get_by_label("编码或名称").fill(zombies[0]["system"])
    filter_by(page, "编码或名称")                                             # Enter in the text field submits
    assert codes(page) == [zombies[0]["system"]]


def test_an_editor_sees_their_department_first(page, web):
    api = Api(web.url, web.tokens["editor"])
    login(page, web, "editor")
    page.goto("/systems")
    own = sorted(s["系统编码"] for s in api.all("systems", department=web.departments[0]))
    assert codes(page) == own
    assert page.get_by_label("所属部门").input_value() == web.departments[0]
    page.get_by_label("所属部门").select_option("")
    filter_by(page)
    assert len(codes(page)) == len(api.all("systems"))


def test_duplicate_pairs_side_by_side(page, web):
    api = Api(web.url, web.tokens["viewer"])
    pairs = api.get("duplicates").json()
    systems = {s["系统编码"]: s for s in api.all("systems")}
    assert pairs
    login(page, web, "viewer")
    page.goto("/systems")
    with page.expect_navigation():
        page.get_by_role("link", name="重复建设").click()
    assert unlabelled_fields(page) == []
    sections = page.locator(".systems-pair")
    assert sections.count() == len(pairs)
    first, pair = sections.first, pairs[0]
    heads = first.locator("thead th").all_inner_texts()
    assert heads[1:] == pair["systems"]
    for header in ("系统名称", "系统功能", "用户数"):
        row = first.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=header, exact=True))
        assert row.locator("td").all_inner_texts() == [str(systems[code][header]) for code in pair["systems"]]
    assert f"得分 {pair['score']:.2f}" in first.inner_text() and pair["kind"] in first.inner_text()
    assert first.locator(".systems-shared mark").all_inner_texts() == pair["shared_terms"] + pair["shared_items"]
    snap(page, "systems-duplicates")

    page.get_by_label("最低得分（0–1）").fill(str(min(1.0, round(pair["score"] + 0.01, 2))))
    filter_by(page, "最低得分（0–1）")
    assert "min_score=" in page.url
    assert page.locator(".systems-pair").count() == sum(1 for p in pairs if p["score"] >= round(pair["score"] + 0.01, 2))


def test_integration_per_department(page, web):
    found = Api(web.url, web.tokens["viewer"]).get("integration").json()
    login(page, web, "viewer")
    page.goto("/systems/integration")
    assert unlabelled_fields(page) == []
    rows = page.locator("#integration-table tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.department)") == [d["department"] for d in found]
    for d in found:
        cells = page.locator(f"#integration-table tr[data-department='{d['department']}'] td").all_inner_texts()
        assert cells[0] == str(d["systems"]) and cells[-4] == f"{d['connected']}/{d['active']}"
        assert [int(c) for c in cells[1:6]] == list(d["by_status"].values())
    page.get_by_label("部门", exact=True).select_option(found[0]["department"])
    filter_by(page)
    assert rows.count() == 1


def test_the_inventory_needs_a_login(page, web):
    for path in ("/systems", "/systems/duplicates", "/systems/integration"):
        page.goto(path)
        assert urlsplit(page.url).path == "/login"
