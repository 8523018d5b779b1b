"""govcat with its store on an external SPARQL 1.1 server: `oxigraph serve` and Virtuoso open source, each
started on loopback by the tests (tests/engines.py) and stopped after. The key flows run through the CLI (and
one server) with GOVCAT_SPARQL_ENDPOINT set, each beside the same commands on an embedded store loaded with
the same file: the answers must be the same.

Virtuoso is installed by tests/setup_engines.sh when absent; without root or the Debian archive its tests
skip saying why."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import python_calamine
from engine_broker import BROKER_VARIABLE
from engines import ENGINES, RunningEngine, govcat_env, running_engine
from govcat.generate import generate_catalogue
from govcat.terms import Term
from sparqlserver import start_server, stop_server

ENTRY = "<https://w3id.org/govcat/def#InformationResource>"
COUNT = f"SELECT (COUNT(?e) AS ?n) WHERE {{ ?e a {ENTRY} }}"
ENGINE_OWN = ("openlinksw.com/", "/ns/ldp#", "localuriqaserver", "sparql-service-description#")   # Virtuoso's graphs
UNPORTABLE = {"virtuoso": {   # saved queries an engine refuses, and why
    "entries_breaking_rules": "xsd:dayTimeDuration arithmetic on dates (an XPath extension, not SPARQL 1.1)",
}}
TIMES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ?|\d{4}-\d\d-\d\d|_:[A-Za-z0-9]+")


@dataclass
class Side:
    """One store: its folder and the environment that points govcat at it."""
    store: Path
    env: dict[str, str]

    def run(self, *args, check: bool = False) -> subprocess.CompletedProcess:
        args = [str(a) for a in args]
        if args[0] not in ("generate",):
            args += ["--store", str(self.store)]
        done = subprocess.run([sys.executable, "-m", "govcat", *args], check=False, capture_output=True, text=True,
                              env=self.env)
        assert not check or done.returncode == 0, done.stdout + done.stderr
        return done


@dataclass
class Pair:
    engine: RunningEngine
    remote: Side
    local: Side
    work: Path

    def both(self, *args, check: bool = True) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
        return self.remote.run(*args, check=check), self.local.run(*args, check=check)


@pytest.fixture(scope="module", params=ENGINES)
def pair(request, small_csv, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"engine-{request.param}")
    with running_engine(request.param, work / "engine") as engine:
        catalogue = work / "catalogue"
        shutil.copytree(small_csv, catalogue)
        yield Pair(engine, Side(work / "remote", govcat_env(engine.env)), Side(work / "local", embedded_env()), work)


def embedded_env() -> dict[str, str]:
    """The environment of the reference side: the embedded store, also when the suite runs on engines
    (without the broker of tests/engine_switch.py)."""
    return {k: v for k, v in govcat_env({}).items() if k != BROKER_VARIABLE}


def rows(folder: Path, sheet: str) -> list[list[str]]:
    with open(folder / f"{sheet}.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def write_rows(folder: Path, sheet: str, table: list[list[str]]) -> None:
    with open(folder / f"{sheet}.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(table)


def same(text: str) -> str:
    """Output with times and blank-node labels blanked (they differ between two runs)."""
    return TIMES.sub("T", text)


def dumped(side: Side, path: Path) -> list[str]:
    side.run("dump", path, check=True)
    return sorted(same(line) for line in path.read_text(encoding="utf-8").splitlines() if line)


# -- loading ---------------------------------------------------------------------------------------------------
def test_a_load_is_written_once_and_a_second_load_changes_nothing(pair):
    catalogue = pair.work / "catalogue"
    remote, local = pair.both("load", catalogue, "--publish", "--as", "loader")
    assert remote.stdout == local.stdout and "new 64," in remote.stdout
    remote, local = pair.both("load", catalogue, "--as", "loader")
    assert "unchanged 64" in remote.stdout, remote.stdout      # the engine gives back the very terms written
    assert dumped(pair.remote, pair.work / "r.nq") == dumped(pair.local, pair.work / "l.nq")


def test_a_file_with_violations_is_refused_and_nothing_is_written(pair):
    before = dumped(pair.remote, pair.work / "before.nq")
    bad = generate_catalogue(pair.work / "bad.xlsx", entries=40, seed=2, defects=0.2)
    remote, local = pair.both("load", bad.path, "--format", "json", check=False)
    assert remote.returncode == local.returncode == 1 and "未写入" in remote.stderr
    assert json.loads(remote.stdout)["results"] == json.loads(local.stdout)["results"]
    assert dumped(pair.remote, pair.work / "after.nq") == before


def test_references_resolve_against_the_records_in_the_engine(pair):
    only_entries = pair.work / "entries"
    shutil.copytree(pair.work / "catalogue", only_entries)
    for sheet in ("部门", "信息系统", "数据流"):
        write_rows(only_entries, sheet, rows(only_entries, sheet)[:1])    # headers only: the rest is in the store
    table = rows(only_entries, "信息资源")
    table[1][5] += "（补充说明）"
    write_rows(only_entries, "信息资源", table)
    remote, local = pair.both("load", only_entries, "--as", "loader")
    assert "changed 1," in remote.stdout and remote.stdout == local.stdout


# -- querying ---------------------------------------------------------------------------------------------------
def test_every_saved_query_answers_as_on_the_embedded_store(pair):
    """Each queries/*.rq, its parameters bound to values from the catalogue (as in test_bound_values), run by
    govcat on the engine and on the embedded store: the same solutions."""
    from govcat.catalogue import Catalogue
    from govcat.engines import Engine
    from govcat.remote_store import RemoteGraph
    from govcat.saved_queries import load_all
    from test_bound_values import answers, candidates

    def term(value):   # blank node labels are the engine's own; GROUP_CONCAT's order is unspecified
        if value is not None and value.kind == "bnode":
            return Term("bnode", "b")
        if value is not None and "\x1f" in value.value:
            return Term("literal", "\x1f".join(sorted(value.value.split("\x1f"))), value.datatype)
        return value

    def same_rows(rows):     # versions were made at other moments; Virtuoso's own graphs are left out
        return sorted(same(a) for a in answers([{k: term(v) for k, v in row.items()} for row in rows])
                      if not any(own in a for own in ENGINE_OWN))
    local = Catalogue.open(pair.local.store)
    remote = RemoteGraph(Engine.from_env(pair.engine.env))
    try:
        values = candidates(local)
        compared = differ = 0
        refused, wrong = {}, []
        for saved in load_all().values():
            bindings = {p.name: values[p.type][0] for p in saved.params}
            expected = same_rows(local.graph.select(saved.text, bindings))
            try:
                got = same_rows(remote.select(saved.text, bindings))
            except OSError as exc:
                refused[saved.name] = str(exc)
                continue
            if got != expected:
                wrong.append(saved.name)
            compared += 1
            differ += bool(expected)
        assert not wrong, wrong
        assert set(refused) == set(UNPORTABLE.get(pair.engine.name, ())), refused
        assert compared > 60 and differ > 30, (compared, differ)
    finally:
        remote.close()
        del local


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml"])
def test_queries_answer_as_on_the_embedded_store(pair, fmt):
    text = ("PREFIX dct: <http://purl.org/dc/terms/> SELECT ?code ?title ?issued WHERE { ?e a " + ENTRY +
            " ; dct:identifier ?code ; dct:title ?title ; dct:issued ?issued } ORDER BY ?code")
    remote, local = pair.both("query", text, "--format", fmt)
    assert remote.stdout == local.stdout and remote.stdout.count("/0000") >= 40   # every entry code
    remote, local = pair.both("query", COUNT, "--format", "csv")
    assert remote.stdout.splitlines() == local.stdout.splitlines() == ["n", "40"]


def test_ask_construct_and_saved_query_files(pair):
    for text in (f"ASK {{ ?e a {ENTRY} }}", "ASK { ?e a <urn:nothing> }"):
        remote, local = pair.both("query", text)
        assert json.loads(remote.stdout)["boolean"] == json.loads(local.stdout)["boolean"]
    text = f"CONSTRUCT {{ ?e a {ENTRY} }} WHERE {{ ?e a {ENTRY} }}"
    remote, local = pair.both("query", text, "--format", "turtle")
    assert sorted(remote.stdout.split()) == sorted(local.stdout.split())
    saved = Path(__file__).resolve().parents[1] / "queries" / "entries_per_department.rq"
    remote, local = pair.both("query", saved, "--format", "csv")
    assert remote.stdout == local.stdout and len(remote.stdout.splitlines()) > 3
    refused = pair.remote.run("query", "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
    assert refused.returncode == 1 and "SERVICE" in refused.stderr


def test_a_path_with_both_ends_unbound(pair):
    """Virtuoso refuses `?a p+ ?b` with both ends unbound (govcat's own queries always bind the start);
    `govcat query` says so with the engine's message instead of failing silently."""
    text = ("PREFIX gc: <https://w3id.org/govcat/def#> SELECT (COUNT(*) AS ?n) WHERE "
            "{ ?a (^gc:sourceSystem/gc:targetSystem)+ ?b }")
    remote, local = pair.both("query", text, "--format", "csv", check=False)
    if pair.engine.name == "virtuoso":
        assert remote.returncode == 1 and "transitive start not given" in remote.stderr
    else:
        assert remote.stdout == local.stdout and remote.returncode == 0


# -- history, workflow, analytics -----------------------------------------------------------------------------------
def test_history_and_restore_version(pair):
    catalogue = pair.work / "catalogue"
    table = rows(catalogue, "信息资源")
    code, title = table[2][2], table[2][1]
    table[2][1] = "改过的名称"
    write_rows(catalogue, "信息资源", table)
    pair.both("load", catalogue, "--as", "zhang")
    remote, local = pair.both("history", code)
    assert same(remote.stdout) == same(local.stdout) and "版本 2" in remote.stdout and "改过的名称" in remote.stdout
    remote, local = pair.both("restore-version", code, "1", "--as", "zhang")
    assert remote.stdout == local.stdout and "成为第 3 版" in remote.stdout
    shown = pair.remote.run("query", f'PREFIX dct: <http://purl.org/dc/terms/> SELECT ?t WHERE {{ ?e dct:identifier '
                            f'"{code}" ; dct:title ?t }}', "--format", "csv", check=True)
    assert shown.stdout.splitlines()[1:] == [title]


def test_users_and_the_review_workflow(pair):
    for name, role in (("wang", "reviewer"), ("li", "editor")):
        remote, local = pair.both("user", "add", name, "--role", role)
        assert len(remote.stdout.splitlines()[-1]) > 30
    table = rows(pair.work / "catalogue", "信息资源")
    draft, published = table[1][2], table[3][2]      # changed by an earlier load (a draft again); as loaded
    for args in (("submit", draft, "--as", "li"), ("approve", draft, "--as", "wang"),
                 ("withdraw", published, "--as", "wang")):
        remote, local = pair.both(*args)
        assert remote.stdout == local.stdout, args
    remote, local = pair.both("history", draft)
    assert same(remote.stdout) == same(local.stdout) and "approve" in remote.stdout


@pytest.mark.parametrize("command", [["duplicates"], ["zombies", "--as-of", "2026-11-01"], ["integration"],
                                     ["evaluate", "--year", "2026"]])
def test_analytics_find_the_same_as_on_the_embedded_store(pair, command):
    remote, local = pair.both(*command, "--format", "json")
    found = json.loads(remote.stdout)
    assert found and found == json.loads(local.stdout)


# -- export, dump and restore ---------------------------------------------------------------------------------------
def test_export_round_trip(pair):
    pair.remote.run("export", pair.work / "r.xlsx", check=True)
    pair.local.run("export", pair.work / "l.xlsx", check=True)
    sheets = [python_calamine.CalamineWorkbook.from_path(str(pair.work / name)) for name in ("r.xlsx", "l.xlsx")]
    for name in sheets[0].sheet_names:
        assert sheets[0].get_sheet_by_name(name).to_python() == sheets[1].get_sheet_by_name(name).to_python(), name
    again = pair.remote.run("load", pair.work / "r.xlsx", "--as", "zhang", check=True)
    assert "new 0, changed 0, removed 0" in again.stdout


def test_dump_then_restore_into_an_empty_engine(pair):
    before = dumped(pair.remote, pair.work / "full.nq")
    pair.engine.clear()
    assert pair.remote.run("query", COUNT, "--format", "csv").stdout.splitlines()[1:] == ["0"]
    pair.remote.store = pair.work / "restored"
    pair.remote.run("restore", pair.work / "full.nq", check=True)
    assert dumped(pair.remote, pair.work / "again.nq") == before
    refused = pair.remote.run("restore", pair.work / "full.nq")
    assert refused.returncode == 2


# -- the server ----------------------------------------------------------------------------------------------------
def test_the_server_edits_through_rest_and_answers_sparql_by_view(pair):
    tokens = {role: pair.remote.run("user", "add", f"web-{role}", "--role", role, *extra,
                                    check=True).stdout.splitlines()[-1]
              for role, extra in (("admin", ()), ("viewer", ()))}
    # a viewer's query waits (up to the time limit) for the internal replica holding the writes made before it: a dump
    # of the engine, more than the suite's 2 s on a slow machine (503 "busy" then)
    server = start_server(pair.remote.store, pair.engine.env | {"GOVCAT_QUERY_TIMEOUT": "30"})
    try:
        admin = httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {tokens['admin']}"})
        entries = admin.get("/api/entries", params={"per_page": 100}).json()["items"]
        code = entries[0]["信息资源代码"]
        got = admin.get(f"/api/entries/{code}")
        body = got.json() | {"信息资源摘要": got.json()["信息资源摘要"] + "（经接口修改）"}
        changed = admin.put(f"/api/entries/{code}", json=body, headers={"If-Match": got.headers["etag"]})
        assert changed.status_code == 200, changed.text
        history = admin.get(f"/api/entries/{code}/history").json()["versions"]
        assert history[-1]["action"] == "edit"
        count = {"query": COUNT}
        accept = {"Accept": "application/sparql-results+json"}
        total = admin.get("/sparql", params=count, headers=accept)
        assert total.status_code == 200 and total.json()["results"]["bindings"][0]["n"]["value"] == "40"
        public = httpx.get(server.url + "/sparql", params=count, headers=accept).json()
        shown = len(httpx.get(server.url + "/api/entries", params={"per_page": 100}).json()["items"])
        assert int(public["results"]["bindings"][0]["n"]["value"]) == shown < 40
        users = httpx.get(server.url + "/sparql", params={"query": "ASK { GRAPH <https://w3id.org/govcat/graph/users> "
                                                          "{ ?s ?p ?o } }"}, headers=accept).json()
        assert users["boolean"] is False
        viewer = httpx.Client(base_url=server.url, timeout=60, headers=accept | {"Authorization": f"Bearer {tokens['viewer']}"})
        seen = viewer.get("/sparql", params=count)       # the internal view: a local replica made from the engine
        assert seen.status_code == 200 and seen.json()["results"]["bindings"][0]["n"]["value"] == "40", seen.text
        edited = viewer.get("/sparql", params={"query": "ASK { ?e ?p ?abstract FILTER CONTAINS(STR(?abstract), '经接口修改') }"})
        assert edited.json()["boolean"] is True          # the replica holds the write made before the query
        hidden = viewer.get("/sparql", params={"query": "ASK { GRAPH <https://w3id.org/govcat/graph/users> { ?s ?p ?o } }"})
        assert hidden.json()["boolean"] is False
        entry = entries[1]["_meta"]["iri"]     # SPARQL Update: worked out on a copy made from a dump of the engine
        retitle = (f"DELETE {{ GRAPH <{entry}> {{ <{entry}> <http://purl.org/dc/terms/title> ?t }} }} "
                   f"INSERT {{ GRAPH <{entry}> {{ <{entry}> <http://purl.org/dc/terms/title> \"经 SPARQL 更新\" }} }} "
                   f"WHERE {{ GRAPH <{entry}> {{ <{entry}> <http://purl.org/dc/terms/title> ?t }} }}")
        updated = admin.post("/sparql", content=retitle.encode("utf-8"),
                             headers={"Content-Type": "application/sparql-update"})
        assert updated.status_code == 200 and updated.json()["changed"] == [entry], updated.text
        retitled = viewer.get("/sparql", params={"query": f"ASK {{ <{entry}> ?p '经 SPARQL 更新' }}"})
        assert retitled.json()["boolean"] is True
        admin.close()
        viewer.close()
    finally:
        stop_server(server, pair.remote.store)
    shown = pair.remote.run("history", code, check=True).stdout
    assert "经接口修改" in shown
    shown = pair.remote.run("history", entries[1]["信息资源代码"], check=True).stdout
    assert "sparql-update" in shown and "经 SPARQL 更新" in shown


def test_a_store_folder_keeps_to_its_engine(pair):
    """The first open with an engine named binds the folder (engine.json): later commands find the engine without
    the settings; settings naming another engine, or an engine for a folder holding an embedded store, are
    refused (exit 2) saying which folder and why."""
    folder = pair.work / "bound"
    named = Side(folder, pair.remote.env)
    pair.engine.clear()
    named.run("load", pair.work / "catalogue", "--as", "binder", check=True)
    assert json.loads((folder / "engine.json").read_text())["query"] == pair.engine.query_url
    counted = Side(folder, govcat_env({})).run("query", COUNT, "--format", "csv", check=True)
    assert counted.stdout.splitlines()[1:] == ["40"]      # found on the engine, not in a new embedded store
    assert not (folder / "oxigraph").exists()
    moved = Side(folder, govcat_env(pair.engine.env | {"GOVCAT_SPARQL_ENDPOINT": "http://127.0.0.1:9/sparql"}))
    refused = moved.run("query", COUNT)
    assert refused.returncode == 2 and "engine.json" in refused.stderr and "属于 SPARQL 引擎" in refused.stderr
    embedded = pair.work / "embedded"
    Side(embedded, embedded_env()).run("query", COUNT, check=True)
    refused = Side(embedded, pair.remote.env).run("query", COUNT)
    assert refused.returncode == 2 and "已有内嵌存储" in refused.stderr, refused.stderr
