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


def in_graph(store) -> dict[frozenset, tuple[float, set[str], set[str]]]:
    """The pairs in the store's duplicates graph, read with SPARQL: codes -> (score, shared terms, shared items).
    One pattern per branch (joining a pair's triples with the systems' codes takes minutes at 3,000 pairs)."""
    query = """PREFIX gc: <https://w3id.org/govcat/def#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?p ?code ?score ?what ?value WHERE {
  { GRAPH <https://w3id.org/govcat/graph/duplicates> { ?p gc:candidateSystem ?x } GRAPH ?x { ?x dct:identifier ?code } }
  UNION { GRAPH <https://w3id.org/govcat/graph/duplicates> { ?p a gc:DuplicateCandidate ; gc:score ?score } }
  UNION { GRAPH <https://w3id.org/govcat/graph/duplicates> { ?p gc:sharedTerm ?value } BIND("term" AS ?what) }
  UNION { GRAPH <https://w3id.org/govcat/graph/duplicates> { ?p gc:sharedItem ?value } BIND("item" AS ?what) } }"""
    rows = json.loads(govcat("query", query, "--store", str(store), "--format", "json").stdout)["results"]["bindings"]
    codes, scores, evidence = {}, {}, {}
    for r in rows:
        pair = r["p"]["value"]
        if "code" in r:
            codes.setdefault(pair, set()).add(r["code"]["value"])
        elif "score" in r:
            scores[pair] = float(r["score"]["value"])
        else:
            evidence.setdefault((pair, r["what"]["value"]), set()).add(r["value"]["value"])
    return {frozenset(codes[p]): (score, evidence.get((p, "term"), set()), evidence.get((p, "item"), set()))
            for p, score in scores.items()}


def same_as_reported(stored: dict, pairs: list[dict]) -> bool:
    """The stored pairs are the reported ones, scores equal to their 3 decimals (the graph keeps 4)."""
    reported = {frozenset(p["systems"]): p for p in pairs}
    return stored.keys() == reported.keys() and all(
        abs(score - reported[k]["score"]) <= 0.0006 and (terms, items) == (
            set(reported[k]["shared_terms"]), set(reported[k]["shared_items"]))
        for k, (score, terms, items) in stored.items())


def test_pairs_are_in_the_graph_and_make_z2_for_the_less_used(planted, tmp_path):
    store, truth, pairs = planted
    assert same_as_reported(in_graph(store), pairs)
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
    return truth, json.loads(out.stdout), store


def test_planted_duplicates_are_found_in_a_province_shaped_catalogue(province):
    truth, pairs, _store = province
    found_strong_and_no_near_miss(truth, pairs, 8)
    assert "跨地区" not in {p["kind"] for p in pairs}     # not asked for (--cross-region)


def test_a_run_leaves_exactly_its_pairs_in_the_graph(province):
    """Runs write only what changed since the last (some pairs fewer, then all again): the graph holds each
    run's pairs, scores and evidence."""
    _truth, pairs, store = province
    fewer = json.loads(govcat("duplicates", "--store", str(store), "--min-score", "0.6", "--format", "json").stdout)
    assert 0 < len(fewer) < len(pairs)
    assert same_as_reported(in_graph(store), fewer)
    again = json.loads(govcat("duplicates", "--store", str(store), "--format", "json").stdout)
    assert again == pairs
    assert same_as_reported(in_graph(store), pairs)


def test_rare_pairs_taken_a_slice_of_rows_at_a_time_are_the_whole_products_pairs(monkeypatch):
    """The candidate product is taken `_ROWS` rows at a time (its memory at 100,000 systems): slicing must
    not lose, add or misnumber a pair."""
    import numpy as np
    from scipy import sparse
    from govcat.analytics import duplicates
    rng = np.random.default_rng(7)
    left = sparse.random(53, 40, density=0.15, format="csr", random_state=rng)
    right = sparse.random(61, 40, density=0.15, format="csr", random_state=rng)
    rare = np.arange(0, 40, 2)
    whole = (left[:, rare] @ right[:, rare].T).tocoo()
    expected = {(r, c) for r, c, v in zip(whole.row.tolist(), whole.col.tolist(), whole.data.tolist()) if v >= 0.05}
    assert len(expected) > 20
    monkeypatch.setattr(duplicates, "_ROWS", 7)
    rows, cols = duplicates._rare_pairs(left, right, rare, 0.05)
    assert sorted(zip(rows.tolist(), cols.tolist())) == sorted(expected)


def test_candidates_scored_a_slice_at_a_time_give_the_same_pairs(province, monkeypatch):
    """Candidate pairs are scored `_KEYS` at a time (their memory at 100,000 systems); slicing them, and the
    product by rows, changes no pair, score or kind."""
    from govcat.analytics import duplicates
    from govcat.catalogue import Catalogue
    _truth, _pairs, store = province
    systems = duplicates.read_systems(Catalogue.open(store))

    def found():
        return [(c.first.iri, c.second.iri, round(c.score, 9), c.kind) for c in duplicates.detect(systems)]

    whole = found()
    monkeypatch.setattr(duplicates, "_KEYS", 97)
    monkeypatch.setattr(duplicates, "_ROWS", 13)
    assert len(whole) > 8 and found() == whole
