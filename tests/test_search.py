"""Chinese full-text search (issue 4, item 6) against a real server (`govcat serve` on loopback) over a store
loaded with `govcat load`: a small generated catalogue plus marker entries whose texts hold 户籍, 社保, 参保
and phrases, one provider in 长沙市, one entry closed to the public and one draft (loaded after `govcat
reindex`, so that the server has to catch up with it when it starts).

Expected answers are computed from the loaded CSV sheets, not from the index: a word of two characters
matches exactly the entries whose title, abstract or a data-item name contains it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
from helpers import Catalogue as Sheets
from helpers import make_uscc, read_csv_folder
from sparqlserver import add_user, clean_env, start_server, stop_server

from govcat.catalogue import Catalogue
from govcat.catalogue.journal import ChangeSet
from govcat.catalogue.loading import load_file
from govcat.generate import generate_catalogue
from govcat.search import IndexUnavailable, SearchIndex, SearchRequest, search
from govcat.search.index import FOLDER, STATE

CITY_HR = ("长沙市人力资源和社会保障局", make_uscc("430100", 2))
MARKERS = [  # n, title, abstract, data items, provider in 长沙市, open to the public
    (1, "户籍人口迁移登记信息", "记录<script>户籍</script>迁移情况。", ["姓名"], False, True),
    (2, "社保卡发放信息", "社会保障卡的发放记录。", ["卡号"], True, True),
    (3, "城乡居民基本养老保险参保登记信息", "城乡居民养老保险的登记。", ["姓名"], False, True),
    (4, "养老保险待遇发放信息", "已参保人员的待遇。", ["参保状态"], True, True),
    (5, "人口迁移统计信息", "按户籍地统计的迁移人口。", ["迁入地"], False, True),
    (6, "企业职工信息", "职工名册。", ["参保日期"], True, False),
    (7, "住房公积金缴存信息", "住房公积金缴存记录。", ["缴存基数"], False, True),
    (9, "社会保险缴费基数信息", "缴费基数的核定记录。", ["参保险种"], False, True),   # jieba: 参/保险/种
]
DRAFT = (8, "麒麟测绘成果信息", "麒麟测绘的成果目录。", ["图幅号"], False, True)


def python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcat", *args], capture_output=True, text=True, env=clean_env())


def _entries(sheets: Sheets, extra: list[int] | None = None) -> dict[str, dict]:
    """Entry code -> its row and the names of its data items."""
    found = {}
    for row in sheets.rows("信息资源"):
        record = sheets.record("信息资源", row)
        found[record["信息资源代码"]] = record | {"items": []}
    for row in sheets.rows("信息项"):
        record = sheets.record("信息项", row)
        found[record["信息资源代码"]]["items"].append(record["信息项名称"])
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """Two CSV folders (the catalogue with the markers, published; the draft) and what they hold."""
    root = tmp_path_factory.mktemp("search")
    generate_catalogue(root / "base", entries=40, seed=2)
    sheets = Sheets(read_csv_folder(root / "base"))
    gov = sheets.get("部门", 2, "统一社会信用代码")
    city_gov = make_uscc("430100", 1)
    sheets.append("部门", 统一社会信用代码=city_gov, 部门名称="长沙市人民政府", 上级部门代码=gov, 行政层级="市",
                  行政区划代码="430100")
    sheets.append("部门", 统一社会信用代码=CITY_HR[1], 部门名称=CITY_HR[0], 上级部门代码=city_gov, 行政层级="市",
                  行政区划代码="430100")
    source = sheets.find("信息资源", 是否向社会开放="是")
    template = sheets.record("信息资源", source)
    item = sheets.find("信息项", 信息资源代码=template["信息资源代码"])
    draft = Sheets({name: rows[:1] for name, rows in sheets.data.items()})

    def add(target: Sheets, n, title, abstract, items, in_city, opened) -> str:
        code = template["信息资源分类"] + f"/99{n:04d}"
        cells = {"信息资源代码": code, "信息资源名称": title, "信息资源摘要": abstract, "关联资源代码": ""}
        if in_city:
            cells |= {"信息资源提供方": CITY_HR[0], "信息资源提供方代码": CITY_HR[1]}
        if not opened:
            cells |= {"是否向社会开放": "否", "开放条件": ""}
        target.append("信息资源", **(template | cells))
        for name in items:
            target.append("信息项", **(sheets.record("信息项", item) | {"信息资源代码": code, "信息项名称": name}))
        return code

    codes = {n: add(sheets, n, *rest) for n, *rest in MARKERS}
    codes[DRAFT[0]] = add(draft, *DRAFT)
    entries = _entries(sheets) | {code: e | {"draft": True} for code, e in _entries(draft).items()}
    regions = {sheets.get("部门", r, "统一社会信用代码"): sheets.get("部门", r, "行政区划代码") for r in sheets.rows("部门")}
    return {"root": root, "published": sheets.write(root / "published"), "draft": draft.write(root / "draft"),
            "codes": codes, "entries": entries, "regions": regions,
            "names": {sheets.get("部门", r, "统一社会信用代码"): sheets.get("部门", r, "部门名称") for r in sheets.rows("部门")}}


def load(built: dict, store: Path, reindex: bool) -> None:
    done = python("load", str(built["published"]), "--store", str(store), "--publish", "--as", "tester")
    assert done.returncode == 0, done.stdout + done.stderr
    if reindex:
        done = python("reindex", "--store", str(store))
        assert done.returncode == 0 and f"{len(built['entries']) - 1} 条信息资源" in done.stdout, done.stdout + done.stderr
    done = python("load", str(built["draft"]), "--store", str(store), "--as", "tester")   # 草稿, after the reindex
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def srv(built):
    store = built["root"] / "store"
    load(built, store, reindex=True)
    tokens = {"viewer": add_user(store, "viewer1", "viewer"), "admin": add_user(store, "admin1", "admin"),
              "editor": add_user(store, "editor1", "editor", _provider(built, 7))}
    server = start_server(store)
    clients = {name: httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {t}"})
               for name, t in tokens.items()} | {"anonymous": httpx.Client(base_url=server.url, timeout=60)}
    yield clients
    for client in clients.values():
        client.close()
    stop_server(server, store)


def _provider(built: dict, n: int) -> str:
    return built["entries"][built["codes"][n]]["信息资源提供方代码"]


def find(client: httpx.Client, q: str = "", **params) -> dict:
    response = client.get("/api/search", params={"q": q} | params)
    assert response.status_code == 200, response.text
    return response.json()


def every_code(client: httpx.Client, q: str = "", **params) -> list[str]:
    """The codes of every page, in order; checks the pages' sizes and the total."""
    codes, page = [], 1
    while True:
        body = find(client, q, page=page, **params)
        assert len(body["results"]) <= 20 and body["per_page"] == 20
        codes += [r["code"] for r in body["results"]]
        if len(body["results"]) < 20:
            assert len(codes) == body["total"], "the pages hold every result once"
            return codes
        page += 1


