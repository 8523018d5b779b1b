"""/sparql requests asked again as they were are not read again (govcat.web.sparql `_Asked`), while the caller's
access is decided again each time: in process (Starlette's TestClient over `create_app`, a real store and real
query workers), so that the test can count what is read and change an account under the running app."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import govcat.web.sparql as sparql
from govcat.catalogue.journal import ChangeSet
from govcat.catalogue.repository import USERS_GRAPH, quad_lines
from govcat.catalogue.users import _accounts, authenticate
from govcat.namespaces import GC
from govcat.terms import nt_iri, nt_literal
from govcat.web.app import create_app
from govcat.web.settings import Settings
from sparqlserver import add_user

SEES_USERS = f"ASK {{ GRAPH <{USERS_GRAPH}> {{ ?s ?p ?o }} }}"   # true only in the admin view
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture
def app(tmp_path):
    store = tmp_path / "store"
    tokens = {role: add_user(store, role + "1", role) for role in ("viewer", "admin")}
    with TestClient(create_app(Settings(store=store, query_workers=1))) as client:
        client.tokens = tokens
        yield client


@pytest.fixture
def reads(monkeypatch):
    """How often /sparql read a request's URL parameters (every GET and POST is read by `_url_params`)."""
    calls = []
    original = sparql._url_params
    monkeypatch.setattr(sparql, "_url_params", lambda request: calls.append(1) or original(request))
    return calls


def bearer(client, role: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + client.tokens[role]}


def sees_users(response) -> bool:
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def set_role(client, name: str, old: str, new: str) -> None:
    """Change an account's role in the store, under the running app (as an admin's tool would)."""
    cat = client.app.state.catalogue
    user = next(u for _hash, u in _accounts(cat) if u.name == name)
    line = f"{nt_iri(user.iri)} {nt_iri(GC + 'role')} {{}} ."
    cat.commit(ChangeSet(remove=quad_lines(USERS_GRAPH, [line.format(nt_literal(old))]),
                         add=quad_lines(USERS_GRAPH, [line.format(nt_literal(new))])))


def drop_token(cat, name: str) -> None:
    """Remove an account's token digest from the store: its token is no longer valid."""
    cat.commit(ChangeSet(remove=quad_lines(USERS_GRAPH, [
        f"{nt_iri(u.iri)} {nt_iri(GC + 'tokenHash')} {nt_literal(digest.decode('ascii'))} ."
        for digest, u in _accounts(cat) if u.name == name])))


def test_a_request_asked_again_is_not_read_again_and_answered_the_same(app, reads):
    params = {"query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"}
    first = app.get("/sparql", params=params, headers=JSON | bearer(app, "viewer"))
    assert first.status_code == 200 and len(reads) == 1
    again = app.get("/sparql", params=params, headers=JSON | bearer(app, "viewer"))
    assert again.status_code == 200 and again.content == first.content
    assert len(reads) == 1                                                      # not read again
    csv = app.get("/sparql", params=params, headers={"Accept": "text/csv"} | bearer(app, "viewer"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert len(reads) == 2                                                      # another Accept: another request


def test_both_post_forms_are_remembered_by_their_body(app, reads):
    headers = JSON | bearer(app, "admin")
    forms = [{"content": SEES_USERS, "headers": headers | {"Content-Type": "application/sparql-query"}},
             {"data": {"query": SEES_USERS}, "headers": headers}]
    for form in forms * 2:
        assert sees_users(app.post("/sparql", **form)) is True
    assert len(reads) == 2
    other = app.post("/sparql", content="ASK { FILTER(false) }",
                     headers=headers | {"Content-Type": "application/sparql-query"})
    assert other.json()["boolean"] is False and len(reads) == 3                 # another body: read, answered apart


def test_a_caller_whose_role_changed_gets_the_view_of_the_new_role(app, reads):
    """The same request with the same token, before and after the account became an admin: the view is
    decided again, so the remembered request (read for a viewer) is not answered with the viewer's view."""
    ask = {"params": {"query": SEES_USERS}, "headers": JSON | bearer(app, "viewer")}
    assert sees_users(app.get("/sparql", **ask)) is False
    assert sees_users(app.get("/sparql", **ask)) is False and len(reads) == 1
    set_role(app, "viewer1", "viewer", "admin")
    assert sees_users(app.get("/sparql", **ask)) is True
    set_role(app, "viewer1", "admin", "viewer")
    assert sees_users(app.get("/sparql", **ask)) is False


def test_a_token_no_longer_valid_is_refused_though_its_request_was_asked_before(app):
    ask = {"params": {"query": "ASK {}"}, "headers": JSON | bearer(app, "viewer")}
    assert app.get("/sparql", **ask).status_code == 200
    cat = app.app.state.catalogue
    drop_token(cat, "viewer1")
    assert authenticate(cat, app.tokens["viewer"]) is None
    refused = app.get("/sparql", **ask)
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")


def test_a_stale_session_cookie_asked_again_reads_the_public_view(app):
    """A session cookie whose token is no longer valid is anonymous (the pages offer the login again): the
    request remembered for the viewer is read again and answered on the public view."""
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}

    def count() -> int:
        response = app.get("/sparql", params=query, headers=JSON)
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    public = count()
    app.cookies.set("govcat_session", app.tokens["viewer"])
    internal = count()
    assert count() == internal > public
    drop_token(app.app.state.catalogue, "viewer1")
    assert count() == public


def test_requests_too_long_to_remember_are_read_each_time(app, reads):
    text = "ASK { FILTER(true) } #" + "x" * sparql._Asked.LONGEST
    for _ in range(2):
        response = app.post("/sparql", content=text, headers=JSON | {"Content-Type": "application/sparql-query"})
        assert response.json()["boolean"] is True
    assert len(reads) == 2
