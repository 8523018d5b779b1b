"""Writing the five sheets: one xlsx workbook, or a folder of UTF-8 (BOM) CSV files."""
import csv
from datetime import datetime
from pathlib import Path

import xlsxwriter

from .catalogue import HEADERS, SHEETS

# Fixed document dates, so that the same arguments give the same workbook.
_CREATED = datetime(2026, 6, 30)


def write_csv(folder: Path, sheets: dict[str, list[list[str]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SHEETS:
        with open(folder / f"{name}.csv", "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADERS[name])
            writer.writerows(sheets[name])


def write_xlsx(path: Path, sheets: dict[str, list[list[str]]]) -> None:
    """Every cell a text string; empty strings stay empty cells."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": _CREATED, "author": "govcat generate"})
    bold = workbook.add_format({"bold": True})
    for name in SHEETS:
        ws = workbook.add_worksheet(name)
        ws.freeze_panes(1, 0)
        for c, header in enumerate(HEADERS[name]):
            ws.set_column(c, c, max(10, 2 * len(header) + 2))
        for c, header in enumerate(HEADERS[name]):
            ws.write_string(0, c, header, bold)
        write = ws.write_string
        for r, row in enumerate(sheets[name], start=1):
            for c, value in enumerate(row):
                if value:
                    write(r, c, value)
    workbook.close()
