"""Answering a query in the server process when it has been shown to be cheap (govcat.query_service).

Every query first runs in a killable worker process, because pyoxigraph cannot cancel one. The hop to the
worker costs more than a point lookup itself (bench/RESULTS.md, "the floor of a killable worker"), so once a
worker has answered a request in at most `PROVEN` seconds (query and serialization, timed in the worker), the
same request on the same checkpoint is answered here, from a read-only store of that checkpoint: the event loop
runs it when the worker took at most `ON_LOOP`, a thread otherwise. A checkpoint never changes and Oxigraph
evaluates a query the same way each time, so the request costs about what it cost in the worker — far below the
time limit, which stays with the workers for everything else. "The same request" is the same text, Accept,
dataset, base IRI, bound values, view and checkpoint: after a write (a new checkpoint) every request proves
itself again in a worker. Not answered here at all: texts that call RAND, NOW, UUID or STRUUID, or that use
SERVICE, whose cost may differ from one run to the next, and texts over `MAX_TEXT` characters. A request that
took much longer here than in its worker loses its proof (logged).
"""
from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

from .store import Graph

log = logging.getLogger("govcat.query")

PROVEN = 0.025       # s in the worker: at most this, and the request may run in the server process
ON_LOOP = 0.001      # s in the worker: at most this, and it runs on the event loop itself (no thread hop)
MAX_TEXT = 8192
REMEMBERED = 4096    # proofs kept (least recently used dropped first)
_UNSTABLE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|SERVICE)\b", re.IGNORECASE)


def request_key(view: str, folder: str, task: dict) -> tuple | None:
    """What makes two requests the same (None: never answered in the server process)."""
    text = task["query"]
    if len(text) > MAX_TEXT or _unstable(text):
        return None
    return (folder, view, text, task["accept"], task["default_graphs"], task["named_graphs"], task["base_iri"],
            tuple(sorted(task["bindings"].items())), task["union_default"], task["row_cap"])


@lru_cache(maxsize=1024)
def _unstable(text: str) -> bool:
    """Whether the text calls RAND, NOW, UUID or STRUUID or uses SERVICE; remembered per text (at most `MAX_TEXT`
    characters, like govcat.sparql's verdicts): the scan takes 20–40 µs for a saved query of 1 KB, a tenth of what
    such a query costs in this process."""
    return _UNSTABLE.search(text) is not None


class LocalAnswers:
    """The proofs (request key → seconds it took in a worker) and one read-only store per view, opened on
    the checkpoint of the proofs (in a thread of its own, so that no request waits for it)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._proven: OrderedDict[tuple, float] = OrderedDict()
        self._stores: dict[str, tuple[str, Graph]] = {}   # view -> (checkpoint folder, its store)
        self._opening: dict[str, str] = {}               # view -> checkpoint folder being opened
        self.answered = 0                                # requests answered here (the tests read it)

    def learn(self, key: tuple | None, seconds: float, path: Path) -> None:
        """A worker answered the request `key` in `seconds`; its checkpoint is `path`."""
        if key is None or seconds > PROVEN:
            return
        folder, view = key[0], key[1]
        with self._lock:
            self._proven[key] = seconds
            self._proven.move_to_end(key)
            if len(self._proven) > REMEMBERED:
                self._proven.popitem(last=False)
            held = self._stores.get(view)
            if (held is not None and held[0] == folder) or view in self._opening:
                return
            self._opening[view] = folder   # kept from collection from now on (the caller still reserves it)
        threading.Thread(target=self._open, args=(view, folder, path), name="govcat-local-store",
                         daemon=True).start()

    def proof(self, key: tuple | None) -> tuple[float, Graph] | None:
        """(seconds in the worker, the store to run it on) when `key` may be answered here."""
        if key is None:
            return None
        with self._lock:
            seconds = self._proven.get(key)
            held = self._stores.get(key[1])
            if seconds is None or held is None or held[0] != key[0]:
                return None
            self._proven.move_to_end(key)
            return seconds, held[1]

    def ran(self, key: tuple, proven: float, seconds: float) -> None:
        """It ran here in `seconds`: the proof keeps the shorter time (a worker's first run of a request may
        find its caches cold); a request far slower than its proof is sent to the workers again."""
        with self._lock:
            self.answered += 1
            if seconds <= 4 * proven + 0.005:
                if seconds < proven and key in self._proven:
                    self._proven[key] = seconds
                return
            self._proven.pop(key, None)
        log.warning("a query proven in %.1f ms took %.1f ms in the server process; it runs in a worker again",
                    proven * 1000, seconds * 1000)

    def folders(self) -> set[str]:
        """The checkpoint folders open here (not to be collected)."""
        with self._lock:
            return {folder for folder, _graph in self._stores.values()} | set(self._opening.values())

    def keep_only(self, current: dict[str, str]) -> None:
        """Close the stores on checkpoints that are no longer current (`current`: view -> folder), and forget
        the proofs made on them."""
        with self._lock:
            for view, (folder, _graph) in list(self._stores.items()):
                if current.get(view) != folder:
                    del self._stores[view]        # a request running on it holds its own reference
            live = set(current.values())
            for key in [key for key in self._proven if key[0] not in live]:
                del self._proven[key]

    def close(self) -> None:
        with self._lock:
            self._stores.clear()
            self._proven.clear()

    def _open(self, view: str, folder: str, path: Path) -> None:
        try:
            graph = Graph.read_only(path)
        except OSError:                 # collected meanwhile: a newer checkpoint's proof opens its own
            graph = None
        with self._lock:
            del self._opening[view]
            if graph is not None:
                self._stores[view] = (folder, graph)
