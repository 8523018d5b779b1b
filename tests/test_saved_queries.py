"""Saved queries: the header parser on good and broken examples, typed parameters, and every analysts' query run
by name over HTTP (real `govcat serve` on loopback) on a generated catalogue, each checked against an answer
computed independently from the catalogue's own rows (or, for the stored analyses, from the commands' output).

The generated catalogue (80 entries, one province) gets test-local rows: a 市 and a 县 department with a system
each and flows 县→市→省→县 (cross-level flows, a lineage cycle), entries that break the Warning rules C14, C21,
C22 and C24, and a system detached from its business (Z1). C23 depends on dct:modified, which the store sets
to the day of the write: it is checked, with every other Warning shape on entries, against the validation
engine on an in-memory graph (test_entries_breaking_rules_finds_what_the_engine_finds)."""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from govcat.generate import generate_catalogue
from govcat.namespaces import DCT, GC, XSD
from govcat.saved_queries import (ParameterError, SavedQueryError, analyst_queries, bind, convert, load_all, parse,
                                  prepare)
from govcat.terms import iri, literal
from govcat.validation.engine import default_checks, run_checks, shape_files
from govcat.validation.run import read_into_graph
from helpers import Catalogue as Sheets
from helpers import make_uscc, read_csv_folder
from sparqlserver import add_user, clean_env, csv_rows, json_rows, start_server, stop_server, tsv_rows, xml_rows

D, S, E, F = "部门", "信息系统", "信息资源", "数据流"
BASE = "https://govcat.example.org/id/"
LEVEL_RANK = {"国家": 1, "省": 2, "市": 3, "县": 4}
ROOT = Path(__file__).resolve().parents[1]


# -- the parser -------------------------------------------------------------------------------------------
GOOD = """# title@zh: 测试
# title@en: A test
# description@zh: 说明
# description@en: What it does,
#   continued on a second line.
# param: dept code optional 部门 / department
# param: limit integer default=5 上限 / limit
SELECT ?dept ?limit ?x WHERE { ?x ?p ?dept }
"""


def test_a_good_header_is_parsed():
    q = parse("good", GOOD)
    assert q.title == {"zh": "测试", "en": "A test"}
    assert q.description["en"] == "What it does, continued on a second line."
    assert [(p.name, p.type, p.required, p.default) for p in q.params] == [("dept", "code", False, None),
                                                                        ("limit", "integer", False, "5")]
    assert q.params[0].label == {"zh": "部门", "en": "department"}
    assert not q.internal
    prepare(q)


def test_an_internal_query_needs_only_titles():
    q = parse("mine", "# title@zh: 内部\n# title@en: Internal\n# internal\nSELECT * WHERE { ?s ?p ?o }\n")
    assert q.internal and q.description == {"zh": "", "en": ""}


BROKEN = {
    "no-header": ("# Just a comment saying what it does.\nSELECT * WHERE { ?s ?p ?o }\n", 1, "no saved-query header"),
    "no-title-zh": (GOOD.replace("# title@zh: 测试\n", ""), None, "no title@zh"),
    "no-description": (GOOD.replace("# description@zh: 说明\n", ""), None, "no description@zh"),
    "unknown-key": (GOOD.replace("# title@en: A test", "# titel@en: A test"), 2, "unknown header key titel@en"),
    "not-key-value": (GOOD.replace("# title@en: A test", "# title@en: A test\n# Bound ?x (a class IRI)"), 3, "key: value"),
    "twice": (GOOD.replace("# title@en: A test", "# title@en: A test\n# title@en: Again"), 3, "given twice"),
    "empty": (GOOD.replace("# title@zh: 测试", "# title@zh:"), 1, "title@zh is empty"),
    "bad-type": (GOOD.replace("dept code optional", "dept number optional"), 6, "unknown type number"),
    "bad-name": (GOOD.replace("dept code optional", "?dept code optional"), 6, "no SPARQL variable name"),
    "no-en-label": (GOOD.replace("部门 / department", "部门"), 6, "zh and an en label"),
    "bad-default": (GOOD.replace("default=5", "default=five"), 7, "default five"),
    "code-default": (GOOD.replace("dept code optional", "dept code default=X"), 6, "has no default"),
    "declared-twice": (GOOD.replace("limit integer", "dept integer"), 7, "declared twice"),
    "no-query": ("\n".join(GOOD.splitlines()[:7]) + "\n", None, "no query after the header"),
}


