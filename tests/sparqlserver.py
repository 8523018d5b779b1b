"""The SPARQL 1.1 endpoint against a real server: `python -m govcat serve` (uvicorn) on loopback, over a store
filled by `govcat load` with a small generated catalogue; real HTTP clients (httpx, SPARQLWrapper). The
`server` fixture's client carries a viewer's token (`Server.tokens` also holds an admin's).

The server runs with a 2 s query timeout, a row cap of 500 and SERVICE allowed to 127.0.0.1 (itself), so
that the timeout, the cap and federation can be tested quickly; the defaults are tested on the core.

W3C SPARQL 1.1 tests from ../shared/external/w3c-sparql11-tests (skipped when ../shared is absent):
- syntax-query: all 94 (31 negative must be a 400 syntax error; 63 positive must parse and are answered
  200), run on an empty dataset (default-graph-uri of a graph that does not exist) so that only the parser
  matters. One positive test, syntax-select-expr-04, parses but calls the unknown function
  <http://example/function>, which Oxigraph refuses to evaluate: it is answered 500 "the query failed",
  and the test accepts that, since only the syntax is under test.
- protocol: every query test and every bad-request test, with data1-3.nt loaded into the store under the
  graph names the manifest gives; every request of a test in order (update_base_uri: the update, then the ASK
  that checks it). Requests carrying an update are sent with an admin token, so that the bad_update_* tests
  fail for their own reason (GET, two update strings, media type, encoding, syntax) and not the role;
  bad_update_dataset_conflict passes because using-graph-uri / using-named-graph-uri are refused outright
  (400: pyoxigraph's update API takes no dataset), not because the conflict with WITH is detected.
  Excluded: update_dataset_default_graph, update_dataset_default_graphs, update_dataset_named_graphs and
  update_dataset_full — each starts with CLEAR ALL or DROP ALL, which would clear govcat's own graphs
  (ontology, code lists, shapes, history, users: refused, 403), and takes its dataset from using-graph-uri /
  using-named-graph-uri (refused, 400); update_post_form and update_post_direct — their update is CLEAR ALL
  (403). tests/test_sparql_update.py covers both protocol forms of an update on the catalogue instead.
- service-description: has-endpoint-triple, returns-rdf, conforms-to-schema (the sd:Service with its
  endpoint, language and result formats).
- json-res and csv-tsv-res: every test, each data file loaded into a graph of its own and queried through
  default-graph-uri. Compared up to what the formats leave free: variable order, blank-node labels. Numbers
  are compared by value, which csv03/tsv03 need: Oxigraph stores "1.0E6"^^xsd:double as 1000000 and
  "-3"^^xsd:negativeInteger as the xsd:integer -3 (its canonical forms), where the expected files keep the
  input's lexical form and datatype.
- graph-store-protocol: excluded, no Graph Store endpoint is served.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading  # noqa: F401 (used by the test modules)
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from conftest import SHARED, needs_shared  # noqa: F401 (re-exported)
from govcat.engines import BINDING, open_store
from govcat.store import Graph

TIMEOUT = 2.0
ROW_CAP = 500
W3C = "external/w3c-sparql11-tests"
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
SD = "http://www.w3.org/ns/sparql-service-description#"
PREFIXES = """PREFIX gc: <https://w3id.org/govcat/def#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
EMPTY = "urn:govcat:test:empty"   # a graph that does not exist: an empty dataset
RESULTS_MEDIA = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                 "text/tab-separated-values"}
RDF_MEDIA = {"text/turtle": "ttl", "application/n-triples": "nt", "application/ld+json": "jsonld",
             "application/rdf+xml": "rdf"}
CLK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# -- the server ------------------------------------------------------------------------------------------
@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    client: httpx.Client
    tokens: dict[str, str] = field(default_factory=dict)   # role -> bearer token of a user made for the tests
    store: Path | None = None

    @property
    def engine(self) -> str:
        """The kind of store served: "embedded", or the external engine the store folder is bound to."""
        binding = self.store / BINDING if self.store else None
        return json.loads(binding.read_text())["engine"] if binding and binding.exists() else "embedded"

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"

    def get(self, query: str | None = None, accept: str | None = None, **params) -> httpx.Response:
        if query is not None:
            params["query"] = query
        return self.client.get("/sparql", params=params, headers={"Accept": accept} if accept else {})

    def post(self, query: str, accept: str | None = None, params: dict | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/sparql-query"} | ({"Accept": accept} if accept else {})
        return self.client.post("/sparql", content=query.encode("utf-8"), headers=headers, params=params)

    def post_form(self, query: str, accept: str | None = None) -> httpx.Response:
        return self.client.post("/sparql", data={"query": query}, headers={"Accept": accept} if accept else {})

    def workers(self) -> list[int]:
        return descendants(self.process.pid)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def w3c_graphs() -> dict[str, tuple[Path, str]]:
    """Graph name -> (file, format) of the W3C test data to load into the store (none without ../shared)."""
    root = SHARED / W3C
    if not root.exists():
        return {}
    graphs = {}
    manifest = manifest_graph(root / "protocol" / "manifest.ttl")
    for row in manifest.select("""PREFIX ut: <http://www.w3.org/2009/sparql/tests/test-update#>
            PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            SELECT DISTINCT ?file ?label { ?t ut:graphData [ ut:graph ?file ; rdfs:label ?label ] }"""):
        graphs[row["label"].value] = (file_path(row["file"].value), "nt")
    for sub in ("json-res", "csv-tsv-res"):
        for data in sorted((root / sub).glob("*.ttl")):
            if data.name != "manifest.ttl":
                graphs[data_graph(data)] = (data, "ttl")
    return graphs


def file_path(uri: str) -> Path:
    return Path(unquote(urlsplit(uri).path))


def data_graph(path: Path) -> str:
    return f"urn:govcat:test:w3c:{path.parent.name}/{path.name}"


def add_user(store: Path, name: str, role: str, department: str | None = None) -> str:
    """`govcat user add` (before the server holds the store); returns the token it prints."""
    args = [sys.executable, "-m", "govcat", "user", "add", name, "--role", role, "--store", str(store)]
    if department:
        args += ["--department", department]
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=clean_env())
    return out.stdout.strip().splitlines()[-1]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GOVCAT_")}


