"""The catalogue on disk: records in named graphs of an Oxigraph store, with history and workflow.

    cat = Catalogue.open(Path("data/store"))
    outcome = load_file(cat, Path("catalogue.xlsx"), user="zhang")   # see loading.py
"""
from .repository import Catalogue, default_store_path

__all__ = ["Catalogue", "default_store_path"]
