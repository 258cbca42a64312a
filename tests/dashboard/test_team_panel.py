"""The dashboard's Team panel and its drill-down from the activity table, in headless Chromium: what the page shows
equals what the read endpoints answer (fetched here with httpx, as the page does, at the same frozen instant)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from mockserver.errors import ScenarioError
from mockserver.scenario import load_scenario
from mockserver.settings import Settings, shipped_scenarios_dir
from tests.conftest import NOW, serving
from tests.dashboard.conftest import TIMEOUT_MS, PageProblems, open_dashboard

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

DASHBOARD_HEADERS = {"X-Mock-Client": "dashboard", "X-Mock-Fault": "pass"}  # as api.js's OWN_HEADERS
CREDENTIALS = ("dashboard", "dashboard")  # api.js's DEFAULT_CREDENTIALS
FORMAT = "(n) => new Intl.NumberFormat('en', {maximumFractionDigits: 2}).format(n)"  # dom.js's formatNumber


@pytest.fixture
def api(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, auth=CREDENTIALS, headers=DASHBOARD_HEADERS, timeout=10) as client:
        yield client


def served(client: httpx.Client, path: str) -> dict[str, Any]:
    """The 200 body of a read endpoint; a clear failure (not a skip) while this branch does not serve it yet."""
    response = client.get(path)
    if response.status_code != 200:
        pytest.fail(
            f"GET {path} answered {response.status_code} {response.text[:200]}: the dashboard's Team panel and "
            "drill-down need the read endpoints of issue 13 (branches h-team, h-jobs, h-assets, h-library)",
            pytrace=False,
        )
    body: dict[str, Any] = response.json()
    return body


def wait_state(page: Page, selector: str, wanted: str = "ready") -> Locator:
    """Wait until `selector` leaves its loading state; fail with what it shows unless it reached `wanted`."""
    page.wait_for_selector(f'{selector}[data-state="ready"], {selector}[data-state="error"]')
    element = page.locator(selector)
    state = element.get_attribute("data-state")
    assert state == wanted, f"{selector} is {state!r}, not {wanted!r}: {element.inner_text()[:500]}"
    return element


def shown(page: Page, number: float | None) -> str:
    """`number` as the page formats it (`—` for none)."""
    return "—" if number is None else str(page.evaluate(FORMAT, number))


def as_time(iso: str) -> str:
    return iso[:10] + " " + iso[11:19]  # dom.js's formatTime


def number_of(cell: Locator) -> float | None:
    value = cell.get_attribute("data-value")
    return None if value in (None, "") else float(value)


def test_the_team_panel_shows_members_and_keys_as_the_api_gives_them(
    page: Page, server: str, api: httpx.Client
) -> None:
    team_id = served(api, "/v1/teams")["teams"][0]["id"]
    team = served(api, f"/v1/teams/{team_id}")["team"]
    limits = served(api, f"/v1/teams/{team_id}/limits")
    open_dashboard(page, server)
    panel = wait_state(page, "#team")
    assert panel.get_attribute("data-team") == team_id
    assert page.locator("#team-name").inner_text() == team["name"]
    assert page.locator("#team-plan").inner_text() == team["plan"]

    # The billing period, and its CU against the plan's, as numbers and as a bar.
    assert page.locator("#team-period-start").get_attribute("datetime") == limits["period"]["start"]
    assert page.locator("#team-period-end").get_attribute("datetime") == limits["period"]["end"]
    used, plan = limits["values"]["creativeUnits"], limits["limits"]["creativeUnits"]
    usage = page.locator("#team-cu")
    assert float(usage.get_attribute("data-used") or "nan") == used
    assert float(usage.get_attribute("data-plan") or "nan") == plan
    assert f"{shown(page, used)} of {shown(page, plan)} CU" in usage.inner_text()
    bar = page.locator('#team-period [role="meter"]')
    assert float(bar.get_attribute("aria-valuemax") or "nan") == plan
    assert float(bar.get_attribute("aria-valuenow") or "nan") == min(used, plan)
    one_shots = limits["oneShotCreativeUnits"]
    assert page.locator("#team-one-shots tbody tr").count() == len(one_shots)

    # Members: one row each, in the API's order, with its e-mail, role, consumption and cap.
    rows = page.locator("#team-members tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.id)") == [u["id"] for u in team["users"]]
    for user in team["users"]:
        row = page.locator(f'#team-members tr[data-id="{user["id"]}"]')
        cells = row.locator("td")
        assert row.locator(".member-email").inner_text() == user["email"]
        assert cells.nth(1).inner_text() == user["role"]
        assert number_of(cells.nth(2)) == user.get("consumption")
        assert cells.nth(2).inner_text() == shown(page, user.get("consumption"))
        assert number_of(cells.nth(3)) == user.get("maxConsumption")
        assert cells.nth(3).inner_text() == shown(page, user.get("maxConsumption"))

    # API keys: name, id, status, scope, consumption, cap, last use.
    rows = page.locator("#team-keys tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.id)") == [k["id"] for k in team["keys"]]
    assert team["keys"], "the default scenario has team keys"
    for key in team["keys"]:
        cells = page.locator(f'#team-keys tr[data-id="{key["id"]}"] td')
        assert cells.nth(0).inner_text() == key["name"]
        assert cells.nth(1).inner_text() == key["apiKeyId"]
        assert cells.nth(2).inner_text() == key["apiKeyStatus"]
        assert cells.nth(3).inner_text().startswith(key["scope"])
        assert number_of(cells.nth(4)) == key.get("consumption")
        assert cells.nth(4).inner_text() == shown(page, key.get("consumption"))
        assert number_of(cells.nth(5)) == key.get("maxConsumption")
        assert cells.nth(6).inner_text() == (as_time(key["lastUsedAt"]) if key.get("lastUsedAt") else "never")

    # Names come from /usages (the team body has e-mails): the people who consumed in the charts' window are named.
    consumption = api.get("/v1/usages", params={"timeRange": "last-seven-days", "type": "consumption"}).json()
    names = {u["id"]: u["fullName"] for u in consumption["entities"]["users"] if u.get("fullName")}
    members = {u["id"] for u in team["users"]}
    named = [i for i in names if i in members]
    assert named, "some member consumed in the last seven days"
    for user_id in named:
        assert page.locator(f'#team-members .member-name[data-user="{user_id}"]').inner_text() == names[user_id]


def test_a_job_of_the_activity_table_opens_with_the_status_the_api_gives(
    page: Page, server: str, api: httpx.Client
) -> None:
    open_dashboard(page, server)
    button = page.locator('#activity-rows button[data-open="job"]').first
    job_id = button.get_attribute("data-id") or ""
    job = served(api, f"/v1/jobs/{job_id}")["job"]
    # From the keyboard: the id is a button; Enter opens the dialog, its Close button takes the focus.
    button.focus()
    page.keyboard.press("Enter")
    dialog = wait_state(page, "#detail-dialog")
    assert dialog.get_attribute("data-id") == job_id
    assert page.evaluate("() => document.activeElement.id") == "detail-close"
    assert page.locator("#detail-status").get_attribute("data-status") == job["status"]
    assert page.locator("#detail-status").inner_text() == job["status"]
    assert page.locator("#detail-type").inner_text() == job["jobType"]
    assert float(page.locator("#detail-cu").get_attribute("data-cu") or "nan") == job["billing"]["cuCost"]
    assert float(page.locator("#detail-progress").get_attribute("data-progress") or "nan") == job["progress"]
    history = page.locator("#detail-history li").evaluate_all("items => items.map(li => li.dataset.status)")
    assert history == [step["status"] for step in job["statusHistory"]]
    assert history[-1] == job["status"]
    # Escape closes it and gives the focus back to the id that opened it.
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    focused = page.evaluate("() => [document.activeElement.dataset.open, document.activeElement.dataset.id]")
    assert focused == ["job", job_id]


def test_an_asset_and_a_model_of_the_activity_table_open_from_their_endpoints(
    page: Page, server: str, api: httpx.Client
) -> None:
    open_dashboard(page, server)
    asset_button = page.locator('#activity-rows button[data-open="asset"]').first
    asset_id = asset_button.get_attribute("data-id") or ""
    asset = served(api, f"/v1/assets/{asset_id}")["asset"]
    asset_button.click()
    wait_state(page, "#detail-dialog")
    assert page.locator("#detail-kind").inner_text() == asset["kind"]
    assert page.locator("#detail-status").get_attribute("data-status") == asset["status"]
    # The asset's URL is a link to follow, not something the page loads (the CDN is fake; PageProblems checks).
    assert page.locator("#detail-url a").get_attribute("href") == asset["url"]
    assert page.locator("#detail-dialog img").count() == 0
    for name, value in asset["properties"].items():
        assert page.locator("#detail-body dt", has_text=name).count() >= 1, name
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert shown(page, value) in page.locator("#detail-body").inner_text()
    page.locator("#detail-close").click()
    page.locator("#detail-dialog").wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.dataset.id") == asset_id

    model_button = page.locator('#activity-rows button[data-open="model"]').first
    model_id = model_button.get_attribute("data-id") or ""
    model = served(api, f"/v1/models/{model_id}")["model"]
    model_button.click()
    wait_state(page, "#detail-dialog")
    assert page.locator("#detail-name").inner_text() == model.get("name", "—")
    assert page.locator("#detail-type").inner_text() == model["type"]
    assert page.locator("#detail-status").get_attribute("data-status") == model["status"]
    page.keyboard.press("Escape")
    page.locator("#detail-dialog").wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.dataset.id") == model_id


def test_a_workflow_job_opens_with_its_flow_and_its_assets_open_in_the_same_dialog(
    browser: Browser, tmp_path: Path
) -> None:
    (tmp_path / "workflow-jobs.yaml").write_text(
        (shipped_scenarios_dir() / "workflow-jobs.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    settings = Settings(now=NOW, log_requests=False, scenarios_dir=tmp_path, scenario="workflow-jobs")
    with serving(settings) as url, httpx.Client(base_url=url, auth=CREDENTIALS, timeout=10) as client:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        problems = PageProblems(page, url)
        open_dashboard(page, url)
        ids = page.locator('#activity-rows button[data-open="job"]').evaluate_all(
            "buttons => buttons.map(b => b.dataset.id)"
        )
        jobs = {job_id: served(client, f"/v1/jobs/{job_id}")["job"] for job_id in dict.fromkeys(ids)}
        flows = [j for j in jobs.values() if (j["metadata"].get("flow") or []) and j["metadata"].get("assetIds")]
        assert flows, "the activity table names a workflow job with a flow and assets"
        job = flows[0]
        page.locator(f'#activity-rows button[data-open="job"][data-id="{job["jobId"]}"]').first.click()
        wait_state(page, "#detail-dialog")
        graph = page.locator("#detail-body svg.flow-graph")
        assert graph.locator("g.node").count() == len(job["metadata"]["flow"])
        statuses = graph.locator("g.node").evaluate_all("nodes => nodes.map(n => [n.dataset.id, n.dataset.status])")
        assert dict(statuses) == {node["id"]: node["status"] for node in job["metadata"]["flow"]}
        # One of its assets, then Back to the job.
        asset_id = job["metadata"]["assetIds"][0]
        page.locator(f'#detail-body button[data-open="asset"][data-id="{asset_id}"]').click()
        wait_state(page, "#detail-dialog")
        assert page.locator("#detail-dialog").get_attribute("data-id") == asset_id
        assert page.locator("#detail-kind").inner_text() == served(client, f"/v1/assets/{asset_id}")["asset"]["kind"]
        page.locator("#detail-back").click()
        wait_state(page, "#detail-dialog")
        assert page.locator("#detail-dialog").get_attribute("data-id") == job["jobId"]
        page.keyboard.press("Escape")
        page.locator("#detail-dialog").wait_for(state="hidden")
        context.close()
        problems.check()


def test_an_unknown_scenario_shows_the_api_message_in_the_team_panel(browser: Browser) -> None:
    """Without the admin API the scenario is typed: an unknown name is the API's JSON 404, shown in the panel."""
    settings = Settings(now=NOW, log_requests=False, admin=False)
    with serving(settings) as url:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        problems = PageProblems(page, url)
        problems.expect_status(404)
        open_dashboard(page, url)
        page.locator("#scenario-name").fill("no-such-scenario")
        page.locator("#scenario-name").press("Enter")
        error = wait_state(page, "#team", "error").locator("#team-error")
        assert error.get_attribute("data-status") == "404"
        assert "Unknown scenario 'no-such-scenario'" in error.inner_text()
        # The page still works: back to the default, the panel reads the team again.
        page.locator("#scenario-name").fill("")
        page.locator("#scenario-name").press("Enter")
        page.wait_for_selector('#team:not([data-state="loading"])')
        assert "Unknown scenario" not in page.locator("#team").inner_text()
        context.close()
        problems.check()


