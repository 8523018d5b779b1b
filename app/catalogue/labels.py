"""The names the web pages show for the template's columns, in zh or en: each column shape's sh:name and
sh:description (shapes/*.ttl), keyed by sheet and column header (the keys of `records.record_json`).

    labels = column_labels("en")
    labels[("信息资源", "信息资源名称")].name      # "Resource name"
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..queries import query
from ..schema import sheets
from ..terms import literal
from ..validation.engine import shapes_graph

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Label:
    name: str
    description: str | None


@lru_cache(maxsize=len(LANGS))
def column_labels(lang: str) -> dict[tuple[str, str], Label]:
    """(sheet name, column header) -> the column's name and description in `lang`. A column whose shape
    gives no name in `lang` is named by its header."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    found: dict[tuple[str, str], Label] = {}
    for row in shapes_graph().select(query("column_names"), {"lang": literal(lang)}):
        key = (row["target"].value, row["column"].value)
        name = row["name"].value if row["name"] else None
        description = row["description"].value if row["description"] else None
        kept = found.get(key)
        if kept is None or (name and not kept.name):
            found[key] = Label(name or "", description)
    labels = {}
    for sheet in sheets().values():
        for column in sheet.columns:
            given = found.get((sheet.target, column.header))
            labels[(sheet.name, column.header)] = Label(given.name if given and given.name else column.header,
                                                        given.description if given else None)
    return labels


__all__ = ["LANGS", "Label", "column_labels"]
