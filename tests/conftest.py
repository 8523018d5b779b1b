"""Shared fixtures: a small generated catalogue, written once per session."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from govcat.generate import generate_catalogue

SHARED = Path(__file__).resolve().parents[2] / "shared"


def needs_shared(sub: str) -> Path:
    """A path under ../shared, or skip the test with the reason."""
    path = SHARED / sub
    if not path.exists():
        pytest.skip(f"needs {path} (../shared beside the checkout), which is absent")
    return path


def run_apart(coroutine):
    """`asyncio.run(coroutine)` in a thread of its own: a test process that started the browser (Playwright's
    sync API) has an event loop running in its main thread, where `asyncio.run` refuses to start another."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def small_xlsx(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small") / "catalogue.xlsx"
    generate_catalogue(out, entries=40, seed=2)
    return out


@pytest.fixture(scope="session")
def small_csv(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("smallcsv") / "catalogue"
    generate_catalogue(out, entries=40, seed=2)
    return out
