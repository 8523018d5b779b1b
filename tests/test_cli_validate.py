"""`govcat validate`: formats, languages and exit codes, on real generated files."""
from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from govcat.cli import main
from govcat.generate import generate_catalogue


def test_clean_catalogue_exits_0_and_says_it_conforms(small_xlsx):
    result = CliRunner().invoke(main, ["validate", str(small_xlsx)])
    assert result.exit_code == 0, result.output
    assert "通过" in result.output and "违规 0 条" in result.output


def test_violations_exit_1_with_json_in_the_documented_shape(tmp_path):
    out = generate_catalogue(tmp_path / "bad.xlsx", entries=60, seed=4, defects=0.2)
    result = CliRunner().invoke(main, ["validate", str(out.path), "--format", "json", "--lang", "en"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False
    assert set(report) == {"conforms", "results"}
    first = report["results"][0]
    assert set(first) == {"rule", "severity", "sheet", "row", "focus", "path", "value", "message"}
    planted = {(d["rule"], d["sheet"], d["row"]) for d in out.defects}
    assert planted <= {(r["rule"], r["sheet"], r["row"]) for r in report["results"]}
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in r["message"].split("(")[0][:12])
               for r in report["results"])   # English messages (they may quote Chinese code values later)


def test_warnings_alone_keep_conforms_true(tmp_path):
    from govcat.validation.report import as_json
    from govcat.validation.run import validate_path
    out = generate_catalogue(tmp_path / "w.xlsx", entries=300, seed=9, defects=0.3)
    report = validate_path(out.path)
    only_warnings = [r for r in report.results if r.severity != "Violation"]
    report.results = only_warnings
    assert only_warnings and json.loads(as_json(report))["conforms"] is True


def test_text_report_groups_by_sheet_and_row_in_chinese(tmp_path):
    out = generate_catalogue(tmp_path / "t.xlsx", entries=60, seed=4, defects=0.2)
    result = CliRunner().invoke(main, ["validate", str(out.path)])
    d = out.defects[0]
    assert f"{d['sheet']} 第{d['row']}行" in result.output
    assert f"[违规 {d['rule']}]" in result.output or f"[警告 {d['rule']}]" in result.output


def test_turtle_report_is_a_shacl_validation_report(tmp_path):
    from govcat.store import Graph
    out = generate_catalogue(tmp_path / "r.xlsx", entries=60, seed=4, defects=0.2)
    result = CliRunner().invoke(main, ["validate", str(out.path), "--format", "turtle"])
    graph = Graph()
    graph.load(result.output, "ttl")
    rows = graph.select("PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT ?c (COUNT(?r) AS ?n) "
                        "WHERE { ?rep a sh:ValidationReport ; sh:conforms ?c ; sh:result ?r } GROUP BY ?c")
    assert rows[0]["c"].value == "false" and int(rows[0]["n"].value) >= len(out.defects)


def test_installed_console_script_runs(small_csv):
    proc = subprocess.run([sys.executable, "-m", "govcat", "validate", str(small_csv), "--lang", "en"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "conforms" in proc.stdout
