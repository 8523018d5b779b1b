"""Catalogue data already in the ontology, as Turtle, JSON-LD, N-Triples or RDF/XML.

Records keep their sheet (from the sheet that holds their class); RDF has no rows."""
from __future__ import annotations

from pathlib import Path

from govcat.store import EXTENSION_FORMATS

from .tabular import Loaded, read_error


def load_rdf(path: Path) -> Loaded:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise read_error(path, exc) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise read_error(path, exc) from exc
    return Loaded(str(path), ntriples=text, rdf_format=EXTENSION_FORMATS[path.suffix.lower()])
