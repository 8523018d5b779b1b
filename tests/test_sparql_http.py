"""/sparql on a real uvicorn server: protocol forms, result formats, guards, timeout, clients
(fixtures and parsers in sparqlserver.py)."""
from __future__ import annotations

import logging
import re
import time

import pytest

from conftest import run_apart
from sparqlserver import *  # noqa: F401,F403 — the live server fixture, constants and answer parsers


# -- the protocol forms and the result formats ---------------------------------------------------------------
ENTRIES = PREFIXES + """SELECT ?code ?title WHERE { ?e a gc:InformationResource ; dct:identifier ?code ;
    dct:title ?title } ORDER BY ?code LIMIT 20"""


def test_get_form_post_and_direct_post_give_the_same_answer(server):
    answers = [server.get(ENTRIES), server.post_form(ENTRIES), server.post(ENTRIES)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert answers[0].content == answers[1].content == answers[2].content
    assert media(answers[0]) == "application/sparql-results+json"   # the default
    assert len(json_rows(answers[0])) == 20


def test_relative_iris_resolve_against_the_endpoint_as_the_client_named_it(server):
    """The base IRI is the endpoint's URL as the request names it (Host header); asked again, a request is answered
    from the server process (govcat.query_local) with the same base, never with another host's."""
    query = "SELECT ?u WHERE { BIND(<other> AS ?u) }"
    for host in ("127.0.0.1:9", "catalogue.example", "127.0.0.1:9", "catalogue.example:8443"):
        for _ in range(3):
            response = server.client.get("/sparql", params={"query": query}, headers={"Host": host})
            assert response.status_code == 200, response.text
            assert json_rows(response) == [{"u": f"http://{host}/other"}]


@pytest.mark.parametrize("accept, parse", [
    ("application/sparql-results+json", json_rows), ("application/json", json_rows),
    ("application/sparql-results+xml", xml_rows), ("text/csv", csv_rows), ("text/tab-separated-values", tsv_rows),
])
def test_select_answers_in_each_results_format(server, accept, parse):
    response = server.get(ENTRIES, accept=accept)
    assert response.status_code == 200, response.text
    assert media(response) in RESULTS_MEDIA
    rows = parse(response)
    assert rows == json_rows(server.get(ENTRIES))
    assert len(rows) == 20 and all(re.fullmatch(r"\d{6,9}/\d{6}", r["code"]) for r in rows)
    assert any(re.search(r"[\u4e00-\u9fff]", r["title"]) for r in rows)   # Chinese survives every format


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask_answers_in_json_and_xml(server, accept):
    yes = server.get(PREFIXES + "ASK { ?e a gc:InformationResource }", accept=accept)
    no = server.get(PREFIXES + "ASK { ?e a gc:NoSuchClass }", accept=accept)
    assert (yes.status_code, no.status_code) == (200, 200)
    assert boolean(yes) is True and boolean(no) is False


def one_entry(server) -> str:
    return json_rows(server.get(PREFIXES + "SELECT ?e { ?e a gc:InformationResource } ORDER BY ?e LIMIT 1"))[0]["e"]


@pytest.mark.parametrize("form", ["CONSTRUCT {{ <{e}> ?p ?o }} WHERE {{ <{e}> ?p ?o }}", "DESCRIBE <{e}>"])
def test_construct_and_describe_answer_in_each_rdf_format(server, form):
    query = form.format(e=one_entry(server))
    sizes = {}
    for accept in RDF_MEDIA:
        response = server.post(query, accept=accept)
        assert response.status_code == 200, response.text
        assert media(response) == accept
        sizes[accept] = len(rdf(response))
    assert len(set(sizes.values())) == 1 and sizes["text/turtle"] > 10, sizes
    assert media(server.post(query)) == "text/turtle"   # the default


def test_not_acceptable_and_unsupported_media_types(server):
    assert server.get("ASK {}", accept="text/csv").status_code == 406
    assert server.get("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/sparql-results+json").status_code == 406
    assert server.get(ENTRIES, accept="text/html, */*;q=0.1").status_code == 200
    plain = server.client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415


def test_methods_bad_tokens_and_the_openapi_description(server):
    """/sparql is answered outside FastAPI's routing (govcat.web.sparql.GovcatApp): its edges still behave."""
    put = server.client.put("/sparql", content=b"ASK {}")
    assert put.status_code == 405 and put.headers["allow"] == "GET, HEAD, POST"
    head = server.client.head("/sparql", params={"query": "ASK {}"})
    assert head.status_code == 200 and head.content == b""
    forged = httpx.get(server.endpoint, params={"query": "ASK {}"}, headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401 and forged.json()["detail"]["en"] == "the token is not valid"
    assert forged.headers["www-authenticate"].startswith("Bearer")
    spec = server.client.get("/openapi.json").json()
    assert {"get", "post"} <= set(spec["paths"]["/sparql"])
    assert "application/sparql-query" in spec["paths"]["/sparql"]["post"]["requestBody"]["content"]


def test_a_malformed_query_is_a_400_with_the_parsers_message(server):
    for response in (server.get("SELECT * WHERE { ?s ?p }"), server.post("SELECT * WHERE { ?s ?p }")):
        assert response.status_code == 400
        assert "error at 1:" in response.text and "SPARQL 语法错误" in response.text


@pytest.mark.parametrize("query, word", [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "example.org"),
    ("SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }", "?where"),
    ("SELECT * WHERE { ?s ?p ?o .SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }", "10.0.0.1"),
    ("LOAD <http://example.org/data.ttl>", "LOAD"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
])
def test_outbound_requests_and_updates_are_refused(server, query, word):
    response = server.get(query)
    assert response.status_code == 400 and word in response.text, response.text


def test_updates_by_a_viewer_are_refused(server):
    direct = server.client.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    form = server.client.post("/sparql", data={"update": "CLEAR ALL"})
    get = server.client.get("/sparql", params={"update": "CLEAR ALL"})
    assert (direct.status_code, form.status_code, get.status_code) == (403, 403, 400)
    assert server.get(PREFIXES + "ASK { ?e a gc:InformationResource }").json()["boolean"] is True


def test_service_to_an_allowed_host_is_federated(server):
    """The server calls SERVICE endpoints without the caller's token: calling itself, it sees the public view."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    public = json_rows(httpx.get(server.endpoint, params={"query": count}))[0]["n"]
    remote = server.get(f"SELECT ?n WHERE {{ SERVICE <{server.endpoint}> {{ {count} }} }}")
    assert remote.status_code == 200, remote.text
    assert json_rows(remote)[0]["n"] == public != json_rows(server.get(count))[0]["n"]


def test_the_dataset_of_the_protocol_and_of_from_clauses(server):
    entries = [r["e"] for r in json_rows(server.get(PREFIXES + "SELECT ?e { ?e a gc:InformationResource } "
                                                                "ORDER BY ?e LIMIT 2"))]
    first, second = entries
    assert server.get(f"ASK {{ <{second}> ?p ?o }}").json()["boolean"] is True          # union of all graphs
    assert server.get(f"ASK FROM <{first}> {{ <{second}> ?p ?o }}").json()["boolean"] is False
    assert server.get(f"ASK FROM <{first}> {{ <{first}> ?p ?o }}").json()["boolean"] is True
    own = server.get(f"ASK {{ <{first}> ?p ?o }}", **{"default-graph-uri": first}).json()["boolean"]
    other = server.get(f"ASK {{ <{second}> ?p ?o }}", **{"default-graph-uri": first}).json()["boolean"]
    assert (own, other) == (True, False)
    named = server.get("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": [first, second]})
    assert sorted(r["g"] for r in json_rows(named)) == sorted(entries)
    assert server.get("ASK {}", **{"default-graph-uri": "not an IRI"}).status_code == 400


def test_results_past_the_row_cap_are_cut_and_say_so(server):
    rows = server.get("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", accept="text/csv")
    assert rows.status_code == 200 and rows.headers.get("x-govcat-truncated") == "true"
    assert rows.headers["x-govcat-row-cap"] == str(ROW_CAP) and len(csv_rows(rows)) == ROW_CAP
    triples = server.get("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert triples.headers.get("x-govcat-truncated") == "true" and len(rdf(triples)) == ROW_CAP
    small = server.get("SELECT ?s WHERE { ?s ?p ?o } LIMIT 10")
    assert "x-govcat-truncated" not in small.headers and len(json_rows(small)) == 10


def test_a_runaway_query_is_stopped_its_cpu_released_while_others_are_served(server):
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to watch the worker processes")
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"   # (6,000 triples)³
    done = {}

    def run():
        start = time.monotonic()
        response = httpx.post(server.endpoint, content=runaway.encode(), timeout=60,
                              headers={"Content-Type": "application/sparql-query"})
        done.update(response=response, elapsed=time.monotonic() - start, at=time.monotonic())

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.7)
    workers = server.workers()
    before = cpu_seconds(workers)
    time.sleep(0.5)
    after = cpu_seconds(workers)
    burning = max(after, key=lambda p: after[p] - before.get(p, after[p]))
    burning_since = started(burning)
    assert after[burning] - before[burning] > 0.05, "no worker is running the query"   # idle ones: ~0

    simple = server.get("ASK {}")                 # another worker answers meanwhile
    answered_at = time.monotonic()
    assert simple.status_code == 200 and simple.json()["boolean"] is True

    thread.join(60)
    response = done["response"]
    assert response.status_code == 504, response.text
    assert "stopped" in response.text and "终止" in response.text
    assert done["elapsed"] < TIMEOUT + 3
    assert answered_at < done["at"]
    assert not (alive(burning) and started(burning) == burning_since), "the worker running the query was not killed"
    deadline = time.monotonic() + 15              # a fresh worker takes its place
    while len(server.workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(server.workers()) == 2
    assert server.get("ASK {}").status_code == 200


def test_the_service_description(server):
    """W3C service-description tests: returns-rdf, has-endpoint-triple, conforms-to-schema."""
    for accept in (None, "application/rdf+xml", "text/html,application/xhtml+xml,*/*;q=0.8"):
        response = server.get(accept=accept)
        assert response.status_code == 200 and media(response) in RDF_MEDIA       # returns-rdf
        found = rdf(response).select(f"""PREFIX sd: <{SD}>
            SELECT ?endpoint (GROUP_CONCAT(STR(?format); separator=" ") AS ?formats) WHERE {{
              ?service a sd:Service ; sd:endpoint ?endpoint ; sd:supportedLanguage sd:SPARQL11Query ;
                       sd:resultFormat ?format }} GROUP BY ?endpoint""")
        assert [r["endpoint"].value for r in found] == [server.endpoint]         # has-endpoint-triple
        formats = found[0]["formats"].value.split()
        assert {"http://www.w3.org/ns/formats/SPARQL_Results_JSON", "http://www.w3.org/ns/formats/Turtle",
                "http://www.w3.org/ns/formats/SPARQL_Results_CSV"} <= set(formats)   # conforms-to-schema
    assert media(server.get()) == "text/turtle"


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")   # inside SPARQLWrapper
def test_sparqlwrapper_as_a_client(server):
    sw = pytest.importorskip("SPARQLWrapper")
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    client = sw.SPARQLWrapper(server.endpoint)
    client.setQuery(ENTRIES)
    client.setReturnFormat(sw.JSON)
    assert client.query().convert()["results"]["bindings"] == []    # anonymous: the fixture's entries are drafts
    client.setQuery("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ASK { ?scheme a skos:ConceptScheme }")
    assert client.query().convert()["boolean"] is True                # the code lists are public
    client.addCustomHttpHeader("Authorization", server.client.headers["Authorization"])   # the viewer's token
    client.setQuery(ENTRIES)
    expected = client.query().convert()["results"]["bindings"]
    assert len(expected) == 20
    for method, request_method in ((sw.POST, sw.URLENCODED), (sw.POST, sw.POSTDIRECTLY)):
        client.setMethod(method)
        client.setRequestMethod(request_method)
        assert client.query().convert()["results"]["bindings"] == expected
    client.setMethod(sw.GET)
    client.setReturnFormat(sw.XML)
    document = client.query().convert()   # xml.dom.minidom
    assert len(document.getElementsByTagName("result")) == 20
    client.setReturnFormat(sw.CSV)
    assert len(list(csv.reader(io.StringIO(client.query().convert().decode())))) == 21

    client.setQuery(PREFIXES + "ASK { ?e a gc:InformationResource }")
    client.setReturnFormat(sw.JSON)
    assert client.query().convert()["boolean"] is True

    client.setQuery(f"DESCRIBE <{one_entry(server)}>")
    client.setReturnFormat(sw.RDFXML)
    assert len(client.query().convert()) > 10          # an rdflib Graph
    client.setReturnFormat(sw.TURTLE)
    turtle = Graph()
    turtle.load(client.query().convert(), "ttl")
    assert len(turtle) > 10

    client.setQuery("SELECT * WHERE { ?s ?p }")
    client.setReturnFormat(sw.JSON)
    with pytest.raises(QueryBadFormed):
        client.query()


# -- the access log ------------------------------------------------------------------------------------------
def test_each_request_has_its_access_line_in_the_servers_log(server):
    marker = "SELECT ?access WHERE { BIND(\"log-line\" AS ?access) }"
    answers = [server.get(marker), server.client.get("/sparql", params={"query": marker}, headers={"Accept": "x/y"})]
    assert [r.status_code for r in answers] == [200, 406]
    target = "/sparql?" + str(answers[0].request.url.query, "ascii")
    deadline = time.monotonic() + 10          # a line is written once its answer has been sent: just after
    while True:
        lines = [line for line in server.log.read_text(encoding="utf-8").splitlines() if target in line]
        if len(lines) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(lines) == 2, lines
    assert re.fullmatch(r'INFO:     127\.0\.0\.1:\d+ - "GET /sparql\?query=\S+ HTTP/1\.1" 200', lines[0]), lines[0]
    assert lines[1].endswith('HTTP/1.1" 406'), lines[1]


def test_the_access_line_is_written_after_the_answer_is_sent_and_a_failure_is_a_500():
    from govcat.web.access_log import AccessLog, log

    events = []

    class Noting(logging.Handler):
        def emit(self, record):
            events.append(("log", record.getMessage()))

    async def answering(scope, receive, send):
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"made"})

    async def failing(scope, receive, send):
        raise RuntimeError("broken")

    async def send(message):
        events.append(("sent", message["type"]))

    scope = {"type": "http", "method": "POST", "http_version": "1.1", "raw_path": b"/api/x", "query_string": b"a=\"1\"",
             "client": ("10.0.0.7", 4321)}
    handler, level = Noting(), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        run_apart(AccessLog(answering)(scope, None, send))
        with pytest.raises(RuntimeError):
            run_apart(AccessLog(failing)(scope, None, send))
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    assert events == [("sent", "http.response.start"), ("sent", "http.response.body"),
                      ("log", '10.0.0.7:4321 - "POST /api/x?a=%221%22 HTTP/1.1" 201'),
                      ("log", '10.0.0.7:4321 - "POST /api/x?a=%221%22 HTTP/1.1" 500')]
