"""The sandbox dashboard: its routes over HTTP, then the page end to end in Debian's headless Chromium (Playwright).

The browser tests skip when the `playwright` package or a Chromium binary is missing, unless BROWSER_REQUIRED=1.
Playwright drives the system browser (`executable_path`); it never downloads one. `UPDATE_SCREENSHOT=1` rewrites
docs/dashboard.png from the screenshot test; `FLOW_SHOTS=DIR` keeps the flow graph test's screenshots there, to look at.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from scenario_sdk import Scenario

from mockserver.dashboard import CONTENT_SECURITY_POLICY, STATIC_DIR
from mockserver.settings import Settings, shipped_scenarios_dir
from tests.conftest import NOW, serving
from tests.dashboard.conftest import CHROMIUM_ARGS, TIMEOUT_MS, PageProblems, chromium_path, open_dashboard, pick

if TYPE_CHECKING:  # the `browser` fixture (conftest.py) skips without playwright
    from playwright.sync_api import Browser, Page, Request

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "dashboard.png"
CHARTS = ["usages", "credits", "models", "assets", "verdicts", "consumption"]


@pytest.fixture
def small_scenarios(tmp_path: Path) -> Path:
    shutil.copy(shipped_scenarios_dir() / "workflow-jobs.yaml", tmp_path / "workflow-jobs.yaml")
    return tmp_path


serve = serving  # a real server of some settings for a block (tests/conftest.py)


# -- the routes, without a browser ----------------------------------------------------------------------------------
@pytest.mark.parametrize("admin", [pytest.param(True, id="admin-on"), pytest.param(False, id="admin-off")])
def test_page_and_assets_are_served_with_or_without_the_admin_api(admin: bool, small_scenarios: Path) -> None:
    settings = Settings(
        now=NOW, log_requests=False, admin=admin, scenarios_dir=small_scenarios, scenario="workflow-jobs"
    )
    with serve(settings) as url, httpx.Client(base_url=url, timeout=10) as http:
        for path in ("/", "/__admin/ui", "/__admin/ui/"):
            page = http.get(path)
            assert page.status_code == 200, path
            assert page.headers["content-type"].startswith("text/html")
            assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert f'data-admin="{"on" if admin else "off"}"' in page.text
        assets = re.findall(r'(?:src|href)="(/__admin/ui/static/[^"]+)"', page.text)
        assert len(assets) == 4  # uPlot's script and stylesheet, the app's stylesheet and module
        for asset in assets:
            assert http.get(asset).status_code == 200, asset
        missing = http.get("/__admin/ui/static/nope.js")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/json"
        assert (http.get("/__admin/health").status_code == 200) is admin
        # The page carries the answers to its first requests, made by the server with the dashboard's headers.
        preloaded = json.loads(
            re.search(r'<script id="preloaded" type="application/json">(.*?)</script>', page.text)[1]
        )
        by_path = {entry["url"].split("?")[0]: entry for entry in preloaded}
        assert by_path["/__admin/scenarios"]["status"] == (200 if admin else 404)
        usages = [entry for entry in preloaded if entry["url"].startswith("/v1/usages?")]
        assert len(usages) == 3 and all(entry["status"] == 200 and entry["body"] for entry in usages)
        assert {entry["scenario"] for entry in usages} == {"workflow-jobs" if admin else ""}
        # The Team panel's three: the teams list, then the first team and its limits.
        teams = [entry for entry in preloaded if entry["url"].startswith("/v1/teams")]
        assert teams and teams[0]["url"] == "/v1/teams"
        if teams[0]["status"] == 200:
            team_id = teams[0]["body"]["teams"][0]["id"]
            assert [entry["url"] for entry in teams[1:]] == [f"/v1/teams/{team_id}", f"/v1/teams/{team_id}/limits"]
        # Loading the page and its assets adds no journal entry but the page itself and those (the dashboard's own).
        if admin:
            entries = http.get("/__admin/journal").json()["entries"]
            assert [e["path"] for e in entries if e["headers"].get("x-mock-client") != "dashboard"] == ["/"]
            own = {e["path"] for e in entries if e["headers"].get("x-mock-client") == "dashboard"}
            assert own == {"/v1/usages"} | {entry["url"] for entry in teams}


def test_preloaded_data_cannot_close_its_script_element(small_scenarios: Path) -> None:
    hostile = "</script><script>alert(1)</script><!--"
    text = (small_scenarios / "workflow-jobs.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^description: .*$", f"description: {json.dumps(hostile)}", text)
    (small_scenarios / "workflow-jobs.yaml").write_text(text, encoding="utf-8")
    settings = Settings(now=NOW, log_requests=False, scenarios_dir=small_scenarios, scenario="workflow-jobs")
    with serve(settings) as url, httpx.Client(base_url=url, timeout=10) as http:
        page = http.get("/").text
        assert "alert(1)" in page and hostile not in page
        block = re.search(r'<script id="preloaded" type="application/json">(.*?)</script>', page, re.S)
        assert block is not None
        listing = json.loads(block[1])[0]["body"]
        assert listing["scenarios"][0]["description"] == hostile


def test_the_page_loads_only_what_the_server_serves() -> None:
    """No CDN: every src/href/import in the page and its modules is a path on this server, and the licence is there."""
    for source in [STATIC_DIR / "index.html", *STATIC_DIR.glob("*.js")]:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), source
        for module in re.findall(r'from "([^"]+)"', text):
            assert module.startswith("./") and (STATIC_DIR / module).is_file(), (source, module)
    assert "MIT License" in (STATIC_DIR / "vendor" / "uPlot.LICENSE").read_text(encoding="utf-8")


# -- the browser ------------------------------------------------------------------------------------------------------
def chart_numbers(page: Page) -> dict[str, tuple[int, float]]:
    numbers = {}
    for name in CHARTS:
        figure = page.locator(f"#chart-{name}")
        numbers[name] = (int(figure.get_attribute("data-points") or 0), float(figure.get_attribute("data-total") or 0))
    return numbers


def sdk_call(url: str, **query: object) -> None:
    """One `usages.list` through the official SDK, its connection closed afterwards."""
    with Scenario(base_url=url + "/v1", api_key="k", api_secret="s", _strict_response_validation=True) as client:
        client.usages.list(**query)  # type: ignore[arg-type]


def test_page_lists_scenarios_and_renders_charts_of_the_chosen_one(page: Page, server: str) -> None:
    open_dashboard(page, server)
    names = page.locator("#scenario-list > li").evaluate_all("items => items.map(li => li.dataset.name)")
    assert names == sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))
    assert page.locator('#scenario-list > li[data-name="default"] .badge.default').inner_text() == "default"
    assert page.locator('#scenario-list > li[data-name="default"] .description').inner_text()

    numbers = chart_numbers(page)
    assert all(points > 0 and total > 0 for points, total in numbers.values()), numbers
    assert page.locator("#chart-usages canvas").count() == 1  # uPlot drew it
    assert page.locator("#chart-consumption li.is-key").count() >= 1  # API keys stand apart from people

    pick(page, "workflow-jobs")
    numbers = chart_numbers(page)
    assert all(points > 0 for points, _ in numbers.values()), numbers
    assert page.locator("#scenario-list > li.current").get_attribute("data-name") == "workflow-jobs"
    # The activity page and its entities: keys with their status, jobs with their status and workflow flow.
    assert page.locator("#activity-rows tr").count() > 10
    page.locator("#entities-keys > summary").click()
    assert "api_workflowRunner00000001" in page.locator("#entities-keys").inner_text()
    assert page.locator("#entities-keys .badge.st-active").count() == 1
    page.locator("#entities-jobs > summary").click()
    page.locator("#entities-jobs button.job-entry").first.click()
    graph = page.locator("#flow-dialog svg.flow-graph")
    assert graph.locator("g.node").count() > 5
    assert graph.locator('g.node[data-status="success"]').count() >= 1
    assert "for-each" in (graph.text_content() or "")
    page.keyboard.press("Escape")


def test_sdk_request_appears_in_the_journal_with_its_response(page: Page, server: str) -> None:
    open_dashboard(page, server)
    sdk_call(server, time_range="last-day", type=["consumption"])
    row = page.locator('#journal-rows tr[data-own="false"]', has_text="type=consumption")
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[2:4] == ["GET", "/v1/usages?timeRange=last-day&type=consumption"]
    assert cells[4:6] == ["default", "200"]
    assert cells[6].endswith(" ms") and cells[8] == "0"  # latency; the SDK's retry count
    # The dashboard's own requests are hidden until asked for.
    assert page.locator('#journal-rows tr[data-own="true"]').count() == 0
    page.locator("#show-own").check()
    page.locator('#journal-rows tr[data-own="true"]').first.wait_for()
    page.locator("#show-own").uncheck()

    row.click()
    detail = page.locator("#journal-detail")
    detail.locator("pre.body").wait_for()
    assert "GET /v1/usages?timeRange=last-day&type=consumption" in detail.inner_text()
    assert "sent again now" in detail.inner_text()
    assert '"consumption"' in detail.locator("pre.body").inner_text()


def test_controls_work_from_the_keyboard(page: Page, server: str) -> None:
    open_dashboard(page, server)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    before = int(page.locator("#clock-now").get_attribute("data-ms") or 0)
    assert before == NOW
    for _ in range(60):  # Tab through the page to the "+1 h" button, then press Enter on it
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.advance") == "1h":
            break
    else:
        pytest.fail("Tab never reached the +1 h button")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#clock-now[data-ms="{NOW + 3_600_000}"]')
    assert page.locator("#clock-frozen").inner_text() == "frozen"

    sdk_call(server, type=["consumption"])
    page.locator('#journal-rows tr[data-own="false"]').first.wait_for()
    page.locator("#btn-clear-journal").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#journal-rows tr[data-id]", state="detached")
    assert httpx.get(server + "/__admin/journal").json()["total"] == 0

    page.locator("#btn-reset").click()
    page.wait_for_selector(f'#clock-now[data-ms="{NOW}"]')


def test_heavy_scenario_loads_without_freezing_the_page(page: Page, server: str) -> None:
    open_dashboard(page, server)
    started = time.monotonic()
    page.select_option("#scenario-select", "heavy-usage")
    worst = 0.0
    while page.locator('#usage[data-state="ready"][data-scenario="heavy-usage"]').count() == 0:
        assert time.monotonic() - started < TIMEOUT_MS / 1000, "the heavy scenario did not render in time"
        asked = time.monotonic()
        assert page.evaluate("() => 1 + 1") == 2
        worst = max(worst, time.monotonic() - asked)
        time.sleep(0.05)
    assert worst < 2, f"the page did not answer for {worst:.1f} s"
    models = page.locator("#chart-models li")
    assert models.count() <= 9 and re.fullmatch(r"others \(\d+ models\)", models.last.locator(".label").inner_text())
    assert "of 320 models" in page.locator("#chart-models .summary").inner_text()
    points, total = chart_numbers(page)["usages"]
    assert 0 < points <= 6 * 500 and total > 0


def test_screenshot(page: Page, server: str, tmp_path: Path) -> None:
    open_dashboard(page, server)
    sdk_call(server, time_range="last-day", type=["consumption"])
    sdk_call(server, time_range="last-seven-days", type=["usages", "model-usages"], drop_zero_points=True)
    sdk_call(server, type=["activity"], activity_offset=100)
    page.locator('#journal-rows tr[data-own="false"]').nth(2).wait_for()
    page.locator('#journal-rows tr[data-own="false"]').first.click()
    page.locator("#journal-detail pre.body").wait_for()
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


# -- without the admin API, and behind an admin token ----------------------------------------------------------------
def test_without_the_admin_api_the_page_says_so_and_still_charts(browser: Browser, small_scenarios: Path) -> None:
    settings = Settings(
        now=NOW, log_requests=False, admin=False, scenarios_dir=small_scenarios, scenario="workflow-jobs"
    )
    with serve(settings) as url:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        problems = PageProblems(page, url)
        open_dashboard(page, url)
        assert page.locator("#admin-off").is_visible()
        assert "The admin API is off" in page.locator("#admin-off").inner_text()
        assert page.locator("#btn-reset").is_disabled()
        assert all(points > 0 for points, _ in chart_numbers(page).values())
        page.locator("#scenario-name").fill("workflow-jobs")
        page.locator("#scenario-name").press("Enter")
        page.wait_for_selector('#usage[data-state="ready"][data-scenario="workflow-jobs"]')
        context.close()
        problems.check()


def test_admin_token_is_asked_for_and_load_errors_are_shown(browser: Browser, small_scenarios: Path) -> None:
    (small_scenarios / "broken.yaml").write_text("name: broken\nseed: nope\n", encoding="utf-8")
    settings = Settings(
        now=NOW, log_requests=False, admin_token="s3cret", scenarios_dir=small_scenarios, scenario="workflow-jobs"
    )
    with serve(settings) as url:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url + "/__admin/ui/")
        page.locator("#token-input").wait_for()
        assert page.evaluate("() => document.activeElement.id") == "token-input"
        page.locator("#token-input").fill("s3cret")
        page.locator("#token-input").press("Enter")
        page.wait_for_selector('#usage[data-state="ready"]')
        assert page.locator("#token-form").is_hidden()
        assert page.locator('#scenario-list > li[data-name="workflow-jobs"]').count() == 1
        assert page.evaluate("() => sessionStorage.getItem('mockserver.adminToken')") == "s3cret"
        errors = page.locator("#scenario-errors").inner_text()
        assert "Load errors (1 file)" in errors
        assert "broken.yaml\n2:7: seed: expected an integer, found 'nope'" in errors
        assert page.locator(f'#scenario-errors [title="{small_scenarios / "broken.yaml"}"]').count() == 1
        context.close()


# -- pages of other sites, in a real browser -----------------------------------------------------------------------
ATTACK = """<!doctype html><title>another site</title><iframe name="sink"></iframe>
<form id="form" method="post" action="{admin}/clock" target="sink"><input name="now" value="2030-01-01T00:00:00Z">
</form>"""
ATTACK_SCRIPT = """async (admin) => {
  const sent = (url, init) => fetch(url, {method: "POST", mode: "no-cors", ...init}).then(() => "sent", String);
  const results = [
    await sent(admin + "/faults", {body: JSON.stringify({status: 503, shouldRetry: false})}),  // text/plain
    await sent(admin + "/reset"),
    await sent(admin + "/scenarios/reload", {body: new Blob(["{}"])}),  // a body with no Content-Type
  ];
  const loaded = new Promise((resolve) => document.querySelector("iframe").addEventListener("load", resolve));
  document.getElementById("form").submit();  // a url-encoded form post, navigating the frame
  await loaded;
  return results;
}"""


@contextlib.contextmanager
def another_site(html: str) -> Iterator[str]:
    """A page of another origin on this machine, `http://localhost:PORT/` (Chromium lets a loopback page call
    127.0.0.1 without a Local Network Access prompt; Firefox and Safari ask nothing from any page)."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page) as site:
        thread = threading.Thread(target=site.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://localhost:{site.server_address[1]}"
        finally:
            site.shutdown()
            thread.join(10)


def test_a_page_of_another_origin_cannot_drive_the_admin_api(browser: Browser, server: str) -> None:
    """What the browser sends by itself for a page of another site (no preflight): nothing changes."""
    admin = server + "/__admin"
    httpx.post(admin + "/reset", timeout=10).raise_for_status()
    sdk_call(server, type=["consumption"])
    clock = httpx.get(admin + "/clock", timeout=10).json()
    requests: list[Request] = []
    with another_site(ATTACK.format(admin=admin)) as origin:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("request", lambda request: requests.append(request))
            page.goto(origin + "/")
            assert page.evaluate(ATTACK_SCRIPT, admin) == ["sent", "sent", "sent"]
            # Chromium sends each with `Origin: http://localhost:PORT` and `Sec-Fetch-Site: cross-site` (seen on
            # the wire; Playwright does not report the headers the network stack adds to a fetch).
            sent = [r.url.removeprefix(admin) for r in requests if r.url.startswith(admin)]
        finally:
            context.close()
    assert sorted(sent) == ["/clock", "/faults", "/reset", "/scenarios/reload"]
    assert httpx.get(admin + "/faults", timeout=10).json()["rules"] == []
    assert httpx.get(admin + "/clock", timeout=10).json() == clock
    assert httpx.get(admin + "/journal", timeout=10).json()["total"] == 1, "not reset"
    assert httpx.get(server + "/v1/usages", auth=("k", "s"), timeout=10).status_code == 200


def test_a_rebound_dns_name_gets_neither_the_page_nor_the_journal(browser: Browser, server: str) -> None:
    """DNS rebinding: `rebound.example` resolves to 127.0.0.1, so its page is same-origin with the server."""
    port = server.rsplit(":", 1)[1]
    rebound = f"http://rebound.example:{port}"
    sdk_call(server, type=["consumption"])
    rules = ["--host-resolver-rules=MAP rebound.example 127.0.0.1"]
    other = browser.browser_type.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS + rules)
    try:
        page = other.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        response = page.goto(rebound + "/")
        assert response is not None and response.status == 403
        assert response.headers["content-type"] == "application/json"
        journal = page.evaluate("() => fetch('/__admin/journal').then((r) => r.status)")
        assert journal == 403
        assert (
            page.evaluate("() => fetch('/v1/usages', {headers: {Authorization: 'Basic YTpi'}}).then((r) => r.status)")
            == 200
        )
    finally:
        other.close()


