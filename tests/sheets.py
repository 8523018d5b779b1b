"""Helpers of the analysts' tests: run the CLI, and read and rewrite one sheet of a CSV catalogue as dicts."""
from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def govcat(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`python -m govcat ARGS` in a fresh process; its output as text."""
    return subprocess.run([sys.executable, "-m", "govcat", *args], capture_output=True, text=True, check=check)


def read_sheet(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_sheet(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def edit_sheet(path: Path, change: Callable[[dict[str, str]], None]) -> list[dict[str, str]]:
    """Apply `change` to every row of the sheet in place; returns the rows."""
    rows = read_sheet(path)
    for row in rows:
        change(row)
    write_sheet(path, rows)
    return rows
