"""SPARQL Update at /sparql on a real server: admin only, written through the history (a version per record,
action sparql-update), validated like any write, all or nothing; govcat's own graphs, the default graph and
the bookkeeping triples are refused; a runaway update is stopped."""
from __future__ import annotations

import pytest

from sparqlserver import *  # noqa: F401,F403 — the live server, its helpers and answer parsers
from govcat.catalogue.repository import CODELISTS_GRAPH, HISTORY_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, USERS_GRAPH

GC = "https://w3id.org/govcat/def#"
DCT = "http://purl.org/dc/terms/"
PUBLISHED, DRAFT = "https://w3id.org/govcat/code/workflow-state/3", "https://w3id.org/govcat/code/workflow-state/1"


@pytest.fixture(scope="module")
def served(small_xlsx, tmp_path_factory):
    store = tmp_path_factory.mktemp("update") / "store"
    subprocess.run([sys.executable, "-m", "govcat", "load", str(small_xlsx), "--store", str(store), "--publish"],
                   check=True, capture_output=True, env=clean_env())
    tokens = {role: add_user(store, f"u-{role}", role) for role in ("admin", "viewer", "editor", "reviewer")}
    running = start_server(store)
    running.tokens = tokens
    yield running
    stop_server(running, store)


def update(server: Server, text: str, role: str | None = "admin", form: bool = False, **headers) -> httpx.Response:
    if role:
        headers["Authorization"] = f"Bearer {server.tokens[role]}"
    if form:
        return httpx.post(server.endpoint, data={"update": text}, headers=headers, timeout=60)
    headers["Content-Type"] = "application/sparql-update"
    return httpx.post(server.endpoint, content=text.encode("utf-8"), headers=headers, timeout=60)


def select(server: Server, text: str, role: str | None = "admin") -> list[dict[str, str]]:
    headers = {"Authorization": f"Bearer {server.tokens[role]}"} if role else {}
    response = httpx.post(server.endpoint, content=text.encode("utf-8"), timeout=30,
                          headers=headers | {"Content-Type": "application/sparql-query"})
    assert response.status_code == 200, response.text
    return json_rows(response)


def entries(server: Server, n: int = 3) -> list[str]:
    return [r["e"] for r in select(server, f"""PREFIX gc: <{GC}> SELECT ?e WHERE {{ GRAPH ?e {{ ?e a gc:InformationResource ;
        gc:workflowState <{PUBLISHED}> }} }} ORDER BY ?e LIMIT {n}""")]


def title(server: Server, entry: str) -> str:
    return select(server, f"SELECT ?t WHERE {{ GRAPH <{entry}> {{ <{entry}> <{DCT}title> ?t }} }}")[0]["t"]


def versions(server: Server, record: str) -> list[dict[str, str]]:
    return select(server, f"""PREFIX gc: <{GC}> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?n ?action ?user ?note ?content WHERE {{ GRAPH <{HISTORY_GRAPH}> {{
          ?v gc:versionOf <{record}> ; gc:versionNumber ?n ; gc:action ?action ; prov:wasAttributedTo ?user .
          OPTIONAL {{ ?v gc:note ?note }} OPTIONAL {{ ?v gc:content ?content }} }} }} ORDER BY ?n""")


def retitle(entry: str, new: str) -> str:
    return f"""PREFIX dct: <{DCT}>
        DELETE {{ GRAPH <{entry}> {{ <{entry}> dct:title ?t }} }}
        INSERT {{ GRAPH <{entry}> {{ <{entry}> dct:title "{new}" }} }}
        WHERE {{ GRAPH <{entry}> {{ <{entry}> dct:title ?t }} }}"""


def test_only_an_admin_token_may_update(served):
    entry = entries(served, 1)[0]
    before = title(served, entry)
    anonymous = update(served, retitle(entry, "匿名改的"), role=None)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
    for role in ("viewer", "editor", "reviewer"):
        assert update(served, retitle(entry, "越权改的"), role=role).status_code == 403
        assert update(served, retitle(entry, "越权改的"), role=role, form=True).status_code == 403
    assert title(served, entry) == before and len(versions(served, entry)) == 1


