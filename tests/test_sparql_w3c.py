"""The applicable W3C SPARQL 1.1 tests against /sparql (exclusions and reasons: sparqlserver.py's docstring)."""
from __future__ import annotations

import pytest

from sparqlserver import *  # noqa: F401,F403 — the live server fixture, constants and answer parsers


# -- W3C SPARQL 1.1 test suite -------------------------------------------------------------------------------
# Update tests that do not apply here, with the reason (also in sparqlserver.py's docstring).
XSD_DECIMAL, XSD_INTEGER = (f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("decimal", "integer"))
EXCLUDED_UPDATES = {
    **dict.fromkeys(("update_dataset_default_graph", "update_dataset_default_graphs", "update_dataset_named_graphs",
                     "update_dataset_full"),
                    "CLEAR ALL / DROP ALL would clear govcat's own graphs (refused, 403), and the dataset comes from "
                    "using-graph-uri / using-named-graph-uri, which pyoxigraph's update API cannot take (400)"),
    **dict.fromkeys(("update_post_form", "update_post_direct"),
                    "the update is CLEAR ALL, which would clear govcat's own graphs (refused, 403)"),
}


def w3c_cases(sub: str, query: str) -> list:
    """One pytest param per manifest row (id: the test's local name); one skipping param without ../shared."""
    path = SHARED / W3C / sub / "manifest.ttl"
    if not path.exists():
        return [pytest.param(None, id="shared-absent")]
    rows = manifest_graph(path).select(query)
    return [pytest.param(row, id=row["test"].value.rsplit("#", 1)[-1]) for row in rows]


SYNTAX = w3c_cases("syntax-query", f"""PREFIX mf: <{MF}>
    SELECT ?test ?type ?action WHERE {{
      ?test a ?type ; mf:action ?action . VALUES ?type {{ mf:PositiveSyntaxTest11 mf:NegativeSyntaxTest11 }}
    }} ORDER BY ?test""")


@pytest.mark.parametrize("case", SYNTAX)
def test_w3c_query_syntax(server, case):
    if case is None:
        needs_shared(W3C)
    text = file_path(case["action"].value).read_bytes()
    response = server.client.post("/sparql", content=text, params={"default-graph-uri": EMPTY},
                                  headers={"Content-Type": "application/sparql-query"})
    if case["type"].value == MF + "NegativeSyntaxTest11":
        assert response.status_code == 400 and "syntax error" in response.text, response.text
    else:   # parsed; Oxigraph may still refuse to evaluate it (syntax-select-expr-04 calls an unknown function)
        assert response.status_code == 200 or (response.status_code == 500 and "failed" in response.text), \
            response.text


PROTOCOL_REQUESTS = f"""PREFIX mf: <{MF}>
    PREFIX ht: <http://www.w3.org/2011/http#>
    PREFIX cnt: <http://www.w3.org/2011/content#>
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    SELECT ?test ?pos ?method ?path ?chars ?encoding ?boolean ?format
           (GROUP_CONCAT(DISTINCT STR(?status); separator=" ") AS ?statuses)
           (GROUP_CONCAT(DISTINCT CONCAT(?name, "\\t", ?value); separator="\\n") AS ?headers) WHERE {{
      ?test a mf:ProtocolTest ; mf:action/ht:requests ?list .
      {{ SELECT ?list ?node (COUNT(?mid) AS ?pos) WHERE {{
           ?t mf:action/ht:requests ?list . ?list rdf:rest* ?mid . ?mid rdf:rest* ?node . ?node rdf:first [] }}
         GROUP BY ?list ?node }}
      ?node rdf:first ?request .
      ?request ht:methodName ?method ; ht:absolutePath ?path ; ht:resp ?response .
      ?response mf:expectedStatus ?status .
      OPTIONAL {{ ?request ht:body [ cnt:chars ?chars ; cnt:characterEncoding ?encoding ] }}
      OPTIONAL {{ ?request ht:headers/rdf:rest*/rdf:first [ ht:fieldName ?name ; ht:fieldValue ?value ] }}
      OPTIONAL {{ ?response mf:expectedBoolean ?boolean }}
      OPTIONAL {{ ?response mf:expectedFormat ?format }}
    }} GROUP BY ?test ?pos ?method ?path ?chars ?encoding ?boolean ?format ORDER BY ?test ?pos"""


