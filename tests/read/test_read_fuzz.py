"""Random queries to every read endpoint (names from its contract, values valid and not, in strict and lenient mode)
never give a 5xx: a 200 body validates with its contract model, anything else is the API's JSON error body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.api.read import ENDPOINTS
from mockserver.contract import ai_models, assets, collections, jobs, projects, teams
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, serving

CONTRACTS = Path(__file__).parents[2] / "mockserver" / "contract" / "published" / "endpoints"
MODELS: dict[str, Any] = {
    "teams.list": teams.TeamListResponse,
    "teams.retrieve": teams.TeamRetrieveResponse,
    "teams.retrieve_limits": teams.TeamLimitsResponse,
    "projects.list": projects.ProjectListResponse,
    "projects.retrieve": projects.ProjectRetrieveResponse,
    "jobs.list": jobs.JobListResponse,
    "jobs.retrieve": jobs.JobRetrieveResponse,
    "assets.list": assets.AssetListResponse,
    "assets.retrieve": assets.AssetRetrieveResponse,
    "models.list": ai_models.ModelListResponse,
    "models.retrieve": ai_models.ModelRetrieveResponse,
    "collections.list": collections.CollectionListResponse,
    "collections.retrieve": collections.CollectionRetrieveResponse,
}
ERROR_KEYS = {"reason", "message", "code", "traceId"}
NASTY = [
    "",
    "0",
    "-1",
    "101",
    "1e3",
    "true",
    "false",
    "null",
    "2026-11-30",
    "2026-11-30T10:00:00Z",
    "2026-13-45",
    "%00",
    "\u00e9t\u00e9",
    "a,b",
    "x" * 300,
    "../../etc/passwd",
    "' OR 1=1 --",
    "NaN",
    "\U0001f600",
]


def _parameters(name: str) -> dict[str, list[str]]:
    """Each query parameter of an endpoint with the values worth sending: its enum, and nasty text."""
    resource, method = name.split(".")
    contract = json.loads((CONTRACTS / f"{resource}-{method.replace('_', '-')}-2.4.0.json").read_text())
    found: dict[str, list[str]] = {"pageSize": ["1", "7", "50", "100"], "paginationToken": ["abc.def", "x"]}
    for param, spec in (contract.get("query") or {}).items():
        enum = spec.get("enum") or (spec.get("array_of") or {}).get("enum") or []
        values = list(enum[:6])
        if spec.get("type") == "bool":
            values += ["true", "false"]
        found[param] = [*values, "2026-11-29T00:00:00Z"]
    return found


PARAMETERS = {e.name: _parameters(e.name) for e in ENDPOINTS}


@pytest.fixture(scope="module", params=[False, True], ids=["strict", "lenient"])
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(Settings(now=NOW, log_requests=False, lenient=request.param)) as url:
        yield url


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, list[tuple[str, str]]]:
    endpoint = draw(st.sampled_from(ENDPOINTS))
    entity = draw(st.sampled_from(["team_x", "job_x", "asset_x", "model_x", "proj_x", "x", "%20", "\u00e9"]))
    names = PARAMETERS[endpoint.name]
    query = draw(
        st.lists(
            st.sampled_from(sorted(names)).flatmap(
                lambda n: st.tuples(st.just(n), st.sampled_from(names[n] + NASTY) | st.text(max_size=12))
            ),
            max_size=5,
        )
    )
    return endpoint.name, endpoint.path.replace("{id}", entity), query


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_random_read_queries_never_fail(server: str, request: tuple[str, str, list[tuple[str, str]]]) -> None:
    name, path, query = request
    response = httpx.get(server + "/v1" + path, params=query, headers=BASIC, timeout=60)
    assert response.status_code < 500, (name, path, query, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    if response.status_code == 200:
        MODELS[name].model_validate(body)
    else:
        assert set(body) >= ERROR_KEYS, body