PROJECT_KEY = """
  - id: api_projectScopedKey00001
    name: Characters only
    secret: project-secret
    scope: project
    projects: [proj_northwindCharacters01]
"""


def test_a_project_scoped_key_gets_the_api_message_and_the_rest_of_the_page_works(
    browser: Browser, tmp_path: Path
) -> None:
    text = (shipped_scenarios_dir() / "default.yaml").read_text(encoding="utf-8")
    assert "apiKeys:\n" in text
    (tmp_path / "default.yaml").write_text(text.replace("apiKeys:\n", "apiKeys:" + PROJECT_KEY, 1), encoding="utf-8")
    try:
        load_scenario(tmp_path / "default.yaml")
    except ScenarioError as error:
        pytest.fail(
            f"the scenario format does not take a project-scoped key (issue 13 point 3) yet: {error}", pytrace=False
        )
    settings = Settings(now=NOW, log_requests=False, scenarios_dir=tmp_path, scenario="default")
    with serving(settings) as url:
        answer = httpx.get(url + "/v1/teams", auth=("api_projectScopedKey00001", "project-secret"), timeout=10)
        assert answer.status_code == 403, answer.text
        message = answer.json()["message"]
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        problems = PageProblems(page, url)
        problems.expect_status(403)
        open_dashboard(page, url)
        wait_state(page, "#team")
        page.locator("#connection > summary").click()
        page.locator("#credentials-input").fill("api_projectScopedKey00001:project-secret")
        page.locator("#credentials-input").press("Enter")
        error = wait_state(page, "#team", "error").locator("#team-error")
        assert error.get_attribute("data-status") == "403"
        assert message in error.inner_text()
        # /usages still answers this key: the charts are drawn, the page is not broken.
        page.wait_for_selector('#usage[data-state="ready"]')
        assert "error" not in (page.locator("#status").get_attribute("data-kind") or "")
        context.close()
        problems.check()


