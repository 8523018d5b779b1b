"""Who sees what at /sparql, on a real server: anonymous callers only the public view (published entries open
to the public, their provider departments, the ontology and code lists), token holders everything but the
users graph, admins everything. Two marker entries — a draft and a published entry not open to the public,
with unique titles — must never reach an anonymous caller, whatever the query."""
from __future__ import annotations

import gc
import subprocess

import pytest

from sparqlserver import *  # noqa: F401,F403 — the live server, its helpers and answer parsers
from govcat.catalogue import Catalogue
from govcat.catalogue.loading import load_loaded
from govcat.catalogue.repository import HISTORY_GRAPH, SHAPES_GRAPH, USERS_GRAPH, is_admin_line
from govcat.loaders import Loaded
from govcat.public_view import PublicView
from govcat.queries import query

DRAFT_TITLE, CLOSED_TITLE = "访问测试草稿标记条目", "访问测试未开放标记条目"
MARK = "访问测试"
GC = "https://w3id.org/govcat/def#"


def entry_copy(cat: Catalogue, entry: str, number: str, title: str) -> str:
    """The N-Triples of a new entry made from `entry`: its code's sequence replaced by `number`, its title by
    `title` (bookkeeping left out)."""
    code = cat.graph.triples_about(entry, entry)
    identifier = next(o.value for _s, p, o in code if p.value == "http://purl.org/dc/terms/identifier")
    new_code = identifier.split("/")[0] + "/" + number
    new_iri = entry.rsplit("/", 1)[0] + "/" + number
    lines = []
    for line in cat.record_lines(entry):
        if is_admin_line(line):
            continue
        line = line.replace(f"<{entry}>", f"<{new_iri}>").replace(f"<{entry}/", f"<{new_iri}/")
        if "<http://purl.org/dc/terms/identifier>" in line and line.startswith(f"<{new_iri}> "):
            line = line.replace(f'"{identifier}"', f'"{new_code}"')
        if "<http://purl.org/dc/terms/title>" in line and line.startswith(f"<{new_iri}> "):
            line = f'<{new_iri}> <http://purl.org/dc/terms/title> "{title}" .'
        lines.append(line)
    return "\n".join(lines) + "\n"


def published(cat: Catalogue, open_to_public: bool) -> str:
    rows = cat.graph.select(f"""PREFIX gc: <{GC}>
        SELECT ?e WHERE {{ GRAPH ?e {{ ?e a gc:InformationResource ; gc:openToPublic {str(open_to_public).lower()} ;
                                       gc:workflowState <https://w3id.org/govcat/code/workflow-state/3> }} }}
        ORDER BY ?e LIMIT 1""")
    return rows[0]["e"].value


@pytest.fixture(scope="module")
def served(small_xlsx, tmp_path_factory):
    """A published catalogue plus the two markers, and one token per role."""
    store = tmp_path_factory.mktemp("access") / "store"
    subprocess.run([sys.executable, "-m", "govcat", "load", str(small_xlsx), "--store", str(store), "--publish"],
                   check=True, capture_output=True, env=clean_env())
    cat = Catalogue.open(store)
    draft = load_loaded(cat, Loaded("draft", ntriples=entry_copy(cat, published(cat, True), "999991", DRAFT_TITLE),
                                    rdf_format="nt"), "tester")
    closed = load_loaded(cat, Loaded("closed", ntriples=entry_copy(cat, published(cat, False), "999992", CLOSED_TITLE),
                                     rdf_format="nt"), "tester", publish=True)
    assert draft.written and closed.written, (draft.report.results, closed.report.results)
    markers = draft.new + closed.new
    public = {r["entry"].value for r in cat.graph.select(query("public_entries"))}
    departments = {r["dept"].value for r in cat.graph.select(query("rest_public_departments"))}
    assert public and departments and not set(markers) & public
    del cat
    gc.collect()
    tokens = {role: add_user(store, role, role) for role in ("viewer", "admin")}
    running = start_server(store)
    yield running, tokens, markers, public, departments
    stop_server(running, store)


