"""Template sheets (rows of cells, from any tabular format) to RDF.

Columns and their value kinds come from the shapes (`govcat.schema`). Every record remembers the sheet
and the Excel row it came from (header = row 1). A cell that cannot be read as its column's kind is kept
as text, so that validation reports it under the column's rule instead of the loader dropping it."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from govcat.namespaces import GC, RDF_TYPE, XSD
from govcat.schema import RECORD_SEGMENTS, Column, Sheet, code_lists, sheets
from govcat.terms import iri_segment, nt_iri, nt_literal

from .errors import LoadError

_SPLIT = re.compile(r"[;；]")
_NOTE = re.compile(r"\s*[（(][^）)]*[）)]\s*$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")   # GUIDE C19: text dates are YYYY-MM-DD, nothing else
_TRUE, _FALSE = {"是"}, {"否"}    # GUIDE C15/S17: 是 or 否, nothing else
_TYPE = nt_iri(RDF_TYPE)


@dataclass
class SheetRows:
    """One sheet as read: its header cells and its data rows with their Excel row numbers."""
    name: str
    headers: list
    rows: Iterable[tuple[int, list]]


@dataclass
class Loaded:
    """A file turned into RDF: N-Triples text plus where each record came from."""
    file: str
    ntriples: str = ""
    rdf_format: str = "nt"
    sources: dict[str, tuple[str, int]] = field(default_factory=dict)   # record IRI -> (sheet, row)
    counts: dict[str, int] = field(default_factory=dict)
    streamed: bool = False     # the triples went to a sink instead of `ntriples`
    tabular: bool = False      # from the template: one value per cell of a single-valued column


def record_iri(base: str, cls: str, key: str) -> str:
    return f"{base}{RECORD_SEGMENTS[cls]}/{iri_segment(key, keep='/' if cls == GC + 'InformationResource' else '')}"


def cell_text(value) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO, stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


class _Converter:
    def __init__(self, file: str, base: str):
        self.file, self.base = file, base
        self.codes = code_lists()

    def value(self, column: Column, raw, text: str) -> str:
        """N-Triples object for one (non-empty) value of `column`."""
        kind = column.kind
        if kind == "record":
            return nt_iri(record_iri(self.base, column.cls, text))
        if kind == "code":
            concept = self._concept(column.cls, text)
            return nt_iri(concept) if concept else nt_literal(text)
        if kind == "date":
            day = raw if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime) else None
            if isinstance(raw, dt.datetime) and raw.time() == dt.time():
                day = raw.date()
            if day is None:
                m = _DATE.match(text)
                if m:
                    try:
                        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
                    except ValueError:
                        day = None
            return nt_literal(day.isoformat(), XSD + "date") if day else nt_literal(text)
        if kind == "integer":
            if re.fullmatch(r"[+-]?\d+", text):
                return nt_literal(str(int(text)), XSD + "integer")
            return nt_literal(text)
        if kind == "decimal":
            try:
                number = Decimal(text.replace(",", ""))
            except InvalidOperation:
                return nt_literal(text)
            if not number.is_finite():
                return nt_literal(text)
            lexical = format(number, "f")
            return nt_literal(lexical if "." in lexical else lexical + ".0", XSD + "decimal")
        if kind == "boolean":
            if text in _TRUE:
                return nt_literal("true", XSD + "boolean")
            if text in _FALSE:
                return nt_literal("false", XSD + "boolean")
            return nt_literal(text)
        if column.datatype and column.datatype != XSD + "string":
            return nt_literal(text, column.datatype)
        return nt_literal(text)

    def _concept(self, cls: str, text: str) -> str | None:
        lookup = self.codes[cls].lookup
        found = lookup.get(text) or lookup.get(_NOTE.sub("", text))
        if found is None:
            lowered = text.lower()
            found = next((c for k, c in lookup.items() if k.lower() == lowered), None)
        return found


def _plan(conv: "_Converter", column: Column):
    """(predicate, cell converter, multi-valued) for one column; repeated cell texts convert once."""
    memo: dict[str, str] = {}
    kind = column.kind
    if kind == "text" and not column.datatype:
        def convert(raw, text):
            return nt_literal(text)
    elif kind == "date":
        def convert(raw, text):     # Excel date cells differ from text cells with the same text
            return conv.value(column, raw, text)
    else:
        def convert(raw, text):
            found = memo.get(text)
            if found is None:
                found = memo[text] = conv.value(column, raw, text)
            return found
    return nt_iri(column.path), convert, bool(column.separator)


def check_headers(file: str, sheet: Sheet, headers: list) -> list[Column | None]:
    """The column for each position of the header row; unknown or missing headers are errors."""
    names = [cell_text(h) for h in headers]
    while names and not names[-1]:
        names.pop()
    expected = {c.header: c for c in sheet.columns}
    unknown = [n for n in names if n and n not in expected]
    if unknown:
        raise LoadError(file, f"未知的列标题：{'、'.join(unknown)}；应为：{'、'.join(sheet.headers)}",
                        f"unknown header(s) {', '.join(unknown)}; expected: {', '.join(sheet.headers)}",
                        sheet.name, 1)
    missing = [h for h in sheet.headers if h not in names]
    if missing:
        raise LoadError(file, f"缺少列：{'、'.join(missing)}", f"missing column(s): {', '.join(missing)}",
                        sheet.name, 1)
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise LoadError(file, f"列标题重复：{'、'.join(repeated)}", f"repeated header(s): {', '.join(repeated)}",
                        sheet.name, 1)
    return [expected.get(n) if n else None for n in names]


CHUNK_LINES = 200_000


def to_rdf(file: str, tables: dict[str, SheetRows], base: str, sink=None) -> Loaded:
    """Convert the template's sheets to N-Triples; every sheet of the template must be present.

    With `sink`, the N-Triples are handed over in chunks as they are made (so that parsing them can
    overlap with converting the rest) and `Loaded.ntriples` stays empty."""
    spec = sheets()
    missing = [name for name in spec if name not in tables]
    if missing:
        raise LoadError(file, f"缺少工作表：{'、'.join(missing)}（模板应有：{'、'.join(spec)}）",
                        f"missing sheet(s): {', '.join(missing)} (the template has: {', '.join(spec)})")
    conv = _Converter(file, base)
    loaded = Loaded(file, tabular=True)
    lines: list[str] = []
    append = lines.append
    for name, sheet in spec.items():
        table = tables[name]
        columns = check_headers(file, sheet, table.headers)
        plans = [_plan(conv, c) if c is not None else None for c in columns]
        width = len(columns)
        type_tail = f" {_TYPE} {nt_iri(sheet.target)} .\n"
        count = 0
        item_numbers: dict[str, int] = {}
        for row_number, cells in table.rows:
            texts = [c.strip() if isinstance(c, str) else cell_text(c) for c in cells[:width]]
            if not any(texts):
                continue
            count += 1
            subject = _subject(sheet, columns, texts, row_number, base, loaded.sources, item_numbers)
            loaded.sources[subject] = (name, row_number)
            s = "<" + subject + ">"
            append(s + type_tail)
            for plan, raw, text in zip(plans, cells, texts):
                if plan is None or not text:
                    continue
                pred, convert, separated = plan
                if separated:
                    for part in _SPLIT.split(text):
                        part = part.strip()
                        if part:
                            append(f"{s} {pred} {convert(raw, part)} .\n")
                else:
                    append(f"{s} {pred} {convert(raw, text)} .\n")
            if sink is not None and len(lines) >= CHUNK_LINES:
                sink("".join(lines))
                lines.clear()
        loaded.counts[name] = count
    if sink is not None:
        if lines:
            sink("".join(lines))
        loaded.streamed = True
    else:
        loaded.ntriples = "".join(lines)
    return loaded


def _subject(sheet: Sheet, columns: list, texts: list[str], row: int, base: str,
             sources: dict, item_numbers: dict[str, int]) -> str:
    if sheet.key is None:   # data items: {entry}/item/{n}
        owner = next((t for c, t in zip(columns, texts) if c is not None and c.kind == "record"), "")
        if not owner:
            return f"{base}item/row-{row}"
        entry = record_iri(base, GC + "InformationResource", owner)
        item_numbers[entry] = item_numbers.get(entry, 0) + 1
        return f"{entry}/item/{item_numbers[entry]}"
    key = next((t for c, t in zip(columns, texts) if c is not None and c.path == sheet.key), "")
    if not key:
        return f"{base}{RECORD_SEGMENTS[sheet.target]}/-row-{row}"
    subject = record_iri(base, sheet.target, key)
    if subject in sources:
        subject += f"#dup-row-{row}"
    return subject


def numbered(rows: Iterable[list], first: int = 2) -> Iterator[tuple[int, list]]:
    """Data rows with their Excel numbers (the header is row 1)."""
    for offset, row in enumerate(rows):
        yield first + offset, row


def read_error(file: Path, exc: Exception) -> LoadError:
    return LoadError(file, f"无法读取文件（{type(exc).__name__}：{exc}）", f"cannot read the file ({type(exc).__name__}: {exc})")
