"""Playwright driving Debian's Chromium (/usr/bin/chromium; never a downloaded browser).

Every test here is marked `browser` and skipped, with the reason, when Chromium or the
playwright package is missing. Screenshots go to the test's tmp dir; with
HOTDASH_SCREENSHOTS=docs/screenshots they are also copied there (for the README).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
SKIP_REASON = (
    "browser tests need Debian's Chromium at /usr/bin/chromium "
    "(apt-get install chromium chromium-driver) and the playwright package"
)


def browser_available() -> bool:
    if not CHROMIUM.exists():
        return False
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    skip = None if browser_available() else pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if skip:
                item.add_marker(skip)


@pytest.fixture(scope="module")
def chromium():
    """One browser per module, closed with it, so no event loop outlives the browser tests.

    Playwright's sync API keeps an event loop on this thread; the tests' own ORM calls
    (setup, the engine, the database flush) are synchronous and safe, so Django may allow
    them while the browser is open, and only then.
    """
    from playwright.sync_api import sync_playwright

    before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = before


@pytest.fixture
def shots(tmp_path):
    """`shots(page, "board", readme=True)` saves a PNG in tmp; with HOTDASH_SCREENSHOTS set,
    the README's ones are copied there too."""
    keep = os.environ.get("HOTDASH_SCREENSHOTS")

    def take(page, name: str, full_page: bool = True, readme: bool = False) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if keep and readme:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(keep) / path.name)
        return path

    return take


@pytest.fixture
def login(chromium, live_server):
    """`login("otto")`: a fresh browser context logged in as that persona (password pw-NAME)."""
    contexts = []

    def as_user(username: str, width: int = 1400, height: int = 900):
        context = chromium.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", f"pw-{username}")
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        return page

    yield as_user
    for context in contexts:
        context.close()