def ask(served, text: str, role: str | None = None, **params) -> httpx.Response:
    server, tokens, *_ = served
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    return httpx.get(server.endpoint, params={"query": text} | params, headers=headers, timeout=30)


LEAKY = [   # queries that would show a marker if it were in the anonymous dataset at all
    "SELECT ?g ?s ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), '{mark}')) }} }}",
    "SELECT ?s ?o WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), '{mark}')) }}",
    "SELECT * FROM NAMED <{m}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * FROM <{m}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM <{m}> FROM NAMED <{m}> WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ GRAPH <{m}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ <{m}> ?p ?o }}",
    "DESCRIBE <{m}>",
    "DESCRIBE ?s WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), '{mark}')) }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), STR(<{m}>))) }} }}",
    "CONSTRUCT WHERE {{ <{m}> ?p ?o }}",
    "ASK {{ GRAPH ?g {{ <{m}> ?p ?o }} }}",
]


@pytest.mark.parametrize("form", LEAKY)
def test_no_anonymous_query_reaches_a_draft_or_an_entry_not_open(served, form):
    _server, _tokens, markers, *_ = served
    for marker in markers:
        text = form.format(m=marker, mark=MARK)
        anonymous = ask(served, text)
        assert anonymous.status_code == 200, anonymous.text
        assert MARK not in anonymous.text and marker not in anonymous.text.replace(f"<{marker}>", ""), anonymous.text
        if text.startswith("ASK"):
            assert boolean(anonymous) is False
        viewer = ask(served, text, "viewer")           # the same query with a token finds the marker
        assert viewer.status_code == 200 and (MARK in viewer.text or boolean_or_none(viewer)), viewer.text


def boolean_or_none(response: httpx.Response) -> bool:
    return media(response).startswith("application/sparql-results") and '"boolean"' in response.text \
        and boolean(response)


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_the_protocol_dataset_cannot_reach_past_the_public_view(served, param):
    _server, _tokens, markers, *_ = served
    for marker in markers:
        text = "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        anonymous = ask(served, text, **{param: marker})
        assert anonymous.status_code == 200 and json_rows(anonymous) == []
        assert len(json_rows(ask(served, text, "viewer", **{param: marker}))) > 10


def test_anonymous_callers_see_exactly_the_open_data_feed(served):
    _server, _tokens, _markers, public, departments = served
    entries = ask(served, f"PREFIX gc: <{GC}> SELECT ?e WHERE {{ ?e a gc:InformationResource }}")
    assert {r["e"] for r in json_rows(entries)} == public
    depts = ask(served, f"PREFIX gc: <{GC}> SELECT ?d WHERE {{ ?d a gc:Department }}")
    assert {r["d"] for r in json_rows(depts)} == departments
    graphs = {r["g"] for r in json_rows(ask(served, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))}
    vocabulary = {"https://w3id.org/govcat/graph/ontology", "https://w3id.org/govcat/graph/codelists"}
    assert graphs == public | departments | vocabulary
    for absent in (f"PREFIX gc: <{GC}> ASK {{ ?s a gc:InformationSystem }}", f"PREFIX gc: <{GC}> ASK {{ ?s a gc:DataFlow }}",
                   f"ASK {{ GRAPH <{HISTORY_GRAPH}> {{ ?s ?p ?o }} }}", f"ASK {{ GRAPH <{USERS_GRAPH}> {{ ?s ?p ?o }} }}",
                   f"ASK {{ GRAPH <{SHAPES_GRAPH}> {{ ?s ?p ?o }} }}", f"ASK {{ ?s <{GC}lastEditor> ?o }}",
                   f"ASK {{ ?s <{GC}tokenHash> ?o }}"):
        assert boolean(ask(served, absent)) is False, absent
        assert boolean(ask(served, absent, "admin")) is True, absent
    items = ask(served, f"PREFIX gc: <{GC}> SELECT (COUNT(*) AS ?n) WHERE {{ ?i a gc:DataItem }}")
    assert int(json_rows(items)[0]["n"]) > len(public)         # entries come with their data items


