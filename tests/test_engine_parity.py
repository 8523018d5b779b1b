"""govcat's SPARQL engine gives exactly the findings of plain pySHACL on the same shapes and data.

The reference (`govcat.validation.reference`) runs `pyshacl.validate` with the ontology and code lists
in the data graph, as govcat validates, and turns each sh:ValidationResult into `Finding.key()`.
pySHACL parses each SHACL-SPARQL text once here (`prepare_queries=True`): same results, several times
faster than re-parsing it for every focus node. The parity tests let pySHACL run constraints that
SHACL's pre-binding rules forbid (`relax_prebinding=True`), so that they compare what the two engines
find; `test_sparql_constraints_follow_the_prebinding_rules` checks those rules on their own.
"""
from pathlib import Path

import pytest

pytest.importorskip("pyshacl")

from govcat.generate import generate_catalogue  # noqa: E402
from govcat.loaders import load_path  # noqa: E402
from govcat.validation.engine import run_checks  # noqa: E402
from govcat.validation.reference import (  # noqa: E402
    canonical_lexical,
    prebinding_problems,
    pyshacl_findings,
)
from govcat.validation.literals import well_formed  # noqa: E402
from govcat.validation.run import data_graph, raw_values, validate_path  # noqa: E402

XSD = "http://www.w3.org/2001/XMLSchema#"


def both(path: Path, rdf_format: str | None = None) -> tuple[set, set]:
    loaded = load_path(path)
    ours = {f.key() for f in run_checks(data_graph(loaded))}
    theirs = pyshacl_findings(loaded.ntriples, rdf_format or loaded.rdf_format, prepare_queries=True,
                              relax_prebinding=True)
    return ours, theirs


def assert_same(ours: set, theirs: set) -> None:
    if ours != theirs:
        lines = [f"{'govcat only ' if k in ours else 'pyshacl only'} {k}"
                 for k in sorted(ours ^ theirs, key=lambda k: tuple("" if x is None else x for x in k))]
        print("\n".join(lines))
        pytest.fail(f"{len(ours - theirs)} findings only from govcat, {len(theirs - ours)} only from "
                    f"pySHACL (of {len(ours)} / {len(theirs)}):\n" + "\n".join(lines[:60]))


