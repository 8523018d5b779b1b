"""Compile SHACL shapes into whole-graph SPARQL checks.

pySHACL evaluates a constraint once per focus node; for catalogues of 10^5
entries that is the cost that matters. Here every constraint of a shape becomes
one SELECT over the whole data graph that returns the offending
(focus, path, value) rows, with the semantics of SHACL 1.0 for the supported
components. A shape that uses anything else is refused at compile time, so the
engine never silently skips a constraint.

Only constants of the shapes graph (IRIs, numbers, patterns) are written into
the query text; data values never are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..namespaces import GC, RDFS, SH, sparql_prologue
from ..store import Graph
from ..terms import Term, nt_literal

SEVERITIES = {SH + "Violation": "Violation", SH + "Warning": "Warning", SH + "Info": "Info"}

# Shape predicates that carry no constraint (documentation, form layout, engine hints).
_NON_CONSTRAINT = {
    SH + p for p in ("path", "name", "description", "order", "group", "message", "severity",
                     "deactivated", "targetClass", "property", "defaultValue")
} | {GC + "ruleId", GC + "sheet", GC + "column", GC + "keyProperty", GC + "separator",
     RDFS + "comment", RDFS + "label",
     "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}

_VALUE_FILTERS = {
    SH + "datatype": "FILTER(!isLiteral(?value) || datatype(?value) != {arg})",
    # (MINUS, not FILTER NOT EXISTS: the same here, as they share only ?value, and 2× faster in Oxigraph)
    # {{classes <C>}} is filled in by the engine with C and its subclasses in the data graph, which is
    # rdf:type/rdfs:subClassOf* of SHACL, evaluated once instead of once per value
    SH + "class": "MINUS {{ ?value a ?valueClass . VALUES ?valueClass {{ {{classes {arg}}} }} }}",
    SH + "minLength": "FILTER(isBlank(?value) || STRLEN(STR(?value)) < {arg})",
    SH + "maxLength": "FILTER(isBlank(?value) || STRLEN(STR(?value)) > {arg})",
    SH + "minInclusive": "FILTER(!COALESCE(?value >= {arg}, false))",
    SH + "maxInclusive": "FILTER(!COALESCE(?value <= {arg}, false))",
    SH + "minExclusive": "FILTER(!COALESCE(?value > {arg}, false))",
    SH + "maxExclusive": "FILTER(!COALESCE(?value < {arg}, false))",
}
_COMPONENT = {
    SH + "datatype": "DatatypeConstraintComponent", SH + "class": "ClassConstraintComponent",
    SH + "minLength": "MinLengthConstraintComponent", SH + "maxLength": "MaxLengthConstraintComponent",
    SH + "minInclusive": "MinInclusiveConstraintComponent",
    SH + "maxInclusive": "MaxInclusiveConstraintComponent",
    SH + "minExclusive": "MinExclusiveConstraintComponent",
    SH + "maxExclusive": "MaxExclusiveConstraintComponent",
    SH + "pattern": "PatternConstraintComponent", SH + "minCount": "MinCountConstraintComponent",
    SH + "maxCount": "MaxCountConstraintComponent", SH + "sparql": "SPARQLConstraintComponent",
}

_HEAD = "SELECT DISTINCT ?this ?path ?value WHERE {{\n  VALUES ?targetClass {{ {targets} }}\n  ?this a ?targetClass .\n"
_VALUE_CHECK = _HEAD + "  ?this {path} ?value .\n  {filter}\n}}"
_MIN_COUNT_ONE = _HEAD + "  FILTER NOT EXISTS {{ ?this {path} ?any }}\n}}"
_MAX_COUNT_ONE = _HEAD + "  ?this {path} ?value , ?other .\n  FILTER(!sameTerm(?value, ?other))\n}}"
_COUNT = ("SELECT ?this WHERE {{\n  VALUES ?targetClass {{ {targets} }}\n  ?this a ?targetClass .\n"
          "  OPTIONAL {{ ?this {path} ?v }}\n}} GROUP BY ?this HAVING (COUNT(DISTINCT ?v) {op} {n})")
_WITH_VALUE = "SELECT DISTINCT ?this WHERE {{\n  VALUES ?targetClass {{ {targets} }}\n  ?this a ?targetClass ; {path} ?value\n}}"
_SPARQL = _HEAD + "  {{\n{inner}\n  }}\n}}"


class ShapeError(ValueError):
    """A shapes graph that the engine cannot run faithfully."""


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, ready to run as a whole-graph query."""

    rule: str
    severity: str
    shape: str
    component: str
    target_class: str
    path: str | None
    messages: dict[str, str]
    query: str  # with a {targets} slot for the target class and its subclasses
    node_shape: bool = False
    max_count: int | None = None
    datatype: str | None = None   # the sh:datatype of a DatatypeConstraintComponent check

    def focus_query(self) -> str:
        """The focus nodes that have a value of the path (a datatype check's candidates; {targets} slot)."""
        return sparql_prologue() + _WITH_VALUE.format(targets="{targets}", path="<" + self.path + ">")