def protocol_cases() -> list:
    """One pytest param per protocol test: the rows of its requests, in order."""
    rows = w3c_cases("protocol", PROTOCOL_REQUESTS)
    if rows[0].values[0] is None:
        return rows
    tests: dict[str, list] = {}
    for row in rows:
        tests.setdefault(row.id, []).append(row.values[0])
    return [pytest.param(requests, id=name) for name, requests in tests.items()]


PROTOCOL = protocol_cases()


@pytest.mark.parametrize("case", PROTOCOL)
def test_w3c_protocol(server, case):
    """Every request of the test in order. Requests that carry an update are sent with an admin token (the
    others with the viewer's), so that the bad_update_* tests fail for their own reason, not the role's."""
    if case is None:
        needs_shared(W3C)
    name = case[0]["test"].value.rsplit("#", 1)[-1]
    if name in EXCLUDED_UPDATES:
        pytest.skip(EXCLUDED_UPDATES[name])
    for request in case:
        headers = dict(line.split("\t", 1) for line in request["headers"].value.splitlines() if line) \
            if request["headers"] else {}
        body = request["chars"].value.encode(request["encoding"].value.lower()) if request["chars"] else None
        path = "/sparql" + request["path"].value.removeprefix("/sparql/")
        updating = "update" in path or (body or b"").startswith(b"update=") or \
            "sparql-update" in headers.get("content-type", "")
        if updating:
            headers["Authorization"] = f"Bearer {server.tokens['admin']}"
        response = server.client.request(request["method"].value, path, content=body, headers=headers)
        classes = {s.rsplit("StatusCode", 1)[1] for s in request["statuses"].value.split()}
        assert f"{response.status_code // 100}xx" in classes, (response.status_code, response.text)
        if updating and response.status_code >= 400:
            assert "需要" not in response.text and "管理员" not in response.text   # refused for the request itself
        expected_format = request["format"].value if request["format"] else None
        if expected_format == "boolean":
            assert media(response) in {"application/sparql-results+json", "application/sparql-results+xml"}
            if request["boolean"] is not None:
                assert boolean(response) is (request["boolean"].value == "true")
        elif expected_format == "tabular":
            assert media(response) in RESULTS_MEDIA
        elif expected_format == "RDF":
            assert len(rdf(response)) >= 0


RESULT_FORMATS = [c for sub in ("json-res", "csv-tsv-res") for c in w3c_cases(sub, f"""PREFIX mf: <{MF}>
    PREFIX qt: <http://www.w3.org/2001/sw/DataAccess/tests/test-query#>
    SELECT ?test ?query ?data ?result WHERE {{
      ?test mf:action [ qt:query ?query ; qt:data ?data ] ; mf:result ?result }} ORDER BY ?test""")]


@pytest.mark.parametrize("case", [c for c in RESULT_FORMATS if c.values[0] is not None] or
                         [pytest.param(None, id="shared-absent")])
def test_w3c_result_formats(server, case):
    if case is None:
        needs_shared(W3C)
    query, data, result = (file_path(case[k].value) for k in ("query", "data", "result"))
    accept = {".srj": "application/sparql-results+json", ".csv": "text/csv",
              ".tsv": "text/tab-separated-values"}[result.suffix]
    response = server.post(query.read_text(), accept=accept, params={"default-graph-uri": data_graph(data)})
    assert response.status_code == 200, response.text
    got, want = response.content.decode(), result.read_text(encoding="utf-8")
    if result.suffix == ".srj":   # variable order is free; blank nodes up to renaming
        got, want = json.loads(got), stored_by(server.engine, json.loads(want))
        for answer in (got, want):
            answer["head"]["vars"] = sorted(answer["head"].get("vars", []))
            for binding in answer.get("results", {}).get("bindings", []):
                for term in binding.values():
                    if term["type"] == "bnode":
                        term["value"] = "_:"
        assert got == want
    else:
        assert table(got, result.suffix) == table(want, result.suffix)


def stored_by(engine: str, answer: dict) -> dict:
    """The expected answer as the engine can give it back: Virtuoso stores an integral xsd:decimal ("5") as
    xsd:integer (README, "External SPARQL engines": engine quirks) — the data changed, not the protocol."""
    if engine == "virtuoso":
        for binding in answer.get("results", {}).get("bindings", []):
            for term in binding.values():
                if term.get("datatype") == XSD_DECIMAL and re.fullmatch(r"[+-]?[0-9]+", term["value"]):
                    term["datatype"] = XSD_INTEGER
    return answer