def test_an_update_makes_a_new_version_of_each_record_it_touches(served):
    first, second, third = entries(served, 3)
    old = title(served, first)
    text = f"""PREFIX dct: <{DCT}>
        DELETE {{ GRAPH ?g {{ ?e dct:title ?t }} }} INSERT {{ GRAPH ?g {{ ?e dct:title ?new }} }}
        WHERE {{ GRAPH ?g {{ ?e dct:title ?t }} VALUES ?g {{ <{first}> <{second}> }} FILTER(?e = ?g)
                BIND(CONCAT(?t, "（修订）") AS ?new) }}"""
    response = update(served, text)
    assert response.status_code == 200, response.text
    assert response.json() == {"new": [], "changed": sorted([first, second]), "removed": [], "unchanged": 0}
    assert title(served, first) == old + "（修订）"
    history = versions(served, first)
    assert [v["n"] for v in history] == ["1", "2"]
    assert history[1]["action"] == "sparql-update" and history[1]["user"].endswith("/user/u-admin")
    assert "CONCAT" in history[1]["note"]                   # the update's text is kept with the version
    assert f'"{old}"' in history[0]["content"]              # the replaced content moved into the history
    state = select(served, f"SELECT ?s WHERE {{ GRAPH <{first}> {{ <{first}> <{GC}workflowState> ?s }} }}")
    assert state == [{"s": DRAFT}]                         # a changed entry goes back to 草稿, as with load
    assert len(versions(served, third)) == 1
    viewer = select(served, f"SELECT ?t WHERE {{ <{first}> <{DCT}title> ?t }}", role="viewer")
    assert viewer == [{"t": old + "（修订）"}]             # queries see the write at once


def test_the_form_encoded_protocol_and_sparqlwrapper_update(served):
    sw = pytest.importorskip("SPARQLWrapper")
    entry = entries(served, 4)[3]
    response = update(served, retitle(entry, "表单更新的标题"), form=True)
    assert response.status_code == 200 and response.json()["changed"] == [entry]
    client = sw.SPARQLWrapper(served.endpoint)
    client.setMethod(sw.POST)
    client.addCustomHttpHeader("Authorization", f"Bearer {served.tokens['admin']}")
    client.setQuery(retitle(entry, "SPARQLWrapper 更新的标题"))
    client.query()
    assert title(served, entry) == "SPARQLWrapper 更新的标题"
    client.setQuery(retitle(entry, "不该写入"))
    client.customHttpHeaders["Authorization"] = f"Bearer {served.tokens['viewer']}"
    with pytest.raises(Exception, match="403"):
        client.query()


def test_a_violation_refuses_the_whole_update_with_the_report(served):
    first, second = entries(served, 6)[4:6]
    before = (title(served, first), title(served, second), len(versions(served, first)))
    text = f"""PREFIX dct: <{DCT}>
        INSERT DATA {{ GRAPH <{first}> {{ <{first}> dct:description "合规的修改" }}
                       GRAPH <{second}> {{ <{second}> dct:title "第二个标题" }} }}"""   # two titles: C02
    zh = update(served, text)
    assert zh.status_code == 422 and zh.headers["content-type"].startswith("application/json")
    report = zh.json()
    violations = [r for r in report["results"] if r["severity"] == "Violation"]
    assert report["conforms"] is False and [(r["rule"], r["focus"]) for r in violations] == [("C02", second)]
    assert "信息资源名称" in violations[0]["message"]
    en = update(served, text, **{"Accept-Language": "en"})
    assert en.status_code == 422 and any("title" in r["message"].lower() for r in en.json()["results"])
    assert (title(served, first), title(served, second), len(versions(served, first))) == before   # nothing written


