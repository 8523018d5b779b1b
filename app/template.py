"""An empty catalogue template (.xlsx) for editors, generated from the shapes and the ontology.

    write_template(Path("目录模板.xlsx"))

One sheet per template sheet with exactly the headers `govcat.schema` gives (bold, frozen), a header
comment with the column's sh:description, and a dropdown on every code-list and 是/否 column. The
dropdowns only warn (error_type "warning"): editors may also type a notation ("C"), an alias or
"C 字符型", which the loaders accept (docs/model.md, Code lists). A 填写说明 sheet lists, per sheet, the
class definition, each column's description, whether it is required, its values and its rules, and
the message of every rule. Lists too long for an in-cell list (Excel: 255 characters) are put on a
hidden 代码表 sheet and referenced from there. The template loads as a valid, empty input."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from .namespaces import SH
from .queries import query
from .schema import Column, Sheet, code_lists, sheets
from .terms import iri, literal

LIST_LIMIT = 255          # Excel's limit on an in-cell list source ("a,b,c")
LAST_ROW = 10000          # dropdowns cover rows 2..LAST_ROW (Excel row numbers)
GUIDE_SHEET, CODES_SHEET = "填写说明", "代码表"
BOOLEAN_VALUES = ("是", "否")
_KIND_WIDTH = {"date": 14, "integer": 12, "decimal": 14, "boolean": 10, "record": 22}

TEXT = {
    "zh": {"title": "政务信息资源目录模板 填写说明",
           "notes": ("每个工作表的第1行是列标题，请勿修改、删除或调换；从第2行起每行填写一条记录，空行会被忽略。",
                     "带下拉列表的列请从列表中选择；也可输入代码（如数据类型填 C）或别名，校验时同样识别，"
                     "因此输入列表外的值只会提示、不会被拒绝。",
                     "多个值用分号（; 或 ；）分隔；日期写作 YYYY-MM-DD；是/否列填“是”或“否”。",
                     "填写完成后运行 govcat validate 文件名.xlsx 检查。"),
           "columns": ("列标题", "说明", "必填", "取值", "规则"),
           "rules": ("规则", "提示", "级别"),
           "required": {"yes": "是", "advised": "建议", "conditional": "条件", "no": "否"},
           "kinds": {"date": "日期 YYYY-MM-DD", "integer": "整数", "decimal": "数字", "boolean": "是或否",
                     "text": "文本", "record": "{sheet}表中的{key}"},
           "several": "多个值用分号分隔", "sep": "、",
           "severity": {"Violation": "错误", "Warning": "警告", "Info": "提示"},
           "invalid": ("不在列表中", "不是代码表中的标准取值。也可填写代码或别名，校验时识别；确认保留请点“是”。")},
    "en": {"title": "Government information-resource catalogue template: how to fill it in",
           "notes": ("Row 1 of every sheet holds the headers: do not change, delete or reorder them. "
                     "Each further row is one record; empty rows are ignored.",
                     "Columns with a dropdown take a value from the list; a notation (e.g. C for the data "
                     "type) or an alias is read too, so a value outside the list only raises a warning.",
                     "Separate several values with a semicolon (; or ；); write dates as YYYY-MM-DD; "
                     "yes/no columns take 是 (yes) or 否 (no).",
                     "When done, check the file with: govcat validate FILE.xlsx"),
           "columns": ("Column", "Description", "Required", "Values", "Rules"),
           "rules": ("Rule", "Message", "Severity"),
           "required": {"yes": "yes", "advised": "advised", "conditional": "conditional", "no": "no"},
           "kinds": {"date": "date YYYY-MM-DD", "integer": "integer", "decimal": "number",
                     "boolean": "是 or 否", "text": "text", "record": "a {key} of sheet {sheet}"},
           "several": "several values separated by ;", "sep": ", ",
           "severity": {"Violation": "Violation", "Warning": "Warning", "Info": "Info"},
           "invalid": ("Not in the list", "Not a value of the code list. A notation or an alias is read "
                                          "too; choose Yes to keep it.")},
}


@dataclass
class Rule:
    rule: str
    severity: str
    message: str
    message_zh: str
    path: str | None          # None: a node shape of the class
    min_count: int


def _bindings(target: str, lang: str) -> dict:
    return {"target": iri(target), "lang": literal(lang)}


def _sheet_info(sheet: Sheet, lang: str) -> tuple[str, dict[str, str], list[Rule]]:
    """The class definition, the column descriptions (shape IRI -> text) and the rules of the sheet."""
    from .validation.engine import shapes_graph
    graph, bound = shapes_graph(), _bindings(sheet.target, lang)
    definition = next((r["definition"].value for r in graph.select(query("template_class"), bound)), "")
    descriptions = {r["shape"].value: r["description"].value if r["description"] else ""
                    for r in graph.select(query("template_columns"), bound)}
    rules = []
    for r in graph.select(query("template_rules"), bound):
        severity = r["severity"].value[len(SH):] if r["severity"] else "Violation"
        zh = r["messageZh"].value if r["messageZh"] else ""
        rules.append(Rule(r["rule"].value, severity, r["message"].value if r["message"] else zh, zh,
                          r["path"].value if r["path"] else None,
                          int(r["minCount"].value) if r["minCount"] else 0))
    rules.sort(key=lambda x: (x.rule, x.severity != "Violation", x.message))
    return definition, descriptions, rules


def _column_rules(column: Column, rules: list[Rule]) -> list[Rule]:
    """Rules on the column's path, and node-shape rules whose (zh) message names the column."""
    return [r for r in rules if r.path == column.path or (r.path is None and column.header in r.message_zh)]


