"""The REST API against a real server (`govcat serve`, uvicorn on loopback) over a store loaded with a small
generated catalogue (--publish, so that some entries are public); real users of `govcat user add`.

Tests share one server; each test writes only records it picks or makes itself."""
from __future__ import annotations

import copy
import subprocess
import sys
import threading
from collections import Counter

import httpx
import pytest
import python_calamine
from govcat.schema import sheets
from sparqlserver import add_user, clean_env, start_server, stop_server

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(first17: str) -> str:
    """A valid 统一社会信用代码 (GB 32100 check character, GUIDE §4)."""
    total = sum(USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def departments_by_size(workbook) -> list[str]:
    """The providers (统一社会信用代码) of the workbook's entries, most entries first."""
    rows = python_calamine.CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("信息资源").to_python()
    column = rows[0].index("信息资源提供方代码")
    counts = Counter(row[column] for row in rows[1:] if row[column])
    return sorted(counts, key=lambda code: (-counts[code], code))


class Api:
    """A client of one user (None: anonymous)."""

    def __init__(self, url: str, token: str | None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=url, timeout=60, headers=headers)

    def get(self, path: str, **kw) -> httpx.Response:
        return self.http.get("/api/" + path, **kw)

    def record(self, kind: str, code: str) -> tuple[dict, str]:
        response = self.get(f"{kind}/{code}")
        assert response.status_code == 200, response.text
        return response.json(), response.headers["etag"]

    def put(self, kind: str, code: str, body: dict, etag: str | None, **headers) -> httpx.Response:
        if etag is not None:
            headers["If-Match"] = etag
        return self.http.put(f"/api/{kind}/{code}", json=body, headers=headers)

    def post(self, kind: str, body: dict, **headers) -> httpx.Response:
        return self.http.post(f"/api/{kind}", json=body, headers=headers)

    def delete(self, kind: str, code: str, etag: str | None) -> httpx.Response:
        return self.http.delete(f"/api/{kind}/{code}", headers={"If-Match": etag} if etag else {})

    def all(self, kind: str, **params) -> list[dict]:
        found, page = [], 1
        while True:
            body = self.get(kind, params=params | {"page": page, "per_page": 7}).json()
            found += body["items"]
            if page * 7 >= body["total"]:
                assert len(found) == body["total"]
                return found
            page += 1

    def history(self, kind: str, code: str) -> list[dict]:
        response = self.get(f"{kind}/{code}/history")
        assert response.status_code == 200, response.text
        return response.json()["versions"]


@pytest.fixture(scope="module")
def api(small_xlsx, tmp_path_factory):
    store = tmp_path_factory.mktemp("rest") / "store"
    subprocess.run([sys.executable, "-m", "govcat", "load", str(small_xlsx), "--store", str(store), "--publish"],
                   check=True, capture_output=True, env=clean_env())
    dept_a, dept_b = departments_by_size(small_xlsx)[:2]
    tokens = {"admin": add_user(store, "admin1", "admin"), "editor_a": add_user(store, "editor-a", "editor", dept_a),
              "editor_b": add_user(store, "editor-b", "editor", dept_b),
              "reviewer": add_user(store, "reviewer1", "reviewer"), "viewer": add_user(store, "viewer1", "viewer")}
    server = start_server(store)
    clients = {name: Api(server.url, token) for name, token in tokens.items()} | {"anonymous": Api(server.url, None)}
    clients["a"], clients["b"] = dept_a, dept_b
    yield clients
    for client in clients.values():
        if isinstance(client, Api):
            client.http.close()
    stop_server(server, store)
    # the history is in the store: `govcat history` reads it once the server has let go
    shown = subprocess.run([sys.executable, "-m", "govcat", "history", "F-API-0001", "--store", str(store)],
                           check=True, capture_output=True, text=True, env=clean_env()).stdout
    assert [line.split()[4] for line in shown.splitlines() if line.startswith("版本")] == ["create", "edit", "delete"]


def entries_of(api, dept: str) -> list[dict]:
    return api["viewer"].all("entries", department=dept)


def unreferenced_entry(api, dept: str) -> dict:
    """An entry of `dept` no other record refers to (so that it may be deleted), untouched by other tests."""
    flows = api["viewer"].all("flows")
    referred = {f["信息资源代码"] for f in flows}
    for entry in entries_of(api, dept):
        referred |= set(entry["关联资源代码"])
    free = [e for e in entries_of(api, dept) if e["信息资源代码"] not in referred]
    return free[-1]


# -- reading ---------------------------------------------------------------------------------------------------
def test_a_record_has_the_template_columns_and_its_data_items(api):
    entry = entries_of(api, api["a"])[0]
    sheet, items = sheets()["信息资源"], sheets()["信息项"]
    assert [k for k in entry if k not in ("信息项", "_meta")] == sheet.headers
    assert entry["信息项"] and all(list(item) == items.headers[1:] for item in entry["信息项"])   # not 信息资源代码
    assert "/" in entry["信息资源代码"]
    body, etag = api["viewer"].record("entries", entry["信息资源代码"])    # a code with '/' in the path
    assert body == entry and etag == f'"v{body["_meta"]["version"]}"'
    assert api["viewer"].get("entries/" + entry["信息资源代码"], headers={"If-None-Match": etag}).status_code == 304


def test_paging_covers_every_record_once_and_filters_select(api):
    viewer = api["viewer"]
    entries = viewer.all("entries")
    codes = [e["信息资源代码"] for e in entries]
    assert len(codes) == len(set(codes)) == 40 and codes == sorted(codes)
    first = viewer.get("entries", params={"per_page": 5}).json()
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (40, 1, 5, 5)
    last = viewer.get("entries", params={"per_page": 5, "page": 8}).json()
    assert [e["信息资源代码"] for e in last["items"]] == codes[35:]
    assert viewer.get("entries", params={"per_page": 5, "page": 9}).json()["items"] == []

    mine = viewer.all("entries", department=api["a"])
    assert mine and all(e["信息资源提供方代码"] == api["a"] for e in mine)
    assert viewer.all("entries", provider=api["a"]) == mine
    for sharing in ("无条件共享", "有条件共享"):
        chosen = viewer.all("entries", sharing_type=sharing)
        assert [e for e in entries if e["共享类型"] == sharing] == chosen
    opened = viewer.all("entries", open="是")
    assert opened == [e for e in entries if e["是否向社会开放"] == "是"] and 0 < len(opened) < 40
    assert len(viewer.all("entries", state="已发布", department=api["a"])) <= len(mine)
    assert viewer.get("entries", params={"department": "no-such-department"}).json()["total"] == 0
    systems = viewer.all("systems", department=api["a"])
    assert systems and all(s["所属部门代码"] == api["a"] for s in systems)
    flows = viewer.all("flows")
    source = flows[0]["源系统编码"]
    assert viewer.all("flows", source=source) == [f for f in flows if f["源系统编码"] == source]
    target = flows[0]["目标系统编码"]
    assert viewer.all("flows", target=target) == [f for f in flows if f["目标系统编码"] == target]
    for bad in ({"sharing_type": "随便共享"}, {"open": "maybe"}, {"page": "0"}, {"per_page": "1000"}, {"page": "x"}):
        response = viewer.get("entries", params=bad)
        assert response.status_code == 400 and set(response.json()["detail"]) == {"zh", "en"}, bad


def test_anonymous_callers_see_only_public_entries(api):
    anonymous, viewer = api["anonymous"], api["viewer"]
    every = viewer.all("entries")
    public = [e for e in every if e["_meta"]["state"] == "已发布" and e["是否向社会开放"] == "是"]
    seen = anonymous.all("entries")
    assert seen == public and 0 < len(seen) < len(every)
    assert anonymous.all("entries", open="否") == [] and anonymous.all("entries", state="草稿") == []
    hidden = next(e for e in every if e not in public)
    assert anonymous.get("entries/" + hidden["信息资源代码"]).status_code == 404
    assert anonymous.get("entries/" + public[0]["信息资源代码"]).status_code == 200
    system = viewer.all("systems")[0]["系统编码"]
    flow = viewer.all("flows")[0]["流编码"]
    assert anonymous.get("systems/" + system).status_code == 404 and anonymous.get("flows/" + flow).status_code == 404
    assert anonymous.get("systems").status_code == 401 and anonymous.get("flows").status_code == 401
    providers = {e["信息资源提供方代码"] for e in public}
    assert {d["统一社会信用代码"] for d in anonymous.all("departments")} == providers
    others = [d["统一社会信用代码"] for d in viewer.all("departments") if d["统一社会信用代码"] not in providers]
    for code in others:
        assert anonymous.get("departments/" + code).status_code == 404
    assert anonymous.get("entries/" + public[0]["信息资源代码"] + "/history").status_code == 401
    assert anonymous.get("entries/999999/000001").status_code == 404


def test_an_edit_makes_a_public_entry_a_draft_that_the_public_no_longer_sees(api):
    public = api["anonymous"].all("entries", department=api["a"])
    assert public, "the generated catalogue has public entries of the first department"
    code = public[0]["信息资源代码"]
    body, etag = api["editor_a"].record("entries", code)
    body["信息资源摘要"] += "（已核对）"
    response = api["editor_a"].put("entries", code, body, etag)
    assert response.status_code == 200, response.text
    assert response.json()["_meta"]["state"] == "草稿" and response.json()["_meta"]["editor"] == "editor-a"
    assert api["anonymous"].get("entries/" + code).status_code == 404
    assert code not in {e["信息资源代码"] for e in api["anonymous"].all("entries")}


# -- writing ---------------------------------------------------------------------------------------------------
def test_get_then_put_round_trips_without_a_new_version(api):
    entry = entries_of(api, api["a"])[1]
    body, etag = api["editor_a"].record("entries", entry["信息资源代码"])
    before = api["editor_a"].history("entries", entry["信息资源代码"])
    response = api["editor_a"].put("entries", entry["信息资源代码"], body, etag)
    assert response.status_code == 200 and response.headers["etag"] == etag
    assert response.json() == body
    assert api["editor_a"].history("entries", entry["信息资源代码"]) == before


def test_a_record_written_by_the_api_is_the_row_loaded_from_the_spreadsheet(api):
    admin = api["admin"]
    code = unreferenced_entry(api, api["b"])["信息资源代码"]
    body, etag = admin.record("entries", code)
    assert admin.delete("entries", code, etag).status_code == 204
    assert admin.get("entries/" + code).status_code == 404
    created = admin.post("entries", body)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/api/entries/{code}"
    history = admin.history("entries", code)
    assert [v["action"] for v in history] == ["publish", "delete", "create"]
    loaded, recreated = history[0]["changes"], history[2]["changes"]
    state = [line for line in loaded if line.startswith("+审核状态")]
    assert [line for line in loaded if line not in state] == [line for line in recreated if not line.startswith("+审核状态")]
    assert "+审核状态：草稿" in recreated and created.json()["_meta"]["version"] == 3


def test_entry_crud_with_data_items(api):
    editor = api["editor_a"]
    template = copy.deepcopy(entries_of(api, api["a"])[2])
    code = template["信息资源分类"] + "/990001"
    template |= {"信息资源代码": code, "信息资源名称": "接口测试资源", "关联资源代码": []}
    template["信息项"] = [{"信息项名称": "姓名", "数据类型": "C", "数据长度": 50, "信息项说明": None},
                        {"信息项名称": "出生日期", "数据类型": "日期型", "数据长度": None, "信息项说明": "YYYY-MM-DD"}]
    created = editor.post("entries", template)
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["信息项"][0]["数据类型"] == "字符型" and made["信息项"][1]["数据长度"] is None
    assert made["_meta"]["state"] == "草稿" and made["_meta"]["version"] == 1
    assert editor.post("entries", template).status_code == 409

    body, etag = editor.record("entries", code)
    body["信息项"] = body["信息项"][:1]
    updated = editor.put("entries", code, body, etag)
    assert updated.status_code == 200 and updated.headers["etag"] == '"v2"'
    assert [i["信息项名称"] for i in updated.json()["信息项"]] == ["姓名"]

    assert editor.delete("entries", code, updated.headers["etag"]).status_code == 204
    assert editor.get("entries/" + code).status_code == 404
    history = editor.history("entries", code)
    assert [(v["version"], v["action"], v["user"]) for v in history] == [
        (1, "create", "editor-a"), (2, "edit", "editor-a"), (3, "delete", "editor-a")]
    assert any("出生日期" in line and line.startswith("-") for line in history[1]["changes"])


def test_department_system_and_flow_crud(api):
    admin, editor = api["admin"], api["editor_a"]
    dept = copy.deepcopy(api["viewer"].record("departments", api["a"])[0])
    new_code = uscc("11430000" + "9A1B2C3D4")
    dept |= {"统一社会信用代码": new_code, "部门名称": "接口测试局"}
    assert editor.post("departments", dept).status_code == 403          # only an admin creates departments
    created = admin.post("departments", dept)
    assert created.status_code == 201, created.text
    body, etag = admin.record("departments", new_code)
    body["部门名称"] = "接口测试管理局"
    assert admin.put("departments", new_code, body, etag).json()["部门名称"] == "接口测试管理局"

    system = copy.deepcopy(api["viewer"].all("systems", department=api["a"])[0])
    system |= {"系统编码": "API-TEST-0001", "系统名称": "接口测试系统", "整合至": None}
    created = editor.post("systems", system)
    assert created.status_code == 201, created.text
    body, etag = editor.record("systems", "API-TEST-0001")
    body["用户数"] = 42
    updated = editor.put("systems", "API-TEST-0001", body, etag)
    assert updated.status_code == 200 and updated.json()["用户数"] == 42

    flow = copy.deepcopy(api["viewer"].all("flows")[0])
    flow |= {"流编码": "F-API-0001", "源系统编码": "API-TEST-0001"}
    created = editor.post("flows", flow)
    assert created.status_code == 201, created.text
    body, etag = editor.record("flows", "F-API-0001")
    body["频率"] = "每日"
    updated = editor.put("flows", "F-API-0001", body, etag)
    assert updated.status_code == 200 and updated.json()["频率"] == "每日"

    # the system is referred to by the flow: it cannot go first
    refused = editor.delete("systems", "API-TEST-0001", editor.record("systems", "API-TEST-0001")[1])
    assert refused.status_code == 409 and "F-API-0001" in refused.json()["detail"]["zh"]
    assert editor.delete("flows", "F-API-0001", updated.headers["etag"]).status_code == 204
    assert editor.delete("systems", "API-TEST-0001", editor.record("systems", "API-TEST-0001")[1]).status_code == 204
    body, etag = admin.record("departments", new_code)
    assert editor.delete("departments", new_code, etag).status_code == 403
    assert admin.delete("departments", new_code, etag).status_code == 204
    assert [v["action"] for v in admin.history("departments", new_code)] == ["create", "edit", "delete"]
    assert [v["action"] for v in admin.history("flows", "F-API-0001")] == ["create", "edit", "delete"]


def test_a_violation_is_a_422_with_the_validate_report_in_zh_or_en_and_nothing_is_written(api):
    editor = api["editor_a"]
    code = entries_of(api, api["a"])[3]["信息资源代码"]
    body, etag = editor.record("entries", code)
    history = editor.history("entries", code)
    bad = body | {"信息资源名称": "", "共享类型": "有条件共享", "共享条件": None}
    zh = editor.put("entries", code, bad, etag)
    en = editor.put("entries", code, bad, etag, **{"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    for response in (zh, en):
        assert response.status_code == 422
        report = response.json()
        assert report["conforms"] is False and set(report["results"][0]) == {
            "rule", "severity", "sheet", "row", "focus", "path", "value", "message"}
        assert {"C02", "C11"} <= {r["rule"] for r in report["results"] if r["severity"] == "Violation"}
        assert all(r["sheet"] == "信息资源" and r["row"] == 1 for r in report["results"])
    c02 = [next(r["message"] for r in response.json()["results"] if r["rule"] == "C02") for response in (zh, en)]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in c02[0]) and c02[1].isascii() and c02[0] != c02[1]
    # a bad data item is reported on its row of 信息项
    items = editor.put("entries", code, body | {"信息项": body["信息项"] + [{"信息项名称": "", "数据类型": "X"}]}, etag)
    assert items.status_code == 422
    assert {r["row"] for r in items.json()["results"] if r["sheet"] == "信息项"} == {len(body["信息项"]) + 1}
    assert editor.record("entries", code) == (body, etag)
    assert editor.history("entries", code) == history
    bad_entry = {k: v for k, v in body.items() if k != "_meta"} | {"信息资源代码": body["信息资源分类"] + "/990002",
                                                                   "发布日期": "2020-13-45"}
    assert editor.post("entries", bad_entry).status_code == 422
    assert editor.get("entries/" + bad_entry["信息资源代码"]).status_code == 404


def test_malformed_bodies_are_400(api):
    editor = api["editor_a"]
    code = entries_of(api, api["a"])[3]["信息资源代码"]
    body, etag = editor.record("entries", code)
    for bad in (body | {"不存在的列": 1}, body | {"信息资源名称": ["a", "b"]}, body | {"信息资源代码": "101001/000001"},
                [body], body | {"信息项": "x"}):
        response = editor.put("entries", code, bad, etag)
        assert response.status_code == 400 and set(response.json()["detail"]) == {"zh", "en"}, bad
    response = editor.http.put("/api/entries/" + code, content=b"{not json", headers={"If-Match": etag})
    assert response.status_code == 400


def test_stale_if_match_is_412_and_missing_if_match_is_428(api):
    first, second = api["editor_a"], Api(str(api["editor_a"].http.base_url), None)
    second.http.headers.update(first.http.headers)
    code = entries_of(api, api["a"])[4]["信息资源代码"]
    mine, etag = first.record("entries", code)
    theirs, same = second.record("entries", code)
    assert etag == same
    mine["信息资源摘要"] += "（第一位编辑）"
    theirs["信息资源摘要"] += "（第二位编辑）"
    assert first.put("entries", code, mine, etag).status_code == 200
    stale = second.put("entries", code, theirs, etag)
    assert stale.status_code == 412 and stale.headers["etag"] != etag
    assert second.delete("entries", code, etag).status_code == 412
    assert second.put("entries", code, theirs, None).status_code == 428
    assert second.delete("entries", code, None).status_code == 428
    assert second.put("entries", code, theirs, "W/" + stale.headers["etag"]).status_code == 412   # weak never matches
    assert "第一位编辑" in first.record("entries", code)[0]["信息资源摘要"]
    second.http.close()


def test_two_concurrent_writes_on_one_version_one_wins(api):
    editor = api["editor_a"]
    code = entries_of(api, api["a"])[5]["信息资源代码"]
    body, etag = editor.record("entries", code)
    results = []

    def write(n: int) -> None:
        with httpx.Client(base_url=str(editor.http.base_url), headers=dict(editor.http.headers), timeout=60) as c:
            results.append(c.put(f"/api/entries/{code}", json=body | {"信息资源摘要": body["信息资源摘要"] + f"（{n}）"},
                                 headers={"If-Match": etag}).status_code)
    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 412, 412]
    assert len(editor.history("entries", code)) == 2


def test_who_may_write(api):
    a_entry = entries_of(api, api["a"])[6]["信息资源代码"]
    b_entry = entries_of(api, api["b"])[0]["信息资源代码"]
    editor_a = api["editor_a"]
    body, etag = editor_a.record("entries", b_entry)
    assert editor_a.put("entries", b_entry, body, etag).status_code == 403         # another department's
    assert editor_a.delete("entries", b_entry, etag).status_code == 403
    assert api["editor_b"].put("entries", b_entry, body, etag).status_code == 200  # its own
    for role in ("reviewer", "viewer"):
        assert api[role].put("entries", b_entry, body, etag).status_code == 403
    assert api["anonymous"].put("entries", b_entry, body, etag).status_code == 401
    assert api["anonymous"].post("entries", body).status_code == 401
    mine, etag = editor_a.record("entries", a_entry)
    moved = mine | {"信息资源提供方代码": api["b"], "信息资源提供方": body["信息资源提供方"]}
    assert editor_a.put("entries", a_entry, moved, etag).status_code == 403      # not to another department
    copy_for_b = {k: v for k, v in body.items() if k != "_meta"} | {"信息资源代码": body["信息资源分类"] + "/990003"}
    assert editor_a.post("entries", copy_for_b).status_code == 403
    b_flow = next(f for f in api["viewer"].all("flows")
                  if api["viewer"].record("systems", f["源系统编码"])[0]["所属部门代码"] == api["b"])
    flow, etag = editor_a.record("flows", b_flow["流编码"])
    assert editor_a.put("flows", b_flow["流编码"], flow, etag).status_code == 403
    assert api["editor_b"].put("flows", b_flow["流编码"], flow, etag).status_code == 200
    dept, etag = editor_a.record("departments", api["a"])
    assert editor_a.put("departments", api["a"], dept, etag).status_code == 200
    other, etag = editor_a.record("departments", api["b"])
    assert editor_a.put("departments", api["b"], other, etag).status_code == 403


def test_openapi_documents_the_routes_in_zh_and_en(api):
    http = api["anonymous"].http
    assert http.get("/docs").status_code == 200
    spec = http.get("/openapi.json").json()
    for kind in ("departments", "systems", "entries", "flows"):
        assert {"get"} <= set(spec["paths"][f"/api/{kind}"]) and "post" in spec["paths"][f"/api/{kind}"]
        assert {"get", "put", "delete"} <= set(spec["paths"][f"/api/{kind}/{{code}}"])
        for operation in list(spec["paths"][f"/api/{kind}"].values()) + list(spec["paths"][f"/api/{kind}/{{code}}"].values()):
            zh, _, en = operation["summary"].partition(" / ")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii() and en, operation["summary"]
    schema = spec["paths"]["/api/entries"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(sheets()["信息资源"].headers) | {"信息项", "_meta"} == set(schema["properties"])
    assert set(schema["properties"]["信息项"]["items"]["properties"]) == set(sheets()["信息项"].headers[1:])
