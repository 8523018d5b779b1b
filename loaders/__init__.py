"""Input formats: the spreadsheet template (.xlsx, or a folder of CSVs), or RDF in the ontology.

    loaded = load_path(Path("catalogue.xlsx"))   # raises LoadError (exit 2) if it cannot be read
"""
from __future__ import annotations

import os
from pathlib import Path

from govcat.namespaces import DEFAULT_BASE
from govcat.store import EXTENSION_FORMATS

from .errors import LoadError
from .tabular import Loaded

__all__ = ["LoadError", "Loaded", "load_path", "base_iri"]


def base_iri() -> str:
    return os.environ.get("GOVCAT_BASE", DEFAULT_BASE)


def load_path(path: Path, base: str | None = None, sink=None) -> Loaded:
    """Read `path`. With `sink`, tabular input is handed over as N-Triples chunks (see tabular.to_rdf)."""
    path = Path(path)
    base = base or base_iri()
    if path.is_dir():
        from .csvdir import load_csv_dir
        return load_csv_dir(path, base, sink)
    if not path.exists():
        raise LoadError(path, "文件不存在", "no such file or folder")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from .xlsx import load_xlsx
        return load_xlsx(path, base, sink)
    if suffix in EXTENSION_FORMATS:
        from .rdf import load_rdf
        return load_rdf(path)
    raise LoadError(path, "不支持的文件类型：应为 .xlsx 工作簿、CSV 文件夹、.ttl 或 .jsonld",
                    "unsupported file type: expected an .xlsx workbook, a folder of CSV files, .ttl or .jsonld")
