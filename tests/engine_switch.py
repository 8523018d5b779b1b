"""A pytest plugin that runs the test suite with every store on an external engine:

    GOVCAT_TEST_ENGINE=oxigraph python -m pytest -p engine_switch
    GOVCAT_TEST_ENGINE=virtuoso python -m pytest -p engine_switch

(with tests/ on the import path: PYTHONPATH=tests, as README.md says). Each store folder a
test opens — in the pytest process, or in a `govcat` command or server the test starts — gets an engine of
its own on a free loopback port (tests/engine_broker.py), bound to it by `engine.json` as govcat binds any
folder first opened with the GOVCAT_SPARQL_* settings; the engine is emptied when the test (or the module,
for a module-scoped fixture's store) that made it ends, and serves the next new folder. A test that only
means something on the embedded store is marked `embedded_only` and skipped, saying why. Without
GOVCAT_TEST_ENGINE the plugin does nothing."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from engine_broker import BROKER_VARIABLE, Broker, install
from engines import ENGINES

TESTS = Path(__file__).resolve().parent
_scopes = ["function"]          # the scope of the fixture being set up now; a test's own body: function
_broker: Broker | None = None


def pytest_configure(config):
    global _broker
    name = os.environ.get("GOVCAT_TEST_ENGINE", "").strip()
    if not name:
        return
    if name not in ENGINES:
        raise pytest.UsageError(f"GOVCAT_TEST_ENGINE must be one of {', '.join(ENGINES)}, not {name!r}")
    import tempfile
    _broker = Broker(name, Path(tempfile.mkdtemp(prefix=f"engines-{name}-")), lambda: _scopes[-1])
    os.environ[BROKER_VARIABLE] = _broker.url
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    for key in [k for k in os.environ if k.startswith("GOVCAT_SPARQL") or k == "GOVCAT_GSP_ENDPOINT"]:
        del os.environ[key]          # each folder names its own engine
    install(_broker.url)


def pytest_unconfigure(config):
    if _broker is not None:
        _broker.close()
        os.rmdir(_broker.workdir) if not any(_broker.workdir.iterdir()) else None


def pytest_terminal_summary(terminalreporter):
    if _broker is not None:
        terminalreporter.write_line(f"engine_switch: {_broker.folders} store folder(s) on their own {_broker.kind} engine, {_broker.started} engine(s) started")


def pytest_collection_modifyitems(config, items):
    if _broker is None:
        return
    for item in items:
        marker = item.get_closest_marker("embedded_only")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason="embedded store only: " + (marker.args[0] if marker.args else "")))


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    _scopes.append("function" if fixturedef.scope == "function" else "module")
    try:
        yield
    finally:
        _scopes.pop()


@contextlib.contextmanager
def lasting():
    """Store folders first opened inside keep their engine to the end of the run (for stores a test process
    prepares once and copies for each module, tests/browser.py). Does nothing without GOVCAT_TEST_ENGINE."""
    _scopes.append("session")
    try:
        yield
    finally:
        _scopes.pop()


@pytest.fixture(scope="module", autouse=True)
def _engines_per_module():
    yield
    if _broker is not None:
        _broker.release({"function", "module"})


@pytest.fixture(autouse=True)
def _engines_per_test(_engines_per_module):
    yield
    if _broker is not None:
        _broker.release({"function"})