@pytest.mark.parametrize("graph", [ONTOLOGY_GRAPH, CODELISTS_GRAPH, SHAPES_GRAPH, HISTORY_GRAPH, USERS_GRAPH])
def test_govcats_own_graphs_are_refused(served, graph):
    response = update(served, f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x> <urn:y> <urn:z> }} }}")
    assert response.status_code == 403 and graph in response.text, response.text
    assert select(served, f"SELECT * WHERE {{ GRAPH <{graph}> {{ <urn:x> ?p ?o }} }}") == []


@pytest.mark.parametrize("text, status, words", [
    ("CLEAR ALL", 403, "ALL"), ("DROP NAMED", 403, "NAMED"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", 400, "default graph"),
    ("LOAD <http://example.org/data.ttl>", 400, "LOAD"),
    ("INSERT { GRAPH <urn:g> { ?s ?p ?o } } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 400, "SERVICE"),
    ("CLEAR XYZ", 400, "syntax"),
])
def test_refused_updates(served, text, status, words):
    response = update(served, text)
    assert response.status_code == status and words in response.text, response.text


def test_bookkeeping_triples_are_kept_by_govcat(served):
    entry = entries(served, 7)[6]
    text = f"""DELETE {{ GRAPH <{entry}> {{ <{entry}> <{GC}workflowState> ?s }} }}
        INSERT {{ GRAPH <{entry}> {{ <{entry}> <{GC}workflowState> <{DRAFT}> }} }}
        WHERE {{ GRAPH <{entry}> {{ <{entry}> <{GC}workflowState> ?s }} }}"""
    response = update(served, text)
    assert response.status_code == 403 and "workflow" in response.text
    assert len(versions(served, entry)) == 1


def test_triples_of_one_record_in_another_records_graph_are_refused(served):
    first, second = entries(served, 9)[7:9]
    response = update(served, f"INSERT DATA {{ GRAPH <{first}> {{ <{second}> <{DCT}description> \"错放\" }} }}")
    assert response.status_code == 400 and second in response.text, response.text


def test_dropping_a_record_graph_deletes_the_record_with_its_history(served):
    flow = select(served, f"SELECT ?f WHERE {{ GRAPH ?f {{ ?f a <{GC}DataFlow> }} }} ORDER BY ?f LIMIT 1")[0]["f"]
    response = update(served, f"DROP GRAPH <{flow}>")
    assert response.status_code == 200 and response.json()["removed"] == [flow]
    assert select(served, f"SELECT * WHERE {{ GRAPH <{flow}> {{ ?s ?p ?o }} }}") == []
    history = versions(served, flow)
    assert [v["action"] for v in history] == ["publish", "sparql-update"] and flow in history[0]["content"]


def test_data_outside_the_catalogue_is_kept_with_its_history(served):
    graph = "http://example.org/notes/1"
    response = update(served, f'INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/s> <http://example.org/p> "附注" }} }}')
    assert response.status_code == 200 and response.json()["new"] == [graph]
    assert select(served, f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == [{"o": "附注"}]   # no bookkeeping
    assert [v["action"] for v in versions(served, graph)] == ["sparql-update"]
    again = update(served, f'INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/s> <http://example.org/p> "附注" }} }}')
    assert again.json() == {"new": [], "changed": [], "removed": [], "unchanged": 0}   # no change: no version


def test_using_graph_parameters_are_refused(served):
    response = httpx.post(served.endpoint, params={"using-graph-uri": "urn:g"}, content=b"INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }",
                          headers={"Content-Type": "application/sparql-update",
                                   "Authorization": f"Bearer {served.tokens['admin']}"})
    assert response.status_code == 400 and "using-graph-uri" in response.text


def test_a_runaway_update_is_stopped_and_nothing_is_written(served):
    text = """INSERT { GRAPH <urn:govcat:test:runaway> { ?a <urn:p> ?i } }
              WHERE { GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } GRAPH ?z { ?g ?h ?i } }"""
    response = update(served, text)
    assert response.status_code == 504 and "stopped" in response.text, response.text
    assert select(served, "SELECT * WHERE { GRAPH <urn:govcat:test:runaway> { ?s ?p ?o } } LIMIT 1") == []
    assert update(served, retitle(entries(served, 10)[9], "之后照常更新")).status_code == 200