@pytest.mark.parametrize("text, line, message", BROKEN.values(), ids=BROKEN.keys())
def test_broken_headers_are_refused_with_file_line_and_reason(text, line, message):
    with pytest.raises(SavedQueryError) as caught:
        parse("broken", text)
    found = [p for p in caught.value.problems if message in p.en]
    assert found, [str(p) for p in caught.value.problems]
    assert found[0].file == "queries/broken.rq" and found[0].line == line
    assert found[0].zh and "queries/broken.rq" in str(caught.value)


PREPARE_BROKEN = {
    "syntax": (GOOD.replace("SELECT ?dept ?limit ?x WHERE { ?x ?p ?dept }", "SELECT ?dept ?limit WHERE { ?x ?p }"),
               "cannot run"),
    "unprojected": (GOOD.replace("SELECT ?dept ?limit ?x", "SELECT ?dept ?x"), "cannot run"),
    "service": (GOOD.replace("{ ?x ?p ?dept }", "{ SERVICE <http://example.org/sparql> { ?x ?p ?dept } }"),
                "SERVICE is not allowed"),
}


@pytest.mark.parametrize("text, message", PREPARE_BROKEN.values(), ids=PREPARE_BROKEN.keys())
def test_queries_that_cannot_run_are_refused(text, message):
    with pytest.raises(SavedQueryError) as caught:
        prepare(parse("broken", text))
    assert message in str(caught.value) and "queries/broken.rq" in str(caught.value)


def test_every_query_of_the_project_parses_and_prepares():
    queries = load_all()
    assert len(queries) == len(list((ROOT / "queries").glob("*.rq")))
    assert {"users", "user_by_name"} <= {n for n, q in queries.items() if q.internal}


def test_load_all_lists_every_broken_file(tmp_path):
    (tmp_path / "fine.rq").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.rq").write_text(BROKEN["unknown-key"][0], encoding="utf-8")
    (tmp_path / "worse.rq").write_text(BROKEN["no-header"][0], encoding="utf-8")
    with pytest.raises(SavedQueryError) as caught:
        load_all(tmp_path)
    assert {p.file for p in caught.value.problems} == {f"{tmp_path.name}/bad.rq", f"{tmp_path.name}/worse.rq"}


def test_a_broken_query_stops_govcat_serve_with_its_name(tmp_path):
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "bad.rq").write_text(BROKEN["bad-type"][0], encoding="utf-8")
    code = ("import sys; from pathlib import Path; import govcat.web.queries_api as q; q.QUERIES_DIR = Path(sys.argv[1]); "
            "from govcat.cli import main; main(['serve', '--store', sys.argv[2], '--port', '1'])")
    out = subprocess.run([sys.executable, "-c", code, str(folder), str(tmp_path / "store")], capture_output=True,
                         text=True, env=clean_env(), timeout=120, check=False)
    assert out.returncode == 2, out.stderr
    assert "queries/bad.rq:6" in out.stderr and "unknown type number" in out.stderr and "未知" in out.stderr


def test_the_readme_lists_every_analysts_query_with_its_title():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, q in analyst_queries(load_all()).items():
        assert f"| `{name}` | {q.title['zh']} / {q.title['en']} |" in readme, name


# -- binding values ---------------------------------------------------------------------------------------
def param(kind: str, required: bool = False, default: str | None = None):
    return parse("p", f"# title@zh: 参\n# title@en: P\n# internal\n# param: v {kind} "
                      f"{'required' if required else ('default=' + default if default else 'optional')} 值 / value\n"
                      "SELECT ?v WHERE { ?v ?p ?o }\n")


