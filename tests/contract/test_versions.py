"""Contract versions on bodies the real server code renders: `pin` leaves only what a version's reference contract
knows (checked with jsonschema and an independent walker of the schema), `drift` adds what it does not know.
The judge of record is each SDK version's own strict validation: tests/contract/test_old_sdks.py."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from mockserver.contract.adapt import ContractError, adapter_for, known_versions, query_parameters
from mockserver.contract.query import UsageQuery
from mockserver.contract.versions import LATEST_VERSION, load_contract
from mockserver.errors import MockServerError
from mockserver.world.report import build_report
from mockserver.world.world import World
from mockserver.worlds import build_world_from_file

Body = dict[str, Any]
Schema = dict[str, Any]

NOW = 1764513432345  # 2025-11-30T14:37:12.345Z
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
SCENARIOS = sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml"))
PUBLISHED = ["0.0.3", "0.1.0", "1.0.0", "1.1.0", "2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0"]
OLDER = PUBLISHED[:-1]


# -- bodies rendered by the server code, each built once per module ---------------------------------------------
class Render(Protocol):
    def __call__(self, scenario: str, time_range: str = ..., drop_zero_points: bool = ...) -> Body: ...


@pytest.fixture(scope="module")
def render() -> Render:
    """Return a function rendering a shipped scenario's response body (all types), memoised for the module."""
    worlds: dict[str, World] = {}
    bodies: dict[tuple[str, str, bool], Body] = {}

    def render_body(scenario: str, time_range: str = "last-seven-days", drop_zero_points: bool = False) -> Body:
        key = (scenario, time_range, drop_zero_points)
        if key not in bodies:
            if scenario not in worlds:
                worlds[scenario] = build_world_from_file(SCENARIO_DIR / f"{scenario}.yaml", now=NOW)
            query = UsageQuery(time_range=time_range, drop_zero_points=drop_zero_points)
            bodies[key] = build_report(worlds[scenario], query, NOW)
        return bodies[key]

    return render_body


@cache
def validator(version: str) -> Draft202012Validator:
    return Draft202012Validator(load_contract(version)["response_200"])


def snapshot(body: Body) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


# -- an independent reading of the contract: what a body holds that the schema does not know -------------------
def violations(version: str, body: Any) -> tuple[list[str], list[str], list[str]]:
    """Walk a body along a version's `response_200`: unknown keys, unknown enum values, missing required fields."""
    schema = load_contract(version)["response_200"]
    unknown_keys: list[str] = []
    unknown_values: list[str] = []
    missing: list[str] = []

    def walk(node: Schema, value: Any, path: str) -> None:
        if "$ref" in node:
            walk(schema["$defs"][node["$ref"].rsplit("/", 1)[-1]], value, path)
        elif "anyOf" in node:
            if value is None and any(b.get("type") == "null" for b in node["anyOf"]):
                return
            (branch,) = (b for b in node["anyOf"] if b.get("type") != "null")
            walk(branch, value, path)
        elif "enum" in node or "const" in node:
            if value not in node.get("enum", [node.get("const")]):
                unknown_values.append(f"{path}={value!r}")
        elif node.get("type") == "array" and isinstance(value, list):
            for index, item in enumerate(value):
                walk(node.get("items", {}), item, f"{path}[{index}]")
        elif "properties" in node and isinstance(value, dict):
            properties = node["properties"]
            unknown_keys.extend(f"{path}.{key}" for key in value if key not in properties)
            missing.extend(f"{path}.{key}" for key in node.get("required", ()) if key not in value)
            for key, item in value.items():
                if key in properties:
                    walk(properties[key], item, f"{path}.{key}")

    walk(schema, body, "$")
    return unknown_keys, unknown_values, missing


def enum_of(version: str, definition: str, field: str) -> set[str]:
    schema: Schema = load_contract(version)["response_200"]["$defs"][definition]["properties"][field]
    branch = next(b for b in schema.get("anyOf", [schema]) if b.get("type") != "null")
    return set(branch["enum"])


def flow_nodes(jobs: list[Body]) -> Iterator[tuple[str, Body]]:
    for job in jobs:
        for node in job["metadata"].get("flow") or ():
            yield job["id"], node