HOSTILE = '<img src="/x" onerror="window.__pwned = 1">'


def test_text_from_the_api_is_shown_as_text_and_only_http_urls_become_links(page: Page, server: str) -> None:
    """The drill-down inserts every API string as text, and never links a `javascript:` URL (answer faked here)."""
    open_dashboard(page, server)
    asset_id = page.locator('#activity-rows button[data-open="asset"]').first.get_attribute("data-id") or ""
    body = {
        "asset": {
            "id": asset_id,
            "kind": HOSTILE,
            "status": HOSTILE,
            "url": "javascript:window.__pwned = 1",
            "thumbnail": {"assetId": asset_id, "url": "https://cdn.example/" + HOSTILE},
            "properties": {"size": 1, HOSTILE: HOSTILE},
            "metadata": {"type": HOSTILE},
            "tags": [HOSTILE],
        }
    }
    page.route(f"**/v1/assets/{asset_id}", lambda route: route.fulfill(json=body))
    page.locator(f'#activity-rows button[data-open="asset"][data-id="{asset_id}"]').first.click()
    wait_state(page, "#detail-dialog")
    assert page.locator("#detail-kind").inner_text() == HOSTILE
    assert page.locator("#detail-dialog img").count() == 0
    assert page.locator("#detail-url a").count() == 0
    assert page.locator("#detail-url").inner_text() == body["asset"]["url"]
    assert page.locator('#detail-body a[href^="https://cdn.example/"]').count() == 1
    assert page.evaluate("() => window.__pwned") is None
    page.keyboard.press("Escape")
