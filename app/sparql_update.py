"""SPARQL Update through the catalogue's history (issue 4: "SPARQL Update only with an admin token, through
the same history as every other write"). No HTTP here.

An update never runs on the live store. `update_effect` (in a query worker, killed past the timeout) runs
it on a scratch copy (a hard-linked backup opened writable) and finds the graphs it changed: every quad an
update adds or removes matches one of its templates (INSERT/DELETE DATA quads, DELETE/INSERT templates,
the graphs of CLEAR, DROP, ADD, MOVE, COPY), so the quads matching each template's pattern — its predicate
and graph IRIs, anything else a wildcard — are fingerprinted before and after, and only those are read.
(Dumping whole stores to compare them ran at 75,000 quads/s: 9 s at 10,000 entries.)

`write_effect` (in the server, under the write lock) then treats the new content of each changed graph
like any other write: validated in the context of the store (a Violation refuses the whole update with
the report, nothing written), then one journalled commit in which every record changed gets a new version
(action `sparql-update`, the update's text as the note) and a record whose graph the update emptied is
deleted. Refused: LOAD and SERVICE (no outbound requests), CLEAR/DROP ALL or NAMED, any change to the
default graph (every record lives in its own graph) or to govcat's own graphs (ontology, code lists,
shapes, history, users), and changes to the bookkeeping triples (version, last editor, modified, workflow
state: the workflow commands set those). A changed entry returns to 草稿, as with `govcat load`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from govcat.loaders import Loaded

from .catalogue.journal import ChangeSet
from .catalogue.loading import DRAFT, ENTRY, context_graph
from .catalogue.repository import GRAPHS, Catalogue, is_admin_line
from .namespaces import GC, RDF_TYPE
from .query_types import UpdateEffect
from .store import Graph
from .terms import nt_iri
from .validation.run import Report, validate_loaded

ACTION = "sparql-update"
RECORD_CLASSES = tuple(GC + c for c in ("Department", "InformationSystem", "InformationResource", "DataFlow"))
_IRI_REF = re.compile(r"<([^<>\"{}|^`\\\s]*)>")
_BASE = re.compile(r"\bBASE\s*<([^<>\s]*)>", re.IGNORECASE)
_NOTE_LIMIT = 4000


class UpdateRefused(Exception):
    """kind: refused (400), syntax (400), forbidden (403) or invalid (422, with the report)."""

    def __init__(self, kind: str, zh: str, en: str, report: Report | None = None):
        self.kind, self.zh, self.en, self.report = kind, zh, en, report
        super().__init__(en)


# -- in the worker: what the update changes -----------------------------------------------------------------
Pattern = tuple[str | None, str | None, bool]   # (predicate, graph, default graph only)


def update_effect(scratch: Graph, text: str, base_iri: str | None, protected: set[str]) -> UpdateEffect:
    """Run `text` on `scratch` (a writable copy) and return the content of each graph it changed.
    `protected`: IRI prefixes of graphs whose content is not returned (their change is refused)."""
    patterns = template_patterns(text, base_iri)
    before = {p: _figures(scratch, p) for p in patterns}
    scratch.update(text, base_iri=base_iri)
    touched: set[str | None] = set()
    for pattern, figures in before.items():
        after = _figures(scratch, pattern)
        touched |= {g for g in figures.keys() | after.keys() if figures.get(g) != after.get(g)}
    default = None in touched
    named = {g for g in touched if g is not None}
    guarded = frozenset(g for g in named if any(g.startswith(p) for p in protected))
    contents = {g: scratch.graph_ntriples(g) or None for g in sorted(named - guarded)}
    return UpdateEffect(contents, guarded, default)


def _figures(graph: Graph, pattern: Pattern) -> dict[str | None, tuple[int, int]]:
    predicate, name, default_only = pattern
    return graph.fingerprints(predicate=predicate, graph=name, default_graph=default_only)


def template_patterns(text: str, base_iri: str | None) -> set[Pattern]:
    """The quad patterns that cover every quad the update may add or remove (parsed with rdflib)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate
    from rdflib.term import URIRef

    try:
        operations = translateUpdate(parseUpdate(text), base=base_iri).algebra
    except ParseException as exc:
        raise UpdateRefused("syntax", f"SPARQL 语法错误：{exc}", f"SPARQL syntax error: {exc}") from None
    except Exception as exc:   # noqa: BLE001 — rdflib reports some grammar errors as other exceptions
        raise UpdateRefused("syntax", f"SPARQL 语法错误：{exc}", f"SPARQL syntax error: {exc}") from None
    # Relative IRIs: rdflib and Oxigraph might resolve them differently; never rely on them in a pattern.
    bases = [base_iri or ""] + _BASE.findall(text)
    relative = {urljoin(b, ref) for ref in _IRI_REF.findall(text) if not re.match(r"[A-Za-z][\w+.\-]*:", ref)
                for b in bases}

    def constant(term) -> str | None:
        return str(term) if isinstance(term, URIRef) and str(term) not in relative else None

    patterns: set[Pattern] = set()

    def template(quads, triples, default_graph) -> None:
        for graph, found in (quads or {}).items():
            for _s, p, _o in found:
                patterns.add((constant(p), constant(graph), False))
        for _s, p, _o in triples or []:
            if default_graph is None:
                patterns.add((constant(p), None, True))
            else:
                patterns.add((constant(p), constant(default_graph), constant(default_graph) is None))

    def whole(graph) -> None:
        if graph == "DEFAULT":
            patterns.add((None, None, True))
        elif graph in ("ALL", "NAMED"):
            raise UpdateRefused("forbidden", f"不允许 CLEAR/DROP {graph}：会删除本体、代码表、规则、历史和用户图",
                                f"CLEAR/DROP {graph} is refused: it would remove the ontology, code lists, "
                                "shapes, history and users graphs")
        else:
            patterns.add((None, constant(graph), constant(graph) is None))

    for op in operations:
        if _contains(op, "ServiceGraphPattern"):
            raise UpdateRefused("refused", "更新中不允许 SERVICE：服务器不向外发请求",
                                "SERVICE is not allowed in an update: the server makes no outbound requests")
        if op.name == "Load":
            raise UpdateRefused("refused", "不允许 LOAD：服务器不向外发请求", "LOAD is refused: the server makes no outbound requests")
        if op.name in ("InsertData", "DeleteData", "DeleteWhere"):
            template(op.quads, op.triples, None)
        elif op.name == "Modify":
            for clause in (op.delete, op.insert):
                if clause is not None:
                    template(clause.quads, clause.triples, op.withClause)
        elif op.name in ("Clear", "Drop"):
            whole(op.graphiri)
        elif op.name in ("Add", "Copy", "Move"):
            whole(op.graph[1])
            if op.name == "Move":
                whole(op.graph[0])
    return patterns


