"""`check_contracts` on real mock bodies: pinned bodies pass their version, drifted values are named by path for each
version that does not know them, lax scalars pass as in pydantic; and the SDKs as released agree with it."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from mockserver.contract.adapt import adapter_for, known_versions
from mockserver.contract.versions import LATEST_VERSION
from mockserver.proxy.contracts import MAX_VIOLATIONS, check_contracts, contract_versions, path_pattern
from tests.contract.test_old_sdks import VALIDATE, SdkInstaller, _run
from tests.contract.test_versions import violations as independent_violations
from tests.proxy.conftest import READ_PATHS, Mock

PUBLISHED = ["0.0.3", "0.1.0", "1.0.0", "1.1.0", "2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0"]


@pytest.fixture(scope="module")
def body(mock: Mock) -> dict[str, Any]:
    return mock.capture("/v1/usages?timeRange=last-day").body


def enum_paths(version: str, body: Any) -> set[tuple[str, str]]:
    return {(v.path, json.dumps(v.value)) for v in check_contracts("usages.list", body)[version] if v.kind == "enum"}


def test_usages_have_every_published_version_and_read_endpoints_2_4_0() -> None:
    assert contract_versions("usages.list") == PUBLISHED == known_versions()
    assert contract_versions("jobs.list") == ["2.4.0"]
    assert contract_versions("teams.retrieve_limits") == ["2.4.0"]
    assert check_contracts("nothing.here", {}) == {}


@pytest.mark.parametrize("version", PUBLISHED)
def test_a_body_pinned_to_a_version_parses_in_it(version: str, body: dict[str, Any]) -> None:
    pinned = adapter_for(version).pin(body)
    assert list(check_contracts("usages.list", pinned)[version]) == []


def test_the_latest_body_parses_in_the_latest_version_and_names_what_older_ones_lack(body: dict[str, Any]) -> None:
    verdicts = check_contracts("usages.list", body)
    assert list(verdicts) == PUBLISHED
    assert verdicts[LATEST_VERSION] == []
    for version in PUBLISHED:
        found = {f"{path}={json.loads(value)!r}" for path, value in enum_paths(version, body)}
        _, unknown_values, missing = independent_violations(version, body)
        assert found == set(unknown_values), version
        assert {v.path for v in verdicts[version] if v.kind == "missing"} == set(missing)


@pytest.mark.parametrize("version", PUBLISHED)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_drifted_value_is_named_by_path_and_extra_keys_are_not(
    version: str, seed: int, body: dict[str, Any]
) -> None:
    adapter = adapter_for(version)
    pinned = adapter.pin(body)
    drifted = adapter.drift(pinned, seed)
    changed = set(diff_values(pinned, drifted))
    assert changed, "drift changed no value"
    named = check_contracts("usages.list", drifted)[version]
    named_paths = {v.path for v in named}
    assert changed <= named_paths
    assert all(v.kind == "enum" for v in named if v.path in changed)
    assert not [p for p in added_keys(pinned, drifted) if p in named_paths or any(n.startswith(p) for n in named_paths)]


def diff_values(before: Any, after: Any, path: str = "$") -> list[str]:
    """The paths of scalar values that differ between two bodies (keys only in `after` are not values)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            p for key in before.keys() & after.keys() for p in diff_values(before[key], after[key], f"{path}.{key}")
        ]
    if isinstance(before, list) and isinstance(after, list):
        return [
            p for i, (a, b) in enumerate(zip(before, after, strict=False)) for p in diff_values(a, b, f"{path}[{i}]")
        ]
    return [] if before == after else [path]


def added_keys(before: Any, after: Any, path: str = "$") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        found = [f"{path}.{key}" for key in after.keys() - before.keys()]
        return found + [
            p for key in before.keys() & after.keys() for p in added_keys(before[key], after[key], f"{path}.{key}")
        ]
    if isinstance(before, list) and isinstance(after, list):
        return [
            p for i, (a, b) in enumerate(zip(before, after, strict=False)) for p in added_keys(a, b, f"{path}[{i}]")
        ]
    return []


def test_scalars_are_judged_as_pydantic_lax_mode_does(body: dict[str, Any]) -> None:
    doctored = json.loads(json.dumps(body))
    point = doctored["modelUsages"][0]["points"][0]
    point["cost"] = "1.5"  # a numeric string is a number
    point["jobs"] = 2.0
    doctored["activity"][0]["data"]["isApiKey"] = "true"  # pydantic takes "true" for a boolean
    doctored["activity"][1]["creativeUnitsCost"] = None  # nullable
    assert check_contracts("usages.list", doctored)[LATEST_VERSION] == []

    usage = doctored["usages"][0]
    usage["points"][0]["value"] = 12  # a number is never a string
    del usage["points"][1]["apiKey"]
    doctored["activity"][2]["userId"] = None  # required, not nullable
    doctored["consumption"][0]["value"] = "lots"
    found = {v.path: v for v in check_contracts("usages.list", doctored)[LATEST_VERSION]}
    assert found.keys() == {
        "$.usages[0].points[0].value",
        "$.usages[0].points[1].apiKey",
        "$.activity[2].userId",
        "$.consumption[0].value",
    }
    assert found["$.usages[0].points[0].value"].kind == "type"
    assert "expected a string" in found["$.usages[0].points[0].value"].reason
    assert found["$.usages[0].points[1].apiKey"].kind == "missing"
    assert found["$.activity[2].userId"].value is None