@dataclass
class ShapeInfo:
    iri: str
    rule: str
    severity: str
    messages: dict[str, str] = field(default_factory=dict)


def _one(graph: Graph, query: str, **bindings: Term) -> list[dict[str, Term | None]]:
    return graph.select(sparql_prologue() + query, bindings)


def _shape_info(graph: Graph, shape: str) -> ShapeInfo:
    rows = _one(graph, "SELECT ?s ?rule ?sev WHERE { ?s ?anything ?o OPTIONAL { ?s gc:ruleId ?rule } "
                "OPTIONAL { ?s sh:severity ?sev } }",
                s=Term("iri", shape))
    rules = {r["rule"].value for r in rows if r["rule"]}
    if len(rules) != 1:
        raise ShapeError(f"shape <{shape}> must carry exactly one gc:ruleId, found {sorted(rules)}")
    sev = rows[0]["sev"]
    severity = SEVERITIES.get(sev.value if sev else SH + "Violation")
    if severity is None:
        raise ShapeError(f"shape <{shape}> has an unknown severity {sev.value}")
    msgs = _one(graph, "SELECT ?s ?m WHERE { ?s sh:message ?m }", s=Term("iri", shape))
    messages = {(m["m"].language or "zh"): m["m"].value for m in msgs}
    if not {"zh", "en"} <= messages.keys():
        raise ShapeError(f"shape <{shape}> needs sh:message in @zh and @en")
    return ShapeInfo(shape, rules.pop(), severity, messages)