CONVERT = [("iri", "https://example.org/x", iri("https://example.org/x")),
           ("string", "户籍", literal("户籍")),
           ("integer", "+12", literal("12", XSD + "integer")),
           ("decimal", "0.50", literal("0.50", XSD + "decimal")),
           ("date", "2024-02-29", literal("2024-02-29", XSD + "date")),
           ("datetime", "2026-01-31T08:00:00Z", literal("2026-01-31T08:00:00Z", XSD + "dateTime")),
           ("boolean", "是", literal("true", XSD + "boolean")),
           ("boolean", "False", literal("false", XSD + "boolean")),
           ("code", "HN-1", iri(BASE + "system/HN-1"))]


@pytest.mark.parametrize("kind, text, term", CONVERT, ids=[f"{k}-{t}" for k, t, _ in CONVERT])
def test_values_become_typed_terms(kind, text, term):
    assert convert(param(kind).params[0], text, {"HN-1": BASE + "system/HN-1"}.get) == term


BAD_VALUES = [("iri", "not an iri"), ("iri", "ftp://x"), ("integer", "1.5"), ("decimal", "abc"), ("decimal", "NaN"),
              ("date", "2024-02-30"), ("date", "20240229"), ("datetime", "2026-01-31"), ("datetime", "2026-01-31T08:00"),
              ("boolean", "maybe"), ("code", "NO-SUCH-CODE")]


@pytest.mark.parametrize("kind, text", BAD_VALUES, ids=[f"{k}-{t}" for k, t in BAD_VALUES])
def test_bad_values_name_the_parameter(kind, text):
    with pytest.raises(ParameterError) as caught:
        convert(param(kind).params[0], text, lambda code: None)
    assert caught.value.param == "v" and "v" in caught.value.zh and "v" in caught.value.en


def test_binding_checks_names_counts_and_defaults():
    q = parse("good", GOOD)
    resolve = {"D1": BASE + "department/D1"}.get
    assert bind(q, {}, resolve) == {"limit": literal("5", XSD + "integer")}
    assert bind(q, {"dept": ["D1"], "limit": ["7"]}, resolve) == {"dept": iri(BASE + "department/D1"),
                                                                  "limit": literal("7", XSD + "integer")}
    assert bind(q, {"dept": [""]}, resolve) == {"limit": literal("5", XSD + "integer")}   # empty: not given
    for values, name in (({"nope": ["1"]}, "nope"), ({"limit": ["1", "2"]}, "limit"), ({"limit": ["x"]}, "limit")):
        with pytest.raises(ParameterError) as caught:
            bind(q, values, resolve)
        assert caught.value.param == name
    with pytest.raises(ParameterError) as caught:
        bind(param("string", required=True), {}, resolve)
    assert caught.value.param == "v" and "missing" in caught.value.en


# -- entries breaking each rule: the same findings as the validation engine ------------------------------------
def test_entries_breaking_rules_finds_what_the_engine_finds(tmp_path):
    folder = tmp_path / "catalogue"
    generate_catalogue(folder, entries=60, seed=9)
    sheets = Sheets(read_csv_folder(folder))
    planted = plant_warnings(sheets)
    _, graph = read_into_graph(sheets.write(tmp_path / "edited"))
    entries = [sheets.get(E, r, "信息资源代码") for r in sheets.rows(E)]
    today = dt.datetime.now(dt.timezone.utc).date()
    dated = [(entries[0], 400), (entries[1], 3), (entries[2], 800)]       # C23: stale unless recently modified
    graph.add((iri(BASE + "resource/" + code), iri(DCT + "modified"), literal((today - dt.timedelta(days=age)).isoformat(),
               XSD + "date")) for code, age in dated)
    dept = sheets.get(E, sheets.rows(E)[5], "信息资源提供方代码")
    graph.add([(iri(BASE + "department/" + dept), iri(GC + "functionsChanged"),
                literal((today - dt.timedelta(days=60)).isoformat(), XSD + "date"))])
    shapes = {c.shape for c in default_checks() if c.severity == "Warning" and c.target_class == GC + "InformationResource"}
    text = (ROOT / "queries" / "entries_breaking_rules.rq").read_text(encoding="utf-8")
    assert {f"{'https://w3id.org/govcat/shapes#'}{name}" for name in _branches(text)} == shapes
    expected = {(f.shape, f.focus.value, f.value.value if f.value is not None and f.value != f.focus else None)
                for f in run_checks(graph) if f.shape in shapes}
    for path in shape_files():
        graph.load_file(path)
    rows = graph.select(text)
    found = {(r["shape"].value, r["entry"].value, r["value"].value if r["value"] else None) for r in rows}
    assert found == expected
    rules = Counter(r["rule"].value for r in rows)
    assert {"C14", "C21", "C22", "C23", "C24"} <= set(rules), rules
    assert {(rule, code) for rule, code in planted} <= {(r["rule"].value, r["code"].value) for r in rows}
    assert all(r["severity"].value == "Warning" and r["message"].language == "zh" and r["messageEn"] for r in rows)
    only = graph.select(text, {"rule": literal("C23")})
    assert only and {r["rule"].value for r in only} == {"C23"} and len(only) == rules["C23"]


