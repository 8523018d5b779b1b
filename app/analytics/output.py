"""Analysts' results as text and as an .xlsx workbook (JSON is each result's `as_json`)."""
from __future__ import annotations

from pathlib import Path

import xlsxwriter

from .duplicates import KINDS, Candidate
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


DUPLICATE_HEADERS = {"zh": ["系统编码A", "系统名称A", "所属部门A", "系统编码B", "系统名称B", "所属部门B", "得分", "名称功能相似度",
                            "信息项相似度", "类别", "共同词语", "共同信息项"],
                     "en": ["System A", "Name A", "Department A", "System B", "Name B", "Department B", "Score",
                            "Name/function similarity", "Item similarity", "Kind", "Shared terms", "Shared items"]}


def duplicates_text(pairs: list[Candidate], lang: str = "zh") -> str:
    if not pairs:
        return "没有重复建设候选。\n" if lang == "zh" else "No duplicate candidates.\n"
    lines = []
    for c in pairs:
        kind = KINDS[c.kind] if lang == "zh" else c.kind
        lines.append(f"{c.score:.2f}  {c.first.code} {c.first.name} ↔ {c.second.code} {c.second.name}  [{kind}]")
        if c.shared_terms:
            lines.append(("    共同词语：" if lang == "zh" else "    shared terms: ") + "、".join(c.shared_terms))
        if c.shared_items:
            lines.append(("    共同信息项：" if lang == "zh" else "    shared items: ") + "、".join(c.shared_items))
    lines.append(f"共 {len(pairs)} 对重复建设候选" if lang == "zh" else f"{len(pairs)} duplicate candidates")
    return "\n".join(lines) + "\n"


def duplicates_xlsx(pairs: list[Candidate], out: Path, lang: str = "zh") -> None:
    rows = [[c.first.code, c.first.name, c.first.department_name, c.second.code, c.second.name,
             c.second.department_name, round(c.score, 3), round(c.text_score, 3), round(c.item_score, 3),
             KINDS[c.kind] if lang == "zh" else c.kind, "、".join(c.shared_terms), "、".join(c.shared_items)]
            for c in pairs]
    write_table(out, "重复建设候选" if lang == "zh" else "Duplicate candidates", DUPLICATE_HEADERS[lang], rows,
                [18, 30, 24, 18, 30, 24, 8, 10, 10, 10, 30, 40])