def visible(built: dict, internal: bool) -> dict[str, dict]:
    return {code: e for code, e in built["entries"].items()
            if internal or (not e.get("draft") and e["是否向社会开放"] == "是")}


def containing(built: dict, word: str, internal: bool) -> set[str]:
    return {code for code, e in visible(built, internal).items()
            if any(word in text for text in (e["信息资源名称"], e["信息资源摘要"], *e["items"]))}


# -- words, phrases, ranking, highlights -------------------------------------------------------------------------
@pytest.mark.parametrize("word", ["户籍", "社保", "参保", "迁移", "养老保险"])
@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_a_word_finds_exactly_the_entries_that_contain_it(srv, built, word, who):
    expected = containing(built, word, internal=who != "anonymous")
    assert expected, "the fixture has entries with the word"
    codes = every_code(srv[who], word)
    assert len(codes) == len(set(codes)) and set(codes) == expected


def test_two_character_words_find_their_entries_in_titles_abstracts_and_data_items(srv, built):
    codes = built["codes"]
    assert codes[2] in every_code(srv["anonymous"], "社保")            # inside 社保卡 in a title
    assert codes[5] in every_code(srv["anonymous"], "户籍")            # in an abstract only
    assert codes[6] in every_code(srv["viewer"], "参保")               # in a data-item name only (closed entry)
    assert codes[9] in every_code(srv["anonymous"], "参保")            # where jieba cut 参/保险/种: by bigrams
    assert every_code(srv["anonymous"], "户籍 迁移") == [codes[1], codes[5]]   # every word must match


