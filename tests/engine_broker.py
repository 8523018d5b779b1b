"""One external engine per store folder, for running the test suite on an engine (tests/engine_switch.py).

The pytest process runs a broker: a small HTTP service on loopback that starts an engine (tests/engines.py)
for a store folder the first time any process opens that folder, and empties it when the test or module that
created it ends, keeping it for the next new folder. `install(url)` wraps `govcat.engines.folder_engine` so that a store folder with no engine
yet (and no embedded store) asks the broker for one and is bound to it like any folder opened with the
GOVCAT_SPARQL_* settings (README, "External SPARQL engines"). The pytest process installs it directly;
every Python process the tests start installs it from tests/sitecustomize.py, which Python imports at start
when tests/ is on PYTHONPATH and BROKER_VARIABLE names the broker — so `govcat` commands and servers
started by the tests, whatever GOVCAT_* settings they were given, open their store folders on engines too.
"""
from __future__ import annotations

import json
import os
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BROKER_VARIABLE = "ENGINE_SWITCH_BROKER"     # not GOVCAT_*: sparqlserver.clean_env() keeps it


def request_engine(url: str, folder: Path) -> dict[str, str]:
    """The GOVCAT_SPARQL_* settings of the engine the broker at `url` gives to `folder`."""
    body = json.dumps({"folder": str(Path(folder).resolve())}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": "application/json"}),
                                timeout=600) as answer:
        return json.loads(answer.read())


def install(url: str) -> None:
    """Make store folders without an engine binding or an embedded store get one engine each from the broker."""
    from govcat import engines
    original = engines.folder_engine
    if getattr(original, "broker", None) == url:
        return

    def folder_engine(folder, environ=None):
        folder = Path(folder)
        if (not (folder / engines.BINDING).exists() and not (folder / engines.EMBEDDED).exists()
                and engines.Engine.from_env(environ) is None):
            return original(folder, dict(os.environ if environ is None else environ) | request_engine(url, folder))
        return original(folder, environ)

    folder_engine.broker = url
    engines.folder_engine = folder_engine


class Broker:
    """Starts engines of one kind for store folders, each tagged with the pytest scope that asked for it."""

    def __init__(self, kind: str, workdir: Path, scope):
        self.kind, self.workdir, self.scope = kind, workdir, scope   # scope(): the scope being set up now
        self.engines: dict[str, tuple[str, object]] = {}             # folder → (scope, RunningEngine)
        self.free: list = []                                          # emptied engines, ready for reuse
        self.started = self.folders = 0
        self._lock = threading.Lock()
        broker = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                folder = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["folder"]
                try:
                    body, status = json.dumps(broker.engine_for(folder)).encode(), 200
                except BaseException as error:         # pytest.fail/skip inside the start raise BaseException
                    body, status = f"{type(error).__name__}: {error}".encode(), 500
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/engine"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def engine_for(self, folder: str) -> dict[str, str]:
        with self._lock:
            known = self.engines.get(folder)
            if known is not None:
                from govcat.engines import BINDING
                if (Path(folder) / BINDING).exists():
                    return known[1].env               # two processes opened a new folder at once
                known[1].clear()                      # the folder was removed and made again: a new store
                return known[1].env
            self.folders += 1
            engine = self.free.pop() if self.free else self._start()
            self.engines[folder] = (self.scope(), engine)
            return engine.env

    def _start(self):
        from engines import start_oxigraph, start_virtuoso
        self.started += 1
        place = self.workdir / f"{self.started:04d}"
        place.mkdir(parents=True)
        return start_oxigraph(place) if self.kind == "oxigraph" else start_virtuoso(place)

    def release(self, scopes: set[str]) -> None:
        """Empty the engines asked for in `scopes` and keep them for the next new store folder (starting a
        Virtuoso takes seconds; emptying a test's small store, milliseconds)."""
        with self._lock:
            for folder, (scope, engine) in list(self.engines.items()):
                if scope in scopes:
                    del self.engines[folder]
                    engine.clear()
                    self.free.append(engine)

    def close(self) -> None:
        from engines import stop
        with self._lock:
            for engine in [e for _, e in self.engines.values()] + self.free:
                stop(engine)
            self.engines.clear()
            self.free.clear()
        self.server.shutdown()
