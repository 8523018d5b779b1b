"""External SPARQL engines for the tests: `oxigraph serve` (pip `oxigraph`) and Virtuoso open source (Debian
`virtuoso-opensource`, installed by tests/setup_engines.sh when absent), each started on a free loopback port
with a database in a temporary folder, and stopped (its folder removed) when done.

    with running_engine("virtuoso", tmp) as engine:
        subprocess.run([... "govcat", "load", ...], env=engine.env)   # GOVCAT_SPARQL_* set for that engine

`engine.env` is the environment that points govcat at it (README, "External SPARQL engines"); `engine.clear()`
drops every graph govcat wrote (the engine's own graphs stay)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from installs import apt_setup

ENGINES = ("oxigraph", "virtuoso")
_START_TIMEOUT = 120.0
VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 170000
MaxDirtyBuffers = 130000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 100000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
"""


@dataclass
class RunningEngine:
    name: str
    process: subprocess.Popen
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None

    @property
    def query_url(self) -> str:
        return self.env["GOVCAT_SPARQL_ENDPOINT"]

    def clear(self) -> None:
        """Drop every graph govcat wrote (through govcat's own client, so the engine's graphs are kept)."""
        from govcat.engines import Engine
        from govcat.remote_store import RemoteGraph
        graph = RemoteGraph(Engine.from_env(self.env))
        try:
            graph.clear_graphs(graph.graph_names())
        finally:
            graph.close()


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def govcat_env(extra: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GOVCAT_")} | extra


def ensure_virtuoso() -> str:
    """The virtuoso-t binary, installed by tests/setup_engines.sh if needed; skips the test if that fails."""
    apt_setup("setup_engines.sh", lambda: shutil.which("virtuoso-t") is not None)
    return shutil.which("virtuoso-t")


def ensure_oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        pytest.skip("the oxigraph command (pip package oxigraph, test extra) is not installed")
    return found


def _wait(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"{url}: the engine exited ({process.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            answer = httpx.post(url, data={"query": "ASK { ?s ?p ?o }"},
                                headers={"Accept": "application/sparql-results+json"}, timeout=5)
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer within {_START_TIMEOUT:g} s")
        time.sleep(0.2)


def start_oxigraph(folder: Path) -> RunningEngine:
    port = free_port()
    log = folder / "oxigraph.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([ensure_oxigraph(), "serve", "--location", str(folder / "db"), "--bind",
                                    f"127.0.0.1:{port}", "--union-default-graph"], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait(base + "/query", process, log)
    env = {"GOVCAT_SPARQL_ENDPOINT": base + "/query", "GOVCAT_SPARQL_UPDATE_ENDPOINT": base + "/update",
           "GOVCAT_GSP_ENDPOINT": base + "/store", "GOVCAT_SPARQL_ENGINE": "oxigraph"}
    return RunningEngine("oxigraph", process, folder, env, log)


def start_virtuoso(folder: Path) -> RunningEngine:
    binary = ensure_virtuoso()
    sql, http = free_port(), free_port()
    db = folder / "db"
    db.mkdir()
    ini = db / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=db, sql=sql, http=http))
    log = folder / "virtuoso.out"
    with open(log, "wb") as out:
        process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=db, stdout=out,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http}"
    _wait(base + "/sparql", process, log)
    # A new database lets the anonymous SPARQL account read only: govcat writes through it on loopback.
    granted = subprocess.run(["isql-vt", f"127.0.0.1:{sql}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                             check=False, capture_output=True, text=True, timeout=60)
    if granted.returncode != 0:
        process.kill()
        pytest.fail(f"isql-vt could not grant SPARQL_UPDATE:\n{granted.stdout}\n{granted.stderr}")
    env = {"GOVCAT_SPARQL_ENDPOINT": base + "/sparql", "GOVCAT_SPARQL_ENGINE": "virtuoso"}
    return RunningEngine("virtuoso", process, folder, env, log)


def stop(engine: RunningEngine) -> None:
    engine.process.send_signal(signal.SIGTERM)
    try:
        engine.process.wait(30)
    except subprocess.TimeoutExpired:
        engine.process.kill()
        engine.process.wait()
    shutil.rmtree(engine.folder, ignore_errors=True)


@contextmanager
def running_engine(name: str, folder: Path) -> Iterator[RunningEngine]:
    folder.mkdir(parents=True, exist_ok=True)
    engine = start_oxigraph(folder) if name == "oxigraph" else start_virtuoso(folder)
    try:
        yield engine
    finally:
        stop(engine)
