"""Results read from an external SPARQL engine (govcat.remote_store) written in the format a client asks for:
("solutions", variables, rows of `Term`), ("boolean", value) or ("graph", triples), cut at a row cap."""
from __future__ import annotations

import json

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