def _params(graph: Graph, shape: str) -> dict[str, list[Term]]:
    params: dict[str, list[Term]] = {}
    for row in _one(graph, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", s=Term("iri", shape)):
        params.setdefault(row["p"].value, []).append(row["o"])
    return params


def _is_deactivated(params: dict[str, list[Term]]) -> bool:
    return any(t.value == "true" for t in params.get(SH + "deactivated", []))


def _sparql_checks(graph: Graph, info: ShapeInfo, target: str) -> list[Check]:
    """One check per sh:sparql constraint of the node shape `info.iri`."""
    shape = Term("iri", info.iri)
    selects = _one(graph, "SELECT ?s ?c ?select WHERE { ?s sh:sparql ?c . OPTIONAL { ?c sh:select ?select } }",
                   s=shape)
    declared = _one(graph, """SELECT ?s ?c ?prefix ?ns WHERE { ?s sh:sparql ?c . ?c sh:prefixes ?holder .
                              ?holder sh:declare [ sh:prefix ?prefix ; sh:namespace ?ns ] }""", s=shape)
    checks = []
    for constraint in {r["c"] for r in selects}:
        texts = [r["select"].value for r in selects if r["c"] == constraint and r["select"] is not None]
        if len(texts) != 1:
            raise ShapeError(f"SPARQL constraint of <{info.iri}> needs exactly one sh:select")
        select = texts[0]
        if "$PATH" in select or not re.search(r"SELECT\s+(DISTINCT\s+)?[^{]*\$this\b", select):
            raise ShapeError(f"SPARQL constraint of <{info.iri}> must project $this and not use $PATH")
        prefixes = "".join(f"PREFIX {r['prefix'].value}: <{r['ns'].value}>\n"
                           for r in declared if r["c"] == constraint)
        inner = _prefix_re.sub("", select).replace("$this", "?this")
        query = prefixes + sparql_prologue() + _SPARQL.format(targets="{targets}", inner=inner)
        checks.append(Check(info.rule, info.severity, info.iri, SH + "SPARQLConstraintComponent", target,
                            None, info.messages, query, node_shape=True))
    return sorted(checks, key=lambda c: c.query)


_prefix_re = re.compile(r"^\s*PREFIX\s+\S*:\s*<[^>]*>\s*$", re.MULTILINE | re.IGNORECASE)


def _property_checks(graph: Graph, shape: str, target: str) -> list[Check]:
    params = _params(graph, shape)
    if _is_deactivated(params):
        return []
    paths = params.get(SH + "path", [])
    if len(paths) != 1 or not paths[0].is_iri:
        raise ShapeError(f"property shape <{shape}> needs one sh:path that is an IRI (no complex paths)")
    path = paths[0].value
    p = "<" + path + ">"
    checks = []
    info: ShapeInfo | None = None

    def add(component: str, query: str, max_count: int | None = None, datatype: str | None = None) -> None:
        nonlocal info
        info = info or _shape_info(graph, shape)
        checks.append(Check(info.rule, info.severity, shape, SH + _COMPONENT[component], target, path,
                            info.messages, sparql_prologue() + query, max_count=max_count, datatype=datatype))

    for pred, values in params.items():
        if pred in _NON_CONSTRAINT or pred == SH + "flags":
            continue
        if len(values) != 1:
            raise ShapeError(f"<{shape}> has {len(values)} values for <{pred}>; give each constraint once")
        value = values[0]
        if pred == SH + "minCount":
            n = int(value.value)
            if n == 1:
                add(pred, _MIN_COUNT_ONE.format(targets="{targets}", path=p))
            elif n > 1:
                add(pred, _COUNT.format(targets="{targets}", path=p, op="<", n=n))
        elif pred == SH + "maxCount":
            n = int(value.value)
            if n == 1:   # a join on the subject instead of grouping every focus node
                add(pred, _MAX_COUNT_ONE.format(targets="{targets}", path=p).replace("?path ?value", "?path"), 1)
            else:
                add(pred, _COUNT.format(targets="{targets}", path=p, op=">", n=n), n)
        elif pred == SH + "pattern":
            flags = params.get(SH + "flags")
            args = nt_literal(value.value) + (", " + nt_literal(flags[0].value) if flags else "")
            add(pred, _VALUE_CHECK.format(targets="{targets}", path=p,
                                          filter=f"FILTER(isBlank(?value) || !REGEX(STR(?value), {args}))"))
        elif pred in _VALUE_FILTERS:
            add(pred, _VALUE_CHECK.format(targets="{targets}", path=p,
                                          filter=_VALUE_FILTERS[pred].format(arg=value.n3())),
                datatype=value.value if pred == SH + "datatype" else None)
        elif pred == SH + "sparql":
            raise ShapeError(f"<{shape}>: put SPARQL constraints on node shapes, not property shapes")
        else:
            raise ShapeError(f"<{shape}> uses <{pred}>, which this engine does not implement")
    return checks


def compile_shapes(graph: Graph) -> list[Check]:
    """All checks of the node shapes (with sh:targetClass) in `graph`."""
    checks: list[Check] = []
    node_shapes = _one(graph, "SELECT ?shape ?target WHERE { ?shape sh:targetClass ?target } ORDER BY ?shape")
    for row in node_shapes:
        shape, target = row["shape"].value, row["target"].value
        params = _params(graph, shape)
        if _is_deactivated(params):
            continue
        if len(params.get(SH + "targetClass", [])) != 1:
            raise ShapeError(f"node shape <{shape}> must have exactly one sh:targetClass")
        for pred in params:
            if pred not in _NON_CONSTRAINT and pred != SH + "sparql":
                raise ShapeError(f"node shape <{shape}> uses <{pred}>, which this engine does not implement")
        for prop in params.get(SH + "property", []):
            checks.extend(_property_checks(graph, prop.value, target))
        if params.get(SH + "sparql"):
            checks.extend(_sparql_checks(graph, _shape_info(graph, shape), target))
    return checks
