"""Reading the template: xlsx, CSV folders in three encodings, Turtle and JSON-LD; broken input."""
from __future__ import annotations

import shutil

import pytest
import xlsxwriter
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from govcat.cli import main
from govcat.loaders import LoadError, load_path
from govcat.schema import sheets
from govcat.store import Graph
from govcat.validation.run import data_graph, validate_path


def read_xlsx(path):
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def write_xlsx(path, tables):
    book = xlsxwriter.Workbook(str(path))
    for name, rows in tables.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value not in ("", None):
                    ws.write(r, c, value)
    book.close()


def copy_csv(src, dst, encoding):
    dst.mkdir()
    for f in src.glob("*.csv"):
        (dst / f.name).write_bytes(f.read_text(encoding="utf-8-sig").encode(encoding))


def triples(loaded):
    return sorted(set(loaded.ntriples.splitlines()))


def test_xlsx_and_csv_give_the_same_records(small_xlsx, small_csv):
    a, b = load_path(small_xlsx), load_path(small_csv)
    assert triples(a) == triples(b)
    assert a.sources == b.sources
    assert a.counts["信息资源"] == 40


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_are_detected(small_csv, tmp_path, encoding):
    copy_csv(small_csv, tmp_path / "cat", encoding)
    assert triples(load_path(tmp_path / "cat")) == triples(load_path(small_csv))


def test_undecodable_csv_is_refused_with_the_file_named(small_csv, tmp_path):
    shutil.copytree(small_csv, tmp_path / "cat")
    (tmp_path / "cat" / "部门.csv").write_bytes(b"\xff\xfe\xff\x00\x81")
    with pytest.raises(LoadError) as err:
        load_path(tmp_path / "cat")
    assert "部门.csv" in err.value.file and "编码" in err.value.text("zh")


def test_records_remember_sheet_and_excel_row(small_xlsx):
    loaded = load_path(small_xlsx)
    rows = read_xlsx(small_xlsx)["信息资源"]
    code = rows[4][2]                     # Excel row 5
    assert loaded.sources[f"https://govcat.example.org/id/resource/{code}"] == ("信息资源", 5)


def test_empty_rows_keep_excel_numbering_and_empty_cells_are_absent(small_xlsx, tmp_path):
    tables = read_xlsx(small_xlsx)
    res = tables["信息资源"]
    res.insert(2, [""] * len(res[0]))     # an empty Excel row 3
    res[3][res[0].index("格式说明")] = ""
    write_xlsx(tmp_path / "gap.xlsx", tables)
    loaded = load_path(tmp_path / "gap.xlsx")
    subject = f"https://govcat.example.org/id/resource/{res[3][2]}"
    assert loaded.sources[subject] == ("信息资源", 4)
    assert not [t for t in loaded.ntriples.splitlines() if t.startswith(f"<{subject}> <https://w3id.org/govcat/def#formatNote>")]


def test_missing_sheet_exits_2_naming_the_sheet(small_xlsx, tmp_path):
    tables = read_xlsx(small_xlsx)
    del tables["数据流"]
    write_xlsx(tmp_path / "nosheet.xlsx", tables)
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nosheet.xlsx")])
    assert result.exit_code == 2
    assert "数据流" in result.output and "nosheet.xlsx" in result.output and "Traceback" not in result.output


def test_unknown_header_exits_2_naming_sheet_row_and_header(small_xlsx, tmp_path):
    tables = read_xlsx(small_xlsx)
    tables["信息系统"][0][3] = "运营单位"
    write_xlsx(tmp_path / "header.xlsx", tables)
    with pytest.raises(LoadError) as err:
        load_path(tmp_path / "header.xlsx")
    assert (err.value.sheet, err.value.row) == ("信息系统", 1)
    assert "运营单位" in err.value.text("zh")


def test_missing_column_is_refused(small_csv, tmp_path):
    shutil.copytree(small_csv, tmp_path / "cat")
    path = tmp_path / "cat" / "信息项.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as err:
        load_path(tmp_path / "cat")
    assert err.value.sheet == "信息项" and "信息项说明" in err.value.text("zh")


@pytest.mark.parametrize("name,data", [("broken.xlsx", b"PK\x03\x04 not really a zip"),
                                       ("empty.xlsx", b""),
                                       ("broken.ttl", "<a> <b> \"unterminated .".encode()),
                                       ("latin.ttl", b"\xff\xfe<a> <b> <c> ."),
                                       ("cat.pdf", b"%PDF-1.4")])
def test_unreadable_files_exit_2_without_traceback(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    result = CliRunner().invoke(main, ["validate", str(tmp_path / name)])
    assert result.exit_code == 2, result.output
    assert name in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_turtle_and_jsonld_of_a_catalogue_validate_like_the_workbook(small_xlsx, tmp_path):
    loaded = load_path(small_xlsx)
    graph = Graph()
    graph.load(loaded.ntriples, "nt")
    (tmp_path / "cat.ttl").write_bytes(graph.serialize("ttl"))
    (tmp_path / "cat.jsonld").write_bytes(graph.serialize("jsonld"))
    assert validate_path(tmp_path / "cat.ttl").results == []
    assert validate_path(tmp_path / "cat.jsonld").results == []
    assert len(data_graph(load_path(tmp_path / "cat.jsonld"))) == len(data_graph(loaded))


def test_turtle_findings_name_the_sheet_of_the_class(tmp_path):
    (tmp_path / "one.ttl").write_text(
        "@prefix gc: <https://w3id.org/govcat/def#> .\n"
        "<https://govcat.example.org/id/flow/F1> a gc:DataFlow .\n", encoding="utf-8")
    results = validate_path(tmp_path / "one.ttl").results
    assert {r.rule for r in results} == {"F01", "F02", "F03", "F04"}
    assert {(r.sheet, r.row) for r in results} == {("数据流", None)}


def test_template_headers_come_from_the_shapes():
    assert [c.header for c in sheets()["数据流"].columns] == ["流编码", "源系统编码", "目标系统编码", "信息资源代码", "交换方式", "频率"]
