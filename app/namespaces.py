"""Namespace IRIs used across govcat (see docs/model.md)."""

GC = "https://w3id.org/govcat/def#"
GCS = "https://w3id.org/govcat/shapes#"
GCC = "https://w3id.org/govcat/code/"
DEFAULT_BASE = "https://govcat.example.org/id/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
OWL = "http://www.w3.org/2002/07/owl#"

RDF_TYPE = RDF + "type"
XSD_STRING = XSD + "string"

PREFIXES = {
    "gc": GC, "gcs": GCS, "gcc": GCC, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "sh": SH,
    "skos": SKOS, "dct": DCT, "dcat": DCAT, "org": ORG, "prov": PROV, "foaf": FOAF, "owl": OWL,
}


def sparql_prologue() -> str:
    """PREFIX lines for every namespace above, for queries written with prefixed names."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