def _branches(text: str) -> set[str]:
    return set(re.findall(r"\(gcs:([\w-]+) AS \?shape\)", text))


def plant_warnings(sheets: Sheets) -> list[tuple[str, str]]:
    """Entries breaking C14, C21, C22 (twice) and C24; returns (rule, entry code)."""
    used: set[int] = set()

    def pick(where) -> int:
        row = next(r for r in sheets.rows(E) if r not in used and r > 12 and where(sheets.record(E, r)))
        used.add(row)
        return row

    planted = []
    row = pick(lambda r: r["共享类型"] != "不予共享" and r["信息资源分类"][0] != "1")
    sheets.update(E, row, 共享方式分类="邮件方式", 共享方式类型="")
    planted.append(("C14", sheets.get(E, row, "信息资源代码")))
    row = pick(lambda r: r["信息资源分类"].startswith("1"))
    sheets.update(E, row, 共享类型="有条件共享", 共享条件="仅向公安部门共享，用于人口信息核查")
    planted.append(("C21", sheets.get(E, row, "信息资源代码")))
    for _ in range(2):
        row = pick(lambda r: True)
        sheets.update(E, row, 来源信息系统="")
        planted.append(("C22", sheets.get(E, row, "信息资源代码")))
    row = pick(lambda r: True)
    sheets.update(E, row, 信息资源摘要="详见附件")
    planted.append(("C24", sheets.get(E, row, "信息资源代码")))
    return planted


# -- the served catalogue ------------------------------------------------------------------------------------
class Served:
    def __init__(self, sheets, planted, server, zombies, duplicates, admin):
        self.sheets, self.planted, self.server = sheets, planted, server
        self.zombies, self.duplicates, self.admin = zombies, duplicates, admin

    def get(self, name: str, accept: str | None = None, **params):
        return self.server.client.get(f"/api/queries/{name}", params=params,
                                      headers={"Accept": accept} if accept else {})

    def rows(self, name: str, **params) -> list[dict[str, str]]:
        response = self.get(name, **params)
        assert response.status_code == 200, response.text
        return json_rows(response)

    def records(self, sheet: str) -> list[dict[str, str]]:
        return [self.sheets.record(sheet, r) for r in self.sheets.rows(sheet)]


