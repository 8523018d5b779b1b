"""Running user SPARQL for the endpoint: in killable worker processes, on a read-only checkpoint.

pyoxigraph cannot cancel a query (oxigraph issue #1926), so no query runs in the server process. Each of a
small pool of worker processes opens a checkpoint of the live store (`Store.backup`, hard links, taken at
start-up and again by `refresh()` after writes) with `Store.read_only`. A query that runs past the timeout
gets its worker killed — the CPU is released at once — and a fresh worker takes its place in the
background while the other workers go on serving. Results are serialized in the worker, capped at
`row_cap` rows (the cut is reported, never silent).

No HTTP here: `govcat.web.sparql` maps outcomes to responses.
"""
from __future__ import annotations

import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe
from pathlib import Path

from .sparql import QueryRefused, check_query, declares_dataset
from .store import Graph, NotAcceptable, SerializedResults, negotiate, offered_formats, serialize_triples
from .terms import Term, iri, literal

log = logging.getLogger("govcat.query")

CHECKPOINTS = "sparql-checkpoints"   # folder in the store folder (hard links need the same file system)
_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: str | None = None
    default_graphs: tuple[str, ...] | None = None   # the protocol's default-graph-uri (None: not given)
    named_graphs: tuple[str, ...] | None = None     # named-graph-uri
    base_iri: str | None = None
    bindings: tuple[tuple[str, Term], ...] = ()     # bound parameters (saved queries), never pasted into text


@dataclass(frozen=True)
class QueryError:
    """Why a query gave no results. kind: refused (bad request or forbidden feature), syntax,
    not_acceptable, timeout, busy or failed."""
    kind: str
    zh: str
    en: str

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class QueryOutcome:
    results: SerializedResults | None = None
    error: QueryError | None = None


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection
    holding: set[Path] = field(default_factory=set)   # checkpoints it may have open


