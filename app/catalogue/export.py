"""The store written back as the template workbook (load → export → load changes nothing),
and the whole dataset dumped to / restored from N-Quads or TriG (history included)."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from ..generate.writer import write_xlsx
from ..namespaces import XSD
from ..queries import query
from ..schema import concept_labels, sheets
from ..engines import open_store
from ..terms import iri
from .repository import CODELISTS_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, Catalogue

_ITEM = re.compile(r"/item/(\d+)$")


def export_rows(cat: Catalogue) -> dict[str, list[list[str]]]:
    keys = {r["record"].value: r["key"].value for r in cat.graph.select(query("record_keys"))}
    labels = concept_labels()
    tables = {}
    for name, sheet in sheets().items():
        values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for row in cat.graph.select(query("export_records"), {"class": iri(sheet.target)}):
            o = row["o"]
            if o.is_iri:
                text = labels.get(o.value) or keys.get(o.value) or o.value
            elif o.datatype == XSD + "boolean":
                text = "是" if o.value == "true" else "否"
            else:
                text = o.value
            values[row["record"].value][row["p"].value].append(text)
        rows = []
        for record in sorted(values, key=lambda r: _order(r, keys)):
            props = values[record]
            rows.append([(c.separator or "").join(sorted(props.get(c.path, []))) for c in sheet.columns])
        tables[name] = rows
    return tables


def _order(record: str, keys: dict[str, str]) -> tuple:
    m = _ITEM.search(record)
    if m:
        entry = record[:m.start()]
        return (keys.get(entry, entry), int(m.group(1)))
    return (keys.get(record, record), 0)


def export_xlsx(cat: Catalogue, out: Path) -> dict[str, int]:
    tables = export_rows(cat)
    write_xlsx(out, tables)
    return {name: len(rows) for name, rows in tables.items()}


def dump(cat: Catalogue, out: Path) -> None:
    fmt = "trig" if out.suffix.lower() == ".trig" else "nq"
    cat.graph.dump_dataset(fmt, out)


def restore(folder: Path, source: Path) -> Catalogue:
    """A new store in `folder` (which must be empty or absent) holding exactly the dump `source`."""
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty; restore into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    graph = open_store(folder)
    schema = {ONTOLOGY_GRAPH, CODELISTS_GRAPH, SHAPES_GRAPH}   # an external engine: what opening it installed
    if graph.graph_names() - schema:
        raise FileExistsError("the SPARQL engine already holds a catalogue; restore into an empty one")
    graph.clear_graphs(schema)     # the dump brings its own
    graph.bulk_load_file(source, "trig" if source.suffix.lower() == ".trig" else "nq")
    graph.flush()
    del graph
    return Catalogue.open(folder)