def test_the_reason_names_the_value_count_and_version(body: dict[str, Any]) -> None:
    doctored = json.loads(json.dumps(body))
    doctored["usages"][3]["usageName"] = "foo"
    (violation,) = check_contracts("usages.list", doctored)["2.3.0"]
    assert violation.path == "$.usages[3].usageName"
    assert violation.value == "foo"
    assert violation.reason == '"foo" is not one of the 22 values SDK 2.3.0 knows'
    assert path_pattern(violation.path) == "$.usages[*].usageName"


def test_violations_are_capped_per_version_and_counted(body: dict[str, Any]) -> None:
    event = body["activity"][0]
    doctored = {"activity": [{**event, "action": f"future-{i}"} for i in range(MAX_VIOLATIONS + 50)]}
    found = check_contracts("usages.list", doctored)[LATEST_VERSION]
    assert len(found) == MAX_VIOLATIONS
    assert found.total == MAX_VIOLATIONS + 50
    assert found.more == 50


def test_read_endpoint_bodies_parse_and_a_newer_status_is_named(mock: Mock) -> None:
    for target in (*READ_PATHS, *mock.retrieve_targets()):
        capture = mock.capture(target)
        assert capture.endpoint is not None
        assert check_contracts(capture.endpoint, capture.body) == {"2.4.0": []}, target
    jobs = mock.capture("/v1/jobs?pageSize=3").body
    jobs["jobs"][1]["status"] = "hibernating"
    (violation,) = check_contracts("jobs.list", jobs)["2.4.0"]
    assert (violation.path, violation.value, violation.kind) == ("$.jobs[1].status", "hibernating", "enum")


def test_a_default_body_is_checked_against_nine_versions_in_well_under_a_second(mock: Mock) -> None:
    """Not a benchmark (see the report for the timing): a guard against an accidentally quadratic walker."""
    default = mock.capture("/v1/usages").body
    assert len(orjson.dumps(default)) > 500_000
    check_contracts("usages.list", default)  # compile once
    start = time.perf_counter()
    check_contracts("usages.list", default)
    assert time.perf_counter() - start < 5


# -- the judge of record: each SDK version as released ---------------------------------------------------------------
REQUIRED = os.environ.get("SDK_VERSIONS_REQUIRED") == "1"


@pytest.fixture(scope="module")
def installs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return SdkInstaller(tmp_path_factory.mktemp("scenario-sdk")).install(PUBLISHED)


@pytest.mark.slow
@pytest.mark.parametrize("version", PUBLISHED)
def test_the_released_sdk_fails_exactly_where_the_checker_says(
    version: str, installs: dict[str, Any], body: dict[str, Any], tmp_path: Path
) -> None:
    install = installs[version]
    if install.problem is not None:
        if REQUIRED:
            pytest.fail(f"SDK_VERSIONS_REQUIRED=1 but {install.problem}")
        pytest.skip(f"scenario-sdk {version} unavailable: {install.problem}")
    adapter = adapter_for(version)
    pinned = adapter.pin(body)
    lax = json.loads(json.dumps(pinned))
    lax["modelUsages"][0]["points"][0]["cost"] = "2.5"
    wrong = json.loads(json.dumps(pinned))
    wrong["consumption"][0]["userId"] = 7
    cases = {"latest": body, "pinned": pinned, "lax": lax, "wrong": wrong}
    cases |= {f"drift-{seed}": adapter.drift(pinned, seed) for seed in range(3)}
    bodies_path = tmp_path / "bodies.json"
    bodies_path.write_bytes(orjson.dumps([{"body": b, "loose": False} for b in cases.values()]))
    done = _run([sys.executable, "-I", "-c", VALIDATE, str(install.directory), str(bodies_path)], 600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)["results"]
    sdk_says = {name: result["strict"] == "OK" for name, result in zip(cases, results, strict=True)}
    checker_says = {name: not check_contracts("usages.list", b)[version] for name, b in cases.items()}
    assert checker_says == sdk_says
    assert sdk_says["pinned"] and sdk_says["lax"] and not sdk_says["wrong"]
    assert not any(ok for name, ok in sdk_says.items() if name.startswith("drift"))
