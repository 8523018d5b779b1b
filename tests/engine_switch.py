"""A pytest plugin that runs store-backed tests with the store on an external engine:

    GOVCAT_TEST_ENGINE=oxigraph python -m pytest -p engine_switch tests/test_store.py
    GOVCAT_TEST_ENGINE=virtuoso python -m pytest -p engine_switch tests/test_store.py

One engine is started for the session (tests/engines.py); before each test it is emptied and the
GOVCAT_SPARQL_* settings are put in the environment, so that `Catalogue.open` in the test and the `govcat`
processes it starts use the engine. Without GOVCAT_TEST_ENGINE the plugin does nothing.

What it cannot switch (those tests run on the embedded store, or fail, and say nothing about the engine):
- module- or session-scoped stores (set up before this per-test switch; emptied engines under them);
- tests that open two catalogues and compare them (`restore` into a second folder, harvest between two
  nodes): with one engine both folders are the same store;
- processes started with tests/sparqlserver.py `clean_env()` (every server test), which drops GOVCAT_*;
- tests that open the on-disk store with pyoxigraph directly (`Graph(store / "oxigraph")`)."""
from __future__ import annotations

import os

import pytest
from engines import ENGINES, running_engine


@pytest.fixture(scope="session")
def _external_engine(tmp_path_factory):
    name = os.environ.get("GOVCAT_TEST_ENGINE", "").strip()
    if not name:
        yield None
        return
    if name not in ENGINES:
        raise pytest.UsageError(f"GOVCAT_TEST_ENGINE must be one of {', '.join(ENGINES)}, not {name!r}")
    with running_engine(name, tmp_path_factory.mktemp(f"engine-{name}")) as engine:
        yield engine


@pytest.fixture(autouse=True)
def _store_on_external_engine(_external_engine, monkeypatch):
    if _external_engine is not None:
        _external_engine.clear()
        for key, value in _external_engine.env.items():
            monkeypatch.setenv(key, value)
    yield
