"""Comparing whole stores in tests."""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from govcat.engines import BINDING, open_store

TIME = re.compile(r'"[0-9T:\-]+Z"\^\^<http://www.w3.org/2001/XMLSchema#dateTime>')
BNODE = re.compile(r"_:[A-Za-z0-9]+")


def dataset(cat) -> list[str]:
    """Every quad, sorted, with version timestamps and blank-node labels blanked, so that two runs of the
    same changes compare equal."""
    return sorted(BNODE.sub("_:b", TIME.sub('"T"', line)) for line in cat.graph.dump_dataset("nq").decode().splitlines())


def copy_store(source: Path, target: Path) -> None:
    """A copy of the store folder `source` in the new folder `target`. A folder on an external engine
    (`engine.json`, README "External SPARQL engines") is not copied with its binding — two folders would share
    one store — but its files are, and its content goes into the store `target` opens (when the suite runs on
    engines, tests/engine_switch.py gives the new folder an engine of its own)."""
    if not (source / BINDING).exists():
        shutil.copytree(source, target)
        return
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(BINDING))
    with tempfile.TemporaryDirectory() as spill:
        dump = Path(spill) / "dump.nq"
        open_store(source).dump_dataset("nq", dump)
        copy = open_store(target)
        copy.bulk_load_file(dump, "nq")
        copy.flush()
