"""What a loader raises when the input cannot be read (the CLI exits 2 on it)."""
from __future__ import annotations


class LoadError(Exception):
    """Unreadable input, named by file, sheet, row and (where there is one) column."""

    def __init__(self, file, zh: str, en: str, sheet: str | None = None, row: int | None = None,
                 column: str | None = None):
        self.file, self.sheet, self.row, self.column = str(file), sheet, row, column
        self.zh, self.en = zh, en
        super().__init__(self.text("en"))

    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def text(self, lang: str = "zh") -> str:
        if lang == "en":
            return f"{self.where()}: {self.en}"
        where = [self.file]
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"列“{self.column}”")
        return f"{'，'.join(where)}：{self.zh}"
