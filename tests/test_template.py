"""The empty template: exact headers, dropdowns, a 填写说明 sheet, and it loads as a valid empty input."""
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from govcat import template as template_module
from govcat.cli import main
from govcat.loaders import load_path
from govcat.schema import code_lists, sheets
from govcat.template import CODES_SHEET, GUIDE_SHEET, write_template

ROOT = Path(__file__).resolve().parents[1]
SHEETS = ["部门", "信息系统", "信息资源", "信息项", "数据流"]


@pytest.fixture(scope="module")
def template_xlsx(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("template") / "模板.xlsx"
    write_template(out)
    return out


def sheet_xml(path: Path, sheet_name: str) -> str:
    """The worksheet XML of the sheet called `sheet_name` (sheets are numbered in workbook order)."""
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{names.index(sheet_name) + 1}.xml").decode("utf-8")


def guide_text(path: Path) -> str:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(GUIDE_SHEET).to_python()
    return "\n".join(" | ".join(str(c) for c in row) for row in rows)


def column_rule_ids() -> set[str]:
    ids = set()
    for shape_file in (ROOT / "shapes").glob("*.ttl"):
        for block in shape_file.read_text(encoding="utf-8").split(" .\n"):
            if "gc:column" in block:
                ids.update(re.findall(r'gc:ruleId "([A-Z][0-9]+)"', block))
    return ids


def test_sheets_and_headers(template_xlsx):
    wb = CalamineWorkbook.from_path(str(template_xlsx))
    assert wb.sheet_names[:5] == SHEETS
    assert GUIDE_SHEET in wb.sheet_names
    for name in SHEETS:
        rows = wb.get_sheet_by_name(name).to_python()
        assert rows[0] == [c.header for c in sheets()[name].columns]
        assert all(not any(cell != "" for cell in row) for row in rows[1:])


def test_loads_as_an_empty_input(template_xlsx):
    loaded = load_path(template_xlsx)
    assert loaded.ntriples == ""
    assert loaded.counts == {name: 0 for name in SHEETS}


def test_code_and_boolean_columns_have_warning_dropdowns(template_xlsx):
    xml = sheet_xml(template_xlsx, "信息资源")
    validations = re.findall(r"<dataValidation .*?</dataValidation>", xml, re.S)
    sharing = [v for v in validations if "无条件共享" in v]
    assert len(sharing) == 1
    assert 'type="list"' in sharing[0] and 'errorStyle="warning"' in sharing[0]
    assert 'sqref="J2:J10000"' in sharing[0]          # 共享类型 is the 10th column
    assert any("是,否" in v for v in validations)       # 是否向社会开放
    wanted = sum(c.kind in ("code", "boolean") for c in sheets()["信息资源"].columns)
    assert len(validations) == wanted


def test_header_comments_are_the_descriptions(template_xlsx):
    with zipfile.ZipFile(template_xlsx) as z:
        comments = "".join(z.read(n).decode("utf-8") for n in z.namelist() if "comments" in n)
    assert "无条件共享、有条件共享或不予共享。" in comments
    assert "部门的18位统一社会信用代码（GB 32100），唯一。" in comments


def test_guide_mentions_every_column_rule_and_definition(template_xlsx):
    text = guide_text(template_xlsx)
    ids = column_rule_ids()
    assert {"C10", "C19", "D01", "S15", "F04"} <= ids
    assert not {i for i in ids if i not in text}
    for name in SHEETS:
        assert f"【{name}】" in text
    assert "政务部门或其下属单位" in text                   # skos:definition of gc:Department
    assert "有条件共享时必填" in text                       # sh:description of 共享条件
    assert "无条件共享、有条件共享、不予共享" in text          # code-list values


def test_guide_required_column(template_xlsx):
    rows = CalamineWorkbook.from_path(str(template_xlsx)).get_sheet_by_name(GUIDE_SHEET).to_python()
    required = {}
    section = None
    for row in rows:
        if str(row[0]).startswith("【"):
            section = row[0].strip("【】")
        elif section and row[0] and len(row) > 2 and row[2] in ("是", "否", "条件", "建议"):
            required[(section, row[0])] = row[2]
    assert required[("信息资源", "共享类型")] == "是"
    assert required[("信息资源", "共享条件")] == "条件"
    assert required[("信息资源", "来源信息系统")] == "建议"
    assert required[("信息项", "信息项说明")] == "否"
    assert required[("信息资源", "发布日期")] == "是"


def test_long_lists_go_to_a_hidden_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(template_module, "LIST_LIMIT", 10)
    out = tmp_path / "t.xlsx"
    write_template(out)
    wb = CalamineWorkbook.from_path(str(out))
    assert wb.sheet_names[:5] == SHEETS and CODES_SHEET in wb.sheet_names
    xml = sheet_xml(out, "信息资源")
    assert f"<formula1>'{CODES_SHEET}'!$" in xml
    with zipfile.ZipFile(out) as z:
        assert 'state="hidden"' in z.read("xl/workbook.xml").decode("utf-8")
    codes = wb.get_sheet_by_name(CODES_SHEET).to_python()
    columns = {row_values[0]: [r[i] for r in codes[1:] if r[i] != ""]
               for i, row_values in enumerate(zip(*codes))}
    sharing_type = sheets()["信息资源"].column("共享类型").cls
    assert columns["共享类型"] == list(code_lists()[sharing_type].labels)
    assert load_path(out).counts == {name: 0 for name in SHEETS}


def test_english_guidance(tmp_path):
    out = tmp_path / "en.xlsx"
    write_template(out, lang="en")
    text = guide_text(out)
    assert "A government department" in text and "Required" in text
    assert CalamineWorkbook.from_path(str(out)).get_sheet_by_name("部门").to_python()[0] == sheets()["部门"].headers


def test_cli(tmp_path):
    out = tmp_path / "sub" / "模板.xlsx"
    result = CliRunner().invoke(main, ["template", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and "已写入模板" in result.output