def test_title_matches_rank_above_abstract_matches(srv, built):
    results = find(srv["anonymous"], "户籍")["results"]
    order = [r["code"] for r in results]
    assert order.index(built["codes"][1]) < order.index(built["codes"][5])
    assert all(a["score"] >= b["score"] for a, b in zip(results, results[1:]))


def test_quoted_phrases_match_as_written(srv, built):
    codes = built["codes"]
    assert every_code(srv["anonymous"], '"养老保险参保"') == [codes[3]]
    assert set(every_code(srv["anonymous"], "养老保险 参保")) == {codes[3], codes[4]}
    assert every_code(srv["anonymous"], "“保险参保登记”") == [codes[3]]
    assert every_code(srv["anonymous"], '"参保养老保险"') == []
    assert every_code(srv["anonymous"], '"户籍" 统计') == [codes[5]]


def test_highlights_mark_the_words_and_escape_the_text(srv, built):
    hit = next(r for r in find(srv["anonymous"], "户籍")["results"] if r["code"] == built["codes"][1])
    assert hit["title"] == "户籍人口迁移登记信息" and hit["provider"] == built["names"][_provider(built, 1)]
    assert hit["highlight"]["title"] == "<em>户籍</em>人口迁移登记信息"
    assert hit["highlight"]["abstract"] == "记录&lt;script&gt;<em>户籍</em>&lt;/script&gt;迁移情况。"
    item_hit = next(r for r in find(srv["viewer"], "参保")["results"] if r["code"] == built["codes"][6])
    assert item_hit["highlight"]["items"] == ["<em>参保</em>日期"] and "<em>" not in item_hit["highlight"]["title"]
    split = next(r for r in find(srv["anonymous"], "参保")["results"] if r["code"] == built["codes"][9])
    assert split["highlight"]["items"] == ["<em>参保</em>险种"]
    phrase = next(r for r in find(srv["anonymous"], '"养老保险参保"')["results"])
    assert phrase["highlight"]["title"] == "城乡居民基本<em>养老保险参保</em>登记信息"


# -- facets and filters ------------------------------------------------------------------------------------------
def _expected_facets(built: dict, internal: bool) -> dict[str, Counter]:
    entries = visible(built, internal).values()
    city = {u: (r if r[2:] == "0000" else r[:4] + "00") for u, r in built["regions"].items()}
    return {"provider": Counter(e["信息资源提供方代码"] for e in entries),
            "city": Counter(city[e["信息资源提供方代码"]] for e in entries),
            "category": Counter(e["信息资源分类"][:1] for e in entries),
            "item": Counter(e["信息资源分类"][:3] for e in entries),
            "sharing_type": Counter(e["共享类型"] for e in entries),
            "open": Counter(e["是否向社会开放"] for e in entries),
            "format": Counter(e["信息资源格式分类"] for e in entries),
            "cycle": Counter(e["更新周期"] for e in entries),
            "state": Counter("草稿" if e.get("draft") else "已发布" for e in entries)}


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_facet_counts_are_those_of_the_catalogue(srv, built, who):
    body = find(srv[who])
    expected = _expected_facets(built, internal=who != "anonymous")
    assert body["total"] == len(visible(built, who != "anonymous"))
    counted = {name: Counter({v["value"]: v["count"] for v in values}) for name, values in body["facets"].items()}
    assert counted == expected
    labels = {v["value"]: v["label"] for v in body["facets"]["city"]}
    assert labels["430100"] == "长沙市" and labels["430000"] == "湖南省（省直）"
    assert {v["value"]: v["label"] for v in body["facets"]["provider"]}[CITY_HR[1]] == CITY_HR[0]
    assert {v["value"]: v["label"] for v in body["facets"]["item"]}["307"] == "省(自治区、直辖市)及其下各级政务部门"