def test_token_holders_see_everything_but_the_users_graph_which_only_admins_see(served):
    digests = f"SELECT ?u ?h WHERE {{ ?u <{GC}tokenHash> ?h }}"
    everywhere = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g = <" + USERS_GRAPH + ">) } LIMIT 1"
    for text, params in ((digests, {}), (everywhere, {}), ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": USERS_GRAPH}),
                         (f"SELECT * FROM <{USERS_GRAPH}> WHERE {{ ?s ?p ?o }}", {}),
                         ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": USERS_GRAPH})):
        assert json_rows(ask(served, text, "viewer", **params)) == [], text
        assert json_rows(ask(served, text, "admin", **params)), text
    assert len(json_rows(ask(served, digests, "admin"))) == 2
    history = ask(served, f"ASK {{ GRAPH <{HISTORY_GRAPH}> {{ ?s ?p ?o }} }}", "viewer")
    assert boolean(history) is True


def test_a_bad_token_is_a_401_not_the_public_view(served):
    server, *_ = served
    response = httpx.get(server.endpoint, params={"query": "ASK {}"}, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")


# -- the public view itself (no server) ----------------------------------------------------------------------
def public_view_over(catalogue_file, folder) -> tuple[Catalogue, PublicView]:
    """A catalogue loaded from `catalogue_file` and published, a reviewer, and its public view kept in step."""
    from govcat.catalogue.loading import load_file
    from govcat.catalogue.users import add_user

    cat = Catalogue.open(folder / "store")
    load_file(cat, catalogue_file, "loader", publish=True)
    add_user(cat, "reviewer", "reviewer")
    view = PublicView(cat.graph, cat.folder)
    view.open()
    cat.listeners.append(lambda change: view.sync(change.clear))
    return cat, view


def test_the_public_view_follows_writes_and_catches_up_after_a_restart(small_xlsx, tmp_path):
    from govcat.catalogue.workflow import transition

    cat, view = public_view_over(small_xlsx, tmp_path)
    assert view.graph.graph_names() - set(view.graph.graph_names() & {"https://w3id.org/govcat/graph/ontology",
                                                                       "https://w3id.org/govcat/graph/codelists"}) \
        == view.public_records()

    entry = published(cat, True)
    dept = next(o.value for _s, p, o in cat.graph.triples_about(entry, entry) if p.value.endswith("/publisher"))
    code = next(o.value for _s, p, o in cat.graph.triples_about(entry, entry) if p.value.endswith("/identifier"))
    assert view.graph.has_graph(entry) and view.graph.has_graph(dept)
    assert not any("lastEditor" in line for line in view.graph.graph_ntriples(entry).splitlines())
    others = [e for e in view.public_records() - {entry, dept}
              if any(o.value == dept for _s, p, o in cat.graph.triples_about(e, e) if p.value.endswith("/publisher"))]

    transition(cat, code, "withdraw", "reviewer")              # 已下线: out of the view
    assert not view.graph.has_graph(entry)
    assert view.graph.has_graph(dept) is bool(others)            # the department stays while it has others

    cat.listeners.clear()                                         # no server: a change it does not see
    view.close()
    new = load_loaded(cat, Loaded("m", ntriples=entry_copy(cat, published(cat, True), "999993", DRAFT_TITLE),
                                  rdf_format="nt"), "loader", publish=True)
    view = PublicView(cat.graph, cat.folder)
    view.open()                                                   # catches up from the history
    assert view.graph.has_graph(new.new[0]) and view.graph.graph_names() - {
        "https://w3id.org/govcat/graph/ontology", "https://w3id.org/govcat/graph/codelists"} == view.public_records()
    assert view.sync(None) is False                               # a full comparison finds nothing to do
    view.close()
