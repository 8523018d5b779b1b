"""The web pages in a real browser: Debian's chromium driven by pip `playwright` (executable_path, no
browser download), against `govcat serve` on loopback over a store loaded from the generated catalogue.

Set-up done by the project's own files: tests/setup_browser.sh installs chromium and a CJK font when
/usr/bin/chromium is absent (root and the Debian archive needed, else the tests skip saying so), and
`govcat assets` (npm ci in app/web/static) installs YASGUI and cytoscape.js when they are absent.

Every test's page is screenshotted when the test ends (pass or fail) into test-artifacts/screenshots/
(GOVCAT_TEST_ARTIFACTS overrides the folder)."""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine_switch import lasting
from installs import apt_setup, installing
from sparqlserver import Server, add_user, clean_env, start_server, stop_server
from storeutil import copy_store
from test_rest_api import departments_by_size

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("GOVCAT_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"


def ensure_chromium() -> Path:
    apt_setup("setup_browser.sh", CHROMIUM.exists)
    return CHROMIUM


def ensure_assets() -> None:
    from govcat.web.assets import AssetsError, install_assets
    from govcat.web.pages import assets_installed
    if assets_installed():
        return
    with installing("npm-web-assets"):
        try:
            if not assets_installed():
                install_assets()
        except AssetsError as exc:
            pytest.skip(f"the web assets (YASGUI, cytoscape.js) could not be installed: {exc}")


@dataclass
class Web:
    """A served store and the users made for the tests (role or name -> token)."""
    server: Server
    store: Path
    tokens: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    departments: list[str] = field(default_factory=list)   # the providers, most entries first

    @property
    def url(self) -> str:
        return self.server.url


def govcat_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcat", *args], check=True, capture_output=True, text=True,
                          env=clean_env())


_prepared: dict[tuple[str, bool], tuple[Path, dict[str, str], list[str]]] = {}


def prepared_store(workbook: Path, publish: bool) -> tuple[Path, dict[str, str], list[str]]:
    """The store every browser module starts from, made once per test process and copied for each: `govcat load`
    the workbook, run the analyses, make one user per role (the editors in the two biggest departments)."""
    key = (str(workbook), publish)
    if key not in _prepared:
        folder = Path(tempfile.mkdtemp(prefix="govcat-web-"))
        atexit.register(shutil.rmtree, folder, True)
        store = folder / "store"
        with lasting():       # on an engine (tests/engine_switch.py), it lives as long as this cache
            govcat_cli("load", str(workbook), "--store", str(store), *(["--publish"] if publish else []))
            govcat_cli("duplicates", "--store", str(store), "--format", "json")
            govcat_cli("zombies", "--store", str(store), "--format", "json")
            departments = departments_by_size(workbook)
            tokens = {role: add_user(store, name, kind, dept if dept is None else departments[dept])
                      for role, (name, kind, dept) in USERS.items()}
        _prepared[key] = (store, tokens, departments)
    return _prepared[key]


USERS = {"admin": ("admin1", "admin", None), "editor": ("editor-a", "editor", 0),
         "editor_b": ("editor-b", "editor", 1), "reviewer": ("reviewer1", "reviewer", None),
         "viewer": ("viewer1", "viewer", None)}     # role -> (name, role, which department by size)


def serve_catalogue(workbook: Path, folder: Path, publish: bool = True) -> Web:
    """A copy of the prepared store of `workbook` in `folder`, served."""
    source, tokens, departments = prepared_store(workbook, publish)
    store = folder / "store"
    copy_store(source, store)
    server = start_server(store)
    return Web(server, store, dict(tokens), {role: spec[0] for role, spec in USERS.items()}, list(departments))


@pytest.fixture(scope="module")
def web(small_xlsx, tmp_path_factory):
    ensure_chromium()
    ensure_assets()
    served = serve_catalogue(small_xlsx, tmp_path_factory.mktemp("web"))
    yield served
    stop_server(served.server, served.store)


_launched: list = []     # (playwright, browser): one per process, shared by every module that imports the fixtures


def shared_browser():
    """Chromium, started once per test process. Each test module imports the fixtures, which makes each a
    fixture of its own; a second sync_playwright() in the same process would fail, so they share this one."""
    if not _launched:
        path = ensure_chromium()
        from playwright.sync_api import sync_playwright
        driver = sync_playwright().start()
        _launched.append((driver, driver.chromium.launch(executable_path=str(path), args=["--no-sandbox"])))
        atexit.register(_close)
    return _launched[0][1]


def _close() -> None:
    driver, launched = _launched.pop()
    launched.close()
    driver.stop()


@pytest.fixture(scope="session")
def browser():
    return shared_browser()


@pytest.fixture
def page(browser, web, request):
    """A fresh browser context (no cookies) on the served site, Chinese locale; screenshotted at the end."""
    context = browser.new_context(base_url=web.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.script_errors = errors
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


def login(page, web: Web, role: str) -> None:
    """Signs in through the login form as the test user of `role`."""
    page.goto("/login")
    page.get_by_label("用户名").fill(web.names[role])
    page.get_by_label("令牌").fill(web.tokens[role])
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def unlabelled_fields(page) -> list[str]:
    """The visible form fields of the page without an accessible name (label, aria-label, aria-labelledby)."""
    return page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                      && !el.getAttribute('aria-labelledby') && !el.title)
        .map(el => el.outerHTML.slice(0, 120))""")


def snap(page, name: str) -> None:
    """A screenshot in the middle of a test (the `page` fixture takes one at the end anyway)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
