"""Duplicate systems on a generated catalogue with planted duplicates and near-misses
(govcat.generate.duplicates): expectations come from what was planted."""
from __future__ import annotations

import json

import pytest
from python_calamine import CalamineWorkbook

from govcat.generate import generate_catalogue, shape_for
from govcat.generate.duplicates import plant_duplicates, reword
from sheets import govcat


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("duplicates")
    folder = root / "catalogue"
    generate_catalogue(folder, entries=200, seed=11)
    truth = plant_duplicates(folder, 6, seed=4)
    store = root / "store"
    govcat("load", str(folder), "--store", str(store))
    out = govcat("duplicates", "--store", str(store), "--format", "json")
    return store, truth, json.loads(out.stdout)


def test_reword_changes_the_kind_of_software_not_the_subject():
    assert reword("人口信息管理系统（二期）") == "人口信息管理平台"
    assert reword("公共资源交易平台") == "公共资源交易系统"


def found_strong_and_no_near_miss(truth: dict, pairs: list[dict], planted: int) -> None:
    """Every planted duplicate is reported, strong enough for Z2, with its evidence; no near-miss is."""
    scores = {frozenset(p["systems"]): p for p in pairs}
    assert len(truth["duplicates"]) == planted
    for a, b in truth["duplicates"]:
        pair = scores.get(frozenset((a, b)))
        assert pair is not None, f"planted duplicate {a} ↔ {b} not found"
        assert pair["score"] >= 0.6 and pair["shared_terms"], pair
        assert pair["kind"] in ("同部门", "同地区")
    for a, b in truth["near_misses"]:
        assert frozenset((a, b)) not in scores, f"near-miss {a} ↔ {b} reported: {scores[frozenset((a, b))]}"


def test_every_planted_duplicate_is_found_strong_and_no_near_miss(planted):
    _store, truth, pairs = planted
    found_strong_and_no_near_miss(truth, pairs, 6)
    assert all(0.5 <= p["score"] <= 1 for p in pairs)
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)


def test_pairs_are_in_the_graph_and_make_z2_for_the_less_used(planted, tmp_path):
    store, truth, pairs = planted
    query = """PREFIX gc: <https://w3id.org/govcat/def#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?a ?b ?score WHERE { GRAPH <https://w3id.org/govcat/graph/duplicates> {
  ?p a gc:DuplicateCandidate ; gc:candidateSystem ?x, ?y ; gc:score ?score . FILTER(STR(?x) < STR(?y)) }
  GRAPH ?x { ?x dct:identifier ?a } GRAPH ?y { ?y dct:identifier ?b } }"""
    rows = json.loads(govcat("query", query, "--store", str(store), "--format", "json").stdout)["results"]["bindings"]
    assert {frozenset((r["a"]["value"], r["b"]["value"])) for r in rows} == {frozenset(p["systems"]) for p in pairs}
    zombies = {z["system"]: z for z in json.loads(
        govcat("zombies", "--store", str(store), "--format", "json").stdout)}
    for original, duplicate in truth["duplicates"]:     # the planted copy has a tenth of the original's use
        assert "Z2" in zombies[duplicate]["rules"], zombies.get(duplicate)
        assert zombies[duplicate]["evidence"]["Z2"].startswith(f"与 {original} 重复")
    govcat("duplicates", "--store", str(store), "--format", "xlsx", "--out", str(tmp_path / "d.xlsx"), "--lang", "en")
    sheet = CalamineWorkbook.from_path(str(tmp_path / "d.xlsx")).get_sheet_by_index(0).to_python()
    assert sheet[0][:3] == ["System A", "Name A", "Department A"] and len(sheet) == len(pairs) + 1


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """A catalogue with a whole province's proportions: every 县 runs the same kinds of systems as the
    others, so the words of a planted duplicate are common province-wide, rare only within its region."""
    root = tmp_path_factory.mktemp("duplicates-province")
    folder = root / "catalogue"
    generate_catalogue(folder, entries=3000, seed=7, shape=shape_for(3000, province=True))
    truth = plant_duplicates(folder, 8, seed=8)
    store = root / "store"
    govcat("load", str(folder), "--store", str(store))
    out = govcat("duplicates", "--store", str(store), "--format", "json")
    return truth, json.loads(out.stdout)


def test_planted_duplicates_are_found_in_a_province_shaped_catalogue(province):
    truth, pairs = province
    found_strong_and_no_near_miss(truth, pairs, 8)
    assert "跨地区" not in {p["kind"] for p in pairs}     # not asked for (--cross-region)
