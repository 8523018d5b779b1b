"""`govcat.sparql.bind_terms`: the bound values of a query written into its text as RDF terms, for SPARQL
engines without bound parameters (govcat.remote_store). On the embedded store, every saved query with
parameters answers the same through bind_terms as through pyoxigraph's substitutions, for values taken from a
loaded catalogue; values stay terms (escaped), never query text."""
from __future__ import annotations

import itertools

import pytest
from govcat.catalogue import Catalogue
from govcat.catalogue.loading import load_file
from govcat.catalogue.repository import HISTORY_GRAPH, USERS_GRAPH
from govcat.namespaces import GC, XSD
from govcat.saved_queries import load_all
from govcat.sparql import bind_terms, drop_lateral
from govcat.terms import Term, iri, literal

RECORD_CLASSES = ("Department", "InformationSystem", "InformationResource", "DataFlow")


@pytest.fixture(scope="module")
def cat(small_xlsx, tmp_path_factory):
    catalogue = Catalogue.open(tmp_path_factory.mktemp("bound") / "store")
    assert load_file(catalogue, small_xlsx, "tester", publish=True).written
    return catalogue


def candidates(cat: Catalogue) -> dict[str, list[Term]]:
    """Values of each parameter type that the catalogue holds (so that answers are not all empty)."""
    records = []
    for name in RECORD_CLASSES:
        rows = cat.graph.select("SELECT ?r ?c WHERE { GRAPH ?r { ?r a ?c } } ORDER BY ?r LIMIT 2", {"c": iri(GC + name)})
        records += [r["r"] for r in rows]
    codes = [r["code"] for r in cat.graph.select(
        "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?code WHERE { ?r dct:identifier ?code } ORDER BY ?code LIMIT 2")]
    names = [r["n"] for r in cat.graph.select(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?n WHERE { ?d skos:prefLabel ?n } LIMIT 2")]
    return {"iri": records + [iri(HISTORY_GRAPH), iri(USERS_GRAPH), iri(GC + "InformationResource")],
            "code": records,
            "string": [literal("zh"), literal("en")] + codes + names,
            "integer": [literal("1", XSD + "integer"), literal("3", XSD + "integer")],
            "decimal": [literal("0.5", XSD + "decimal"), literal("0.1", XSD + "decimal")],
            "date": [literal("2000-01-01", XSD + "date"), literal("2030-12-31", XSD + "date")],
            "datetime": [literal("2000-01-01T00:00:00Z", XSD + "dateTime")],
            "boolean": [literal("true", XSD + "boolean"), literal("false", XSD + "boolean")]}


def answers(rows) -> list[str]:
    return sorted(repr(sorted((k, v) for k, v in row.items())) for row in rows)


@pytest.mark.embedded_only("it compares pyoxigraph's bound parameters with values written in; on an engine both sides "
                            "are written in (tests/test_external_engines.py runs every saved query on each engine)")
def test_every_saved_query_answers_the_same_with_values_written_in(cat):
    values = candidates(cat)
    compared = non_empty = 0
    for saved in load_all().values():
        if not saved.params:
            continue
        for param in saved.params:        # vary one parameter; the others take their first value
            for value in values[param.type]:
                bindings = {p.name: values[p.type][0] for p in saved.params} | {param.name: value}
                for subset in (bindings, {k: v for k, v in bindings.items() if k == param.name}):
                    if any(p.required and p.name not in subset for p in saved.params):
                        continue
                    expected = answers(cat.graph.select(saved.text, subset))
                    got = answers(cat.graph.select(bind_terms(saved.text, subset)))
                    assert got == expected, (saved.name, subset)
                    compared += 1
                    non_empty += bool(expected)
    assert compared > 500 and non_empty > 150, (compared, non_empty)


def test_lineage_without_lateral_answers_the_same(cat):
    """The one engine rewrite (LATERAL as a plain group) keeps the answers of the lineage queries."""
    systems = [r["r"] for r in cat.graph.select(
        "SELECT ?r ?c WHERE { GRAPH ?r { ?r a ?c } } ORDER BY ?r", {"c": iri(GC + "InformationSystem")})]
    found = 0
    for name, system in itertools.product(("lineage_down", "lineage_up"), systems):
        text = load_all()[name].text
        expected = answers(cat.graph.select(text, {"system": system}))
        assert answers(cat.graph.select(drop_lateral(bind_terms(text, {"system": system})))) == expected
        found += bool(expected)
    assert found >= 2


def test_values_are_written_as_terms_not_as_query_text(cat):
    hostile = literal('x" } } ; DROP ALL ; SELECT * { ?s ?p "')
    text = 'SELECT ?name ?s WHERE { ?s <urn:p> ?name FILTER(?name != "?name") } # ?name'
    bound = bind_terms(text, {"name": hostile})
    assert bound.count("DROP ALL") == 3     # inside the three written literals (VALUES, pattern, FILTER) only
    assert '"?name"' in bound and bound.endswith("# ?name")   # strings and comments untouched
    assert cat.graph.select(bound) == []    # one valid query, nothing dropped
    assert len(cat.graph) > 1000
    for bad in ({"x": iri("http://a> } DROP ALL { <b")}, {"x y": literal("1")}, {"x": Term("bnode", "b1")},
                {"x": Term("literal", "1", None, 'en" . DROP')}):
        with pytest.raises(ValueError):
            bind_terms("SELECT ?x WHERE { ?x ?p ?o }", bad)
    for assigned in ('SELECT ?x WHERE { BIND(1 AS ?x) }', 'SELECT ?x WHERE { VALUES ?x { 1 } }'):
        with pytest.raises(ValueError):
            bind_terms(assigned, {"x": literal("1")})


def test_projection_group_order_and_bound_are_rewritten():
    bound = bind_terms("SELECT ?r (COUNT(?v) AS ?n) WHERE { ?v <urn:of> ?r FILTER(BOUND(?r)) } GROUP BY ?r ORDER BY ?r",
                       {"r": iri("urn:x")})
    assert bound == ("SELECT ?r (COUNT(?v) AS ?n) WHERE { VALUES ?r { <urn:x> } ?v <urn:of> <urn:x> FILTER(true) } "
                     "GROUP BY ?r ORDER BY ?r")
    bound = bind_terms("SELECT ?v WHERE { { SELECT ?v ?r WHERE { ?v <urn:of> ?r } } } ORDER BY ?r", {"r": iri("urn:x")})
    assert bound == ("SELECT ?v WHERE { { SELECT ?v ?r WHERE { VALUES ?r { <urn:x> } ?v <urn:of> <urn:x> } } } "
                     "ORDER BY (<urn:x>)")
