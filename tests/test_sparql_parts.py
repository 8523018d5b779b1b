"""Long answers without a row cap, sent as the worker serializes them: on a real on-disk store, then on a real
server (GOVCAT_ROW_CAP=0) — chunked and whole, broken off at the time limit, and left unread by a client that
goes away."""
from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from govcat.catalogue import Catalogue
from govcat.engines import query_service
from govcat.query_service import INTERNAL, QueryRequest
from govcat.store import SPILL_AT, Graph
from conftest import run_apart
from sparqlserver import add_user, alive, clean_env, start_server, stop_server, subprocess, sys

MANY = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } VALUES ?copy { 1 2 3 4 } }"   # every quad, 4 times (≈ 8 MB)
HOW_MANY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"   # (6,000 triples)²: parts flow until the time limit
LIMIT = 5   # s, the uncapped server's time limit: MANY takes well under it, even while the whole suite runs


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/tab-separated-values"])
def test_spilled_parts_and_the_rest_make_the_whole_answer(tmp_path, accept):
    graph = Graph(tmp_path / "store")
    graph.load_into("".join(f'<urn:s{n}> <urn:p> "值 {n} {"x" * 40}" .\n' for n in range(50000)), "nt", "urn:g")
    query = "SELECT ?s ?o WHERE { ?s <urn:p> ?o }"
    whole = graph.query_serialized(query, accept)
    parts = []
    rest = graph.query_serialized(query, accept, spill=lambda kind, media, part: parts.append((kind, media, part)))
    assert len(whole.body) > 2 * SPILL_AT and len(parts) >= 2
    assert {(kind, media) for kind, media, _ in parts} == {(whole.kind, whole.media_type)}
    assert all(len(part) >= SPILL_AT for _, _, part in parts)
    assert b"".join(part for _, _, part in parts) + rest.body == whole.body
    assert rest.media_type == whole.media_type and not rest.truncated
    capped = []
    graph.query_serialized(query, accept, row_cap=100, spill=lambda *part: capped.append(part))
    assert capped == []                                 # with a cap the answer is never spilled


@pytest.fixture(scope="module")
def uncapped(small_xlsx, tmp_path_factory):
    store = tmp_path_factory.mktemp("uncapped") / "store"
    subprocess.run([sys.executable, "-m", "govcat", "load", str(small_xlsx), "--store", str(store)],
                   check=True, capture_output=True, env=clean_env())
    token = add_user(store, "analyst", "viewer")   # the internal view: a checkpoint on every engine
    running = start_server(store, {"GOVCAT_ROW_CAP": "0", "GOVCAT_QUERY_TIMEOUT": str(LIMIT)})
    running.client.headers["Authorization"] = f"Bearer {token}"
    yield running
    stop_server(running, store)


def test_a_long_answer_comes_chunked_and_whole(uncapped):
    quads = int(uncapped.get(HOW_MANY).json()["results"]["bindings"][0]["n"]["value"])
    with uncapped.client.stream("POST", "/sparql", content=MANY.encode(),
                                headers={"Content-Type": "application/sparql-query"}) as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked" and "content-length" not in response.headers
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        body = response.read()
    assert len(body) > 2 * SPILL_AT
    assert len(json.loads(body)["results"]["bindings"]) == 4 * quads
    short = uncapped.get("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")      # a short answer keeps its length
    assert short.headers["content-length"] == str(len(short.content))


def test_sparqlwrapper_reads_a_long_answer_in_parts(uncapped):
    sw = pytest.importorskip("SPARQLWrapper")
    quads = int(uncapped.get(HOW_MANY).json()["results"]["bindings"][0]["n"]["value"])
    client = sw.SPARQLWrapper(uncapped.endpoint)
    client.addCustomHttpHeader("Authorization", uncapped.client.headers["Authorization"])
    client.setQuery(MANY)
    client.setReturnFormat(sw.JSON)
    for request_method in (sw.URLENCODED, sw.POSTDIRECTLY):
        client.setMethod(sw.POST)
        client.setRequestMethod(request_method)
        assert len(client.query().convert()["results"]["bindings"]) == 4 * quads


def test_a_long_answer_past_the_time_limit_breaks_off_and_the_others_are_served(uncapped):
    workers = set(uncapped.workers())
    started = time.monotonic()
    received = 0
    with pytest.raises(httpx.RemoteProtocolError):     # the chunked body ends without its last chunk
        with uncapped.client.stream("POST", "/sparql", content=ENDLESS.encode(),
                                    headers={"Content-Type": "application/sparql-query"}) as response:
            assert response.status_code == 200
            for part in response.iter_bytes():
                received += len(part)
    assert received > SPILL_AT
    assert time.monotonic() - started < LIMIT + 10
    assert uncapped.get("ASK {}").json()["boolean"] is True
    deadline = time.monotonic() + 15
    while (len(uncapped.workers()) < 2 or set(uncapped.workers()) == workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(uncapped.workers()) == 2 and set(uncapped.workers()) != workers, "the streaming worker was not stopped"
    assert "a long answer broke off" in uncapped.log.read_text()


def test_parts_left_unread_are_still_taken_from_the_worker(tmp_path):
    """In process, one worker: a caller that stops after the first parts (aclose) does not leave the worker
    blocked on a full pipe; the next long answer is served by the same worker."""
    catalogue = Catalogue.open(tmp_path / "store")
    catalogue.graph.load_into("".join(f'<urn:s{n}> <urn:p> "值 {n} {"x" * 40}" .\n' for n in range(50000)),
                              "nt", "urn:g")
    service = query_service(catalogue.graph, catalogue.folder, workers=1, timeout=5, row_cap=0)
    service.start()
    try:
        request = QueryRequest("SELECT ?s ?o WHERE { ?s <urn:p> ?o }", view=INTERNAL)

        async def leave_early():
            outcome = await service.run_async(request, stream=True)
            assert outcome.error is None and outcome.rest is not None and len(outcome.results.body) >= SPILL_AT
            await anext(outcome.rest)
            await outcome.rest.aclose()
            return await service.run_async(request, stream=True)

        worker = service.worker_pids()
        again = run_apart(leave_early())
        assert again.error is None, again.error       # (whole, when it waited for the worker to be free)
        assert service.worker_pids() == worker
    finally:
        service.close()


def test_a_client_that_goes_away_leaves_the_worker_to_finish(uncapped):
    """(uvicorn takes what is sent after the client left and drops it: the answer is read to its end.)"""
    workers = set(uncapped.workers())
    with uncapped.client.stream("POST", "/sparql", content=MANY.encode(),
                                headers={"Content-Type": "application/sparql-query"}) as response:
        assert response.status_code == 200
        next(response.iter_raw())                       # the first part, then the client leaves
    time.sleep(LIMIT + 1)                             # the worker was not killed at the time limit
    assert set(uncapped.workers()) == workers and all(alive(pid) for pid in workers)
    answers = []                                        # and both workers are free: two long answers at once
    asking = [threading.Thread(target=lambda: answers.append(uncapped.post(MANY))) for _ in range(2)]
    for thread in asking:
        thread.start()
    for thread in asking:
        thread.join(60)
    assert [a.status_code for a in answers] == [200, 200], [a.text[:200] for a in answers]
    assert all(len(a.content) > 2 * SPILL_AT for a in answers)