@pytest.fixture(scope="module")
def defective(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("parity") / "defective"
    result = generate_catalogue(out, 150, seed=5, defects=0.3)
    assert result.defects, "the generator planted no defects"
    return out


@pytest.fixture(scope="module")
def defective_findings(defective) -> tuple[set, set]:
    return both(defective)


def test_parity_on_a_defective_catalogue(defective_findings):
    ours, theirs = defective_findings
    assert ours, "a catalogue with planted defects gave no findings"
    assert len({k[0] for k in ours}) >= 10
    assert_same(ours, theirs)


def test_parity_of_the_production_path(defective, defective_findings):
    """`govcat validate` reads, parses and checks in its own way (streamed parsing, checks that
    tabular input cannot fail left out); it must still find exactly what pySHACL finds."""
    production = {r.finding.key() for r in validate_path(defective).results}
    _ours, theirs = defective_findings
    assert_same(production, theirs)


def test_parity_on_a_clean_catalogue(tmp_path):
    out = tmp_path / "clean"
    generate_catalogue(out, 40, seed=5, defects=0.0)
    ours, theirs = both(out)
    assert_same(ours, theirs)
    assert ours == set()


def test_sparql_constraints_follow_the_prebinding_rules():
    """SHACL 1.0 §5.2.1: a SPARQL-based constraint must not use MINUS, VALUES or SERVICE, must not
    re-bind $this with AS, and its sub-SELECTs must project $this. Plain pySHACL refuses to validate
    anything with shapes that break these rules; govcat's engine accepts them."""
    problems = prebinding_problems()
    assert not problems, "shapes that plain pySHACL refuses:\n" + "\n".join(
        f"  {shape}: {reason.splitlines()[0]}" for shape, reason in sorted(problems.items()))


@pytest.mark.parametrize("lexical, datatype, canonical", [
    ("5.0", "decimal", "5"), ("1.50", "decimal", "1.5"), ("-0.0", "decimal", "0"), (".5", "decimal", "0.5"),
    ("abc", "decimal", "abc"), ("+007", "integer", "7"), ("07", "int", "7"), ("-0", "integer", "0"),
    ("1", "boolean", "true"), ("0", "boolean", "false"), ("yes", "boolean", "yes"),
    ("99999999999999999999", "integer", "99999999999999999999"), ("2024-01-01", "date", "2024-01-01"),
])
def test_reference_prints_literals_as_the_store_does(lexical, datatype, canonical):
    """The reference writes valid numbers and booleans in the canonical form Oxigraph returns them in."""
    pyoxigraph = pytest.importorskip("pyoxigraph")
    store = pyoxigraph.Store()
    node = pyoxigraph.NamedNode("urn:x")
    store.add(pyoxigraph.Quad(node, node, pyoxigraph.Literal(lexical, datatype=pyoxigraph.NamedNode(XSD + datatype))))
    assert canonical_lexical(lexical, XSD + datatype) == canonical == next(iter(store)).object.value


# RDF input can hold typed literals that the template loaders never write. SHACL 1.0 §4.1.1: "A
# literal matches a datatype if the literal's datatype has the same IRI and, for the datatypes
# supported by SPARQL 1.1, is not an ill-formed literal." Oxigraph stores xsd:int (and the other
# integer subtypes) as xsd:integer, so the SPARQL check alone would pass "5"^^xsd:int for xsd:integer and
# "2024-02-30"^^xsd:date for xsd:date; for RDF input the engine checks sh:datatype on the literals as
# the file wrote them (govcat.validation.literals).
EDGE_TTL = """\
@prefix gc:  <https://w3id.org/govcat/def#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex:  <https://govcat.example.org/id/> .
ex:s1 a gc:InformationSystem ; dct:identifier "S1" ; dct:title "系统" ; gc:systemFunction "功能" ;
    gc:monthlyUses 3 ; gc:userCount "5"^^xsd:int ; gc:approvalDate "2024-02-30"^^xsd:date ;
    gc:connectedToPlatform true ; gc:detachedFromBusiness false .
"""


def test_parity_on_literals_only_rdf_input_can_hold(tmp_path):
    path = tmp_path / "edge.ttl"
    path.write_text(EDGE_TTL, encoding="utf-8")
    loaded = load_path(path)
    ours = {f.key() for f in run_checks(data_graph(loaded), raw=raw_values(loaded))}
    theirs = pyshacl_findings(loaded.ntriples, loaded.rdf_format, prepare_queries=True, relax_prebinding=True)
    assert_same(ours, theirs)
    assert {k[3].rsplit("#", 1)[1] for k in ours if k[3]} >= {"userCount", "approvalDate"}
    # the production path (govcat validate) reports them with the rule, in Chinese
    found = {(r.finding.path.rsplit("#", 1)[1], r.finding.value.n3()) for r in validate_path(path).results
             if r.finding.path and r.finding.value is not None}
    assert ("userCount", '"5"^^<http://www.w3.org/2001/XMLSchema#int>') in found
    assert ("approvalDate", '"2024-02-30"^^<http://www.w3.org/2001/XMLSchema#date>') in found


@pytest.mark.parametrize("lexical, datatype, ok", [
    ("12", "integer", True), ("-0", "integer", True), ("1.0", "integer", False), ("", "integer", False),
    ("1.", "decimal", True), (".5", "decimal", True), ("1e3", "decimal", False), ("true", "boolean", True),
    ("1", "boolean", True), ("yes", "boolean", False), ("2024-02-29", "date", True), ("2023-02-29", "date", False),
    ("2024-13-01", "date", False), ("2024-01-01Z", "date", True), ("2024-01-01+08:00", "date", True),
    ("2024-01-01+15:00", "date", False), ("24-01-01", "date", False), ("2024-1-1", "date", False),
])
def test_lexical_forms(lexical, datatype, ok):
    assert well_formed(lexical, XSD + datatype) is ok
