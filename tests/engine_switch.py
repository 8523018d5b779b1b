"""A pytest plugin that runs store-backed tests with the store on an external engine:

    GOVCAT_TEST_ENGINE=oxigraph python -m pytest -p engine_switch tests/test_store.py
    GOVCAT_TEST_ENGINE=virtuoso python -m pytest -p engine_switch tests/test_store.py

One engine is started for the session (tests/engines.py) and the GOVCAT_SPARQL_* settings are put in the
environment, so that `Catalogue.open` in the tests and the `govcat` processes they start use it. The engine is
emptied before each test module, and before each test unless GOVCAT_TEST_ENGINE_CLEAR=module (for modules
that build one store in a module-scoped fixture and share it; the default, `test`, suits modules whose tests
each open a new store). Without GOVCAT_TEST_ENGINE the plugin does nothing.

What it cannot switch (those tests run on the embedded store, or fail, and say nothing about the engine):
- module-scoped stores with GOVCAT_TEST_ENGINE_CLEAR=test (emptied under them), function-scoped ones with
  `module` (they find the previous test's records);
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
        saved = {key: os.environ.get(key) for key in engine.env}
        os.environ.update(engine.env)
        try:
            yield engine
        finally:
            for key, value in saved.items():
                os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


@pytest.fixture(scope="module", autouse=True)
def _engine_per_module(_external_engine):
    if _external_engine is not None:
        _external_engine.clear()
    yield


@pytest.fixture(autouse=True)
def _engine_per_test(_engine_per_module, _external_engine):
    if _external_engine is not None and os.environ.get("GOVCAT_TEST_ENGINE_CLEAR", "test") != "module":
        _external_engine.clear()
    yield
