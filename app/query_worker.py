"""A SPARQL worker process (started by `govcat.query_service.QueryService`, never forked from the server).

It reads checkpoints only: one read-only store per view (public, internal, admin), opened when first
needed and replaced when a message names a newer checkpoint. For a SPARQL Update it opens the scratch copy
it is given, writable, works out the update's effect there (govcat.sparql_update) and closes it.

Messages (tuples over the pipe), each answered with one reply:
- ("query", view, checkpoint, task) → ("ok", SerializedResults, seconds) | ("error", QueryError[, seconds])
  (seconds: the query's evaluation and serialization, for govcat.query_local); when the task asks to
  "stream", a long answer comes first in parts, ("part", kind, media type, bytes) each (govcat.store.SPILL_AT
  bytes), and the final reply's body holds the rest
- ("open", {view: checkpoint})      → ("ready", pid)
- ("update", scratch, task)         → ("ok", UpdateEffect) | ("error", QueryError)
- ("stop",)                          → no reply; the process exits
Both sides write with `post` and read with `Connection.recv`.
"""
from __future__ import annotations

import json
import os
import pickle
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from .query_types import QueryError
from .store import Graph, NotAcceptable, SerializedResults


def post(conn: Connection, message: object) -> None:
    """`conn.send(message)` without building a multiprocessing pickler each time (a few µs of every query's
    round trip); `Connection.recv` reads it as it reads `send`'s."""
    conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


def timed(run, *args) -> tuple[object, float]:
    """run(*args) and the seconds it took."""
    started = time.perf_counter()
    result = run(*args)
    return result, time.perf_counter() - started


def worker_main() -> None:
    """The entry point of a worker process: argv is (pipe fd, JSON {view: checkpoint}, parent pid)."""
    fd, views, parent = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
    conn = Connection(int(fd))
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C stops the server, which stops its workers
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    stores = _Stores()
    try:
        stores.open(views)
    except OSError:         # superseded while starting: the first query opens what it needs
        pass
    post(conn, ("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        kind = message[0]
        if kind == "stop":
            return
        if kind == "open":
            try:
                stores.open(message[1])
            except OSError:     # the next query opens what it needs, or says why it cannot
                pass
            post(conn, ("ready", os.getpid()))
        elif kind == "query":
            try:
                graph = stores.get(message[1], message[2])
            except OSError as exc:
                post(conn, ("error", QueryError("failed", f"无法打开检查点：{exc}", f"cannot open the checkpoint: {exc}")))
                continue
            task = message[3]
            spill = _spill_to(conn) if task.get("stream") else None
            answer, seconds = timed(_execute, graph, task, spill)
            post(conn, (*answer, seconds))
        elif kind == "update":
            post(conn, _update(Path(message[1]), message[2]))


class _Stores:
    """The checkpoint open for each view."""

    def __init__(self):
        self.paths: dict[str, str] = {}
        self.graphs: dict[str, Graph] = {}

    def get(self, view: str, path: str) -> Graph:
        if self.paths.get(view) != path or view not in self.graphs:
            self.graphs.pop(view, None)          # closes the older checkpoint first
            self.paths.pop(view, None)
            self.graphs[view], self.paths[view] = Graph.read_only(Path(path)), path
        return self.graphs[view]

    def open(self, views: dict[str, str]) -> None:
        for view, path in views.items():
            self.get(view, path)


def _exit_with_parent(parent: int) -> None:
    """A worker outlives no server killed with SIGKILL, even in a long query (queries release the GIL)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _spill_to(conn: Connection):
    def spill(kind: str, media_type: str, part: bytes) -> None:
        post(conn, ("part", kind, media_type, part))
    return spill


def _execute(graph: Graph, task: dict, spill=None) -> tuple[str, SerializedResults | QueryError]:
    """Run a query task; `spill` (only on a local store): see `Graph.query_serialized`."""
    options = {} if spill is None else {"spill": spill}
    try:
        return "ok", graph.query_serialized(
            task["query"], task["accept"], row_cap=task["row_cap"], union_default=task["union_default"],
            default_graphs=task["default_graphs"], named_graphs=task["named_graphs"], base_iri=task["base_iri"],
            bindings=task.get("bindings"), **options)
    except SyntaxError as exc:
        return "error", QueryError("syntax", f"SPARQL 语法错误：{exc}", f"SPARQL syntax error: {exc}")
    except TimeoutError as exc:      # an external engine's time limit (govcat.remote_queries)
        return "error", QueryError("timeout", f"查询超过时限，已被终止：{exc}", f"the query ran past its time limit: {exc}")
    except NotAcceptable as exc:
        offered = ", ".join(exc.offered)
        return "error", QueryError("not_acceptable", f"Accept 头所列格式都不适用于此类结果；可用：{offered}",
                                   f"no format the Accept header lists fits {exc.kind} results; offered: {offered}")
    except ValueError as exc:
        return "error", QueryError("refused", f"请求参数无效：{exc}", f"invalid request: {exc}")
    except Exception as exc:   # noqa: BLE001 — evaluation errors (e.g. an unreachable SERVICE) reach the caller
        return "error", QueryError("failed", f"查询执行失败：{exc}", f"the query failed: {exc}")


def _update(scratch: Path, task: dict) -> tuple[str, object]:
    from .sparql_update import UpdateRefused, update_effect
    try:
        graph = Graph(scratch)
        try:
            return "ok", update_effect(graph, task["update"], task["base_iri"], set(task["protected"]))
        finally:
            del graph
    except UpdateRefused as exc:
        return "error", QueryError(exc.kind, exc.zh, exc.en)
    except SyntaxError as exc:
        return "error", QueryError("syntax", f"SPARQL 语法错误：{exc}", f"SPARQL syntax error: {exc}")
    except Exception as exc:   # noqa: BLE001
        return "error", QueryError("failed", f"更新执行失败：{exc}", f"the update failed: {exc}")