class QueryService:
    """A pool of query worker processes over checkpoints of `graph` (the live on-disk store), kept in
    `folder`/sparql-checkpoints. Thread-safe: `run` blocks its caller's thread only."""

    def __init__(self, graph: Graph, folder: Path, *, workers: int = 2, timeout: float = 10.0,
                 row_cap: int = 10000, allowed_service_hosts: Iterable[str] = ()):
        self.graph, self.root = graph, Path(folder) / CHECKPOINTS
        self.workers, self.timeout, self.row_cap = max(1, workers), timeout, row_cap
        self.allowed_service_hosts = tuple(allowed_service_hosts)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._serial = 0
        self._current: Path | None = None
        self._pending: set[Path] = set()   # checkpoints being made, not yet current
        self._closed = False

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        # Whoever holds the live store (RocksDB's lock) owns its checkpoints: older ones are leftovers.
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self._current = self._checkpoint()
        self._pending.discard(self._current)
        started = [self._spawn() for _ in range(self.workers)]
        for worker in started:
            self._await_ready(worker)
            self._idle.put(worker)

    def refresh(self) -> None:
        """Take a new checkpoint of the live store, so that queries see the writes made since the last one.
        Call it after each write. Idle workers switch now, busy ones with their next query; checkpoints
        no worker holds any more are deleted."""
        path = self._checkpoint()
        with self._lock:
            self._current = path
            self._pending.discard(path)
        switched = []
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            try:
                worker.holding = worker.holding | {path}   # a new set: `_collect` may be reading the old one
                worker.conn.send(("open", str(path)))
                if not worker.conn.poll(_START_TIMEOUT):
                    raise OSError("no answer")
                worker.conn.recv()
                worker.holding = {path}
                switched.append(worker)
            except (OSError, EOFError):
                self._retire(worker)
                self._replace_later()
        for worker in switched:
            self._idle.put(worker)
        self._collect()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._live)
        for worker in workers:
            try:
                worker.conn.send(("stop",))
            except OSError:
                pass
        for worker in workers:
            try:
                worker.process.wait(1)
            except subprocess.TimeoutExpired:
                pass
            self._retire(worker)
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def checkpoint(self) -> Path | None:
        """The checkpoint new queries run on."""
        with self._lock:
            return self._current

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._live]

    # -- queries ------------------------------------------------------------------------------------
    def run(self, request: QueryRequest) -> QueryOutcome:
        """Check, run and serialize one query; never longer than about twice the timeout (waiting for a
        free worker, then running)."""
        try:
            check_query(request.query, self.allowed_service_hosts)
        except QueryRefused as exc:
            return QueryOutcome(error=QueryError("refused", exc.zh, exc.en))
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            return QueryOutcome(error=QueryError(
                "busy", f"所有查询进程都在忙，{self.timeout:g} 秒内没有空闲，请稍后再试",
                f"every query worker stayed busy for {self.timeout:g} s; try again later"))
        with self._lock:
            checkpoint = self._current
        task = {"query": request.query, "accept": request.accept, "default_graphs": request.default_graphs,
                "named_graphs": request.named_graphs, "base_iri": request.base_iri,
                "bindings": dict(request.bindings),
                "union_default": not declares_dataset(request.query), "row_cap": self.row_cap}
        switching = checkpoint not in worker.holding
        try:
            worker.holding = worker.holding | {checkpoint}
            worker.conn.send(("query", str(checkpoint), task))
            if not worker.conn.poll(self.timeout):
                self._retire(worker)   # kills the process: the query stops and its CPU is released
                self._replace_later()
                log.warning("query stopped after %g s (worker %s killed)", self.timeout, worker.process.pid)
                return QueryOutcome(error=QueryError(
                    "timeout", f"查询超过 {self.timeout:g} 秒的时限，已被终止；请缩小查询范围（如加 LIMIT）",
                    f"the query ran past the {self.timeout:g} s limit and was stopped; narrow it (e.g. LIMIT)"))
            status, value = worker.conn.recv()
        except (OSError, EOFError):
            self._retire(worker)
            self._replace_later()
            return QueryOutcome(error=QueryError("failed", "查询进程意外退出", "the query worker died"))
        worker.holding = {checkpoint}
        self._idle.put(worker)
        if switching:   # the checkpoint it held before may be free now
            self._collect()
        return QueryOutcome(results=value) if status == "ok" else QueryOutcome(error=value)

    # -- workers and checkpoints --------------------------------------------------------------------
    def _checkpoint(self, attempts: int = 5) -> Path:
        """A new checkpoint folder; it stays in `_pending` (safe from `_collect`) until the caller made it
        current. RocksDB may compact away a file while the checkpoint links it: then it tries again."""
        for attempt in range(attempts):
            with self._lock:
                self._serial += 1
                path = self.root / f"cp-{self._serial}"
                self._pending.add(path)
            try:
                self.graph.backup(path)
                return path
            except OSError:
                with self._lock:
                    self._pending.discard(path)
                for leftover in (path, path.with_name(path.name + ".tmp")):
                    shutil.rmtree(leftover, ignore_errors=True)
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _spawn(self) -> _Worker:
        """A new worker: a fresh interpreter (never a fork of the process that holds the store) that
        talks over an inherited pipe."""
        ours, theirs = Pipe()
        with self._lock:
            checkpoint = self._current
            process = subprocess.Popen(
                [sys.executable, "-c", "from govcat.query_service import worker_main; worker_main()",
                 str(theirs.fileno()), str(checkpoint), str(os.getpid())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
            worker = _Worker(process, ours, {checkpoint})
            self._live.add(worker)
        theirs.close()
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        try:
            if worker.conn.poll(_START_TIMEOUT):
                worker.conn.recv()
                return
        except (OSError, EOFError):
            pass
        self._retire(worker)
        raise RuntimeError("a query worker did not start (see its error output)")

    def _replace_later(self) -> None:
        def replace() -> None:
            if self._closed:
                return
            worker = self._spawn()
            try:
                self._await_ready(worker)
            except RuntimeError:
                log.error("a replacement query worker did not start; %d left", len(self.worker_pids()))
                return
            if self._closed:
                self._retire(worker)
            else:
                self._idle.put(worker)
        threading.Thread(target=replace, name="govcat-query-respawn", daemon=True).start()

    def _retire(self, worker: _Worker) -> None:
        if worker.process.poll() is None:
            worker.process.kill()
        try:
            worker.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        worker.conn.close()
        with self._lock:
            self._live.discard(worker)
        self._collect()

    def _collect(self) -> None:
        """Delete the checkpoints that are neither the current one, nor being made, nor held by a worker.
        The folder is listed under the lock: a checkpoint made later is never taken for an unused one."""
        with self._lock:
            keep = {p.name for p in {self._current} | self._pending if p}
            keep |= {p.name for w in self._live for p in w.holding}
            unused = [p for p in self.root.iterdir() if p.name.removesuffix(".tmp") not in keep] \
                if self.root.exists() else []
        for path in unused:
            shutil.rmtree(path, ignore_errors=True)


# -- the worker process ---------------------------------------------------------------------------------
def worker_main() -> None:
    """The entry point of a worker process: argv is (pipe fd, checkpoint folder, parent pid)."""
    fd, checkpoint, parent = sys.argv[1], sys.argv[2], int(sys.argv[3])
    conn = Connection(int(fd))
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C stops the server, which stops its workers
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    graph, current = Graph.read_only(Path(checkpoint)), checkpoint
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "stop":
            return
        if message[1] != current:
            graph = None
            graph, current = Graph.read_only(Path(message[1])), message[1]
        if message[0] == "open":
            conn.send(("ready", os.getpid()))
        else:
            conn.send(_execute(graph, message[2]))


def _exit_with_parent(parent: int) -> None:
    """A worker outlives no server killed with SIGKILL, even in a long query (queries release the GIL)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _execute(graph: Graph, task: dict) -> tuple[str, SerializedResults | QueryError]:
    try:
        return "ok", graph.query_serialized(
            task["query"], task["accept"], row_cap=task["row_cap"], union_default=task["union_default"],
            default_graphs=task["default_graphs"], named_graphs=task["named_graphs"], base_iri=task["base_iri"],
            bindings=task.get("bindings"))
    except SyntaxError as exc:
        return "error", QueryError("syntax", f"SPARQL 语法错误：{exc}", f"SPARQL syntax error: {exc}")
    except NotAcceptable as exc:
        offered = ", ".join(exc.offered)
        return "error", QueryError("not_acceptable", f"Accept 头所列格式都不适用于此类结果；可用：{offered}",
                                   f"no format the Accept header lists fits {exc.kind} results; offered: {offered}")
    except ValueError as exc:
        return "error", QueryError("refused", f"请求参数无效：{exc}", f"invalid request: {exc}")
    except Exception as exc:   # noqa: BLE001 — evaluation errors (e.g. an unreachable SERVICE) reach the caller
        return "error", QueryError("failed", f"查询执行失败：{exc}", f"the query failed: {exc}")


# -- service description ---------------------------------------------------------------------------------
SD = "http://www.w3.org/ns/sparql-service-description#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def service_description(endpoint: str, accept: str | None, federated: bool = False) -> tuple[str, bytes] | None:
    """The SPARQL 1.1 Service Description of the endpoint (media type, body), in the RDF format the Accept
    header asks for (Turtle by default); None when it asks for none offered."""
    media_type = negotiate(accept, "graph")
    if media_type is None:
        return None
    service = iri(endpoint)
    triples: list[tuple[Term, Term, Term]] = [
        (service, iri(_RDF_TYPE), iri(SD + "Service")),
        (service, iri(SD + "endpoint"), service),
        (service, iri(SD + "supportedLanguage"), iri(SD + "SPARQL11Query")),
        (service, iri(SD + "feature"), iri(SD + "UnionDefaultGraph")),
        (service, iri("http://purl.org/dc/terms/title"), literal("govcat 政务信息资源目录 SPARQL 端点", language="zh")),
        (service, iri("http://purl.org/dc/terms/title"), literal("govcat catalogue SPARQL endpoint", language="en")),
    ]
    if federated:
        triples.append((service, iri(SD + "feature"), iri(SD + "BasicFederatedQuery")))
    formats = {f for kind in ("solutions", "boolean", "graph") for _media, f in offered_formats(kind)}
    triples += [(service, iri(SD + "resultFormat"), iri(f)) for f in sorted(formats)]
    return media_type, serialize_triples(triples, media_type, prefixes={"sd": SD})