def table(text: str, kind: str) -> list[dict[str, str]]:
    """CSV or TSV results as rows of name -> value, blank nodes up to renaming, TSV numbers by value."""
    if kind == ".csv":
        rows = list(csv.reader(io.StringIO(text, newline="")))
    else:
        rows = [line.split("\t") for line in text.splitlines()]
    names = [n.lstrip("?") for n in rows[0]]
    return [{n: _cell(v, kind) for n, v in zip(names, row, strict=True)} for row in rows[1:]]


def _cell(value: str, kind: str) -> str:
    if value.startswith("_:"):
        return "_:"
    if kind == ".tsv":
        typed = re.fullmatch(r'"([^"]*)"\^\^<http://www.w3.org/2001/XMLSchema#\w+>', value)
        if typed:
            value = typed.group(1)
    if re.fullmatch(r"[-+]?[\d.]+(e[-+]?\d+)?", value, re.IGNORECASE):
        return repr(float(value))
    return value


# -- the core: checks, settings, checkpoints -----------------------------------------------------------------
def test_check_query_refuses_outbound_requests_by_default_and_spares_look_alike_names():
    from govcat.sparql import QueryRefused, check_query, declares_dataset

    check_query("SELECT ?with ?load WHERE { ?s ex:service ?add ; ex:from-copy 'INSERT' } # DELETE")
    for text in ("SELECT * { SERVICE <http://127.0.0.1/sparql> { ?s ?p ?o } }", "LOAD <http://x/>",
                 "SELECT * { ?s ?p ?o.SERVICE <http://x/> {} }", "CLEAR ALL"):
        with pytest.raises(QueryRefused):
            check_query(text)
    allowed = ("127.0.0.1",)
    check_query("SELECT * { SERVICE <http://127.0.0.1:8000/sparql> { ?s ?p ?o } }", allowed)
    check_query("PREFIX e: <http://127.0.0.1/> SELECT * { SERVICE SILENT e:sparql { ?s ?p ?o } }", allowed)
    for text in ("SELECT * { SERVICE <http://127.0.0.1\\u0040evil.org/> { ?s ?p ?o } }",
                 "SELECT * { SERVICE <http://127.0.0.1@evil.org/> { ?s ?p ?o } }",
                 "SELECT * { SERVICE <sparql> { ?s ?p ?o } }"):
        with pytest.raises(QueryRefused):
            check_query(text, allowed)
    assert declares_dataset("SELECT * FROM <urn:g> { ?s ?p ?o }")
    assert not declares_dataset("SELECT ?from { ?s ex:from 'FROM' }")
    # verdicts are remembered per text and per set of allowed hosts: the same text is judged again elsewhere
    federated = "SELECT * { SERVICE <http://127.0.0.1:8000/sparql> { ?s ?p ?o } }"
    for _ in range(2):
        check_query(federated, allowed)
        with pytest.raises(QueryRefused, match="SERVICE"):
            check_query(federated)
        with pytest.raises(QueryRefused, match="allowed hosts"):
            check_query(federated, ("other.example",))
    long = "SELECT * { ?s ?p ?o } #" + "x" * 10000   # past what is remembered: scanned each time, same verdicts
    check_query(long)
    with pytest.raises(QueryRefused):
        check_query("CLEAR ALL #" + "x" * 10000)
    assert declares_dataset("SELECT * FROM <urn:g> { ?s ?p ?o } #" + "x" * 10000)


def test_settings_come_from_defaults_environment_and_flags():
    from govcat.web.settings import Settings

    default = Settings.from_env({})
    assert (default.host, default.port, default.query_timeout, default.row_cap, default.service_hosts) == \
        ("127.0.0.1", 8000, 10.0, 10000, ())
    env = {"GOVCAT_PORT": "9000", "GOVCAT_QUERY_TIMEOUT": "2.5", "GOVCAT_SERVICE_HOSTS": "a.example, b.example:81"}
    settings = Settings.from_env(env, port=9100, host=None)
    assert (settings.port, settings.query_timeout, settings.service_hosts) == (9100, 2.5,
                                                                               ("a.example", "b.example:81"))
    with pytest.raises(ValueError):
        Settings.from_env({"GOVCAT_QUERY_TIMEOUT": "0"})


