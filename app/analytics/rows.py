"""Rows of an internal query as plain strings, for the analyses that read one row per system or pair.

The store serializes the results as SPARQL CSV (IRIs and the lexical forms of literals; "" where a variable is
unbound) and the csv module splits them: no Python term object per value. At 20,000 systems those objects
were a third of the time of reading them, and the garbage collector's passes over them as much again."""
from __future__ import annotations

import csv
import io

from ..catalogue.repository import Catalogue
from ..queries import query


def plain_rows(cat: Catalogue, name: str) -> list[dict[str, str]]:
    """The rows of queries/<name>.rq (a SELECT without parameters), each mapping a variable to its value."""
    _kind, data = cat.graph.query_raw(query(name), "csv")
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(reader, [])
    return [dict(zip(header, row)) for row in reader]
