"""sh:datatype on the literals as the input wrote them (SHACL 1.0 §4.1.1).

"A literal matches a datatype if the literal's datatype has the same IRI and, for the datatypes supported by
SPARQL 1.1, is not an ill-formed literal." The store cannot tell: Oxigraph keeps "5"^^xsd:int as the xsd:integer
5, and the SPARQL check compares datatype(?value) only, so an ill-formed "2024-02-30"^^xsd:date passes it too.
For RDF input the engine therefore checks sh:datatype here, on the objects parsed from the file itself
(govcat.store.parse_objects); spreadsheet input is written by govcat's own loaders, whose literals are
canonical, and keeps the SPARQL check."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable

from ..namespaces import XSD
from ..terms import Term

_LEXICAL = {
    XSD + "integer": re.compile(r"[+-]?\d+"),
    XSD + "decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    XSD + "boolean": re.compile(r"true|false|1|0"),
    XSD + "date": re.compile(r"(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?"),
    XSD + "string": re.compile(r"[^\x00]*", re.DOTALL),
}


def well_formed(lexical: str, datatype: str) -> bool:
    """Is `lexical` in the lexical space of `datatype`? (Datatypes not listed here: assumed so.)"""
    pattern = _LEXICAL.get(datatype)
    if pattern is None:
        return True
    match = pattern.fullmatch(lexical)
    if match is None:
        return False
    if datatype == XSD + "date":
        year, month, day = (int(match.group(i)) for i in (1, 2, 3))
        if not 1 <= year <= 9999:      # beyond Python's calendar: the month and day ranges only
            return 1 <= month <= 12 and 1 <= day <= 31
        try:
            dt.date(year, month, day)
        except ValueError:
            return False
        zone = match.group(4)
        if zone and zone != "Z":
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            return hours * 60 + minutes <= 14 * 60 and minutes < 60
    return True


def matches(value: Term, datatype: str) -> bool:
    return (value.is_literal and value.language is None and (value.datatype or XSD + "string") == datatype
            and well_formed(value.value, datatype))


class RawValues:
    """The objects of some predicates as the input wrote them, by (subject IRI, predicate)."""

    def __init__(self, triples: Iterable[tuple[str, str, Term]]):
        self._values: dict[tuple[str, str], list[Term]] = defaultdict(list)
        for subject, predicate, obj in triples:
            self._values[(subject, predicate)].append(obj)

    def offending(self, focus: Iterable[Term], path: str, datatype: str) -> list[tuple[Term, Term]]:
        """(focus, value) for each value of `path` on an IRI focus node that does not match `datatype`."""
        return [(node, value) for node in focus if node.is_iri
                for value in self._values.get((node.value, path), ()) if not matches(value, datatype)]