def test_refresh_makes_writes_visible_and_drops_old_checkpoints(tmp_path):
    from govcat.catalogue import Catalogue
    from govcat.engines import query_service
    from govcat.query_service import ADMIN, INTERNAL, PUBLIC, QueryRequest

    catalogue = Catalogue.open(tmp_path / "store")
    service = query_service(catalogue.graph, catalogue.folder, workers=2, timeout=30)   # the server's own
    service.start()

    def write(subject: str, value: str) -> None:     # into a named graph: not every engine has a default graph to write
        catalogue.graph.load_into(f'<urn:govcat:test:{subject}> <urn:govcat:test:p> "{value}" .\n', "nt", "urn:govcat:test:g")

    def ask(view: str) -> bool:
        return json.loads(service.run(QueryRequest("ASK { <urn:govcat:test:new> ?p ?o }", view=view)).results.body)["boolean"]

    def only_current_checkpoints() -> bool:    # old ones go once no worker holds them (a background thread)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            current = {p.relative_to(service.root).parts[0] for p in service.checkpoints.values()}
            if {p.name for p in service.root.iterdir()} == current:
                return True
            time.sleep(0.05)
        return False

    try:
        assert (ask(INTERNAL), ask(ADMIN)) == (False, False)
        write("new", "新")
        assert ask(INTERNAL) is False                  # still the old checkpoint
        service.refresh()
        assert (ask(INTERNAL), ask(ADMIN), ask(PUBLIC)) == (True, True, False)   # not a public record
        assert only_current_checkpoints()

        errors = []                      # queries go on while writes and refreshes come in

        def read(view: str):
            for _ in range(25):
                outcome = service.run(QueryRequest("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", view=view))
                if outcome.error:
                    errors.append(outcome.error)

        readers = [threading.Thread(target=read, args=(view,)) for view in (INTERNAL, ADMIN, PUBLIC)]
        for reader in readers:
            reader.start()
        for i in range(8):
            write(f"n{i}", str(i))
            service.refresh()
        for reader in readers:
            reader.join()
        assert not errors
        count = service.run(QueryRequest("SELECT (COUNT(*) AS ?n) { ?s <urn:govcat:test:p> ?o }", view=INTERNAL))
        assert json_rows_of(count.results.body) == [{"n": "9"}]   # each internal query sees every earlier write
        assert only_current_checkpoints()
    finally:
        service.close()
    assert not service.root.exists()


def test_workers_hold_every_view_from_their_start(tmp_path):
    """A worker opens the checkpoint of each view when it starts (and a replacement when it takes over), so
    that no query waits for a store to open and the checkpoint thread is not woken after each query to catch
    it up (it was, on every query, until the worker answering happened to be idle when the thread looked)."""
    from govcat.catalogue import Catalogue
    from govcat.engines import query_service
    from govcat.query_service import INTERNAL, PUBLIC, QueryRequest

    catalogue = Catalogue.open(tmp_path / "store")
    service = query_service(catalogue.graph, catalogue.folder, workers=2, timeout=1)
    service.start()

    def current() -> dict[str, str]:
        return {view: path.relative_to(service.root).parts[0] for view, path in service.checkpoints.items()}

    try:
        assert service.worker_views() == [current()] * 2
        for _ in range(20):
            assert service.run(QueryRequest("ASK {}", view=PUBLIC)).error is None
        assert service.worker_views() == [current()] * 2
        endless = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        catalogue.graph.load_into("".join(f"<urn:t:{i}> <urn:t:p> <urn:t:{i + 1}> .\n" for i in range(300)),
                                  "nt", "urn:govcat:test:g")
        service.refresh()
        deadline = time.monotonic() + 60   # the internal checkpoint (on an external engine: a replica from a dump,
        while service.run(QueryRequest("ASK {}", view=INTERNAL)).error is not None:   # seconds) is made first
            assert time.monotonic() < deadline
        stopped = service.run(QueryRequest(endless, view=INTERNAL))   # kills its worker; a new one takes over
        assert stopped.error is not None and stopped.error.kind == "timeout"
        deadline = time.monotonic() + 30   # the replacement starts, and the other worker moves on, in the background
        while service.worker_views() != [current()] * 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.worker_views() == [current()] * 2
    finally:
        service.close()
