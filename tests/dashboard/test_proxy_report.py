"""The proxy's report page in headless Chromium, served by `admin_routes` alone (as a proxy serves it): the SDK
versions with their verdicts, the violations by path, the decisions with agrees/differs."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import uvicorn
from starlette.applications import Starlette

from mockserver.contract.adapt import adapter_for
from mockserver.contract.query import UsageQuery
from mockserver.contract.versions import LATEST_VERSION
from mockserver.proxy.capture import Capture
from mockserver.proxy.contracts import path_pattern
from mockserver.proxy.report import Report, admin_routes
from mockserver.settings import shipped_scenarios_dir
from mockserver.world.report import build_report
from mockserver.worlds import build_world_from_file
from tests.conftest import NOW, free_port
from tests.dashboard.conftest import TIMEOUT_MS, PageProblems
from tests.proxy.test_contracts import diff_values

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="module")
def proxy() -> Iterator[tuple[str, list[str]]]:
    """A server of the report routes with three captures: plain, drifted, and one with its consumption unsorted;
    also the drifted paths (the values drift changed)."""
    world = build_world_from_file(shipped_scenarios_dir() / "default.yaml", now=NOW)
    body = build_report(world, UsageQuery(time_range="last-hour"), NOW)
    drifted = adapter_for(LATEST_VERSION).drift(body, 3)
    changed = diff_values(body, drifted)
    unsorted = copy.deepcopy(body)
    unsorted["consumption"].reverse()
    report = Report()
    for source, answer in (("plain.json", body), ("drift.json", drifted), ("unsorted.json", unsorted)):
        report.add(Capture(path="/v1/usages", query="timeRange=last-hour", body=answer, time=NOW, source=source))
    app = Starlette(routes=admin_routes(report))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", changed
    server.should_exit = True
    thread.join(10)


def test_the_proxy_report_page_shows_versions_violations_and_decisions(
    browser: Browser, proxy: tuple[str, list[str]]
) -> None:
    url, changed = proxy
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems = PageProblems(page, url)
    try:
        page.goto(url + "/__admin/proxy/")
        page.wait_for_selector('body[data-exchanges="3"]')
        assert page.locator('#version-rows tr[data-version="2.4.0"][data-verdict="fails"]').count() == 1
        assert page.locator("#version-rows tr").count() == 9
        assert page.locator('#decision-rows tr[data-decision="consumption-order"][data-verdict="differs"]').count() == 1
        assert page.locator('#decision-rows tr[data-decision="granularity"][data-verdict="agrees"]').count() == 1
        assert "unsorted.json" in page.locator('#decision-rows tr[data-decision="consumption-order"]').inner_text()
        assert changed
        for path in changed:
            group = page.locator(f'details.violation-group[data-pattern="{path_pattern(path)}"]')
            assert group.count() == 1, path
            group.locator("summary").click()
            row = group.locator(f'tr[data-path="{path}"]')
            assert row.count() == 1, path
            assert "2.4.0" in row.inner_text()
        assert "SDK versions" in page.locator("#versions-title").inner_text()
    finally:
        context.close()
    problems.check()