def _contains(value, name: str) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue
    if isinstance(value, CompValue):
        return value.name == name or any(_contains(v, name) for v in value.values())
    if isinstance(value, dict):
        return any(_contains(v, name) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains(v, name) for v in value)
    return False


# -- in the server: the effect written like any other change ------------------------------------------------
@dataclass
class UpdateOutcome:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_json(self) -> dict:
        return {"new": self.new, "changed": self.changed, "removed": self.removed, "unchanged": self.unchanged}


def write_effect(cat: Catalogue, effect: UpdateEffect, user: str, text: str) -> UpdateOutcome:
    """Validate and commit what an update did (hold `cat.write_lock`, taken before the scratch copy).
    `user`: the IRI of the admin. Raises UpdateRefused; nothing is written then."""
    if effect.protected:
        shown = ", ".join(sorted(effect.protected))
        raise UpdateRefused("forbidden", f"不允许用 SPARQL Update 修改 govcat 自己的图：{shown}",
                            f"SPARQL Update may not change govcat's own graphs: {shown}")
    if effect.default_graph:
        raise UpdateRefused("refused", "不允许写入默认图：每条记录都在以其 IRI 命名的图中（用 GRAPH <…> 或 WITH <…>）",
                            "the default graph may not be changed: every record lives in the graph named by its "
                            "IRI (use GRAPH <…> or WITH <…>)")
    records = {g: c for g, c in effect.graphs.items() if not g.startswith(GRAPHS)}
    old = {record: cat.record_lines(record) for record in records}
    content: dict[str, list[str]] = {}
    managed: dict[str, bool] = {}
    for record, text_now in records.items():
        lines = [line for line in (text_now or "").splitlines() if line]
        # A record of the catalogue carries bookkeeping triples; listings and other data do not.
        managed[record] = any(is_admin_line(line) for line in old[record]) or \
            (not old[record] and _is_record(record, lines))
        if not managed[record] or text_now is None:
            content[record] = lines
            continue
        kept = sorted(line for line in old[record] if is_admin_line(line))
        if sorted(line for line in lines if is_admin_line(line)) != kept:
            raise UpdateRefused("forbidden", f"{record}：版本、最后编辑人、修改日期和审核状态由 govcat 维护，不能用 SPARQL Update 修改",
                                f"{record}: version, last editor, modified date and workflow state are kept by "
                                "govcat; SPARQL Update may not change them")
        content[record] = [line for line in lines if not is_admin_line(line)]
    _validate(cat, {r: lines for r, lines in content.items() if records[r] is not None})
    outcome, change, past = UpdateOutcome(), ChangeSet(), None
    note = text if len(text) <= _NOTE_LIMIT else text[:_NOTE_LIMIT] + "…"
    for record in sorted(records):
        before = sorted(line for line in old[record] if not managed[record] or not is_admin_line(line))
        if records[record] is None:
            if old[record]:
                cat.stage(change, record, None, user=user, action=ACTION, note=note, old=old[record])
                outcome.removed.append(record)
            continue
        lines = sorted(content[record])
        if before == lines:
            outcome.unchanged += 1
            continue
        version = None
        if not old[record]:
            past = cat.last_versions() if past is None else past
            version = past.get(record, 0)
        is_entry = f"<{record}> {nt_iri(RDF_TYPE)} {nt_iri(ENTRY)} ." in lines
        cat.stage(change, record, lines, user=user, action=ACTION, note=note, old=old[record], version=version,
                  state=DRAFT if is_entry and managed[record] else None, admin=managed[record])
        (outcome.changed if old[record] else outcome.new).append(record)
    cat.commit(change)
    return outcome


