"""The catalogue as it stood at a past instant, rebuilt from the history (every version keeps who, when and
what; the content a version had is stored when a later one replaces it). Used to compare a year with the one
before. The rebuilt catalogue is an in-memory graph with the schema, each record in its own named graph, so
that every query and check of the present works on it unchanged."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..catalogue.repository import Catalogue, quad_lines
from ..namespaces import XSD
from ..queries import query
from ..store import Graph
from ..terms import literal
from ..validation.engine import load_schema


def catalogue_at(cat: Catalogue, instant: dt.datetime) -> Catalogue:
    """A read-only catalogue of the records as they were at `instant` (UTC)."""
    until = literal(instant.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
                    XSD + "dateTime")
    latest: dict[str, tuple[int, str, str | None]] = {}
    for row in cat.graph.select(query("versions_until"), {"until": until}):
        record, n = row["record"].value, int(row["n"].value)
        if record not in latest or n > latest[record][0]:
            latest[record] = (n, row["action"].value, row["content"].value if row["content"] else None)
    current = cat.last_versions()
    chunks: list[str] = []
    for record, (n, action, content) in latest.items():
        if action == "delete":
            continue
        if content is None and current.get(record) == n:     # still the current version: its graph
            lines = cat.record_lines(record)
        else:
            lines = content.split("\n") if content else []
        chunks.append("".join(quad_lines(record, lines)))
    graph = Graph()
    load_schema(graph)
    graph.load("".join(chunks), "nq")
    return Catalogue(Path(cat.folder), graph)
