"""RDF terms as plain Python values, independent of the store backend.

Loaders produce N-Triples text with the helpers below; the store module turns
backend terms into `Term` values, so that no other module depends on pyoxigraph.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from .namespaces import XSD_STRING


@dataclass(frozen=True, slots=True)
class Term:
    kind: str  # "iri", "literal" or "bnode"
    value: str
    datatype: str | None = None
    language: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.kind == "iri"

    @property
    def is_literal(self) -> bool:
        return self.kind == "literal"

    def n3(self) -> str:
        if self.kind == "iri":
            return nt_iri(self.value)
        if self.kind == "bnode":
            return "_:" + self.value
        return nt_literal(self.value, self.datatype, self.language)


def iri(value: str) -> Term:
    return Term("iri", value)


def literal(value: str, datatype: str | None = None, language: str | None = None) -> Term:
    if language is None and datatype is None:
        datatype = XSD_STRING
    return Term("literal", value, datatype, language)

def nt_literal(value: str, datatype: str | None = None, language: str | None = None) -> str:
    """N-Triples (and SPARQL) syntax of a literal."""
    if "\\" in value:    # str.replace is far faster than str.translate on long texts (history contents)
        value = value.replace("\\", "\\\\")
    if '"' in value:
        value = value.replace('"', '\\"')
    if "\n" in value or "\r" in value:
        value = value.replace("\n", "\\n").replace("\r", "\\r")
    text = '"' + value + '"'
    if language:
        return text + "@" + language
    if datatype and datatype != XSD_STRING:
        return text + "^^<" + datatype + ">"
    return text


def nt_iri(value: str) -> str:
    return "<" + value + ">"


def iri_segment(key: str, keep: str = "") -> str:
    """Percent-encode a record key for use as one IRI path segment (or several, via `keep`)."""
    return quote(key, safe=keep + "-._~")
