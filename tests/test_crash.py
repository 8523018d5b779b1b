"""Kill `govcat load` at random moments of a large load, again and again: after reopening, the store is
exactly as before the load or exactly as after it — never half-written."""
from __future__ import annotations

import csv
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from govcat.catalogue import Catalogue
from govcat.catalogue.journal import COMMITTED
from govcat.generate import generate_catalogue

from storeutil import copy_store, dataset

KILLS = 6


def _edit_titles(src, dst):
    """dst = src with every third entry renamed: a load that replaces many records."""
    shutil.copytree(src, dst)
    with open(dst / "信息资源.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    for row in rows[1::3]:
        row[1] = row[1] + "（更新）"
    with open(dst / "信息资源.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _load(store, path):
    return subprocess.Popen([sys.executable, "-m", "govcat", "load", str(path), "--store", str(store), "--as", "zhang"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _state(store):
    cat = Catalogue.open(store)
    try:
        return dataset(cat)
    finally:
        del cat


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    base = tmp_path_factory.mktemp("crash")
    first = generate_catalogue(base / "a", entries=1200, seed=21).path
    _edit_titles(first, base / "b")
    assert _load(base / "before", first).wait() == 0
    copy_store(base / "before", base / "after")
    started = time.monotonic()
    assert _load(base / "after", base / "b").wait() == 0
    duration = time.monotonic() - started
    return base, _state(base / "before"), _state(base / "after"), duration


def test_a_killed_load_leaves_the_store_before_or_after(stores, tmp_path):
    base, before, after, duration = stores
    assert before != after
    rng = random.Random(7)
    seen = []
    for attempt in range(KILLS):
        store = tmp_path / f"s{attempt}"
        copy_store(base / "before", store)
        proc = _load(store, base / "b")
        # half the kills anywhere in the load, half in its last stretch, where it writes
        delay = duration * (rng.uniform(0.1, 0.9) if attempt % 2 else rng.uniform(0.8, 1.0))
        try:
            proc.wait(timeout=delay)
            outcome = "finished"
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            outcome = "killed with journal" if (store / COMMITTED).exists() else "killed"
        state = _state(store)
        assert state in (before, after), f"attempt {attempt}: {outcome} after {delay:.2f} s left a half-written store"
        seen.append((outcome, "after" if state == after else "before"))
    assert ("killed", "before") in seen, seen