def _required(column: Column, rules: list[Rule]) -> str:
    on_path = [r for r in rules if r.path == column.path and r.min_count >= 1]
    if any(r.severity == "Violation" for r in on_path):
        return "yes"
    if on_path:
        return "advised"          # sh:minCount with a warning only
    if any(r.path is None and "填写" + column.header in r.message_zh for r in rules):
        return "conditional"      # required when another column has some value (a SPARQL rule)
    return "no"


def _values(column: Column, text: dict) -> str:
    kind = column.kind
    if kind == "code":
        value = text["sep"].join(code_lists()[column.cls].labels)
    elif kind == "record":
        target = next(s for s in sheets().values() if s.target == column.cls)
        key = target.key_column.header if target.key_column else ""
        value = text["kinds"]["record"].format(sheet=target.name, key=key)
    else:
        value = text["kinds"][kind]
    return value + ("；" + text["several"] if column.separator else "")


def _width(column: Column) -> float:
    width = 2.2 * len(column.header) + 4
    if column.kind == "code":
        width = max(width, 2.2 * max(len(x) for x in code_lists()[column.cls].labels) + 4)
    return min(max(width, _KIND_WIDTH.get(column.kind, 16)), 40)


class _Writer:
    def __init__(self, out: Path, lang: str):
        self.book = xlsxwriter.Workbook(str(out))
        self.text = TEXT[lang]
        self.lang = lang
        self.bold = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.as_text = self.book.add_format({"num_format": "@"})
        self.as_date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.heading = self.book.add_format({"bold": True, "font_size": 12})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.code_columns: dict[str, tuple] = {}   # code list -> (header, values, range on 代码表)

    def data_sheet(self, sheet: Sheet, descriptions: dict[str, str]) -> None:
        ws = self.book.add_worksheet(sheet.name)
        ws.freeze_panes(1, 0)
        for col, column in enumerate(sheet.columns):
            fmt = self.as_date if column.kind == "date" else (
                self.as_text if column.kind in ("text", "record", "code") else None)
            ws.set_column(col, col, _width(column), fmt)
            ws.write_string(0, col, column.header, self.bold)
            if descriptions.get(column.shape):
                ws.write_comment(0, col, descriptions[column.shape], {"x_scale": 2, "y_scale": 1.2})
            if column.kind in ("code", "boolean"):
                ws.data_validation(1, col, LAST_ROW - 1, col, self._validation(column))

    def _validation(self, column: Column) -> dict:
        values = BOOLEAN_VALUES if column.kind == "boolean" else code_lists()[column.cls].labels
        if len(",".join(values)) <= LIST_LIMIT and not any("," in v or '"' in v for v in values):
            source = list(values)
        else:
            source = self._hidden_range(column, values)
        title, message = self.text["invalid"]
        return {"validate": "list", "source": source, "error_type": "warning",
                "error_title": title, "error_message": message}

    def _hidden_range(self, column: Column, values) -> str:
        """A range of the hidden 代码表 sheet holding `values` (the sheet is written last, in close())."""
        key = column.cls or column.kind
        if key not in self.code_columns:
            name = xl_col_to_name(len(self.code_columns))
            self.code_columns[key] = (column.header, tuple(values),
                                      f"='{CODES_SHEET}'!${name}$2:${name}${len(values) + 1}")
        return self.code_columns[key][2]

    def guide(self, infos: list[tuple[Sheet, str, dict[str, str], list[Rule]]]) -> None:
        text = self.text
        ws = self.book.add_worksheet(GUIDE_SHEET)
        for col, width in enumerate((20, 56, 10, 44, 16)):
            ws.set_column(col, col, width, self.wrap)
        ws.write_string(0, 0, text["title"], self.title)
        row = 2
        for note in text["notes"]:
            ws.merge_range(row, 0, row, 4, note, self.wrap)
            ws.set_row(row, 32)
            row += 1
        for sheet, definition, descriptions, rules in infos:
            row += 1
            ws.write_string(row, 0, f"【{sheet.name}】", self.heading)
            ws.merge_range(row + 1, 0, row + 1, 4, definition, self.wrap)
            ws.set_row(row + 1, 32)
            row += 2
            ws.write_row(row, 0, text["columns"], self.bold)
            for column in sheet.columns:
                row += 1
                ids = sorted({r.rule for r in _column_rules(column, rules)})
                ws.write_row(row, 0, (column.header, descriptions.get(column.shape, ""),
                                      text["required"][_required(column, rules)], _values(column, text),
                                      text["sep"].join(ids)), self.wrap)
            row += 2
            ws.write_row(row, 0, text["rules"], self.bold)
            seen = set()
            for r in rules:
                if (r.rule, r.severity, r.message) in seen:
                    continue
                seen.add((r.rule, r.severity, r.message))
                row += 1
                ws.write_row(row, 0, (r.rule, r.message, text["severity"].get(r.severity, r.severity)), self.wrap)
            row += 1

    def close(self) -> None:
        if self.code_columns:
            ws = self.book.add_worksheet(CODES_SHEET)
            ws.hide()
            for col, (header, values, _range) in enumerate(self.code_columns.values()):
                ws.write_string(0, col, header, self.bold)
                ws.write_column(1, col, values)
        self.book.close()


def write_template(out: Path, lang: str = "zh") -> None:
    """Write the empty template workbook to `out` (.xlsx); `lang` ("zh" or "en") is for the guidance."""
    if lang not in TEXT:
        raise ValueError(f"unsupported language {lang!r}: expected one of {', '.join(TEXT)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out, lang)
    infos = []
    for sheet in sheets().values():
        definition, descriptions, rules = _sheet_info(sheet, lang)
        writer.data_sheet(sheet, descriptions)
        infos.append((sheet, definition, descriptions, rules))
    writer.guide(infos)
    writer.close()
