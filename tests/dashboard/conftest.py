"""What the browser tests of the dashboard share: Debian's Chromium driven by Playwright, a server of the shipped
scenarios, a fresh page per test that fails on page errors or requests off the server, and a few page helpers.

The browser fixture skips when the `playwright` package or a Chromium binary is missing, unless BROWSER_REQUIRED=1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import httpx
import pytest

from mockserver.settings import Settings
from tests.conftest import NOW, start_server

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


def _unavailable(reason: str) -> None:
    if os.environ.get("BROWSER_REQUIRED") == "1":
        pytest.fail(f"BROWSER_REQUIRED=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        _unavailable("the Python package `playwright` is not installed (pip install playwright; no browser download)")
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium binary (apt-get install chromium, or set CHROMIUM=/path/to/chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    uvicorn_server, thread, url = start_server(Settings(now=NOW, log_requests=False))
    yield url
    uvicorn_server.should_exit = True
    thread.join(10)


class PageProblems:
    """What went wrong in the page: uncaught errors, console errors, requests to anywhere but the server."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.expected: list[str] = []  # console errors a test provokes on purpose (substrings)
        self.errors: list[str] = []
        self.external: list[str] = []
        page.on("pageerror", self._page_error)
        page.on("console", self._console)
        page.on("request", self._request)

    def _page_error(self, error: Exception) -> None:
        self.errors.append(str(error))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(part in message.text for part in self.expected):
            self.errors.append(message.text)

    def _request(self, request: Request) -> None:
        if not request.url.startswith(self.origin + "/"):
            self.external.append(request.url)

    def expect_status(self, status: int) -> None:
        """Accept the console error Chromium logs for a response of this status (a test provokes it on purpose)."""
        self.expected.append(f"the server responded with a status of {status} ")

    def check(self) -> None:
        assert self.errors == []
        assert self.external == []


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    httpx.post(server + "/__admin/reset", timeout=10).raise_for_status()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    problems = PageProblems(opened, server)
    yield opened
    context.close()
    problems.check()


def open_dashboard(page: Page, url: str, path: str = "/") -> None:
    page.goto(url + path)
    page.wait_for_selector('#usage[data-state="ready"]')


def pick(page: Page, scenario: str) -> None:
    page.select_option("#scenario-select", scenario)
    page.wait_for_selector(f'#usage[data-state="ready"][data-scenario="{scenario}"]')
