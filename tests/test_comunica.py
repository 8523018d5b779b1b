"""Comunica (npm @comunica/query-sparql, a JavaScript SPARQL client) queries /sparql on a real server,
anonymously and with a bearer token. tests/js holds its package.json and package-lock.json; the `comunica`
fixture installs them with `npm ci` when tests/js/node_modules is absent (needs the npm registry once)."""
from __future__ import annotations

import pytest

from installs import ensure_comunica

from sparqlserver import *  # noqa: F401,F403 — the live server fixture, constants and answer parsers

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="session")
def comunica() -> Path:
    return ensure_comunica() / "comunica_query.mjs"


def run(comunica: Path, server: Server, query: str, token: str | None = None) -> subprocess.CompletedProcess:
    args = ["node", str(comunica), server.endpoint, query] + ([token] if token else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=comunica.parent)


def answer(done: subprocess.CompletedProcess):
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


ENTRIES = PREFIXES + """SELECT ?e ?code ?title WHERE { ?e a gc:InformationResource ; dct:identifier ?code ;
    dct:title ?title } ORDER BY ?code LIMIT 5"""


def test_comunica_with_a_token_sees_the_internal_catalogue(comunica, server):
    token = server.tokens["viewer"]
    expected = json_rows(server.get(ENTRIES))
    assert len(expected) == 5
    assert answer(run(comunica, server, ENTRIES, token)) == expected
    entry = expected[0]["e"]
    triples = answer(run(comunica, server, f"CONSTRUCT {{ <{entry}> ?p ?o }} WHERE {{ <{entry}> ?p ?o }}", token))
    assert len(triples) > 10 and {s for s, _p, _o in triples} == {entry}
    assert expected[0]["title"] in {o for _s, _p, o in triples}      # Chinese text survives the round trip


def test_comunica_without_a_token_sees_the_public_view(comunica, server):
    assert answer(run(comunica, server, ENTRIES)) == []                 # the fixture's entries are drafts
    schemes = answer(run(comunica, server, "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                                           "SELECT ?s WHERE { ?s a skos:ConceptScheme }"))
    assert schemes and all(row["s"].startswith("https://w3id.org/govcat/code/") for row in schemes)
    bad = run(comunica, server, ENTRIES, "not-a-token")
    assert bad.returncode != 0 and "401" in bad.stderr
