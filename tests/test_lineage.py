"""Lineage at /api/lineage against a real server (`govcat serve` on loopback) over a generated catalogue with
test-local rows: six systems L-1 … L-6 of one department with flows L-1→L-2→…→L-6 and L-6→L-4 (a cycle), all
carrying one entry X produced elsewhere; an entry P produced by L-1, and an entry Q produced by L-6 and derived
from P (prov:wasDerivedFrom, which no template column gives: written with govcat.catalogue.loading.save_record,
validated like any edit)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from govcat.catalogue import Catalogue
from govcat.catalogue.loading import save_record
from govcat.catalogue.repository import is_admin_line
from govcat.generate import generate_catalogue
from govcat.lineage import lineage
from govcat.terms import nt_iri
from helpers import Catalogue as Sheets
from helpers import read_csv_folder
from sparqlserver import add_user, clean_env, json_rows, start_server, stop_server

S, E, F = "信息系统", "信息资源", "数据流"
BASE = "https://govcat.example.org/id/"
CHAIN = [f"L-{n}" for n in range(1, 7)]
LINKS = list(zip(CHAIN, CHAIN[1:])) + [("L-6", "L-4")]


def system(code: str) -> str:
    return BASE + "system/" + code


def entry(code: str) -> str:
    return BASE + "resource/" + code


class Served:
    def __init__(self, server, codes, truncated):
        self.server, self.codes, self.truncated = server, codes, truncated

    def get(self, code: str, **params):
        return self.server.client.get(f"/api/lineage/{code}", params=params)

    def walk(self, code: str, **params) -> dict:
        response = self.get(code, **params)
        assert response.status_code == 200, response.text
        return response.json()


def codes(answer: dict, kind: str | None = None) -> set[str]:
    return {n["code"] for n in answer["nodes"] if kind is None or n["type"] == kind}


def edges(answer: dict, kind: str) -> set[tuple]:
    code = {n["id"]: n["code"] for n in answer["nodes"]}
    return {(code[e["source"]], code[e["target"]]) + ((e["resource"], e["flow"]) if kind == "flow" else ())
            for e in answer["edges"] if e["type"] == kind}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lineage")
    generate_catalogue(tmp / "generated", entries=60, seed=4)
    sheets = Sheets(read_csv_folder(tmp / "generated"))
    referenced = sheets.referenced_codes()
    free = [sheets.get(E, r, "信息资源代码") for r in sheets.rows(E) if sheets.get(E, r, "信息资源代码") not in referenced]
    x, p, q = free[:3]
    template = sheets.find(S, 整合状态="独立运行")
    owner = sheets.get(S, template, "所属部门代码")
    for n, code in enumerate(CHAIN, 1):
        sheets.append_copy(S, template, 系统编码=code, 系统名称=f"血缘测试系统{n}号", 所属部门代码=owner)
    flow = sheets.rows(F)[0]
    for n, (source, target) in enumerate(LINKS, 1):
        sheets.append_copy(F, flow, 流编码=f"FL-{n}", 源系统编码=source, 目标系统编码=target, 信息资源代码=x)
    sheets.update(E, sheets.find(E, 信息资源代码=p), 来源信息系统="L-1")
    sheets.update(E, sheets.find(E, 信息资源代码=q), 来源信息系统="L-6")
    x_source = sheets.get(E, sheets.find(E, 信息资源代码=x), "来源信息系统")
    providers = {sheets.get(E, sheets.find(E, 信息资源代码=c), "信息资源提供方代码") for c in (p, q)}
    store = tmp / "store"
    subprocess.run([sys.executable, "-m", "govcat", "load", str(sheets.write(tmp / "catalogue")), "--store", str(store)],
                   check=True, capture_output=True, env=clean_env())
    cat = Catalogue.open(store)
    lines = [line for line in cat.record_lines(entry(q)) if not is_admin_line(line)]
    lines.append(f"{nt_iri(entry(q))} <http://www.w3.org/ns/prov#wasDerivedFrom> {nt_iri(entry(p))} .")
    outcome = save_record(cat, "\n".join(lines) + "\n", "tester")
    assert outcome.written, [r.messages for r in outcome.report.results]
    truncated = lineage(cat.graph, system("L-1"), "down", None, max_nodes=3)
    del cat
    token = add_user(store, "analyst", "viewer")
    server = start_server(store)
    server.client.headers["Authorization"] = f"Bearer {token}"
    yield Served(server, {"x": x, "p": p, "q": q, "x_source": x_source, "owner": owner,
                         "departments": providers | {owner}}, truncated)
    stop_server(server, store)


def test_downstream_of_a_system_to_any_depth_through_a_cycle(served):
    x, p, q = served.codes["x"], served.codes["p"], served.codes["q"]
    answer = served.walk("L-1", direction="down")
    assert codes(answer, "system") == set(CHAIN)
    assert codes(answer, "entry") == {p, q}
    assert codes(answer, "department") == served.codes["departments"]
    assert edges(answer, "flow") == {(s, t, x, f"FL-{n}") for n, (s, t) in enumerate(LINKS, 1)}
    assert edges(answer, "source") == {("L-1", p), ("L-6", q)}
    assert edges(answer, "derivation") == {(p, q)}
    owned = {t for _s, t in edges(answer, "owner")}
    assert owned == codes(answer) - codes(answer, "department")      # every system and entry has its department
    assert answer["start"] == system("L-1") and answer["truncated"] is False
    node = next(n for n in answer["nodes"] if n["code"] == "L-3")
    assert node == {"id": system("L-3"), "type": "system", "code": "L-3", "label": "血缘测试系统3号"}


@pytest.mark.parametrize("depth, systems, entries", [
    (0, {"L-1"}, set()),
    (1, {"L-1", "L-2"}, {"p"}),
    (2, {"L-1", "L-2", "L-3"}, {"p", "q"}),
    (3, {"L-1", "L-2", "L-3", "L-4"}, {"p", "q"}),
    (5, set(CHAIN), {"p", "q"}),
])
def test_depth_limits_the_walk(served, depth, systems, entries):
    answer = served.walk("L-1", direction="down", depth=depth)
    assert codes(answer, "system") == systems
    assert codes(answer, "entry") == {served.codes[e] for e in entries}


def test_upstream_of_a_system_follows_flows_back_through_the_cycle(served):
    answer = served.walk("L-6", direction="up")
    assert codes(answer, "system") == set(CHAIN) and codes(answer, "entry") == set()
    assert {(s, t) for s, t, _r, _f in edges(answer, "flow")} == set(LINKS)
    assert codes(served.walk("L-4", direction="up", depth=1), "system") == {"L-4", "L-3", "L-6"}


def test_upstream_of_an_entry_reaches_its_sources_and_what_it_derives_from(served):
    p, q = served.codes["p"], served.codes["q"]
    answer = served.walk(q, direction="up")
    assert codes(answer, "entry") == {p, q} and codes(answer, "system") == set(CHAIN)
    assert edges(answer, "derivation") == {(p, q)} and edges(answer, "source") == {("L-1", p), ("L-6", q)}
    near = served.walk(q, direction="up", depth=1)
    assert codes(near, "entry") == {p, q} and codes(near, "system") == {"L-6"}


def test_downstream_of_an_entry_follows_the_flows_that_carry_it(served):
    x = served.codes["x"]
    answer = served.walk(x, direction="down", depth=1)
    assert edges(answer, "flow") == {(s, t, x, f"FL-{n}") for n, (s, t) in enumerate(LINKS, 1)}
    assert codes(answer, "system") == set(CHAIN)       # the targets, and the flows' sources with them
    up = served.walk(x, direction="up", depth=1)
    assert codes(up, "system") == set(served.codes["x_source"].split(";"))


def test_both_directions_are_the_up_and_the_down_walk(served):
    both = served.walk("L-3", depth=1)        # direction=both is the default
    assert codes(both, "system") == {"L-2", "L-3", "L-4"}
    full = served.walk("L-3")
    up, down = served.walk("L-3", direction="up"), served.walk("L-3", direction="down")
    assert codes(full) == codes(up) | codes(down)
    assert edges(full, "flow") == edges(up, "flow") | edges(down, "flow")


def test_the_saved_property_path_query_gives_the_same_flows(served):
    response = served.server.client.get("/api/queries/lineage_down", params={"system": "L-1"})
    flows = {(r["sourceCode"], r["targetCode"], r["resourceCode"], r["flowCode"]) for r in json_rows(response)}
    assert flows == edges(served.walk("L-1", direction="down"), "flow")


def test_a_walk_past_the_node_cap_says_it_was_cut(served):
    cut = served.truncated
    assert cut.truncated and len([n for n in cut.nodes.values() if n.type != "department"]) == 3


@pytest.mark.parametrize("code", ["NO-SUCH-SYSTEM", "FL-1", "999999/000001"])
def test_an_unknown_code_or_one_of_no_system_or_entry_is_a_404(served, code):
    response = served.get(code)
    assert response.status_code == 404 and response.json()["detail"]["en"]


def test_a_department_has_no_lineage_of_its_own(served):
    assert served.get(served.codes["owner"]).status_code == 404


@pytest.mark.parametrize("params, name", [({"direction": "sideways"}, "direction"), ({"depth": "-1"}, "depth"),
                                          ({"depth": "two"}, "depth")])
def test_bad_direction_or_depth_is_a_400(served, params, name):
    response = served.get("L-1", **params)
    assert response.status_code == 400 and response.json()["detail"]["param"] == name


def test_anonymous_callers_get_a_401(served):
    assert served.server.client.get("/api/lineage/L-1", headers={"Authorization": ""}).status_code == 401
