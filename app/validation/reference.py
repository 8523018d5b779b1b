"""Plain pySHACL as the reference for govcat's engine (tests and benchmarks only, never production).

    keys = pyshacl_findings(loaded.ntriples)     # set of Finding.key() tuples

The data graph is the loaded records with the ontology and code lists parsed into it, exactly as
govcat validates: SHACL takes rdf:type/rdfs:subClassOf* from the data graph for sh:targetClass and
sh:class, so the class hierarchy and the code-list concepts must be there (pySHACL's `ont_graph`
would not do: see `pyshacl_validate`). The shapes graph is the shapes plus the ontology,
as `govcat.validation.engine.shapes_graph()` builds it. No inference, no SHACL-AF.

Each sh:ValidationResult becomes the tuple of `govcat.validation.engine.Finding.key()`:
(gc:ruleId of sh:sourceShape, severity local name, focus IRI, sh:resultPath IRI or None,
sh:value in the N-Triples form of `govcat.terms.Term.n3()` or None).

rdflib and pySHACL are imported inside the functions, so importing this module costs nothing.
"""
from __future__ import annotations

import re
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from pathlib import Path

from ..namespaces import GC, SH, XSD, XSD_STRING
from ..terms import nt_iri, nt_literal

_INTEGER_TYPES = {XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte")}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


def canonical_lexical(lexical: str, datatype: str | None) -> str:
    """The canonical lexical form of a valid xsd:integer/decimal/boolean literal, else as is.

    Oxigraph stores these datatypes as values and gives them back in canonical form ("5.0"^^xsd:decimal
    comes back as "5", "01"^^xsd:integer as "1"); rdflib keeps most lexical forms as written. Two
    engines that report the same literal must print it the same way, so both sides of a comparison
    use the canonical form, within the ranges where Oxigraph stores values (64-bit integers, decimals
    of 18 fraction digits). Ill-typed literals (e.g. "abc"^^xsd:integer) are left untouched."""
    if datatype in _INTEGER_TYPES:
        if _INTEGER.fullmatch(lexical) and -2 ** 63 <= int(lexical) < 2 ** 63:   # Oxigraph: i64
            return str(int(lexical))
        return lexical
    if datatype == XSD + "decimal":
        if not _DECIMAL.fullmatch(lexical):
            return lexical
        number = Decimal(lexical)
        scaled = number.scaleb(18)                        # Oxigraph: i128 with 18 fraction digits
        if scaled != scaled.to_integral_value() or not -2 ** 127 <= scaled < 2 ** 127:
            return lexical
        return "0" if number == 0 else format(number.normalize(), "f")
    if datatype == XSD + "boolean":
        return {"true": "true", "1": "true", "false": "false", "0": "false"}.get(lexical, lexical)
    return lexical


def term_n3(node) -> str:
    """An rdflib term in the N-Triples form of `govcat.terms.Term.n3()`."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, URIRef):
        return nt_iri(str(node))
    if isinstance(node, BNode):
        return "_:" + str(node)
    if isinstance(node, Literal):
        if node.language:
            return nt_literal(str(node), None, node.language)
        datatype = str(node.datatype) if node.datatype is not None else XSD_STRING
        return nt_literal(canonical_lexical(str(node), datatype), datatype)
    raise TypeError(f"unsupported RDF term {node!r}")


def _files_graph(files: list[Path]):
    from rdflib import Graph

    graph = Graph()
    for path in files:
        graph.parse(str(path), format="turtle")
    return graph


def shapes_graph():
    from .engine import schema_files, shape_files
    return _files_graph(shape_files() + schema_files())


@contextmanager
def prepared_queries():
    """Within the block, rdflib parses each distinct SPARQL text once instead of once per query.

    pySHACL runs a SHACL-SPARQL constraint once per focus node, always with the same text and $this
    given as an initial binding, and rdflib parses and translates the text every time (about 0.1 s
    for govcat's longer constraints, over 80 % of pySHACL's run time). Evaluating a prepared query
    is what rdflib's own `prepareQuery` offers, so results are the same; only the parsing is saved.

    A sub-SELECT that does not mention $this (which SHACL's pre-binding rules forbid, see
    `relaxed_prebinding`) gives the same solutions for every focus node; within the block it is
    evaluated once per data graph instead of once per focus node (for govcat's C09 name check that
    is the difference between linear and quadratic time).

    Used by the parity tests to keep them fast; benchmarks of plain pySHACL leave it off."""
    from rdflib.plugins.sparql import evaluate, processor
    from rdflib.plugins.sparql.sparql import FrozenBindings

    original_query = processor.SPARQLProcessor.query
    original_multiset = evaluate.evalMultiset
    prepared: dict = {}
    uncorrelated: dict[int, tuple] = {}     # id(sub-select) -> (the part, kept alive; independent of $this?)
    solutions: dict[tuple, tuple] = {}      # (id(part), id(graph)) -> (graph, kept alive; solution dicts)

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            if key not in prepared:
                prepared[key] = processor.translateQuery(processor.parseQuery(strOrQuery), base, initNs)
            strOrQuery = prepared[key]
        return original_query(self, strOrQuery, initBindings, initNs, base, DEBUG)

    def multiset(ctx, part):
        if part.p.name == "values":
            return original_multiset(ctx, part)
        if id(part) not in uncorrelated:
            uncorrelated[id(part)] = (part, not _mentions_this(part.p))
        if not uncorrelated[id(part)][1]:
            return original_multiset(ctx, part)
        key = (id(part), id(ctx.graph))
        if key not in solutions:
            solutions[key] = (ctx.graph, [dict(row.items()) for row in original_multiset(ctx, part)])
        return (FrozenBindings(ctx, row) for row in solutions[key][1])

    processor.SPARQLProcessor.query = query
    evaluate.evalMultiset = multiset
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original_query
        evaluate.evalMultiset = original_multiset


def _mentions_this(node) -> bool:
    """Whether the variable $this / ?this occurs anywhere in a piece of rdflib SPARQL algebra."""
    from rdflib.term import Variable

    if isinstance(node, Variable):
        return str(node) == "this"
    if isinstance(node, dict):
        return any(_mentions_this(v) for v in node.values())
    if isinstance(node, (list, tuple, set, frozenset)):
        return any(_mentions_this(v) for v in node)
    return False


class ShapesRejected(RuntimeError):
    """pySHACL refused to run the shapes (it returned a ValidationFailure instead of a report)."""


@contextmanager
def relaxed_prebinding():
    """Within the block, pySHACL runs SHACL-SPARQL queries that break the pre-binding rules.

    SHACL 1.0 §5.2.1 (pre-binding of variables) forbids MINUS, VALUES and SERVICE in SPARQL-based
    constraints, re-binding a pre-bound variable with AS, and sub-SELECTs that do not project $this;
    pySHACL checks this for every focus node and gives up on the whole validation with a
    ValidationFailure. govcat's engine does not check, and evaluates each constraint once over the
    whole graph (a join on ?this, not a pre-binding), where these forms are harmless. This turns
    pySHACL's check off, so that the two engines can still be compared on what the queries find;
    `prebinding_problems` lists the constraints that need it."""
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    original = SPARQLQueryHelper.check_invalid_sparql
    SPARQLQueryHelper.check_invalid_sparql = lambda self, *args, **kwargs: True
    try:
        yield
    finally:
        SPARQLQueryHelper.check_invalid_sparql = original


def prebinding_problems(shacl_graph=None) -> dict[str, str]:
    """SHACL-SPARQL constraints that pySHACL refuses under SHACL 1.0 §5.2.1, as {shape IRI: reason}."""
    from pyshacl.errors import ValidationFailure
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
    from rdflib import Namespace

    graph = shacl_graph if shacl_graph is not None else shapes_graph()
    sh = Namespace(SH)
    problems = {}
    for shape, constraint in graph.subject_objects(sh.sparql):
        for select in graph.objects(constraint, sh.select):
            helper = SPARQLQueryHelper.__new__(SPARQLQueryHelper)   # the checks use only class regexes
            try:
                SPARQLQueryHelper.check_invalid_sparql(helper, str(select))
            except ValidationFailure as exc:
                problems[str(shape)] = str(exc.args[0] if exc.args else exc).strip()
    return problems


def pyshacl_validate(ntriples: str, rdf_format: str = "nt", shacl_graph=None):
    """Plain `pyshacl.validate` of the data with the ontology and code lists in the data graph.

    Returns (conforms, results graph). The schema files are parsed into the data graph itself rather
    than passed as `ont_graph`: pySHACL "inoculates" an ont_graph, copying only RDFS/OWL axioms
    (classes, subClassOf, property definitions), so the code-list concepts (skos:Concept instances
    typed gc:SharingType, ...) would be missing and every sh:class on a code column would fail.
    govcat loads the whole files. Raises ShapesRejected when pySHACL refuses the shapes."""
    import pyshacl
    from rdflib import Graph

    from .engine import schema_files

    data = Graph()
    data.parse(data=ntriples, format={"nt": "nt", "ntriples": "nt", "ttl": "turtle"}.get(rdf_format, rdf_format))
    for path in schema_files():
        data.parse(str(path), format="turtle")
    conforms, results, text = pyshacl.validate(
        data,
        shacl_graph=shacl_graph if shacl_graph is not None else shapes_graph(),
        ont_graph=None,
        inference="none",
        advanced=False,
        abort_on_first=False,
        allow_infos=False,
        allow_warnings=False,
        meta_shacl=False,
        do_owl_imports=False,
        inplace=True,          # the graph is ours: no need for pySHACL to copy it
        debug=False,
    )
    if not hasattr(results, "subjects"):      # a ValidationFailure, not a report graph
        raise ShapesRejected(f"pySHACL refused the shapes: {text}")
    return conforms, results


def result_keys(results, shacl_graph) -> set[tuple]:
    """The Finding.key() tuple of every sh:ValidationResult of a pySHACL results graph."""
    from rdflib import RDF, Literal, Namespace, URIRef

    sh = Namespace(SH)
    rule_id = URIRef(GC + "ruleId")
    keys = set()
    for result in results.subjects(RDF.type, sh.ValidationResult):
        shape = results.value(result, sh.sourceShape)
        rules = {str(r) for r in shacl_graph.objects(shape, rule_id) if isinstance(r, Literal)}
        if len(rules) != 1:
            raise ValueError(f"source shape {shape} carries {len(rules)} gc:ruleId values")
        severity = str(results.value(result, sh.resultSeverity))
        if not severity.startswith(SH):
            raise ValueError(f"unexpected severity {severity}")
        focus = results.value(result, sh.focusNode)
        path = results.value(result, sh.resultPath)
        if path is not None and not isinstance(path, URIRef):
            raise ValueError(f"result path {path!r} is not an IRI")
        value = results.value(result, sh.value)
        keys.add((rules.pop(), severity[len(SH):], str(focus),
                  str(path) if path is not None else None,
                  term_n3(value) if value is not None else None))
    return keys


def pyshacl_findings(ntriples: str, rdf_format: str = "nt", prepare_queries: bool = False,
                     relax_prebinding: bool = False) -> set[tuple]:
    """Every finding of plain pySHACL on the data (N-Triples text), as Finding.key() tuples.

    `prepare_queries` parses each SHACL-SPARQL text once (see `prepared_queries`): same findings,
    several times faster. `relax_prebinding` lets pySHACL run constraints that SHACL's pre-binding
    rules forbid (see `relaxed_prebinding`); without it such shapes raise ShapesRejected."""
    shacl = shapes_graph()
    with prepared_queries() if prepare_queries else nullcontext(), \
            relaxed_prebinding() if relax_prebinding else nullcontext():
        _conforms, results = pyshacl_validate(ntriples, rdf_format, shacl_graph=shacl)
    return result_keys(results, shacl)
