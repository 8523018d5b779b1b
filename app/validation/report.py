"""Validation reports as text (grouped by sheet and row), JSON, or a SHACL sh:ValidationReport."""
from __future__ import annotations

import json
from itertools import groupby

from ..namespaces import GC, RDF_TYPE, SH, XSD
from ..store import serialize_triples
from ..terms import Term, iri, literal
from .run import Report

SEVERITY_NAMES = {"zh": {"Violation": "违规", "Warning": "警告", "Info": "提示"},
                  "en": {"Violation": "Violation", "Warning": "Warning", "Info": "Info"}}


def as_json(report: Report, lang: str = "zh") -> str:
    return json.dumps({"conforms": report.conforms, "results": [r.as_json(lang) for r in report.results]},
                      ensure_ascii=False, indent=1)


def as_text(report: Report, lang: str = "zh") -> str:
    names = SEVERITY_NAMES[lang]
    lines = []
    for (sheet, row), group in groupby(report.results, key=lambda r: (r.sheet, r.row)):
        if lang == "zh":
            lines.append(f"{sheet or '（无工作表）'} 第{row}行" if row else f"{sheet or '（无工作表）'}")
        else:
            lines.append(f"{sheet or '(no sheet)'} row {row}" if row else f"{sheet or '(no sheet)'}")
        for r in group:
            where = f"「{r.column}」" if r.column else ""
            shown = r.shown if r.value != r.focus else None    # a missing value is reported on the record
            value = f"（值：{shown}）" if lang == "zh" and shown is not None else (
                f" (value: {shown})" if shown is not None else "")
            message = r.messages.get(lang) or r.messages["zh"]
            lines.append(f"  [{names[r.severity]} {r.rule}] {where}{message}{value}")
    totals = report.by_severity()
    records = sum(report.counts.values())
    if lang == "zh":
        verdict = "通过" if report.conforms else "未通过"
        lines.append(f"{report.file}：{verdict}。{records} 条记录，违规 {totals['Violation']} 条，"
                     f"警告 {totals['Warning']} 条，提示 {totals['Info']} 条。")
    else:
        verdict = "conforms" if report.conforms else "does not conform"
        lines.append(f"{report.file}: {verdict}. {records} records, {totals['Violation']} violations, "
                     f"{totals['Warning']} warnings, {totals['Info']} infos.")
    return "\n".join(lines) + "\n"


def report_triples(report: Report) -> list[tuple[Term, Term, Term]]:
    """The report in the SHACL vocabulary, with govcat's rule ID, sheet and row on each result."""
    node = Term("bnode", "report")
    triples = [(node, iri(RDF_TYPE), iri(SH + "ValidationReport")),
               (node, iri(SH + "conforms"), literal("true" if report.conforms else "false", XSD + "boolean"))]
    for n, r in enumerate(report.results):
        res = Term("bnode", f"r{n}")
        triples += [(node, iri(SH + "result"), res), (res, iri(RDF_TYPE), iri(SH + "ValidationResult")),
                    (res, iri(SH + "focusNode"), iri(r.focus)),
                    (res, iri(SH + "resultSeverity"), iri(SH + r.severity)),
                    (res, iri(SH + "sourceShape"), iri(r.shape)),
                    (res, iri(SH + "sourceConstraintComponent"), iri(r.component)),
                    (res, iri(GC + "ruleId"), literal(r.rule))]
        triples += [(res, iri(SH + "resultMessage"), literal(text, language=lang))
                    for lang, text in sorted(r.messages.items())]
        if r.path:
            triples.append((res, iri(SH + "resultPath"), iri(r.path)))
        if r.finding.value is not None:
            triples.append((res, iri(SH + "value"), r.finding.value))
        if r.sheet:
            triples.append((res, iri(GC + "sheet"), literal(r.sheet)))
        if r.row:
            triples.append((res, iri(GC + "row"), literal(str(r.row), XSD + "integer")))
    return triples


def as_turtle(report: Report) -> str:
    prefixes = {"sh": SH, "gc": GC, "xsd": XSD}
    return serialize_triples(report_triples(report), "ttl", prefixes).decode("utf-8")


FORMATS = {"text": as_text, "json": as_json, "turtle": lambda report, lang="zh": as_turtle(report)}
