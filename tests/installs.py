"""What the tests install for themselves, once, even when several pytest-xdist workers ask at the same time:
each install runs under a lock file (`fcntl.flock`), and a worker that waited finds it done and skips it.
apt-get installs share one lock (dpkg allows one at a time)."""
from __future__ import annotations

import contextlib
import fcntl
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMUNICA = ROOT / "tests" / "js"


@contextlib.contextmanager
def installing(name: str):
    """Holds the machine-wide lock of one kind of install (`apt`, `npm-…`)."""
    with open(Path(tempfile.gettempdir()) / f"govcat-tests-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def apt_setup(script: str, present) -> None:
    """Runs tests/`script` (an apt-get install) unless `present()`; skips the test, with the script's output,
    if that leaves the package absent."""
    if present():
        return
    if shutil.which("apt-get") is None:
        pytest.skip(f"tests/{script} needs apt-get, which is absent")
    with installing("apt"):
        if present():
            return
        done = subprocess.run(["sh", str(ROOT / "tests" / script)], capture_output=True, text=True)
    if done.returncode != 0 or not present():
        pytest.skip(f"tests/{script} could not install what the test needs:\n{done.stdout[-2000:]}\n"
                    f"{done.stderr[-2000:]}")


def ensure_comunica() -> Path:
    """tests/js with Comunica installed (`npm ci` from its package-lock.json when node_modules is absent)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("needs node and npm on the PATH (Comunica is a JavaScript client)")
    marker = COMUNICA / "node_modules" / "@comunica" / "query-sparql"
    with installing("npm-comunica"):
        if not marker.exists():
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=COMUNICA, capture_output=True,
                                  text=True, timeout=900)
            assert done.returncode == 0, f"npm ci in {COMUNICA} failed:\n{done.stdout}\n{done.stderr}"
    return COMUNICA
