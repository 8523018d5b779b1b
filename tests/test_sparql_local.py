"""Requests a worker showed to be cheap, answered in the server process (govcat.query_local)."""
from __future__ import annotations

import json
import os
import signal
import time

import pytest

from conftest import run_apart
from govcat.catalogue import Catalogue
from govcat.engines import query_service
from govcat.query_local import PROVEN, LocalAnswers, request_key
from govcat.query_service import INTERNAL, PUBLIC, QueryRequest

GRAPH = "urn:govcat:test:g"


@pytest.fixture
def service(tmp_path):
    catalogue = Catalogue.open(tmp_path / "store")
    catalogue.graph.load_into("".join(f'<urn:t:{i}> <urn:t:p> "值{i}" .\n' for i in range(100)), "nt", GRAPH)
    found = query_service(catalogue.graph, catalogue.folder, workers=2, timeout=2)
    found.start()
    found.catalogue = catalogue
    yield found
    found.close()


def run(service, text: str, **options):
    return run_apart(service.run_async(QueryRequest(text, view=options.pop("view", INTERNAL), **options)))


def answered_here(service, text: str, **options):
    """Ask until the server process answers it (a worker first, then the store of the proof opens in a
    thread); the answers, in order."""
    answers, deadline = [], time.monotonic() + 10
    while time.monotonic() < deadline:
        before = service.local.answered
        answers.append(run(service, text, **options))
        if service.local.answered > before:
            return answers
        time.sleep(0.02)
    raise AssertionError(f"never answered in the server process: {text}")


@pytest.mark.parametrize("text, accept", [
    ("SELECT ?s ?o WHERE { ?s <urn:t:p> ?o } ORDER BY ?s LIMIT 5", "application/sparql-results+json"),
    ("SELECT ?s ?o WHERE { ?s <urn:t:p> ?o } ORDER BY ?s LIMIT 5", "text/csv"),
    ("ASK { <urn:t:3> ?p ?o }", "application/sparql-results+xml"),
    ("CONSTRUCT { ?s <urn:t:q> ?o } WHERE { ?s <urn:t:p> ?o } ORDER BY ?s LIMIT 3", "text/turtle"),
])
def test_a_cheap_request_is_answered_in_the_server_process_as_its_worker_answered_it(service, text, accept):
    answers = answered_here(service, text, accept=accept)
    first, here = answers[0].results, answers[-1].results
    assert (here.kind, here.media_type, here.body, here.truncated) == \
        (first.kind, first.media_type, first.body, first.truncated)


def test_proven_requests_are_answered_while_the_workers_are_stuck(service):
    """With every worker stopped (SIGSTOP), a proven request is still answered; a new one waits for a worker
    and is stopped at the time limit."""
    proven = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:t:p> ?o }"
    answered_here(service, proven)
    pids = service.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        outcome = run(service, proven)
        assert outcome.error is None and json.loads(outcome.results.body)["results"]["bindings"][0]["n"]["value"] == "100"
        stuck = run(service, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert stuck.error is not None and stuck.error.kind == "timeout"
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:   # killed at the time limit
                pass


def test_after_a_write_each_request_proves_itself_again_and_sees_the_write(service):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:t:p> ?o }"
    answered_here(service, count)
    service.catalogue.graph.load_into('<urn:t:new> <urn:t:p> "新" .\n', "nt", GRAPH)
    service.refresh()
    before = service.local.answered
    outcome = run(service, count)
    assert service.local.answered == before          # a new checkpoint: a worker answers first
    assert json.loads(outcome.results.body)["results"]["bindings"][0]["n"]["value"] == "101"
    again = answered_here(service, count)[-1]
    assert json.loads(again.results.body)["results"]["bindings"][0]["n"]["value"] == "101"


def test_the_store_of_an_old_checkpoint_is_closed_and_its_folder_removed(service):
    answered_here(service, "ASK { <urn:t:1> ?p ?o }", view=PUBLIC)
    answered_here(service, "ASK { <urn:t:1> ?p ?o }")
    service.catalogue.graph.load_into('<urn:t:new> <urn:t:p> "新" .\n', "nt", GRAPH)
    service.refresh()
    current = {p.relative_to(service.root).parts[0] for p in service.checkpoints.values()}
    deadline = time.monotonic() + 10
    while {p.name for p in service.root.iterdir()} != current and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {p.name for p in service.root.iterdir()} == current
    assert service.local.folders() <= current


def test_requests_whose_cost_may_change_or_that_are_not_cheap_stay_in_the_workers(service):
    for text in ("SELECT (RAND() AS ?r) {}", "SELECT (now() AS ?t) {}", "SELECT (STRUUID() AS ?u) {}",
                 "SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }"):
        assert request_key(INTERNAL, "cp-1", {"query": text}) is None
    for text in ("SELECT (RAND() AS ?r) {}", "SELECT (NOW() AS ?t) {}"):
        for _ in range(3):
            assert run(service, text).error is None
    # 1,000,000 rows counted: well over the proof's limit on any machine
    slow = "SELECT (COUNT(*) AS ?n) { ?a <urn:t:p> ?b . ?c <urn:t:p> ?d . ?e <urn:t:p> ?f }"
    seconds = []
    for _ in range(3):
        started = time.monotonic()
        assert run(service, slow).error is None
        seconds.append(time.monotonic() - started)
    assert min(seconds) > PROVEN
    assert service.local.answered == 0


def test_a_request_far_slower_than_its_proof_loses_it():
    local = LocalAnswers()
    key = ("cp-1", INTERNAL, "ASK {}")
    local._proven[key] = 0.001
    local.ran(key, 0.001, 0.0005)                 # faster: the proof keeps the shorter time
    assert local._proven[key] == 0.0005
    local.ran(key, 0.0005, 0.004)                 # within 4 × + 5 ms: kept
    assert key in local._proven
    local.ran(key, 0.0005, 0.05)                  # far slower: a worker answers it again
    assert key not in local._proven