def add_levels(sheets: Sheets) -> dict[str, str]:
    """A 市 and a 县 department with a system each, and flows 县→市→省→县 carrying one entry."""
    root = sheets.get(D, sheets.find(D, 上级部门代码=""), "统一社会信用代码")
    city, county = make_uscc("430100", 901), make_uscc("430121", 902)
    sheets.append(D, 统一社会信用代码=city, 部门名称="长沙市测试数据局", 上级部门代码=root, 行政层级="市", 行政区划代码="430100")
    sheets.append(D, 统一社会信用代码=county, 部门名称="长沙县测试数据局", 上级部门代码=city, 行政层级="县", 行政区划代码="430121")
    template = sheets.find(S, 整合状态="独立运行")
    province = sheets.get(S, template, "系统编码")
    sheets.append_copy(S, template, 系统编码="T-CITY-1", 系统名称="长沙市测试数据局数据共享平台", 所属部门代码=city,
                       运行单位="长沙市测试数据局")
    sheets.append_copy(S, template, 系统编码="T-COUNTY-1", 系统名称="长沙县测试数据局业务系统", 所属部门代码=county,
                       运行单位="长沙县测试数据局")
    entry = sheets.get(E, sheets.rows(E)[0], "信息资源代码")
    flow = sheets.rows(F)[0]
    for code, source, target, channel in (("F-T-1", "T-COUNTY-1", "T-CITY-1", "共享交换平台"),
                                          ("F-T-2", "T-CITY-1", province, "接口"),
                                          ("F-T-3", province, "T-COUNTY-1", "共享交换平台")):
        sheets.append_copy(F, flow, 流编码=code, 源系统编码=source, 目标系统编码=target, 信息资源代码=entry, 交换方式=channel)
    return {"city": city, "county": county, "province_system": province}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("saved")
    generate_catalogue(tmp / "generated", entries=80, seed=5)
    sheets = Sheets(read_csv_folder(tmp / "generated"))
    add_levels(sheets)
    planted = plant_warnings(sheets)
    detached = sheets.find(S, lambda r: r["业务脱节"] == "否" and not r["系统编码"].startswith("T-"))
    sheets.update(S, detached, 业务脱节="是")                                    # Z1
    folder, store = sheets.write(tmp / "catalogue"), tmp / "store"
    run = [sys.executable, "-m", "govcat"]
    loaded = subprocess.run(run + ["load", str(folder), "--store", str(store)], capture_output=True, text=True,
                            env=clean_env(), check=False)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    duplicates = json.loads(subprocess.run(run + ["duplicates", "--store", str(store), "--format", "json"], check=True,
                                           capture_output=True, text=True, env=clean_env()).stdout)
    zombies = json.loads(subprocess.run(run + ["zombies", "--store", str(store), "--format", "json"], check=True,
                                        capture_output=True, text=True, env=clean_env()).stdout)
    token, admin = add_user(store, "analyst", "viewer"), add_user(store, "root", "admin")
    server = start_server(store)
    server.client.headers["Authorization"] = f"Bearer {token}"
    yield Served(sheets, planted, server, zombies, duplicates, admin)
    stop_server(server, store)


def test_the_list_needs_a_token_and_shows_only_the_analysts_queries(served):
    anonymous = {"Authorization": ""}
    client = served.server.client
    assert client.get("/api/queries", headers=anonymous).status_code == 401
    assert client.get("/api/queries/entries_per_department", headers=anonymous).status_code == 401
    assert client.get("/api/queries", headers={"Authorization": "Bearer wrong"}).status_code == 401
    listed = client.get("/api/queries").json()["queries"]
    assert [q["name"] for q in listed] == sorted(analyst_queries(load_all()))
    assert {"users", "user_by_name", "record_by_code", "lineage_down_step"}.isdisjoint(q["name"] for q in listed)
    one = next(q for q in listed if q["name"] == "systems_without_resources")
    assert one["title"] == {"zh": "没有编目信息资源的信息系统", "en": "Systems without catalogued resources"}
    assert one["parameters"][1] == {"name": "includeClosed", "type": "boolean", "required": False, "default": "false",
                                    "label": {"zh": "包括已关停的系统", "en": "include systems shut down"}}


@pytest.mark.parametrize("name", ["users", "user_by_name", "versions", "lineage_down_step", "no_such_query"])
def test_internal_queries_are_never_run_over_http(served, name):
    for token in (None, served.admin):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = served.server.client.get(f"/api/queries/{name}", params={"name": "root"}, headers=headers)
        assert response.status_code == 404, response.text
        assert "zh" in response.json()["detail"] and "hash" not in response.text.lower()


def test_answers_by_accept_like_the_sparql_endpoint(served):
    as_json = served.rows("entries_by_sharing_type")
    for accept, read in (("text/csv", csv_rows), ("text/tab-separated-values", tsv_rows),
                         ("application/sparql-results+xml", xml_rows)):
        response = served.get("entries_by_sharing_type", accept)
        assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
        assert read(response) == as_json
    counts = Counter(r["共享类型"] for r in served.records(E))
    assert {r["sharingType"]: int(r["entries"]) for r in as_json} == counts
    assert served.get("entries_by_sharing_type", "text/turtle").status_code == 406