def start_server(store: Path, env: dict[str, str] | None = None, start_timeout: float = 60) -> Server:
    """`python -m govcat serve` on a free loopback port over `store`; returns once it answers (within
    `start_timeout` seconds: benches at province scale give more, to build the public view and checkpoints)."""
    port = free_port()
    log = store.parent / f"server-{port}.log"
    full = clean_env() | {"GOVCAT_QUERY_TIMEOUT": str(TIMEOUT), "GOVCAT_ROW_CAP": str(ROW_CAP),
                          "GOVCAT_QUERY_WORKERS": "2"} | (env or {})
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "govcat", "serve", "--store", str(store),
                                    "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=full)
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=url, timeout=30)
    deadline = time.monotonic() + start_timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"govcat serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            if client.get("/sparql").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"govcat serve did not answer within {start_timeout:g} s:\n{log.read_text()}")
        time.sleep(0.1)
    return Server(url, process, log, client, store=store)


def stop_server(server: Server, store: Path) -> None:
    """SIGTERM; fails the test if the server or its query workers outlive it or leave checkpoints."""
    server.client.close()
    process, log = server.process, server.log
    workers = {pid: started(pid) for pid in descendants(process.pid)}   # pids are reused: keep their start time
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"govcat serve did not stop on SIGTERM:\n{log.read_text()}")
    left = [pid for pid, start in workers.items() if alive(pid) and started(pid) == start]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"query workers outlived the server: {left}"
    assert not (store / "sparql-checkpoints").exists(), "checkpoints left behind"


@pytest.fixture(scope="module")
def server(small_xlsx, tmp_path_factory):
    store = tmp_path_factory.mktemp("served") / "store"
    subprocess.run([sys.executable, "-m", "govcat", "load", str(small_xlsx), "--store", str(store)],
                   check=True, capture_output=True, env=clean_env())
    graph = open_store(store)   # the W3C test data beside the catalogue, before the server opens it (or on its engine)
    for name, (path, fmt) in w3c_graphs().items():
        graph.load_into(path.read_bytes(), fmt, name)
    graph.flush()
    del graph
    tokens = {"viewer": add_user(store, "analyst", "viewer"), "admin": add_user(store, "keeper", "admin")}
    running = start_server(store, {"GOVCAT_SERVICE_HOSTS": "127.0.0.1"})
    running.tokens = tokens
    running.client.headers["Authorization"] = f"Bearer {tokens['viewer']}"
    yield running
    stop_server(running, store)


# -- /proc: processes and their CPU time ---------------------------------------------------------------------
def _stats() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds, state) of every process."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            rest = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[int(stat.parent.name)] = (int(rest[1]), (int(rest[11]) + int(rest[12])) / CLK, rest[0])
    return found


def descendants(pid: int) -> list[int]:
    stats = _stats()
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = [p for p, (pp, _cpu, state) in stats.items() if pp == parent and state != "Z"]
        found += kids
        todo += kids
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    stats = _stats()
    return {p: stats[p][1] for p in pids if p in stats}


def started(pid: int) -> int | None:
    """When the process started (clock ticks after boot): with the pid, what identifies it (pids are reused)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def alive(pid: int) -> bool:
    stats = _stats()
    return pid in stats and stats[pid][2] != "Z"


# -- parsing answers -----------------------------------------------------------------------------------------
def media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def json_rows(response: httpx.Response) -> list[dict[str, str]]:
    return json_rows_of(response.content)


def json_rows_of(body: bytes) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]


def xml_rows(response: httpx.Response) -> list[dict[str, str]]:
    root = ET.fromstring(response.content)
    return [{b.get("name"): b[0].text or "" for b in r.iter(RESULTS_NS + "binding")}
            for r in root.iter(RESULTS_NS + "result")]


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    return [dict(row) for row in csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline=""))]


def tsv_rows(response: httpx.Response) -> list[dict[str, str]]:
    lines = response.content.decode("utf-8").splitlines()
    names = [n.lstrip("?") for n in lines[0].split("\t")]
    return [dict(zip(names, (_tsv_value(v) for v in line.split("\t")), strict=True)) for line in lines[1:]]


def _tsv_value(term: str) -> str:
    if term.startswith("<"):
        return term[1:-1]
    match = re.fullmatch(r'"(.*)"(?:@[\w-]+|\^\^<.*>)?', term)
    return match.group(1) if match else term


def boolean(response: httpx.Response) -> bool:
    if media(response) == "application/sparql-results+xml":
        return ET.fromstring(response.content).find(RESULTS_NS + "boolean").text == "true"
    return json.loads(response.content)["boolean"]


def rdf(response: httpx.Response) -> Graph:
    graph = Graph()
    graph.load(response.content, RDF_MEDIA[media(response)])
    return graph


MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"


def manifest_graph(path: Path) -> Graph:
    graph = Graph()
    graph.load(path.read_bytes(), "ttl", base_iri=path.as_uri())
    return graph
