"""Two govcat nodes on loopback (GUIDE §6, "physically distributed, logically centralised"): a 市 node and
the 省 node. The province harvests the city's /catalog (Hydra pages), then one federated SPARQL query on the
province (SERVICE allowed to the configured peer only) reads both. Comunica reads the city's paged feed."""
from __future__ import annotations

import json
import subprocess

import pytest

import sparqlserver
from installs import COMUNICA, ensure_comunica
from govcat.generate import generate_catalogue
from test_dcat_feed import first_public, govcat, start_at

PREFIXES = """PREFIX gc: <https://w3id.org/govcat/def#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
"""


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A city node with more public entries than one feed page holds (100)."""
    root = tmp_path_factory.mktemp("city")
    catalogue = root / "city.xlsx"
    generate_catalogue(catalogue, entries=700, seed=5)
    port = sparqlserver.free_port()
    env = {"GOVCAT_BASE": f"http://127.0.0.1:{port}/id/"}
    done = govcat("load", str(catalogue), "--store", str(root / "store"), "--publish", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    public = first_public(root / "store", env)
    assert len(public) > 100
    server = start_at(root / "store", port, env)
    server.public = public
    yield server
    sparqlserver.stop_server(server, root / "store")


@pytest.fixture(scope="module")
def province(city, small_xlsx, tmp_path_factory):
    root = tmp_path_factory.mktemp("province")
    store = root / "store"
    port = sparqlserver.free_port()
    env = {"GOVCAT_BASE": f"http://127.0.0.1:{port}/id/"}
    done = govcat("load", str(small_xlsx), "--store", str(store), "--publish", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    harvested = govcat("harvest", city.url + "/catalog", "--source", "changsha", "--store", str(store),
                       "--format", "json", env=env)
    assert harvested.returncode == 0, harvested.stdout + harvested.stderr
    token = sparqlserver.add_user(store, "province-viewer", "viewer")
    host = city.url.removeprefix("http://")
    server = start_at(store, port, env | {"GOVCAT_SERVICE_HOSTS": host})
    server.tokens["viewer"] = token
    server.harvest = json.loads(harvested.stdout)
    server.store = store
    yield server
    sparqlserver.stop_server(server, store)


def test_the_province_harvests_every_page_of_the_city(city, province):
    report = province.harvest
    assert len(report["pages"]) >= 2 and report["broken"] == []
    assert report["new"] == len(city.public) and report["rejected"] == []


def test_one_federated_query_reads_both_levels(city, province):
    query = PREFIXES + f"""SELECT ?d ?title ?state WHERE {{
      GRAPH ?d {{ ?d a gc:HarvestedDataset ; dct:title ?title }}
      SERVICE <{city.endpoint}> {{ ?d gc:workflowState ?state ; dct:title ?cityTitle }}
      FILTER(STR(?title) = STR(?cityTitle))
    }}"""
    headers = {"Authorization": f"Bearer {province.tokens['viewer']}", "Accept": "application/sparql-results+json"}
    r = province.client.get("/sparql", params={"query": query}, headers=headers)
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    assert {row["d"]["value"] for row in rows} == set(city.public)
    assert {row["state"]["value"] for row in rows} == {"https://w3id.org/govcat/code/workflow-state/3"}
    # SERVICE to a host that is not a configured peer is refused
    other = query.replace(city.endpoint, "http://127.0.0.1:9/sparql")
    assert province.client.get("/sparql", params={"query": other}, headers=headers).status_code == 400


def test_comunica_reads_the_paged_feed(city):
    ensure_comunica()
    query = PREFIXES + "SELECT DISTINCT ?d WHERE { ?d a dcat:Dataset }"
    done = subprocess.run(["node", str(COMUNICA / "comunica_feed.mjs"), city.url + "/catalog", query],
                          capture_output=True, text=True, timeout=300, cwd=COMUNICA)
    assert done.returncode == 0, done.stderr
    assert {row["d"] for row in json.loads(done.stdout)} == set(city.public)     # every page, by hydra:next