BAD_REQUESTS = [("entries_per_department", {"asOf": "2024-13-01"}, "asOf"),
                ("entries_per_department", {"dept": "NO-SUCH-DEPT"}, "dept"),
                ("entries_per_department", {"department": "x"}, "department"),
                ("systems_without_resources", {"includeClosed": "maybe"}, "includeClosed"),
                ("duplicate_candidates", {"minScore": "high"}, "minScore"),
                ("zombie_candidates", {"minCriteria": "1.5"}, "minCriteria"),
                ("cross_level_flows", {"channel": "共享交换平台"}, "channel"),
                ("lineage_down", {}, "system")]


@pytest.mark.parametrize("name, params, bad", BAD_REQUESTS, ids=[f"{n}-{b}" for n, _, b in BAD_REQUESTS])
def test_a_bad_or_missing_parameter_is_a_400_naming_it(served, name, params, bad):
    response = served.get(name, **params)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert detail["param"] == bad and bad in detail["zh"] and bad in detail["en"]


def test_a_repeated_parameter_is_a_400(served):
    response = served.server.client.get("/api/queries/entries_per_department?asOf=2020-01-01&asOf=2021-01-01")
    assert response.status_code == 400 and response.json()["detail"]["param"] == "asOf"


def test_entries_per_department_and_sharing_type(served):
    entries = served.records(E)

    def expected(rows):
        return Counter((r["信息资源提供方代码"], r["共享类型"]) for r in rows)

    def answer(**params):
        return {(r["deptCode"], r["sharingType"]): int(r["entries"]) for r in served.rows("entries_per_department",
                                                                                        **params)}
    assert answer() == expected(entries)
    dept = entries[0]["信息资源提供方代码"]
    assert answer(dept=dept) == expected(e for e in entries if e["信息资源提供方代码"] == dept)
    cut = sorted(e["发布日期"] for e in entries)[len(entries) // 2]
    assert answer(asOf=cut) == expected(e for e in entries if e["发布日期"] <= cut)
    assert all(r["deptName"] and r["sharingTypeEn"] for r in served.rows("entries_per_department"))


def test_entries_breaking_each_rule_over_http(served):
    found = {(r["rule"], r["code"]) for r in served.rows("entries_breaking_rules")}
    assert found == set(served.planted)    # the generated catalogue breaks no Warning rule of entries itself
    assert {(r["rule"], r["code"]) for r in served.rows("entries_breaking_rules", rule="C22")} == \
        {p for p in served.planted if p[0] == "C22"}


def test_resources_without_a_source_system(served):
    rows = served.rows("resources_without_source_system")
    assert {r["code"] for r in rows} == {e["信息资源代码"] for e in served.records(E) if not e["来源信息系统"]}
    assert len(rows) == 2 and all(r["state"] == "草稿" and r["deptName"] for r in rows)
    dept = rows[0]["deptCode"]
    assert {r["code"] for r in served.rows("resources_without_source_system", dept=dept)} == \
        {r["code"] for r in rows if r["deptCode"] == dept}


def test_systems_without_catalogued_resources(served):
    sources = {code for e in served.records(E) for code in e["来源信息系统"].split(";") if code}
    systems = served.records(S)
    idle = {s["系统编码"] for s in systems if s["系统编码"] not in sources}
    closed = {s["系统编码"] for s in systems if s["整合状态"] == "已关停"}
    assert {"T-CITY-1", "T-COUNTY-1"} <= idle
    assert {r["code"] for r in served.rows("systems_without_resources")} == idle - closed
    assert {r["code"] for r in served.rows("systems_without_resources", includeClosed="是")} == idle
    county = next(s for s in systems if s["系统编码"] == "T-COUNTY-1")["所属部门代码"]
    assert [r["code"] for r in served.rows("systems_without_resources", dept=county)] == ["T-COUNTY-1"]


def test_duplicate_candidates_are_the_stored_ones(served):
    assert served.duplicates, "the generated catalogue plants duplicate systems"
    expected = {tuple(sorted(d["systems"])): d["score"] for d in served.duplicates}
    rows = served.rows("duplicate_candidates")
    assert {(r["codeA"], r["codeB"]) for r in rows} == set(expected)
    assert all(abs(float(r["score"]) - expected[(r["codeA"], r["codeB"])]) < 0.001 for r in rows)
    assert all(r["sharedTerms"] or r["sharedItems"] for r in rows)
    stored = {(r["codeA"], r["codeB"]): float(r["score"]) for r in rows}
    high = sorted(stored.values())[len(stored) // 2]
    assert {(r["codeA"], r["codeB"]) for r in served.rows("duplicate_candidates", minScore=str(high))} == \
        {pair for pair, score in stored.items() if score >= high}
    systems = {s["系统编码"]: s["所属部门代码"] for s in served.records(S)}
    dept = systems[rows[0]["codeA"]]
    assert {(r["codeA"], r["codeB"]) for r in served.rows("duplicate_candidates", dept=dept)} == \
        {pair for pair in expected if dept in (systems[pair[0]], systems[pair[1]])}


def test_zombie_candidates_are_the_stored_findings_with_evidence(served):
    expected = {(z["system"], rule): z["evidence"][rule] for z in served.zombies for rule in z["rules"]}
    rows = served.rows("zombie_candidates")
    assert {(r["code"], r["criterion"]): r["evidence"] for r in rows} == expected
    assert any(criterion == "Z1" for _code, criterion in expected)
    assert all(r["evidenceEn"] and r["assessedOn"] == dt.date.today().isoformat() for r in rows)
    assert {(r["code"], r["criterion"]) for r in served.rows("zombie_candidates", criterion="Z4")} == \
        {key for key in expected if key[1] == "Z4"}
    many = {z["system"] for z in served.zombies if len(z["rules"]) >= 2}
    assert {r["code"] for r in served.rows("zombie_candidates", minCriteria="2")} == many


def test_lineage_up_and_down_follow_flows_to_any_depth(served):
    flows = served.records(F)

    def reach(start: str, forward: str, backward: str) -> set[str]:
        seen, todo, found = {start}, [start], set()
        while todo:
            system = todo.pop()
            for f in flows:
                if f[forward] == system:
                    found.add(f["流编码"])
                    if f[backward] not in seen:
                        seen.add(f[backward])
                        todo.append(f[backward])
        return found

    down = served.rows("lineage_down", system="T-COUNTY-1")
    assert {r["flowCode"] for r in down} == reach("T-COUNTY-1", "源系统编码", "目标系统编码")
    assert {"F-T-1", "F-T-2", "F-T-3"} <= {r["flowCode"] for r in down}    # the cycle back to the county ends
    up = served.rows("lineage_up", system="T-CITY-1")
    assert {r["flowCode"] for r in up} == reach("T-CITY-1", "目标系统编码", "源系统编码")
    one = next(r for r in down if r["flowCode"] == "F-T-1")
    assert (one["sourceCode"], one["targetCode"], one["targetName"]) == ("T-COUNTY-1", "T-CITY-1", "长沙市测试数据局数据共享平台")


def test_flows_that_cross_levels(served):
    level = {d["统一社会信用代码"]: d["行政层级"] for d in served.records(D)}
    owner = {s["系统编码"]: level[s["所属部门代码"]] for s in served.records(S)}
    crossing = {f["流编码"]: LEVEL_RANK[owner[f["目标系统编码"]]] < LEVEL_RANK[owner[f["源系统编码"]]]
                for f in served.records(F) if owner[f["源系统编码"]] != owner[f["目标系统编码"]]}
    rows = served.rows("cross_level_flows")
    assert {r["flowCode"]: r["direction"] == "上行" for r in rows} == crossing == {"F-T-1": True, "F-T-2": True,
                                                                                  "F-T-3": False}
    assert [(r["sourceLevel"], r["targetLevel"]) for r in rows] == [("县", "市"), ("市", "省"), ("省", "县")]
    assert [r["flowCode"] for r in served.rows("cross_level_flows", upward="true")] == ["F-T-1", "F-T-2"]
    assert [r["flowCode"] for r in served.rows("cross_level_flows", upward="false")] == ["F-T-3"]
    platform = "https://w3id.org/govcat/code/exchange-channel/1"
    assert [(r["flowCode"], r["channelLabel"]) for r in served.rows("cross_level_flows", channel=platform)] == \
        [("F-T-1", "共享交换平台"), ("F-T-3", "共享交换平台")]
