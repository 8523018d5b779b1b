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
    Used by the parity tests to keep them fast; benchmarks of plain pySHACL leave it off."""
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    cache: dict = {}

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            prepared = cache.get(key)
            if prepared is None:
                prepared = cache[key] = processor.translateQuery(processor.parseQuery(strOrQuery), base, initNs)
            strOrQuery = prepared
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original


def pyshacl_validate(ntriples: str, rdf_format: str = "nt", shacl_graph=None):
    import pyshacl
    from rdflib import Graph

    from .engine import schema_files

    data = Graph()
    data.parse(data=ntriples, format={"nt": "nt", "ntriples": "nt", "ttl": "turtle"}.get(rdf_format, rdf_format))
    for path in schema_files():
        data.parse(str(path), format="turtle")
    conforms, results, _text = pyshacl.validate(
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


def pyshacl_findings(ntriples: str, rdf_format: str = "nt", prepare_queries: bool = False) -> set[tuple]:
    """Every finding of plain pySHACL on the data (N-Triples text), as Finding.key() tuples.

    `prepare_queries` parses each SHACL-SPARQL text once (see `prepared_queries`): same findings,
    several times faster."""
    shacl = shapes_graph()
    with prepared_queries() if prepare_queries else nullcontext():
        _conforms, results = pyshacl_validate(ntriples, rdf_format, shacl_graph=shacl)
    return result_keys(results, shacl)


def canonical_key(key: tuple) -> tuple:
    """A Finding.key() with its value in canonical form (see `canonical_lexical`)."""
    rule, severity, focus, path, value = key
    return (rule, severity, focus, path, canonical_n3(value) if value is not None else None)


def canonical_n3(value: str) -> str:
    """Canonicalize the lexical form of an N-Triples typed literal as written by Term.n3()."""
    if not value.startswith('"') or not value.endswith(">") or '"^^<' not in value:
        return value
    body, datatype = value.rsplit('"^^<', 1)
    datatype = datatype[:-1]
    lexical = body[1:]
    if "\\" in lexical:
        return value
    return nt_literal(canonical_lexical(lexical, datatype), datatype)
