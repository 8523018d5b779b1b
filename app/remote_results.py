"""Results of an external SPARQL engine (govcat.remote_store): read from SPARQL JSON into ("solutions", variables,
rows of `Term`) or ("boolean", value), and written in the format a client asks for, cut at a row cap.

JSON, although Virtuoso writes its XML results 3.5× faster: that XML can hold character references XML 1.0
forbids (unreadable), and pyoxigraph's XML results parser trims the whitespace around a literal's text."""
from __future__ import annotations

import json
import re

from .namespaces import XSD_STRING
from .store import SerializedResults, serialize_results, serialize_triples
from .terms import Term


def serialized(found, media: str, row_cap: int) -> SerializedResults:
    """Results read from an engine, cut at `row_cap` (0: no cap), written in the media type `media`."""
    kind = found[0]
    if kind == "boolean":
        return SerializedResults(kind, media, serialize_results(json.dumps({"head": {}, "boolean": found[1]}).encode(),
                                                                media), False)
    items = found[2] if kind == "solutions" else found[1]
    cut = 0 < row_cap < len(items)
    items = items[:row_cap] if cut else items
    if kind == "graph":
        return SerializedResults(kind, media, serialize_triples(items, media), cut)
    names = found[1]
    body = {"head": {"vars": names},
            "results": {"bindings": [{n: cell(t) for n, t in row.items() if t is not None and n in names}
                                     for row in items]}}
    return SerializedResults(kind, media, serialize_results(json.dumps(body).encode("utf-8"), media), cut)


def cell(term: Term) -> dict:
    if term.kind == "iri":
        return {"type": "uri", "value": term.value}
    if term.kind == "bnode":
        return {"type": "bnode", "value": term.value}
    if term.language:
        return {"type": "literal", "value": term.value, "xml:lang": term.language}
    return {"type": "literal", "value": term.value, "datatype": term.datatype or XSD_STRING}


def read_results(body: bytes) -> tuple:
    """("boolean", value) or ("solutions", names, rows) from SPARQL JSON results."""
    found = json.loads(body)
    if "boolean" in found:
        return "boolean", bool(found["boolean"])
    names = found["head"].get("vars", [])
    return "solutions", names, [{n: _json_term(b[n]) if n in b else None for n in names}
                                for b in found["results"]["bindings"]]


def _json_term(cell: dict) -> Term:
    kind, value = cell["type"], cell["value"]
    if kind == "uri":
        return Term("iri", value)
    if kind == "bnode":
        return _bnode(value)
    if cell.get("xml:lang"):
        return Term("literal", value, None, cell["xml:lang"])
    return Term("literal", value, cell.get("datatype") or XSD_STRING)


def _bnode(label: str) -> Term:
    """An engine's blank node label as a valid, stable one (Virtuoso writes nodeID://b10001)."""
    return Term("bnode", re.sub(r"[^A-Za-z0-9]", "", label) or "b")