# -- issue 12 point 9: readiness, load errors, the flow graph, the journal note ---------------------------------------
RECORD_AT_LOAD = """
window.addEventListener("load", () => {
  window.__atLoad = {
    text: document.body.innerText,
    ready: document.body.dataset.ready || "",
    charts: document.querySelector("#usage").dataset.state,
  };
});
"""


def test_the_page_is_loaded_at_its_load_event(page: Page, server: str, tmp_path: Path) -> None:
    """A plain headless screenshot (taken at `load`, no waiting) shows the loaded page, not "Loading…"."""
    page.add_init_script(RECORD_AT_LOAD)
    page.goto(server + "/")  # waits for `load`, nothing more
    shot = tmp_path / "first.png"
    page.screenshot(path=str(shot))
    at_load = page.evaluate("() => window.__atLoad")
    assert "Loading" not in at_load["text"]
    assert at_load["ready"] == "true"
    assert at_load["charts"] == "ready"
    assert "Showing default" in page.locator("#status").inner_text()
    assert page.locator("#chart-usages canvas").count() == 1
    assert page.locator("#scenario-list > li").count() >= 2
    assert page.locator("#activity-rows tr").count() > 10


def test_a_long_load_error_path_is_shown_once_and_wraps(browser: Browser, tmp_path: Path) -> None:
    folder = tmp_path.joinpath(*[f"a-rather-long-folder-name-number-{i}-of-several" for i in range(4)])
    folder.mkdir(parents=True)
    shutil.copy(shipped_scenarios_dir() / "workflow-jobs.yaml", folder / "workflow-jobs.yaml")
    broken = folder / "a-broken-scenario-file-with-a-long-name.yaml"
    broken.write_text("name: broken\nseed: nope\npeople: many\n", encoding="utf-8")
    settings = Settings(now=NOW, log_requests=False, scenarios_dir=folder, scenario="workflow-jobs")
    with serve(settings) as url:
        problems_reported = httpx.get(url + "/__admin/scenarios").json()["errors"][0]["problems"]
        assert len(problems_reported) == 2 and all(p.startswith(str(broken)) for p in problems_reported)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        open_dashboard(page, url)
        panel = page.locator("#scenario-errors")
        text = panel.inner_text()
        assert text.count(broken.name) == 1, text
        assert panel.locator(f'[title="{broken}"]').count() == 1
        assert "2:7: seed: expected an integer, found 'nope'" in text
        for element in panel.locator("*").all():
            sizes = element.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert sizes[0] <= sizes[1] or sizes[1] == 0, (element.evaluate("e => e.outerHTML")[:200], sizes)
        side = page.locator("aside.side").evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert side[0] <= side[1], side
        context.close()