# -- versions ---------------------------------------------------------------------------------------------------
def test_known_versions_are_the_published_contracts() -> None:
    assert known_versions() == PUBLISHED
    assert PUBLISHED[-1] == LATEST_VERSION


def test_an_unknown_version_is_a_contract_error_listing_the_known_ones() -> None:
    assert issubclass(ContractError, MockServerError)
    with pytest.raises(
        ContractError, match=r"unknown contract version '9\.9\.9'; available: 0\.0\.3, 0\.1\.0, .*2\.4\.0$"
    ):
        adapter_for("9.9.9")
    with pytest.raises(ContractError, match="unknown contract version 'latest'"):
        query_parameters("latest")


def test_each_version_is_compiled_once() -> None:
    assert adapter_for("1.0.0") is adapter_for("1.0.0")
    assert adapter_for("1.0.0") is not adapter_for("1.1.0")


@pytest.mark.parametrize("version", PUBLISHED)
def test_query_parameters_are_those_of_the_contract(version: str) -> None:
    assert query_parameters(version) == set(load_contract(version)["query"])


def test_query_parameters_grew_with_the_versions() -> None:
    base = {"activityOffset", "endDate", "projectIds", "startDate", "timeRange", "type", "userId", "userIds"}
    assert query_parameters("0.1.0") == base
    assert query_parameters("1.0.0") == base | {"dropZeroPoints"}
    assert query_parameters("2.0.0") == query_parameters("2.4.0") == base | {"dropZeroPoints", "teamId"}


# -- pin ----------------------------------------------------------------------------------------------------------
def test_pin_to_the_latest_version_is_the_identity(render: Render) -> None:
    body = render("default")
    assert adapter_for(LATEST_VERSION).pin(body) is body


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("version", PUBLISHED)
def test_a_pinned_body_validates_against_the_contract(version: str, scenario: str, render: Render) -> None:
    # jsonschema is slow on dense series: a one-day window without its zero points keeps every row.
    pinned = adapter_for(version).pin(render(scenario, "last-day", drop_zero_points=True))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(version).iter_errors(pinned)]
    assert errors == []


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("version", PUBLISHED)
def test_a_pinned_body_holds_only_what_the_version_knows(version: str, scenario: str, render: Render) -> None:
    unknown_keys, unknown_values, missing = violations(version, adapter_for(version).pin(render(scenario, "last-day")))
    if version != LATEST_VERSION:  # the latest contract is served as rendered
        assert unknown_keys == []
    assert unknown_values == []
    assert missing == []


@pytest.mark.parametrize("version", PUBLISHED)
def test_pin_removes_exactly_the_items_with_values_the_version_does_not_know(version: str, render: Render) -> None:
    body = render("workflow-jobs")
    pinned = adapter_for(version).pin(body)

    actions = enum_of(version, "Activity", "action")
    expected_events = [(e["time"], e["userId"], e["action"]) for e in body["activity"] if e["action"] in actions]
    assert [(e["time"], e["userId"], e["action"]) for e in pinned["activity"]] == expected_events

    names = enum_of(version, "Usage", "usageName")
    assert [r["usageName"] for r in pinned["usages"]] == [
        r["usageName"] for r in body["usages"] if r["usageName"] in names
    ]

    job_types, statuses = enum_of(version, "EntitiesJob", "jobType"), enum_of(version, "EntitiesJob", "status")
    kept_jobs = [j["id"] for j in body["entities"]["jobs"] if j["jobType"] in job_types and j["status"] in statuses]
    assert [j["id"] for j in pinned["entities"]["jobs"]] == kept_jobs

    node_types = enum_of(version, "EntitiesJobMetadataFlow", "type")
    node_statuses = enum_of(version, "EntitiesJobMetadataFlow", "status")
    kept_nodes = [
        (job, node["id"])
        for job, node in flow_nodes(body["entities"]["jobs"])
        if job in kept_jobs and node["type"] in node_types and node["status"] in node_statuses
    ]
    assert [(job, node["id"]) for job, node in flow_nodes(pinned["entities"]["jobs"])] == kept_nodes


