"""Running user SPARQL for the endpoint: in killable worker processes, on read-only checkpoints, one per view.

pyoxigraph cannot cancel a query (oxigraph issue #1926), so a query runs in the server process only once a
worker has shown it cheap (below). A small pool of worker processes (govcat.query_worker) reads checkpoints
(`Store.backup`, hard links) with `Store.read_only`. A query that runs past the timeout gets its worker killed
— the CPU is released at once — and a fresh worker takes its place in the background while the others go on
serving. Results are serialized in the worker, capped at `row_cap` rows (the cut is reported, never silent);
without a cap, a long answer can come in parts as the worker serializes it (`run_async(…, stream=True)`).
The same request again on the same checkpoint, after a worker answered it within 25 ms, is answered in this
process from a read-only store of that checkpoint (govcat.query_local): the hop to a worker costs more than a
point lookup.

What a caller may see decides which checkpoint its query reads (`view_for(access)`):
- public (no token): a checkpoint of the public view (govcat.public_view), a store holding only what the
  open-data feed shows; nothing else is in it, so no FROM, GRAPH ?g or default-graph-uri can reach more;
- internal (viewer, editor, reviewer): a checkpoint of the live store with the users graph removed;
- admin: a checkpoint of the live store.
`refresh(change)` after each write (the commit listener, under the write lock) brings the public view up to
date and takes the checkpoints: a backup of the live store for admins, another one for the internal view, and
one of the public view when it changed (a few ms each). Removing the users graph from the internal copy
means opening it writable (~50 ms); a background thread does that, so writes do not wait: an internal query
waits until the newest internal checkpoint is ready, so it always sees the writes made before it.

No HTTP here: `govcat.web.sparql` maps outcomes to responses.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe
from pathlib import Path

from .public_view import PublicView
from .query_local import ON_LOOP, LocalAnswers, request_key
from .query_worker import _execute, post, timed
from .query_types import (  # noqa: F401
    ADMIN,
    AnswerCut,
    INTERNAL,
    INTERNAL_HIDDEN,
    hide_from_internal,
    PUBLIC,
    VIEWS,
    QueryError,
    QueryOutcome,
    QueryRequest,
    UpdateEffect,
    view_for,
)
from .service_description import service_description  # noqa: F401 (the endpoint's, served with it)
from .sparql import QueryRefused, check_query, declares_dataset
from .store import Graph, SerializedResults

log = logging.getLogger("govcat.query")

CHECKPOINTS = "sparql-checkpoints"   # folder in the store folder (hard links need the same file system)
_START_TIMEOUT = 60.0
_GRAPH_OF_LINE = re.compile(r"<([^<>]*)>\s*\.\s*$")


@dataclass(eq=False)
class _Snapshot:
    paths: dict[str, Path]          # view -> checkpoint folder
    names: dict[str, str]           # view -> its folder directly under the checkpoints root
    ready: threading.Event = field(default_factory=threading.Event)   # the internal checkpoint is prepared
    skipped: bool = False           # superseded before it was prepared: take a newer one
    failed: bool = False
    texts: dict[str, str] = field(default_factory=dict)   # view -> str(path), as sent to the workers

    def __post_init__(self):
        self.texts = {view: str(path) for view, path in self.paths.items()}

    @property
    def folders(self) -> frozenset[str]:
        return frozenset(self.names.values())


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection
    holding: set[str] = field(default_factory=set)      # checkpoint folders it may have open
    views: dict[str, str] = field(default_factory=dict)  # view -> folder it has open (after its last answer)


class QueryService:
    """A pool of query worker processes over checkpoints of `graph` (the live on-disk store), kept in
    `folder`/sparql-checkpoints; the public view in `folder`/public-view. Thread-safe: `run` blocks its
    caller's thread only."""

    def __init__(self, graph: Graph, folder: Path, *, workers: int = 2, timeout: float = 10.0,
                 row_cap: int = 10000, allowed_service_hosts: Iterable[str] = ()):
        self.graph, self.root = graph, Path(folder) / CHECKPOINTS
        self.public = PublicView(graph, Path(folder))
        self.workers, self.timeout, self.row_cap = max(1, workers), timeout, row_cap
        self.allowed_service_hosts = tuple(allowed_service_hosts)
        # the worker used last is taken first: its CPU caches and RocksDB blocks are warm (a point lookup 0.13 ms
        # in process instead of 0.2 with workers taken in turn), and the others stay asleep
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._serial = 0
        self._current: _Snapshot | None = None
        self._public_folder: str | None = None
        self._pending: set[str] = set()   # folders being made or prepared, not to be collected
        self._reserved: dict[str, int] = {}   # folders chosen for queries not yet sent to a worker
        self._wake = threading.Event()
        self._preparing: _Snapshot | None = None
        self._closed = False
        self._preparer: threading.Thread | None = None
        self.local = LocalAnswers()   # requests a worker showed to be cheap, answered in this process

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        # Whoever holds the live store (RocksDB's lock) owns its checkpoints: older ones are leftovers.
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        started = time.monotonic()
        self.public.open()
        log.info("public view ready in %.1f s", time.monotonic() - started)
        snapshot = self._snapshot(public_changed=True)
        self._prepare(snapshot)
        self._current = snapshot
        self._pending -= snapshot.folders
        started = [self._spawn() for _ in range(self.workers)]
        for worker in started:
            self._await_ready(worker)
            self._idle.put(worker)
        self._preparer = threading.Thread(target=self._prepare_loop, name="govcat-checkpoints", daemon=True)
        self._preparer.start()

    def refresh(self, change=None) -> None:
        """Make the writes since the last refresh visible: call it after each write, with the ChangeSet
        (None: a change of unknown extent, which compares the whole public view). Holds no worker."""
        public_changed = self.public.sync(None if change is None else _graphs_of(change))
        snapshot = self._snapshot(public_changed)
        with self._lock:
            previous, self._current = self._current, snapshot
            self._pending.discard(self._public_folder)
            if not previous.ready.is_set() and previous is not self._preparing:
                previous.skipped = True   # never prepared: its waiters take the new one
                previous.ready.set()
                self._pending.discard(previous.paths[INTERNAL].parent.name)
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._preparer is not None:
            self._preparer.join(10)
        with self._lock:
            workers = list(self._live)
        for worker in workers:
            try:
                post(worker.conn, ("stop",))
            except OSError:
                pass
        for worker in workers:
            try:
                worker.process.wait(1)
            except subprocess.TimeoutExpired:
                pass
            self._retire(worker)
        self.local.close()
        self.public.close()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def checkpoints(self) -> dict[str, Path]:
        """The checkpoint each view's new queries read."""
        with self._lock:
            return dict(self._current.paths)

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._live]

    def worker_views(self) -> list[dict[str, str]]:
        """The checkpoint folder each live worker has open per view."""
        with self._lock:
            return [dict(w.views) for w in self._live]

    # -- queries ------------------------------------------------------------------------------------
    def run(self, request: QueryRequest) -> QueryOutcome:
        """Check, run and serialize one query on the view it names; never longer than about twice the
        timeout (waiting for a checkpoint and a free worker, then running)."""
        prepared = self._query_message(request, wait=True)
        if isinstance(prepared, QueryOutcome):
            return prepared
        message, deadline, views = prepared
        try:
            return _outcome(self._call(message, deadline, views))
        finally:
            self._release(views)

    async def run_async(self, request: QueryRequest, stream: bool = False) -> QueryOutcome:
        """`run` for an event loop. When a worker is idle and the checkpoint ready (the usual case) no
        thread is involved: the answer is awaited on the worker's pipe. Otherwise `run` in a thread. A request
        a worker already answered cheaply on the same checkpoint is answered here (govcat.query_local).
        `stream`: a long answer without a row cap comes in parts (`QueryOutcome.rest`, below `_rest`), the first
        as soon as the worker has serialized it, instead of whole once the worker is done."""
        prepared = self._query_message(request, wait=False, stream=stream)
        if isinstance(prepared, QueryOutcome):
            return prepared
        if prepared is None:
            return await asyncio.to_thread(self.run, request)
        message, deadline, views = prepared
        key = request_key(request.view, views[request.view], message[3])
        try:
            found = self.local.proof(key)
            if found is not None:
                return await self._answer_here(key, *found, message[3])
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return await asyncio.to_thread(self.run, request)
            before = self._send(worker, message, views)
            if before is None:
                return _outcome(("error", _died()))
            loop = asyncio.get_running_loop()
            readable = loop.create_future()
            fd = worker.conn.fileno()
            loop.add_reader(fd, _settle, readable, True)
            timer = loop.call_later(self.timeout, _settle, readable, False)   # cheaper than wait_for's task
            try:
                if not await readable:
                    return _outcome(("error", self._stop(worker)))
            finally:
                timer.cancel()
                loop.remove_reader(fd)
                if not worker.conn.closed:      # (a stopped worker's pipe is closed)
                    os.set_blocking(fd, True)   # uvloop (libuv) made it non-blocking: recv() would stop mid-message
            answer = self._receive(worker, views, before)
            if answer[0] == "part":
                return QueryOutcome(results=SerializedResults(answer[1], answer[2], answer[3], False),
                                    rest=self._rest(worker, views, before, deadline))
            if answer[0] == "ok":
                self.local.learn(key, answer[2], Path(message[2]))
            return _outcome(answer)
        finally:
            self._release(views)

    async def _answer_here(self, key: tuple, proven: float, graph: Graph, task: dict) -> QueryOutcome:
        """Run a proven request in this process (its checkpoint reserved by the caller)."""
        if proven <= ON_LOOP:
            answer, seconds = timed(_execute, graph, task)
        else:
            answer, seconds = await asyncio.to_thread(timed, _execute, graph, task)
        self.local.ran(key, proven, seconds)
        return _outcome(answer)

    def _query_message(self, request: QueryRequest, wait: bool, stream: bool = False):
        """(message, deadline, views) for a worker, its checkpoint reserved until `_release(views)`; a
        QueryOutcome when refused; None when `wait` is False and the internal checkpoint is not ready yet.
        `stream`: the worker sends a long answer in parts (govcat.query_worker)."""
        try:
            check_query(request.query, self.allowed_service_hosts)
        except QueryRefused as exc:
            return QueryOutcome(error=QueryError("refused", exc.zh, exc.en))
        if request.view not in VIEWS:
            raise ValueError(f"unknown view {request.view!r}")
        view = request.view
        deadline = time.monotonic() + self.timeout
        snapshot = self._reserve(view, deadline if wait else None)
        if snapshot is None:
            return None if not wait else QueryOutcome(error=_busy(self.timeout))
        views = {view: snapshot.names[view]}
        if snapshot.failed:
            self._release(views)
            return QueryOutcome(error=QueryError("failed", "内部检查点未能准备好（见服务器日志）",
                                                 "the internal checkpoint could not be prepared (see the log)"))
        task = {"query": request.query, "accept": request.accept, "default_graphs": request.default_graphs,
                "named_graphs": request.named_graphs, "base_iri": request.base_iri,
                "bindings": dict(request.bindings),
                "union_default": not declares_dataset(request.query), "row_cap": self.row_cap}
        if stream:
            task["stream"] = True
        return ("query", view, snapshot.texts[view], task), deadline, views

    def _reserve(self, view: str, deadline: float | None) -> _Snapshot | None:
        """The current snapshot, with its checkpoint for `view` kept from collection until released (a
        worker holds it only once the query is sent). For the internal view, wait until it is prepared
        (not past `deadline`; None: do not wait)."""
        while True:
            with self._lock:
                snapshot = self._current
                if view != INTERNAL or (snapshot.ready.is_set() and not snapshot.skipped):
                    name = snapshot.names[view]
                    self._reserved[name] = self._reserved.get(name, 0) + 1
                    return snapshot
            if deadline is None:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            snapshot.ready.wait(remaining)

    def _release(self, views: dict[str, str]) -> None:
        with self._lock:
            for name in views.values():
                self._reserved[name] -= 1
                if not self._reserved[name]:
                    del self._reserved[name]

    def update_effect(self, text: str, base_iri: str | None, protected: Iterable[str]) -> UpdateEffect | QueryError:
        """Run a SPARQL Update on a scratch copy of the live store, in a worker (killed past the timeout),
        and return its effect; the live store is not touched. Hold the catalogue's write lock around this
        and the commit of the effect, so that nothing changes in between."""
        with self._lock:
            self._serial += 1
            scratch = self.root / f"update-{self._serial}"
            self._pending.add(scratch.name)
        try:
            _backup(self.graph.backup, scratch)
            task = {"update": text, "base_iri": base_iri, "protected": sorted(protected)}
            _status, value = self._call(("update", str(scratch), task), time.monotonic() + self.timeout, {})
            return value
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            with self._lock:
                self._pending.discard(scratch.name)

    def _call(self, message: tuple, deadline: float, views: dict[str, str]) -> tuple[str, object]:
        """Send one message to an idle worker and wait for its answer until `deadline` (then kill it)."""
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return "error", _busy(self.timeout)
        before = self._send(worker, message, views)
        if before is None:
            return "error", _died()
        try:
            answered = worker.conn.poll(self.timeout)
        except (OSError, EOFError):
            answered = True    # recv reports it
        if not answered:
            return "error", self._stop(worker)
        return self._receive(worker, views, before)

    def _send(self, worker: _Worker, message: tuple, views: dict[str, str]) -> set[str] | None:
        """Send to a worker taken from the idle queue; the folders it held before (None: it died)."""
        before = set(worker.views.values())
        try:
            worker.holding = worker.holding | set(views.values())
            post(worker.conn, message)
        except (OSError, EOFError):
            self._retire(worker)
            self._replace_later()
            return None
        return before

    def _receive(self, worker: _Worker, views: dict[str, str], before: set[str]) -> tuple[str, object]:
        """The worker's next reply; after its final one (anything but a part of a long answer) it is idle."""
        try:
            answer = worker.conn.recv()
        except (OSError, EOFError):
            self._retire(worker)
            self._replace_later()
            return "error", _died()
        if answer[0] == "part":
            return answer
        worker.views.update(views)
        worker.holding = set(worker.views.values())
        self._idle.put(worker)
        if worker.holding != before:   # a checkpoint it held before may be free now
            self._collect()
        with self._lock:
            current = self._current
        if worker.views != self._folders(current) and current.ready.is_set():
            self._wake.set()           # it was busy when the others moved on: the preparer switches it
        return answer

    def _rest(self, worker: _Worker, views: dict[str, str], before: set[str],
              deadline: float) -> AsyncIterator[bytes]:
        """The later parts of a long answer. A thread of its own reads them from the worker as they come, so
        that the worker never waits for a slow client nor the event loop for the pipe (a slow client's answer
        waits in memory, as a whole answer did); past the deadline the worker is stopped, as for any query, and
        the iterator raises AnswerCut. A consumer that stops early lets the worker finish unread."""
        loop = asyncio.get_running_loop()
        arrived: asyncio.Queue = asyncio.Queue()
        wanted = threading.Event()
        wanted.set()

        def read() -> None:
            while True:
                try:
                    ready = worker.conn.poll(max(0.0, deadline - time.monotonic()))
                except (OSError, EOFError):
                    ready = True    # _receive reports it
                answer = self._receive(worker, views, before) if ready else ("error", self._stop(worker))
                if wanted.is_set():
                    try:
                        loop.call_soon_threadsafe(arrived.put_nowait, answer)
                    except RuntimeError:    # the loop is closed: the server is stopping
                        wanted.clear()
                if answer[0] != "part":
                    return

        threading.Thread(target=read, name="govcat-query-parts", daemon=True).start()

        async def parts() -> AsyncIterator[bytes]:
            try:
                while True:
                    answer = await arrived.get()
                    if answer[0] == "part":
                        yield answer[3]
                    elif answer[0] == "ok":
                        if answer[1].body:
                            yield answer[1].body
                        return
                    else:
                        raise AnswerCut(answer[1])
            finally:
                wanted.clear()

        return parts()

    def _stop(self, worker: _Worker) -> QueryError:
        self._retire(worker)   # kills the process: the query stops and its CPU is released
        self._replace_later()
        log.warning("query stopped after %g s (worker %s killed)", self.timeout, worker.process.pid)
        return QueryError("timeout", f"查询超过 {self.timeout:g} 秒的时限，已被终止；请缩小查询范围（如加 LIMIT）",
                          f"the query ran past the {self.timeout:g} s limit and was stopped; narrow it (e.g. LIMIT)")

    # -- checkpoints --------------------------------------------------------------------------------
    def _snapshot(self, public_changed: bool) -> _Snapshot:
        """Back up the live store (twice: admin, internal) and the public view if it changed. Call under
        the catalogue's write lock: a backup taken while a change is being applied would hold half of it."""
        with self._lock:
            self._serial += 1
            folder = self.root / f"cp-{self._serial}"
            self._pending.add(folder.name)
            public = self._public_folder
            if public_changed or public is None:
                public = f"pub-{self._serial}"
                self._pending.add(public)
        folder.mkdir()
        _backup(self.graph.backup, folder / ADMIN)
        _backup(self.graph.backup, folder / INTERNAL)
        if public != self._public_folder:
            _backup(self.public.backup, self.root / public)
            self._public_folder = public
        return _Snapshot({ADMIN: folder / ADMIN, INTERNAL: folder / INTERNAL, PUBLIC: self.root / public},
                         {ADMIN: folder.name, INTERNAL: folder.name, PUBLIC: public})

    def _prepare(self, snapshot: _Snapshot) -> None:
        """Remove the graphs the internal view hides from its copy (the one time it is opened writable)."""
        try:
            graph = Graph(snapshot.paths[INTERNAL])
            hide_from_internal(graph)
            graph.flush()
            del graph
        except OSError:
            log.exception("could not prepare the internal checkpoint %s", snapshot.paths[INTERNAL])
            snapshot.failed = True
        snapshot.ready.set()

    def _prepare_loop(self) -> None:
        """Prepare the newest internal checkpoint, then switch the idle workers to the new checkpoints, so
        that queries rarely open a store themselves."""
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            with self._lock:
                snapshot = self._current
                if not snapshot.ready.is_set():
                    self._preparing = snapshot
            if self._preparing is snapshot:
                self._prepare(snapshot)
                with self._lock:
                    self._preparing = None
                    self._pending.discard(snapshot.paths[INTERNAL].parent.name)
            if not snapshot.failed and not snapshot.skipped:
                self._switch_idle(snapshot)
                self.local.keep_only(self._folders(snapshot))
            self._collect()

    def _switch_idle(self, snapshot: _Snapshot) -> None:
        switched = []
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if self._switch(worker, snapshot):
                switched.append(worker)
        for worker in switched:
            self._idle.put(worker)

    def _folders(self, snapshot: _Snapshot) -> dict[str, str]:
        return dict(snapshot.names)

    def _switch(self, worker: _Worker, snapshot: _Snapshot) -> bool:
        views = self._folders(snapshot)
        if worker.views == views:
            return True
        try:
            worker.holding = worker.holding | set(views.values())
            post(worker.conn, ("open", {view: str(path) for view, path in snapshot.paths.items()}))
            if not worker.conn.poll(_START_TIMEOUT):
                raise OSError("no answer")
            worker.conn.recv()
        except (OSError, EOFError):
            self._retire(worker)
            self._replace_later()
            return False
        worker.views = views
        worker.holding = set(views.values())
        return True

    def _collect(self) -> None:
        """Delete the checkpoints that are neither current, nor being made, nor held by a worker. The
        folder is listed under the lock: a checkpoint made later is never taken for an unused one."""
        with self._lock:
            keep = set(self._pending) | set(self._reserved) | (self._current.folders if self._current else set())
            keep |= {name for w in self._live for name in w.holding} | self.local.folders()
            unused = [p for p in self.root.iterdir() if p.name.removesuffix(".tmp") not in keep] \
                if self.root.exists() else []
        for path in unused:
            shutil.rmtree(path, ignore_errors=True)

    # -- workers ------------------------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        """A new worker: a fresh interpreter (never a fork of the process that holds the store) that
        talks over an inherited pipe. It opens the checkpoints of every view at once (the internal one only when
        it is prepared; else the preparer switches it when it is)."""
        ours, theirs = Pipe()
        with self._lock:
            snapshot = self._current
            prepared = snapshot.ready.is_set() and not (snapshot.skipped or snapshot.failed)
            views = (PUBLIC, ADMIN, INTERNAL) if prepared else (PUBLIC, ADMIN)
            process = subprocess.Popen(
                [sys.executable, "-c", "from govcat.query_worker import worker_main; worker_main()",
                 str(theirs.fileno()), json.dumps({v: snapshot.texts[v] for v in views}), str(os.getpid())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
            names = {view: snapshot.names[view] for view in views}
            worker = _Worker(process, ours, set(names.values()), names)
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


def _backup(backup: Callable[[Path], None], path: Path, attempts: int = 5) -> None:
    """A checkpoint in the new folder `path`. RocksDB may compact away a file while the checkpoint links
    it: then it tries again."""
    for attempt in range(attempts):
        try:
            backup(path)
            return
        except OSError:
            for leftover in (path, path.with_name(path.name + ".tmp")):
                shutil.rmtree(leftover, ignore_errors=True)
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _graphs_of(change) -> set[str]:
    """The graphs a ChangeSet clears or removes quads from (its records)."""
    found = set(change.clear)
    for line in change.remove:
        match = _GRAPH_OF_LINE.search(line)
        if match:
            found.add(match.group(1))
    return found


def _outcome(answer: tuple) -> QueryOutcome:
    status, value = answer[0], answer[1]      # (a worker's query answer also says how long it took)
    return QueryOutcome(results=value) if status == "ok" else QueryOutcome(error=value)


def _died() -> QueryError:
    return QueryError("failed", "查询进程意外退出", "the query worker died")


def _settle(future: asyncio.Future, value: bool) -> None:
    if not future.done():
        future.set_result(value)


def _busy(timeout: float) -> QueryError:
    return QueryError("busy", f"所有查询进程都在忙，{timeout:g} 秒内没有空闲，请稍后再试",
                      f"every query worker stayed busy for {timeout:g} s; try again later")