def test_facets_count_the_matching_entries(srv, built):
    body = find(srv["viewer"], "参保")
    matching = containing(built, "参保", internal=True)
    assert body["total"] == len(matching)
    assert {v["value"]: v["count"] for v in body["facets"]["city"]} == Counter(
        "430100" if built["entries"][c]["信息资源提供方代码"] == CITY_HR[1] else "430000" for c in matching)
    assert sum(v["count"] for v in body["facets"]["sharing_type"]) == len(matching)


@pytest.mark.parametrize("params", [{"sharing_type": "无条件共享"}, {"city": "长沙市"}, {"city": "430100"},
                                    {"provider": CITY_HR[1]}, {"format": ["数据库", "电子表格"]}, {"open": "否"},
                                    {"category": "3"}, {"item": "307"}, {"cycle": "每月"}, {"state": "草稿"},
                                    {"state": "draft", "q": "测绘"}])
def test_a_filter_keeps_the_entries_with_that_value(srv, built, params):
    params = dict(params)
    q = params.pop("q", "")
    column = {"sharing_type": "共享类型", "format": "信息资源格式分类", "open": "是否向社会开放", "cycle": "更新周期"}
    name, wanted = next(iter(params.items()))
    wanted = wanted if isinstance(wanted, list) else [wanted]

    def keeps(e: dict) -> bool:
        if name in column:
            return e[column[name]] in wanted
        if name == "city":
            return built["regions"][e["信息资源提供方代码"]] == "430100"
        if name == "provider":
            return e["信息资源提供方代码"] in wanted
        if name == "category":
            return e["信息资源分类"][:1] in wanted
        if name == "item":
            return e["信息资源分类"][:3] in wanted
        return bool(e.get("draft"))
    base = containing(built, q, internal=True) if q else set(visible(built, internal=True))
    expected = {c for c in base if keeps(built["entries"][c])}
    assert expected, "the fixture has entries with the value"
    assert set(every_code(srv["viewer"], q, **params)) == expected
    body = find(srv["viewer"], q, **params)
    facet = {"sharing_type": "sharing_type"}.get(name, name)
    assert sum(v["count"] for v in body["facets"][facet]) == len(expected)


def test_filters_combine_and_anonymous_filters_cannot_reach_hidden_entries(srv, built):
    both = every_code(srv["viewer"], "参保", city="430100")
    assert set(both) == {built["codes"][4], built["codes"][6]}
    assert every_code(srv["anonymous"], "参保", city="430100") == [built["codes"][4]]
    assert every_code(srv["anonymous"], state="草稿") == [] and every_code(srv["anonymous"], open="否") == []
    assert every_code(srv["viewer"], provider=make_uscc("431300", 7)) == []      # no such provider: nothing


@pytest.mark.parametrize("params", [{"sharing_type": "随便共享"}, {"state": "finished"}, {"open": "也许"},
                                    {"category": "9"}, {"item": "1"}, {"city": "火星"}])
def test_a_value_that_is_not_a_value_of_the_facet_is_a_400_in_zh_and_en(srv, params):
    response = srv["viewer"].get("/api/search", params=params)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["zh"] and detail["en"] and list(params)[0] in detail["en"]


