"""Zombie systems (GUIDE Z1–Z5) on a generated catalogue whose systems are rewritten so that exactly the
planted ones meet a criterion; near-misses sit on each threshold. Expectations come from what was planted."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from python_calamine import CalamineWorkbook

from govcat.generate import generate_catalogue
from sheets import govcat, read_sheet, write_sheet

AS_OF = dt.date(2026, 6, 30)
FRESH = (AS_OF - dt.timedelta(days=10)).isoformat()
# system index -> (column changes, expected rules); every other system gets harmless values
PLANTED = {
    0: ({"业务脱节": "是"}, ["Z1"]),
    1: ({"资源利用率(%)": "2"}, ["Z3"]),
    2: ({"资源利用率(%)": "5"}, []),                                         # on the threshold: not below
    3: ({"最近更新日期": (AS_OF - dt.timedelta(days=366)).isoformat()}, ["Z4"]),
    4: ({"最近更新日期": (AS_OF - dt.timedelta(days=365)).isoformat()}, []),  # exactly a year: not more
    5: ({"使用范围": "处室内部", "月均使用次数": "19"}, ["Z5"]),
    6: ({"使用范围": "处室内部", "月均使用次数": "20"}, []),
    7: ({"使用范围": "本部门", "月均使用次数": "3"}, []),                      # low use, but not narrow scope
    8: ({"用户数": "4"}, ["Z5"]),
    9: ({"业务脱节": "是", "资源利用率(%)": "0.5", "用户数": "1"}, ["Z1", "Z3", "Z5"]),
    10: ({"业务脱节": "是", "整合状态": "已关停"}, []),                         # already shut down
}
HARMLESS = {"业务脱节": "否", "资源利用率(%)": "60", "最近更新日期": FRESH, "使用范围": "本部门",
            "月均使用次数": "500", "用户数": "80", "整合状态": "独立运行", "整合至": ""}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("zombies")
    folder = root / "catalogue"
    generate_catalogue(folder, entries=60, seed=5)
    path = folder / "信息系统.csv"
    rows = read_sheet(path)
    assert len(rows) > max(PLANTED), "the generated catalogue has too few systems for the planted cases"
    expected = {}
    for n, row in enumerate(rows):
        changes, rules = PLANTED.get(n, ({}, []))
        row.update(HARMLESS | changes)
        if rules:
            expected[row["系统编码"]] = rules
    write_sheet(path, rows)
    store = root / "store"
    govcat("load", str(folder), "--store", str(store))
    return store, expected


def test_exactly_the_planted_systems_are_flagged_with_their_rules(planted):
    store, expected = planted
    out = govcat("zombies", "--store", str(store), "--as-of", AS_OF.isoformat(), "--format", "json")
    found = json.loads(out.stdout)
    assert {z["system"]: z["rules"] for z in found} == expected
    by_code = {z["system"]: z for z in found}
    z9 = next(code for code, rules in expected.items() if rules == ["Z1", "Z3", "Z5"])
    assert by_code[z9]["evidence"]["Z3"] == "资源利用率 0.5% < 5%"
    assert by_code[z9]["evidence"]["Z5"] == "用户数 1 < 5"
    z4 = next(code for code, rules in expected.items() if rules == ["Z4"])
    assert "366 天 > 365 天" in by_code[z4]["evidence"]["Z4"]
    assert all(z["name"] and z["department"] for z in found)


def test_thresholds_change_the_result(planted):
    store, expected = planted
    out = govcat("zombies", "--store", str(store), "--as-of", AS_OF.isoformat(), "--format", "json",
                 "--threshold", "utilisation=1", "--threshold", "stale_days=400", "--lang", "en")
    found = {z["system"]: z for z in json.loads(out.stdout)}
    assert all("Z3" not in z["rules"] or z["evidence"]["Z3"] == "resource utilisation 0.5% < 1%" for z in found.values())
    assert sum("Z3" in z["rules"] for z in found.values()) == 1
    assert not any("Z4" in z["rules"] for z in found.values())
    bad = govcat("zombies", "--store", str(store), "--threshold", "nonsense=3", check=False)
    assert bad.returncode == 2 and "未知的阈值 nonsense" in bad.stderr


def test_results_are_in_the_graph_and_replaced_at_each_run(planted, tmp_path):
    store, expected = planted
    govcat("zombies", "--store", str(store), "--as-of", AS_OF.isoformat(), "--format", "xlsx",
           "--out", str(tmp_path / "z.xlsx"))
    rows = CalamineWorkbook.from_path(str(tmp_path / "z.xlsx")).get_sheet_by_index(0).to_python()
    assert rows[0][:4] == ["系统编码", "系统名称", "所属部门", "判定标准"]
    assert {r[0] for r in rows[1:]} == set(expected)
    query = """PREFIX gc: <https://w3id.org/govcat/def#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?code ?rule ?day WHERE { GRAPH <https://w3id.org/govcat/graph/zombies> {
  ?s gc:zombieFinding ?f . ?f gc:criterion ?rule . ?a gc:assessedOn ?day }
  GRAPH ?s { ?s dct:identifier ?code } }"""
    out = govcat("query", query, "--store", str(store), "--format", "json")
    bindings = json.loads(out.stdout)["results"]["bindings"]
    stored: dict[str, list[str]] = {}
    for b in bindings:
        stored.setdefault(b["code"]["value"], []).append(b["rule"]["value"])
        assert b["day"]["value"] == AS_OF.isoformat()
    assert {k: sorted(v) for k, v in stored.items()} == expected
    govcat("zombies", "--store", str(store), "--as-of", AS_OF.isoformat(), "--threshold", "users=0",
           "--threshold", "monthly_uses=0", "--threshold", "utilisation=0")
    out = govcat("query", query, "--store", str(store), "--format", "json")
    rules = {b["rule"]["value"] for b in json.loads(out.stdout)["results"]["bindings"]}
    assert rules == {"Z1", "Z4"}    # the earlier Z3/Z5 findings are gone: the graph was replaced


def test_a_rerun_writes_only_what_changed_and_keeps_the_rest_api_lists(tmp_path, small_csv):
    """Results graphs are replaced by their difference (Catalogue.replace_graph); quads removed from them do not
    drop the REST API's lists of records (record_index), while a quad removed from a record's graph does."""
    from govcat.catalogue import Catalogue
    from govcat.catalogue.journal import ChangeSet
    from govcat.catalogue.loading import load_file
    from govcat.catalogue.record_index import record_index
    from govcat.catalogue.repository import GRAPHS, quad_lines
    cat = Catalogue.open(tmp_path / "store")
    load_file(cat, small_csv, "zhang")
    index = record_index(cat)
    assert index.snapshot("entries")
    g = GRAPHS + "test-results"
    seen = []
    cat.listeners.append(seen.append)
    cat.replace_graph(g, ['<urn:a> <urn:p> "1" .', '<urn:b> <urn:p> "2" .', '<urn:c> <urn:p> "3" .'])
    cat.replace_graph(g, ['<urn:a> <urn:p> "1" .', '<urn:b> <urn:p> "2" .', '<urn:d> <urn:p> "4" .'])
    assert sorted(cat.graph.graph_ntriples(g).splitlines()) == ['<urn:a> <urn:p> "1" .', '<urn:b> <urn:p> "2" .',
                                                                  '<urn:d> <urn:p> "4" .']
    assert seen[-1].remove == quad_lines(g, ['<urn:c> <urn:p> "3" .']) and not seen[-1].clear
    cat.replace_graph(g, ['<urn:a> <urn:p> "1" .', '<urn:b> <urn:p> "2" .', '<urn:d> <urn:p> "4" .'])
    assert len(seen) == 2                                  # nothing changed: nothing written
    assert index.rows                                      # results changed: the lists are kept
    record = index.snapshot("entries")[0][1]
    line = next(l for l in cat.record_lines(record) if "/title>" in l)
    cat.commit(ChangeSet(remove=quad_lines(record, [line])))
    assert not index.rows                                  # a record changed by removal: built again when asked
