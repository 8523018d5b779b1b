"""Zombie results follow the catalogue: once a zombie evaluation has been stored, every later write that
touches records evaluates again — as of today, with the thresholds last used — and replaces the results.

The command line refreshes at once, after its write; the server hands the work to a background thread
that coalesces bursts of writes, so that no request waits for it."""
from __future__ import annotations

import logging
import threading

from ..catalogue.journal import ChangeSet
from ..catalogue.repository import GRAPHS, Catalogue
from ..queries import query
from . import zombies

log = logging.getLogger("govcat.analytics")


def touches_records(change: ChangeSet) -> bool:
    """Whether a change rewrote a record (not only derived or administrative graphs)."""
    return any(not g.startswith(GRAPHS) for g in change.clear)


def stored_thresholds(cat: Catalogue) -> zombies.Thresholds | None:
    """The thresholds of the stored evaluation; None if zombies were never evaluated."""
    rows = cat.graph.select(query("zombie_thresholds"))
    if not rows:
        return None
    return zombies.Thresholds.parse(r["threshold"].value for r in rows)


def refresh(cat: Catalogue) -> int | None:
    """Evaluate again and store, if an evaluation was stored before; the number of systems flagged."""
    thresholds = stored_thresholds(cat)
    if thresholds is None:
        return None
    import datetime as dt
    day = dt.date.today()
    found = zombies.evaluate(cat, day, thresholds, zombies.stored_duplicates(cat))
    zombies.write(cat, found, day, thresholds)
    return len(found)


class Refresher:
    """A Catalogue listener. `background=False`: refresh inside the write's call; True: in a thread."""

    def __init__(self, cat: Catalogue, background: bool = False):
        self.cat, self.background = cat, background
        self._wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def __call__(self, change: ChangeSet) -> None:
        if not touches_records(change):
            return
        if not self.background:
            refresh(self.cat)
            return
        self._idle.clear()
        self._wanted.set()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="govcat-zombie-refresh", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stopped:
            self._wanted.wait()
            if self._stopped:
                break
            self._wanted.clear()
            try:
                refresh(self.cat)
            except Exception:   # noqa: BLE001 — a failed refresh must not stop later ones
                log.exception("刷新僵尸系统评估失败 / refreshing the zombie evaluation failed")
            if not self._wanted.is_set():
                self._idle.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Until no refresh is pending (tests; shutdown)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        self._stopped = True
        self._wanted.set()