# -- paging and visibility ---------------------------------------------------------------------------------------
def test_pages_cover_every_visible_entry_once(srv, built):
    for who, internal in (("viewer", True), ("anonymous", False)):
        codes = every_code(srv[who])
        assert sorted(codes) == sorted(visible(built, internal)) and codes == sorted(codes)   # no words: by code
    assert find(srv["viewer"], page=99)["results"] == []
    assert srv["viewer"].get("/api/search", params={"page": 0}).status_code == 422


def test_anonymous_callers_never_find_a_draft_or_a_closed_entry(srv, built):
    draft, closed = built["codes"][8], built["codes"][6]
    assert every_code(srv["viewer"], "麒麟测绘") == [draft]      # loaded after reindex: caught up at start
    assert every_code(srv["anonymous"], "麒麟测绘") == [] and every_code(srv["anonymous"], '"麒麟测绘"') == []
    assert draft not in every_code(srv["anonymous"]) and closed not in every_code(srv["anonymous"])
    assert {v["value"] for v in find(srv["anonymous"])["facets"]["state"]} == {"已发布"}
    bad = httpx.get(srv["anonymous"].base_url.join("/api/search"), params={"q": "麒麟"},
                    headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


# -- the index follows the writes (REST API on the live server) --------------------------------------------------
def test_an_edit_through_the_api_is_searchable_at_once_and_the_draft_hidden(srv, built):
    code, editor = built["codes"][7], srv["editor"]
    assert every_code(srv["anonymous"], "公积金") == [code]
    response = editor.get(f"/api/entries/{code}")
    body, etag = response.json(), response.headers["etag"]
    body["信息资源摘要"] = "住房公积金缴存记录，含蓝鲸计划试点。"
    written = editor.put(f"/api/entries/{code}", json=body, headers={"If-Match": etag})
    assert written.status_code == 200, written.text
    assert every_code(srv["viewer"], "蓝鲸计划") == [code]
    assert every_code(srv["anonymous"], "公积金") == [] and every_code(srv["anonymous"], "蓝鲸计划") == []


def test_created_and_deleted_entries_enter_and_leave_the_index(srv, built):
    admin = srv["admin"]
    body = admin.get(f"/api/entries/{built['codes'][1]}").json()
    code = body["信息资源分类"] + "/998001"
    body |= {"信息资源代码": code, "信息资源名称": "白鹭湿地监测信息", "关联资源代码": []}
    created = admin.post("/api/entries", json=body)
    assert created.status_code == 201, created.text
    assert every_code(srv["viewer"], "白鹭") == [code]
    assert find(srv["viewer"], "白鹭")["facets"]["state"] == [{"value": "草稿", "label": "草稿", "count": 1}]
    deleted = admin.delete(f"/api/entries/{code}", headers={"If-Match": created.headers["etag"]})
    assert deleted.status_code == 204
    assert every_code(srv["viewer"], "白鹭") == []


def test_a_renamed_department_is_the_new_provider_name_in_results(srv, built):
    admin, uscc = srv["admin"], CITY_HR[1]
    response = admin.get(f"/api/departments/{uscc}")
    body, etag = response.json(), response.headers["etag"]
    body["部门名称"] = "长沙市人力资源和社会保障局（更名）"
    written = admin.put(f"/api/departments/{uscc}", json=body, headers={"If-Match": etag})
    assert written.status_code == 200, written.text
    hit = find(srv["anonymous"], "社保")["results"][0]
    assert hit["provider"] == "长沙市人力资源和社会保障局（更名）" and hit["provider_code"] == uscc
    providers = {v["value"]: v["label"] for v in find(srv["viewer"])["facets"]["provider"]}
    assert providers[uscc] == "长沙市人力资源和社会保障局（更名）"


# -- in process: the listener, catching up, rebuilding -----------------------------------------------------------
@pytest.fixture(scope="module")
def local(built, tmp_path_factory):
    """A store of its own (the server holds the other), loaded with the published file only."""
    store = tmp_path_factory.mktemp("local") / "store"
    done = python("load", str(built["published"]), "--store", str(store), "--publish", "--as", "tester")
    assert done.returncode == 0, done.stderr
    return store


@pytest.fixture(scope="module")
def local_cat(local):
    """The local store opened in this process (once: the store's lock is per process and open)."""
    return Catalogue.open(local)


def _codes(index: SearchIndex, q: str, internal: bool = True) -> list[str]:
    return [r["code"] for r in search(index, SearchRequest(q=q, internal=internal))["results"]]


def test_reindex_builds_the_index_from_the_store(local, built):
    done = python("reindex", "--store", str(local))
    assert done.returncode == 0, done.stderr
    assert f"{len(built['entries']) - 1} 条信息资源" in done.stdout
    state = json.loads((local / FOLDER / STATE).read_text())
    assert state["versions"] > 0 and state["format"] > 0


def test_the_index_is_built_then_caught_up_with_writes_made_without_it(local, local_cat, built):
    shutil.rmtree(local / FOLDER)
    cat = local_cat
    index = SearchIndex.open(cat)                   # no index: built
    state = json.loads((local / FOLDER / STATE).read_text())
    assert index.num_docs() == len(built["entries"]) - 1 and _codes(index, "麒麟") == []
    index.close()
    outcome = load_file(cat, built["draft"], "tester")          # a write nobody listens to
    assert outcome.written
    index = SearchIndex.open(cat)
    assert _codes(index, "麒麟") == [built["codes"][8]] and _codes(index, "麒麟", internal=False) == []
    after = json.loads((local / FOLDER / STATE).read_text())
    assert after["versions"] == state["versions"] + 1 and index.num_docs() == len(built["entries"])
    index.close()
    (local / FOLDER / STATE).write_text(json.dumps(after | {"format": 0}))   # an older format: rebuilt
    index = SearchIndex.open(cat)
    assert json.loads((local / FOLDER / STATE).read_text())["format"] != 0 and _codes(index, "麒麟")
    index.close()


def test_the_listener_follows_loads_in_process(local, local_cat, built, tmp_path):
    cat = local_cat
    index = SearchIndex.open(cat)
    cat.listeners.append(index.changed)
    sheets = Sheets(read_csv_folder(built["draft"]))
    row = sheets.find("信息资源", 信息资源代码=built["codes"][8])
    sheets.update("信息资源", row, 信息资源名称="麒麟航测成果信息", 信息资源摘要="航测成果。")
    assert load_file(cat, sheets.write(tmp_path / "renamed"), "tester", publish=True).written
    assert _codes(index, "麒麟测绘") == [] and _codes(index, "航测", internal=False) == [built["codes"][8]]
    assert index.versions == json.loads((local / FOLDER / STATE).read_text())["versions"]
    cat.listeners.remove(index.changed)
    index.close()


def test_an_index_that_misses_a_write_is_refilled_or_refuses_to_answer(local_cat, built, monkeypatch):
    index = SearchIndex.open(local_cat)
    entry = "https://govcat.example.org/id/resource/" + built["codes"][1]

    def fail(*_args, **_kw):
        raise OSError("No space left on device")
    monkeypatch.setattr(index, "_apply", fail)
    index.changed(ChangeSet(clear={entry}))             # the update fails: everything is read again
    assert not index.broken and _codes(index, "户籍", internal=False) == [built["codes"][1], built["codes"][5]]
    monkeypatch.setattr(index, "_refill", fail)
    index.changed(ChangeSet(clear={entry}))             # that fails too: no answer rather than a stale one
    assert index.broken
    with pytest.raises(IndexUnavailable):
        search(index, SearchRequest(q="户籍"))
    index.close()
