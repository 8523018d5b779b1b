"""The template as an .xlsx workbook, read with python-calamine."""
from __future__ import annotations

from pathlib import Path

import python_calamine

from .errors import LoadError
from .tabular import Loaded, SheetRows, read_error, to_rdf


def load_xlsx(path: Path, base: str, sink=None) -> Loaded:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of broken file
        raise read_error(path, exc) from exc
    tables = {}
    for name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise LoadError(path, f"无法读取工作表（{exc}）", f"cannot read the sheet ({exc})", name) from exc
        if not rows:
            tables[name.strip()] = SheetRows(name.strip(), [], [])
            continue
        tables[name.strip()] = SheetRows(name.strip(), rows[0], ((i + 2, r) for i, r in enumerate(rows[1:])))
    return to_rdf(str(path), tables, base, sink)