def test_a_workflow_flow_is_drawn_as_a_graph(browser: Browser, small_scenarios: Path, tmp_path: Path) -> None:
    settings = Settings(now=NOW, log_requests=False, scenarios_dir=small_scenarios, scenario="workflow-jobs")
    with serve(settings) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        problems = PageProblems(page, url)
        open_dashboard(page, url)
        page.select_option("#range-select", "last-day")
        page.wait_for_selector('#usage[data-state="ready"]')
        page.locator("#entities-jobs > summary").click()
        # From the keyboard: the job entry takes the focus, Enter opens its flow.
        entry = page.locator('#entities-jobs [data-job="job_workflowExplicit0000001"]')
        entry.focus()
        page.keyboard.press("Enter")
        graph = page.locator("#flow-dialog svg.flow-graph")
        graph.wait_for()
        assert graph.locator("g.node").count() == 6
        assert graph.locator("path.edge").count() == 5  # ideas→each→draw, each→route→review→ship
        review = graph.locator('g.node[data-id="review"]')
        assert "st-processing" in (review.get_attribute("class") or "")
        assert "user-approval" in (review.text_content() or "")
        colours = {
            node.get_attribute("data-status"): node.locator("rect").evaluate("r => getComputedStyle(r).fill")
            for node in graph.locator("g.node").all()
        }
        assert len(set(colours.values())) == len(colours) >= 4, colours  # one colour per status
        box = graph.bounding_box()
        assert box is not None and box["width"] > 500, box
        legend = page.locator("#flow-dialog .flow-legend").inner_text()
        for status in ("success", "failure", "pending", "processing", "rejected", "skipped"):
            assert status in legend
        page.screenshot(path=str(tmp_path / "flow-pending.png"))
        page.keyboard.press("Escape")
        page.locator("#flow-dialog").wait_for(state="hidden")
        assert page.evaluate("() => document.activeElement.dataset.job") == "job_workflowExplicit0000001"

        # The full flow: a for-each loop with its iterations grouped, an if-else with both branches labelled.
        page.locator('#entities-jobs [data-job="job_workflowFailed000000001"]').click()
        graph.wait_for()
        assert graph.locator("g.node").count() == 14
        loop = graph.locator('g.loop[data-loop="loop"]')
        assert loop.locator("g.node").count() == 4  # the body and its three iterations
        labels = graph.locator("text.edge-label").all_text_contents()
        assert "render.width >= 1024" in labels and "default" in labels
        assert "st-failure" in (graph.locator('g.node[data-id="cutout"]').get_attribute("class") or "")
        page.screenshot(path=str(tmp_path / "flow-failed.png"))
        if os.environ.get("FLOW_SHOTS"):
            for name in ("flow-pending.png", "flow-failed.png"):
                shutil.copyfile(tmp_path / name, Path(os.environ["FLOW_SHOTS"]) / name)
        page.keyboard.press("Escape")
        context.close()
        problems.check()


