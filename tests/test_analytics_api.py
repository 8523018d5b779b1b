"""Zombies and duplicates over HTTP (real server), and stored zombie results following writes — through the
REST API (background refresh in the server) and through `govcat load` (refresh after the write)."""
from __future__ import annotations

import json
import time

import pytest

from sheets import edit_sheet, govcat, read_sheet
from sparqlserver import add_user, start_server, stop_server

ZOMBIES_GRAPH = "https://w3id.org/govcat/graph/zombies"
Z1_OF = """PREFIX gc: <https://w3id.org/govcat/def#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?code WHERE { GRAPH <https://w3id.org/govcat/graph/zombies> { ?s gc:zombieFinding ?f . ?f gc:criterion "Z1" }
  GRAPH ?s { ?s dct:identifier ?code } }"""


def z1_codes(store) -> set[str]:
    out = govcat("query", Z1_OF, "--store", str(store), "--format", "json")
    return {b["code"]["value"] for b in json.loads(out.stdout)["results"]["bindings"]}


def set_detached(folder, codes: set[str], value: str) -> None:
    edit_sheet(folder / "信息系统.csv", lambda row: row.update({"业务脱节": value}) if row["系统编码"] in codes else None)


@pytest.fixture(scope="module")
def served(small_csv, tmp_path_factory):
    import shutil
    root = tmp_path_factory.mktemp("analytics")
    folder = root / "catalogue"
    shutil.copytree(small_csv, folder)
    codes = [r["系统编码"] for r in read_sheet(folder / "信息系统.csv")]
    set_detached(folder, set(codes), "否")
    store = root / "store"
    govcat("load", str(folder), "--store", str(store))
    govcat("zombies", "--store", str(store))
    govcat("duplicates", "--store", str(store))
    assert z1_codes(store) == set()
    # a load that changes a system refreshes the stored results (command line: at once)
    set_detached(folder, {codes[0]}, "是")
    govcat("load", str(folder), "--store", str(store))
    assert z1_codes(store) == {codes[0]}
    tokens = {"viewer": add_user(store, "analyst", "viewer"), "admin": add_user(store, "boss", "admin")}
    server = start_server(store)
    yield server, tokens, codes, store
    stop_server(server, store)


def test_zombies_and_duplicates_need_a_token_and_match_the_command_line(served):
    server, tokens, codes, store = served
    assert server.client.get("/api/zombies").status_code == 401
    auth = {"Authorization": f"Bearer {tokens['viewer']}"}
    found = server.client.get("/api/zombies", params={"as_of": "2026-06-30"}, headers=auth).json()
    assert codes[0] in {z["system"] for z in found}
    z = next(z for z in found if z["system"] == codes[0])
    assert "Z1" in z["rules"] and z["evidence"]["Z1"] == "业务脱节 = 是"
    english = server.client.get("/api/zombies", headers=auth | {"Accept-Language": "en"}).json()
    assert next(z for z in english if z["system"] == codes[0])["evidence"]["Z1"] == "detached from business = yes"
    assert server.client.get("/api/zombies", params={"threshold": "bogus=1"}, headers=auth).status_code == 400
    pairs = server.client.get("/api/duplicates", headers=auth).json()
    assert all(set(p) >= {"systems", "names", "score", "kind", "shared_terms", "shared_items"} for p in pairs)
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)


def test_a_rest_write_refreshes_the_stored_zombies(served):
    server, tokens, codes, store = served
    auth = {"Authorization": f"Bearer {tokens['admin']}"}
    code = codes[1]
    response = server.client.get(f"/api/systems/{code}", headers=auth)
    body, etag = response.json(), response.headers["etag"]
    body["业务脱节"] = "是"
    assert server.client.put(f"/api/systems/{code}", json=body, headers=auth | {"If-Match": etag}).status_code == 200
    deadline = time.monotonic() + 20
    while True:
        rows = server.client.get("/sparql", params={"query": Z1_OF},
                                 headers=auth | {"Accept": "application/sparql-results+json"}).json()
        found = {b["code"]["value"] for b in rows["results"]["bindings"]}
        if code in found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found == {codes[0], code}


def test_integration_and_evaluation_routes(served):
    server, tokens, codes, store = served
    auth = {"Authorization": f"Bearer {tokens['viewer']}"}
    assert server.client.get("/api/evaluation", params={"year": 2025}).status_code == 401
    result = server.client.get("/api/evaluation", params={"year": 2025}, headers=auth).json()
    assert result["year"] == 2025 and [i["id"] for i in result["indicators"]][:2] == ["E1", "E2"]
    tracked = server.client.get("/api/integration", headers=auth).json()
    assert sum(d["systems"] for d in tracked) == len(codes)
    one = tracked[0]["department"]
    assert [d["department"] for d in server.client.get("/api/integration", params={"department": one},
                                                        headers=auth).json()] == [one]
    assert server.client.get("/api/integration", params={"department": "nope"}, headers=auth).status_code == 404
