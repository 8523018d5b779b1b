"""Analysts' results as text and as an .xlsx workbook (JSON is each result's `as_json`)."""
from __future__ import annotations

from pathlib import Path

import xlsxwriter

from .duplicates import KINDS, Candidate
from .evaluation import INDICATORS
from .integration import STATUSES, DepartmentIntegration
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


def integration_text(found: list[DepartmentIntegration], lang: str = "zh") -> str:
    zh = lang == "zh"
    lines = []
    for d in found:
        statuses = "，".join(f"{k} {v}" for k, v in d.by_status.items() if v)
        lines.append(f"{d.name}（{d.uscc}）：系统 {d.systems} 个（{statuses}）" if zh else
                     f"{d.name} ({d.uscc}): {d.systems} systems ({statuses})")
        for code, target in sorted(d.targets.items()):
            lines.append(f"    大系统 {code} {target['name']} ← {'、'.join(target['receives'])}" if zh else
                         f"    target {code} {target['name']} <- {', '.join(target['receives'])}")
        for m in d.must_merge:
            lines.append(f"    须整合（二级单位/处室运行，S04）{m['system']} {m['name']}，运行单位 {m['unit']}，{m['status']}" if zh
                         else f"    to merge (run by a sub-unit, S04) {m['system']} {m['name']}, unit {m['unit']}, {m['status']}")
        lines.append(f"    接入共享交换平台 {d.connected}/{d.active}" + (f"，未接入：{'、'.join(d.not_connected)}" if d.not_connected else "")
                     if zh else f"    connected to the platform {d.connected}/{d.active}"
                     + (f", not connected: {', '.join(d.not_connected)}" if d.not_connected else ""))
        for m in d.to_migrate:
            lines.append(f"    须迁移至电子政务外网（S13）{m['system']} {m['name']}（{m['network']}）" if zh else
                         f"    to migrate to the e-government extranet (S13) {m['system']} {m['name']} ({m['network']})")
    return "\n".join(lines) + "\n" if lines else ("没有信息系统。\n" if zh else "No systems.\n")


def integration_xlsx(found: list[DepartmentIntegration], out: Path, lang: str = "zh") -> None:
    zh = lang == "zh"
    headers = (["统一社会信用代码", "部门", "系统数"] + list(STATUSES) + ["大系统", "须整合系统", "在用系统", "已接入平台", "未接入平台", "须迁移外网"]
               if zh else ["USCC", "Department", "Systems"] + list(STATUSES)
               + ["Target systems", "To merge", "Active", "Connected", "Not connected", "To migrate"])
    rows = [[d.uscc, d.name, d.systems] + [d.by_status[s] for s in STATUSES]
            + ["、".join(sorted(d.targets)), "、".join(m["system"] for m in d.must_merge), d.active, d.connected,
               "、".join(d.not_connected), "、".join(m["system"] for m in d.to_migrate)] for d in found]
    write_table(out, "整合进度" if zh else "Integration", headers, rows, [22, 28, 8] + [10] * len(STATUSES) + [24, 30, 8, 8, 30, 30])


def _percent(cell: dict) -> str:
    return "—" if cell["value"] is None else f"{cell['value'] * 100:.1f}%（{cell['numerator']}/{cell['denominator']}）"


def evaluation_text(result: dict, lang: str = "zh") -> str:
    zh = lang == "zh"
    lines = [f"{result['year']} 年度评价（截至 {result['as_of']}）" if zh else f"Evaluation {result['year']} (as of {result['as_of']})"]
    for ind in result["indicators"]:
        lines.append(f"  {ind['id']} {ind['name'][lang]}：{ind['formula'][lang]}（{ind['rule']}）")
    for title, units in ((("全省" if zh else "Province"), [result["province"]]), (("市州" if zh else "Regions"), result["regions"]),
                         (("部门" if zh else "Departments"), result["departments"])):
        lines.append(title)
        for unit in units:
            values = "  ".join(f"{k} {_percent(v)}" for k, v in unit["indicators"].items())
            lines.append(f"  {unit['name']}（{unit['code']}）  {values}")
    return "\n".join(lines) + "\n"


def evaluation_xlsx(result: dict, out: Path, lang: str = "zh") -> None:
    zh = lang == "zh"
    headers = (["层级", "代码", "名称"] if zh else ["Level", "Code", "Name"]) + [
        f"{i.id} {i.zh if zh else i.en}" for i in INDICATORS]
    rows = []
    for level, units in ((("全省" if zh else "province"), [result["province"]]), (("市州" if zh else "region"), result["regions"]),
                         (("部门" if zh else "department"), result["departments"])):
        for unit in units:
            rows.append([level, unit["code"], unit["name"]] + [v["value"] for v in unit["indicators"].values()])
    write_table(out, f"{result['year']}年度评价" if zh else f"Evaluation {result['year']}", headers, rows,
                [8, 22, 28] + [14] * len(INDICATORS))