def _is_record(record: str, lines: list[str]) -> bool:
    head = f"<{record}> {nt_iri(RDF_TYPE)} "
    return any(line.startswith(head) and line[len(head):].rstrip(" .") in map(nt_iri, RECORD_CLASSES) for line in lines)


def _validate(cat: Catalogue, content: dict[str, list[str]]) -> None:
    """The records an update wrote, validated in the context of the store. Each graph must hold its own
    record (and the record's data items) and nothing about other records; a graph holding no record of
    the catalogue at all (other data) is kept as it is."""
    if not content:
        return
    loaded = Loaded("SPARQL Update", ntriples="\n".join(line for lines in content.values() for line in lines) + "\n",
                    rdf_format="nt")
    graph, owner, orphans, _classes = context_graph(cat, loaded)
    for record, lines in content.items():
        subjects = {line.split(" ", 1)[0].strip("<>") for line in lines}
        owners = {owner[s] for s in subjects if s in owner}
        if owners - {record}:
            others = ", ".join(sorted(owners - {record})[:3])
            raise UpdateRefused("refused", f"图 {record} 中写入了其他记录（{others}）的数据：每条记录只在自己的图中",
                                f"the graph {record} was given triples of other records ({others}): each record "
                                "lives in its own graph")
        strays = sorted(subjects & set(orphans))
        if owners and strays:
            raise UpdateRefused("refused", f"记录 {record} 的图中有不属于它的数据：{strays[:3]}",
                                f"the graph of record {record} holds data that belongs to no record: {strays[:3]}")
    report = validate_loaded(loaded, graph)
    mine = set(owner) | set(orphans)
    report.results = [r for r in report.results if r.focus in mine]
    if not report.conforms:
        raise UpdateRefused("invalid", "更新后的记录不符合规则，未写入任何内容", "the updated records break rules; nothing was written",
                            report)