def test_pin_follows_the_shape_of_each_version(render: Render) -> None:
    body = render("default")
    oldest = adapter_for("0.0.3").pin(body)
    assert set(oldest) == {"usages", "modelUsages", "consumption", "activity", "entities"}
    assert {tuple(sorted(p)) for row in oldest["usages"] for p in row["points"]} == {("time", "value")}
    assert {tuple(sorted(c)) for c in oldest["consumption"]} == {("userId", "value")}
    assert all("apiKeyCost" not in p for row in oldest["modelUsages"] for p in row["points"])
    assert [r["usageName"] for r in adapter_for("1.0.0").pin(body)["usages"]] == [
        r["usageName"] for r in body["usages"] if r["usageName"] not in {"refunds", "ip-detection"}
    ]

    # 2.0 and 2.1 called the quality-gate series `slopUsages`, with the same rows.
    for version in ("2.0.0", "2.1.0"):
        pinned = adapter_for(version).pin(body)
        assert "qualityGateUsages" not in pinned
        assert pinned["slopUsages"] == body["qualityGateUsages"]
        assert list(pinned) == [k if k != "qualityGateUsages" else "slopUsages" for k in body]
    for version in ("2.2.0", "2.3.0"):
        pinned = adapter_for(version).pin(body)
        assert "slopUsages" not in pinned
        assert pinned["qualityGateUsages"] == body["qualityGateUsages"]


def test_pin_drops_unknown_keys_values_and_incomplete_items() -> None:
    def event(action: str, **extra: Any) -> Body:
        return {"action": action, "data": {}, "projectId": "p", "time": "t", "userId": "u", **extra}

    body: Body = {
        "activity": [event("txt2img"), event("refunds"), {"action": "txt2img", "data": {}, "time": "t", "userId": "u"}],
        "usages": [
            {"usageName": "refunds", "granularity": "1h", "points": []},
            {"usageName": "upscale", "granularity": "1h", "points": [{"time": "t", "value": "1", "apiKey": "0"}]},
        ],
        "consumption": [{"userId": "u", "value": 1, "discount": 0, "total": 1}, {"userId": "v"}],
        "qualityGateUsages": [{"verdict": "pass", "points": []}],
        "entities": {
            "users": [{"id": "k", "isApiKey": True, "apiKeyStatus": "active"}],
            "jobs": [
                {"id": "j1", "jobType": "flux", "status": "success", "metadata": {}},
                {"id": "j2", "jobType": "splat", "status": "success", "metadata": {}},
                {"id": "j3", "jobType": "flux", "metadata": {}},
            ],
        },
        "newTopLevel": {"x": 1},
    }
    snapshot_before = snapshot(body)
    pinned = adapter_for("1.0.0").pin(body)
    assert pinned == {
        "activity": [event("txt2img")],
        "usages": [
            {"usageName": "upscale", "granularity": "1h", "points": [{"time": "t", "value": "1", "apiKey": "0"}]}
        ],
        "consumption": [{"userId": "u", "value": 1, "discount": 0, "total": 1}],
        "entities": {
            "users": [{"id": "k", "isApiKey": True, "apiKeyStatus": "active"}],
            "jobs": [{"id": "j1", "jobType": "flux", "status": "success", "metadata": {}}],
        },
    }
    assert snapshot(body) == snapshot_before


def test_an_unknown_value_in_an_optional_field_drops_only_that_field() -> None:
    flow_input = {"name": "doc", "type": "file", "kind": "text", "maxDuration": 3}
    job = {"id": "j", "jobType": "workflow", "status": "success", "metadata": {"flow": [
        {"id": "n", "type": "custom-model", "status": "success", "inputs": [flow_input]},
    ]}}  # fmt: skip
    pinned = adapter_for("0.1.0").pin({"entities": {"jobs": [job]}})
    assert pinned["entities"]["jobs"][0]["metadata"]["flow"][0]["inputs"] == [{"name": "doc", "type": "file"}]
    assert adapter_for("1.0.0").pin({"entities": {"jobs": [job]}}) == {"entities": {"jobs": [job]}}


@pytest.mark.parametrize("version", OLDER)
def test_pin_is_pure_and_idempotent(version: str, render: Render) -> None:
    body = render("default")
    before = snapshot(body)
    pinned = adapter_for(version).pin(body)
    assert snapshot(body) == before
    assert pinned is not body
    assert adapter_for(version).pin(pinned) == pinned


