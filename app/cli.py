"""The `govcat` command line. Thin: every command calls the core and prints its result."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from govcat.loaders import LoadError

EXIT_OK, EXIT_VIOLATIONS, EXIT_UNREADABLE = 0, 1, 2


@click.group(help="govcat — 政务信息资源目录 / government information-resource catalogue")
def main() -> None:
    pass


def _fail_unreadable(exc: LoadError, lang: str) -> None:
    click.echo(("无法读取输入：" if lang == "zh" else "cannot read the input: ") + exc.text(lang), err=True)
    sys.exit(EXIT_UNREADABLE)


@main.command(help="检查目录文件是否符合编制指南 / check a catalogue file against the compilation guide. "
                   "PATH: .xlsx workbook, folder of CSV files, .ttl or .jsonld. "
                   "Exit 0: no violation; 1: violations; 2: unreadable input.")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text",
              show_default=True, help="报告格式 / report format")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="报告语言 / report language")
def validate(path: Path, fmt: str, lang: str) -> None:
    from govcat.validation.report import FORMATS
    from govcat.validation.run import validate_path
    try:
        report = validate_path(path)
    except LoadError as exc:
        _fail_unreadable(exc, lang)
    click.echo(FORMATS[fmt](report, lang), nl=False)
    sys.exit(EXIT_OK if report.conforms else EXIT_VIOLATIONS)


@main.command(help="生成模拟的湖南省目录 / write a synthetic Hunan catalogue (.xlsx, or a CSV folder).")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--entries", type=click.IntRange(min=0), required=True, help="信息资源条数 / number of entries")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--defects", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
              help="植入缺陷的比例 / share of entries with a planted defect")
@click.option("--province", is_flag=True,
              help="全省规模的比例：20 万条信息资源时 14 个市州、122 个县市区的约 5,000 个部门，2 万个系统，100 万个信息项，"
                   "5 万条数据流，按 --entries 等比缩放（部门数最多为全省的 5,042 个）/ a whole province's proportions (at "
                   "200,000 entries: about 5,000 departments of 14 市州 and 122 县市区, 20,000 systems, 1,000,000 data "
                   "items, 50,000 flows), scaled to --entries (departments at most the province's 5,042); department "
                   "sizes long-tailed")
@click.option("--departments", type=click.IntRange(min=1), help="部门总数 / total departments")
@click.option("--systems", type=click.IntRange(min=1), help="信息系统总数 / total systems")
@click.option("--items", type=click.IntRange(min=0), help="信息项总数（约数）/ total data items (about)")
@click.option("--flows", type=click.IntRange(min=0), help="数据流总数 / total flows")
def generate(out: Path, entries: int, seed: int, defects: float, province: bool, departments: int | None,
             systems: int | None, items: int | None, flows: int | None) -> None:
    from govcat.generate import generate_catalogue, shape_for
    from govcat.generate.province import describe_lines
    shape = shape_for(entries, province, departments, systems, items, flows)
    result = generate_catalogue(out, entries, seed=seed, defects=defects, shape=shape)
    counts = "，".join(f"{sheet} {n}" for sheet, n in result.counts.items())
    click.echo(f"已写入 {result.path}：{counts}")
    if not shape.is_default:
        click.echo("\n".join(describe_lines(result.levels)))
    if result.defects_path:
        click.echo(f"植入缺陷 {len(result.defects)} 个，清单见 {result.defects_path}")


@main.command(help="生成空白的目录模板（含下拉列表和填写说明）/ write an empty catalogue template (.xlsx) "
                   "with dropdowns and a 填写说明 sheet.")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="填写说明的语言 / language of the guidance")
def template(out: Path, lang: str) -> None:
    from govcat.schema import sheets
    from govcat.template import write_template
    write_template(out, lang)
    click.echo(f"已写入模板 {out}：{'、'.join(sheets())} 及填写说明")


from . import cli_store  # noqa: E402,F401  (registers the store commands on `main`)
from . import cli_analytics  # noqa: E402,F401  (and the analysts' commands)
from . import cli_dcat  # noqa: E402,F401  (and govcat harvest)
from . import cli_requests  # noqa: E402,F401  (and the sharing requests)
from . import cli_search  # noqa: E402,F401  (and govcat reindex)
from . import cli_calendar  # noqa: E402,F401  (and the holiday notices)

if __name__ == "__main__":   # run as a script, this module is not govcat.cli: use the real one
    from govcat.cli import main as govcat_main
    govcat_main()