@pytest.mark.parametrize("frozen", [pytest.param(True, id="frozen"), pytest.param(False, id="real-clock")])
def test_the_journal_note_says_what_the_clock_does(page: Page, server: str, frozen: bool) -> None:
    if not frozen:
        httpx.post(server + "/__admin/clock", json={"unfreeze": True}, timeout=10).raise_for_status()
    open_dashboard(page, server)
    sdk_call(server, time_range="last-day", type=["consumption"])
    row = page.locator('#journal-rows tr[data-own="false"]', has_text="type=consumption")
    row.click()
    page.locator("#journal-detail pre.body").wait_for()
    note = page.locator("#journal-detail .note").inner_text()
    if frozen:
        assert "frozen" in note and "running" not in note
        assert page.locator("#journal-detail .note").get_attribute("data-clock") == "frozen"
    else:
        assert "while the clock is frozen" not in note
        assert "real clock" in note and "same second" in note
        assert page.locator("#journal-detail .note").get_attribute("data-clock") == "running"


def test_a_default_kept_after_its_file_renamed_it_is_explained(browser: Browser, small_scenarios: Path) -> None:
    path = small_scenarios / "workflow-jobs.yaml"
    settings = Settings(now=NOW, log_requests=False, scenarios_dir=small_scenarios, scenario="workflow-jobs")
    with serve(settings) as url:
        path.write_text(path.read_text(encoding="utf-8").replace("name: workflow-jobs", "name: pipelines"))
        assert httpx.post(url + "/__admin/scenarios/reload").status_code == 200
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        open_dashboard(page, url)
        warning = page.locator('#scenario-errors .load-warnings [data-scenario="workflow-jobs"]')
        assert "now defines 'pipelines'" in warning.inner_text()
        assert warning.get_attribute("title") == str(path)
        assert "1 API key ·" in page.locator("#scenario-list").inner_text()  # singular: the world has one key
        context.close()