# -- drift --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", PUBLISHED)
def test_drift_is_deterministic_and_leaves_its_input_alone(version: str, render: Render) -> None:
    adapter = adapter_for(version)
    pinned = adapter.pin(render("default"))
    before = snapshot(pinned)
    drifted = adapter.drift(pinned, 7)
    assert snapshot(pinned) == before
    assert snapshot(adapter.drift(pinned, 7)) == snapshot(drifted)
    assert {snapshot(adapter.drift(pinned, seed)) for seed in range(5)} != {snapshot(drifted)}


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("version", PUBLISHED)
def test_drift_adds_unknown_values_and_keys_at_several_levels(version: str, scenario: str, render: Render) -> None:
    adapter = adapter_for(version)
    drifted = adapter.drift(adapter.pin(render(scenario, "last-day", drop_zero_points=True)), 11)
    unknown_keys, unknown_values, missing = violations(version, drifted)
    assert unknown_values, "drift must add an enum value the version does not know"
    assert missing == []
    assert "$.futureUsages" in unknown_keys
    depths = {key.count(".") + key.count("[") for key in unknown_keys}
    assert len(depths) >= 3 if scenario != "empty-team" else len(depths) >= 2, unknown_keys
    # jsonschema agrees, and finds nothing but unknown enum values.
    errors = list(validator(version).iter_errors(drifted))
    assert errors
    assert {e.validator for e in errors} <= {"enum", "const", "anyOf"}  # anyOf: an optional field's enum


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(version=st.sampled_from(PUBLISHED), seed=st.integers(min_value=0, max_value=2**32))
def test_every_seed_drifts_past_the_contract(version: str, seed: int, render: Render) -> None:
    adapter = adapter_for(version)
    pinned = adapter.pin(render("edge-cases", "last-day", drop_zero_points=True))
    _, pinned_values, _ = violations(version, pinned)
    _, drifted_values, missing = violations(version, adapter.drift(pinned, seed))
    assert pinned_values == []
    assert 1 <= len(drifted_values) <= 3
    assert missing == []


def test_drift_of_a_body_without_enum_values_adds_an_unknown_event() -> None:
    adapter = adapter_for("2.4.0")
    body: Body = {"consumption": [{"userId": "u", "value": 1, "discount": 0, "total": 1}]}
    drifted = adapter.drift(body, 0)
    assert drifted["activity"][0]["action"].startswith("future-action-")
    _, unknown_values, missing = violations("2.4.0", drifted)
    assert unknown_values and missing == []
    assert body == {"consumption": [{"userId": "u", "value": 1, "discount": 0, "total": 1}]}


def test_adapt_pins_then_drifts(render: Render) -> None:
    adapter = adapter_for("1.1.0")
    body = render("default")
    assert adapter.adapt(body) == adapter.pin(body)
    assert snapshot(adapter.adapt(body, drift_seed=3)) == snapshot(adapter.drift(adapter.pin(body), 3))


def test_the_shipped_contracts_are_the_reference_unchanged() -> None:
    from mockserver.contract.versions import contracts_dir, reference_dir

    reference = sorted(reference_dir().glob("usages-*.json"))
    if not reference:
        pytest.skip(f"no reference material at {reference_dir()}")
    shipped = sorted(contracts_dir().glob("usages-*.json"))
    assert [p.name for p in shipped] == [p.name for p in reference]
    for ours, theirs in zip(shipped, reference, strict=True):
        assert ours.read_bytes() == theirs.read_bytes(), ours.name


def test_the_shipped_endpoint_contracts_are_the_reference_unchanged() -> None:
    from mockserver.contract.versions import contracts_dir, reference_dir

    reference = sorted((reference_dir() / "endpoints").glob("*-2.4.0.json"))
    if not reference:
        pytest.skip(f"no reference material at {reference_dir() / 'endpoints'}")
    shipped = sorted((contracts_dir() / "endpoints").glob("*-2.4.0.json"))
    assert [p.name for p in shipped] == [p.name for p in reference]
    for ours, theirs in zip(shipped, reference, strict=True):
        assert ours.read_bytes() == theirs.read_bytes(), ours.name
