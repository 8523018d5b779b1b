"""The template as a folder of CSV files named after the sheets (信息资源.csv …).

Each file may be UTF-8, UTF-8 with BOM or GB18030; the encoding is detected per file."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .errors import LoadError
from .tabular import Loaded, SheetRows, numbered, read_error, to_rdf

ENCODINGS = ("utf-8-sig", "gb18030")


def decode(path: Path) -> str:
    """The text of a CSV file in whichever of the accepted encodings reads it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise read_error(path, exc) from exc
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LoadError(path, "文件编码无法识别：应为 UTF-8、带BOM的UTF-8 或 GB18030",
                    "unknown encoding: expected UTF-8, UTF-8 with BOM or GB18030")


def load_csv_dir(folder: Path, base: str, sink=None) -> Loaded:
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        text = decode(path)
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise LoadError(path, f"CSV 格式错误（{exc}）", f"malformed CSV ({exc})", path.stem) from exc
        header = rows[0] if rows else []
        tables[path.stem.strip()] = SheetRows(path.stem.strip(), header, numbered(rows[1:]))
    return to_rdf(str(folder), tables, base, sink)
