"""Analysts' results as text and as an .xlsx workbook (JSON is each result's `as_json`)."""
from __future__ import annotations

from pathlib import Path

import xlsxwriter

from .zombies import RULES, Zombie

ZOMBIE_HEADERS = {"zh": ["系统编码", "系统名称", "所属部门", "判定标准"] + [f"{r} 依据" for r in RULES],
                  "en": ["System code", "Name", "Department", "Criteria"] + [f"{r} evidence" for r in RULES]}


def zombies_text(zombies: list[Zombie], lang: str = "zh") -> str:
    if not zombies:
        return "没有符合僵尸系统判定标准的信息系统。\n" if lang == "zh" else "No system meets a zombie criterion.\n"
    lines = []
    for z in zombies:
        dept = f"（{z.department}）" if lang == "zh" and z.department else f" ({z.department})" if z.department else ""
        lines.append(f"{z.code} {z.name}{dept}: {', '.join(z.rules)}")
        lines += [f"    {rule}  {z.evidence[rule][lang]}" for rule in z.rules]
    total = f"共 {len(zombies)} 个僵尸系统候选" if lang == "zh" else f"{len(zombies)} zombie candidates"
    return "\n".join(lines + [total]) + "\n"


def write_table(out: Path, title: str, headers: list[str], rows: list[list], widths: list[int]) -> None:
    """One sheet: a bold, frozen header row and the rows."""
    book = xlsxwriter.Workbook(str(out))
    sheet = book.add_worksheet(title)
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, headers, bold)
    for n, row in enumerate(rows, 1):
        sheet.write_row(n, 0, row)
    sheet.freeze_panes(1, 0)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    book.close()


def zombies_xlsx(zombies: list[Zombie], out: Path, lang: str = "zh") -> None:
    rows = [[z.code, z.name, z.department or "", "、".join(z.rules)]
            + [z.evidence[r][lang] if r in z.evidence else "" for r in RULES] for z in zombies]
    write_table(out, "僵尸系统" if lang == "zh" else "Zombie systems", ZOMBIE_HEADERS[lang], rows,
                [22, 30, 30, 14, 24, 40, 30, 44, 44])
