"""Shared fixtures: a small generated catalogue, written once per session; the holiday notices a test enters
for the years the installed chinese-calendar does not know."""
from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from govcat.generate import generate_catalogue
from govcat.workdays import YearNotice, beijing_today, package_knows

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


# -- the official calendar past the installed chinese-calendar ----------------------------------------------------
NOTICE_SOURCE = "test notice: made up by the govcat tests, not the State Council's"
AHEAD = dt.timedelta(days=31)     # beyond any due date: 10 working days, even across the longest holiday


def years_beyond_the_package(first: dt.date | None = None, last: dt.date | None = None) -> list[int]:
    """The years from `first` to `last` (default: today in Beijing to a month later, which holds today's due date
    and the days a test decides on) that the installed chinese-calendar has no data for."""
    first = first or beijing_today()
    last = last or beijing_today() + AHEAD
    return [year for year in range(first.year, last.year + 1) if not package_knows(year)]


def made_up_notice(year: int) -> YearNotice:
    """Test data, labelled as such: a notice whose only holiday is New Year's Day."""
    return YearNotice(year, frozenset({dt.date(year, 1, 1)}), frozenset(), NOTICE_SOURCE)


def enter_made_up_notices(store: Path, admin: str, first: dt.date | None = None,
                          last: dt.date | None = None) -> dict[int, YearNotice]:
    """What an admin does once chinese-calendar's data ends: `govcat calendar set` on `store` (not being served)
    as the admin user `admin`, for each year of `years_beyond_the_package(first, last)`, with `made_up_notice`.
    Returns the notices entered, by year (empty when the package knows every year), to count the expected due
    dates with: `due_date(day, notices)`."""
    from sparqlserver import clean_env        # here: sparqlserver imports this module
    entered = {}
    for year in years_beyond_the_package(first, last):
        notice = made_up_notice(year)
        holidays = [arg for day in sorted(notice.holidays) for arg in ("--holiday", day.isoformat())]
        done = subprocess.run([sys.executable, "-m", "govcat", "calendar", "set", str(year), *holidays,
                               "--source", notice.source, "--as", admin, "--store", str(store)],
                              capture_output=True, text=True, env=clean_env())
        assert done.returncode == 0, f"govcat calendar set {year}: {done.stderr}"
        entered[year] = notice
    return entered
