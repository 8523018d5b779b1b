"""The SPARQL 1.1 Service Description of /sparql (W3C sparql11-service-description)."""
from __future__ import annotations

from .store import negotiate, offered_formats, serialize_triples
from .terms import Term, iri, literal

SD = "http://www.w3.org/ns/sparql-service-description#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def service_description(endpoint: str, accept: str | None, federated: bool = False) -> tuple[str, bytes] | None:
    """The SPARQL 1.1 Service Description of the endpoint (media type, body), in the RDF format the Accept
    header asks for (Turtle by default); None when it asks for none offered."""
    media_type = negotiate(accept, "graph")
    if media_type is None:
        return None
    service = iri(endpoint)
    triples: list[tuple[Term, Term, Term]] = [
        (service, iri(_RDF_TYPE), iri(SD + "Service")),
        (service, iri(SD + "endpoint"), service),
        (service, iri(SD + "supportedLanguage"), iri(SD + "SPARQL11Query")),
        (service, iri(SD + "supportedLanguage"), iri(SD + "SPARQL11Update")),
        (service, iri(SD + "feature"), iri(SD + "UnionDefaultGraph")),
        (service, iri("http://purl.org/dc/terms/title"), literal("govcat 政务信息资源目录 SPARQL 端点", language="zh")),
        (service, iri("http://purl.org/dc/terms/title"), literal("govcat catalogue SPARQL endpoint", language="en")),
    ]
    if federated:
        triples.append((service, iri(SD + "feature"), iri(SD + "BasicFederatedQuery")))
    formats = {f for kind in ("solutions", "boolean", "graph") for _media, f in offered_formats(kind)}
    triples += [(service, iri(SD + "resultFormat"), iri(f)) for f in sorted(formats)]
    return media_type, serialize_triples(triples, media_type, prefixes={"sd": SD})
