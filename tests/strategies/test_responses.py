"""`bodies()` and `usage_bodies()`: every drawn body validates under its contract's JSON Schema and parses strictly
with the SDK of that contract; the edges a client meets occur; a buggy client is caught and shrunk to a small body.

The quick tests draw a few examples each; the `slow` ones draw many, and judge the bodies of the eight older
contracts with their own published SDKs (installed as `tests/contract/test_old_sdks.py` installs them).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis.strategies import SearchStrategy
from scenario_sdk import pagination
from scenario_sdk._models import validate_type
from scenario_sdk.types import (
    asset_list_response,
    asset_retrieve_response,
    collection_list_response,
    collection_retrieve_response,
    job_list_response,
    job_retrieve_response,
    model_list_response,
    model_retrieve_response,
    project_list_response,
    project_retrieve_response,
    team_list_response,
    team_retrieve_limits_response,
    team_retrieve_response,
)
from scenario_sdk.types.usage_list_response import UsageListResponse

from mockserver.contract.versions import LATEST_VERSION, available_versions, contracts_dir, load_contract
from mockserver.controls.routes import ENDPOINT_NAMES
from mockserver.strategies import bodies, usage_bodies
from tests.contract.test_old_sdks import REQUIRED, VALIDATE, SdkInstall, SdkInstaller, _run

Body = dict[str, Any]
Schema = dict[str, Any]

VERSIONS = available_versions()
OLDER_VERSIONS = [v for v in VERSIONS if v != LATEST_VERSION]
READ_ENDPOINTS = [name for name in ENDPOINT_NAMES if name != "usages.list"]
QUICK = 20
MANY = 200
# Edge counts need more: hypothesis biases its draws toward the constants of the modules loaded at the time (its
# `constants_ast`), so the same seed draws differently after, say, the proxy's modules are imported. Over 20 bodies
# the rarest edge (a 15-digit numeric string) was drawn 0 to 6 times depending on the suite's order; over 60, 21 to 97.
EDGE_QUICK = 60

# What the 2.4.0 SDK's client validates each 200 body with (`cast_to`, or the page type of a cursor list).
SDK_TYPES: dict[str, Any] = {
    "usages.list": UsageListResponse,
    "teams.list": team_list_response.TeamListResponse,
    "teams.retrieve": team_retrieve_response.TeamRetrieveResponse,
    "teams.retrieve_limits": team_retrieve_limits_response.TeamRetrieveLimitsResponse,
    "projects.list": pagination.SyncProjectsCursor[project_list_response.ProjectListResponse],
    "projects.retrieve": project_retrieve_response.ProjectRetrieveResponse,
    "jobs.list": pagination.SyncJobsCursor[job_list_response.JobListResponse],
    "jobs.retrieve": job_retrieve_response.JobRetrieveResponse,
    "assets.list": pagination.SyncAssetsCursor[asset_list_response.AssetListResponse],
    "assets.retrieve": asset_retrieve_response.AssetRetrieveResponse,
    "models.list": pagination.SyncModelsCursor[model_list_response.ModelListResponse],
    "models.retrieve": model_retrieve_response.ModelRetrieveResponse,
    "collections.list": pagination.SyncCollectionsCursor[collection_list_response.CollectionListResponse],
    "collections.retrieve": collection_retrieve_response.CollectionRetrieveResponse,
}


def _settings(examples: int) -> settings:
    # Bodies of a few kilobytes are what the contract allows; hypothesis's size health check is about its own budget.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _schema(endpoint: str, version: str = LATEST_VERSION) -> Schema:
    if endpoint == "usages.list":
        schema: Schema = load_contract(version)["response_200"]
        return schema
    name = endpoint.replace(".", "-").replace("_", "-")
    schema = json.loads((contracts_dir() / "endpoints" / f"{name}-{version}.json").read_text(encoding="utf-8"))
    return schema["response_200"]  # type: ignore[no-any-return]


def _examples(strategy: SearchStrategy[Body], count: int) -> list[Body]:
    """`count` bodies drawn the same way every run (hypothesis's derandomised seed, generation only)."""
    drawn: list[Body] = []

    @settings(_settings(count), phases=[Phase.generate])
    @given(strategy)
    def collect(body: Body) -> None:
        drawn.append(body)

    collect()
    return drawn


def _check_all(endpoint: str, version: str, examples: int) -> None:
    validator = jsonschema.Draft202012Validator(_schema(endpoint, version))

    @_settings(examples)
    @given(bodies(endpoint, version))
    def check(body: Body) -> None:
        validator.validate(body)
        if version == LATEST_VERSION:
            validate_type(type_=SDK_TYPES[endpoint], value=body)  # what `_strict_response_validation=True` does

    check()


# --- every body is valid -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_usage_bodies_validate_under_their_contract(version: str) -> None:
    _check_all("usages.list", version, QUICK)


@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
def test_read_bodies_validate_and_parse_with_the_sdk(endpoint: str) -> None:
    _check_all(endpoint, LATEST_VERSION, QUICK)


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_many_bodies_validate_and_parse_with_the_sdk(endpoint: str) -> None:
    _check_all(endpoint, LATEST_VERSION, MANY)


@pytest.mark.slow
@pytest.mark.parametrize("version", OLDER_VERSIONS)
def test_many_usage_bodies_validate_under_older_contracts(version: str) -> None:
    _check_all("usages.list", version, MANY)


@pytest.mark.parametrize("types", [["consumption"], ["model-usages", "activity"], []], ids=["one", "two", "none"])
def test_types_restrict_the_sections(types: list[str]) -> None:
    allowed = {"consumption": "consumption", "model-usages": "modelUsages", "activity": "activity"}
    sections = {allowed[t] for t in types} | {"entities"}
    validator = jsonschema.Draft202012Validator(_schema("usages.list"))

    @_settings(QUICK)
    @given(usage_bodies(types=types))
    def check(body: Body) -> None:
        validator.validate(body)
        assert set(body) <= sections

    check()


def test_types_of_the_oldest_contract_come_from_its_sections() -> None:
    body = _examples(usage_bodies("0.0.3", types=("model-usages",)), 5)
    assert all(set(b) <= {"modelUsages", "entities"} for b in body)
    with pytest.raises(ValueError, match=r"'nsfw-usages'.*known: activity, consumption, model-usages, usages"):
        usage_bodies("0.0.3", types=["nsfw-usages"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: usage_bodies("9.9.9"), r"'9\.9\.9' \(known: 0\.0\.3, .*2\.4\.0\)", id="version"),
        pytest.param(lambda: usage_bodies(types=["costs"]), r"'costs'.*known: activity, asset-usages", id="type"),
        pytest.param(lambda: bodies("jobs.delete"), r"'jobs\.delete'.*known: usages\.list, teams\.list", id="endpoint"),
        pytest.param(lambda: bodies("jobs.list", "2.3.0"), r"2\.4\.0 only, not '2\.3\.0'", id="read-version"),
        pytest.param(lambda: bodies("usages.list", "0.0.1"), r"'0\.0\.1' \(known:", id="usages-version"),
    ],
)
def test_unknown_names_are_value_errors_naming_the_known_ones(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_strategies_are_built_once() -> None:
    assert usage_bodies() is usage_bodies("2.4.0")
    assert usage_bodies(types=["activity", "usages"]) is usage_bodies(types=("usages", "activity"))
    assert bodies("jobs.list") is bodies("jobs.list")
    assert bodies("usages.list") is usage_bodies()


# --- the bodies of older contracts, judged by their own SDKs ----------------------------------------------------


@pytest.fixture(scope="module")
def older_sdks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SdkInstall]:
    """The eight older SDK versions, installed in parallel into one temporary directory."""
    return SdkInstaller(tmp_path_factory.mktemp("scenario-sdk")).install(OLDER_VERSIONS)


@pytest.fixture(scope="module")
def older_verdicts(
    older_sdks: dict[str, SdkInstall], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[dict[str, str]] | str]:
    """Each older version's strict verdict on `QUICK * 2` bodies drawn for its contract, or why it has none."""
    work = tmp_path_factory.mktemp("strategy-bodies")

    def judge(version: str) -> list[dict[str, str]] | str:
        install = older_sdks[version]
        if install.problem is not None:
            return install.problem
        path = work / f"bodies-{version}.json"
        cases = [{"body": body, "loose": False} for body in _examples(usage_bodies(version), QUICK * 2)]
        path.write_bytes(orjson.dumps(cases))
        done = _run([sys.executable, "-I", "-c", VALIDATE, str(install.directory), str(path)], 900)
        assert done.returncode == 0, f"the SDK {version} validator crashed:\n{done.stderr[-3000:]}"
        output = json.loads(done.stdout)
        assert output["version"] == version
        results: list[dict[str, str]] = output["results"]
        return [dict(r, body=orjson.dumps(c["body"]).decode()[:600]) for r, c in zip(results, cases, strict=True)]

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(zip(OLDER_VERSIONS, pool.map(judge, OLDER_VERSIONS), strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("version", OLDER_VERSIONS)
def test_older_sdks_parse_their_bodies_strictly(version: str, older_verdicts: dict[str, Any]) -> None:
    verdict = older_verdicts[version]
    if isinstance(verdict, str):
        if REQUIRED:
            pytest.fail(f"SDK_VERSIONS_REQUIRED=1 but {verdict}")
        pytest.skip(f"scenario-sdk {version} unavailable (no network, or no such release): {verdict}")
    failed = [f"{r['body']}\n{r['strict_error']}" for r in verdict if r["strict"] != "OK"]
    assert not failed, f"scenario-sdk {version} rejected {len(failed)} of {len(verdict)} bodies:\n" + "\n".join(
        failed[:3]
    )


# --- edges -------------------------------------------------------------------------------------------------------


class Edges:
    """What a set of bodies holds, node by node along their schema: the edge cases met and the enum values seen."""

    def __init__(self, schema: Schema) -> None:
        self.defs: Schema = schema.get("$defs", {})
        self.schema = schema
        self.counts: Counter[str] = Counter()
        self.enums: dict[tuple[Any, ...], set[Any]] = {}

    def add(self, body: Body) -> None:
        for node, value in self._nodes(self.schema, value=body):
            self._count(node, value)

    def _resolve(self, node: Schema, value: Any) -> Schema:
        while True:
            if "$ref" in node:
                node = self.defs[node["$ref"].removeprefix("#/$defs/")]
            elif "anyOf" in node:
                node = next(b for b in node["anyOf"] if self._accepts(b, value))
            else:
                return node

    def _accepts(self, node: Schema, value: Any) -> bool:
        return bool(jsonschema.Draft202012Validator({**node, "$defs": self.defs}).is_valid(value))

    def _nodes(self, node: Schema, value: Any) -> Iterator[tuple[Schema, Any]]:
        node = self._resolve(node, value)
        yield node, value
        if isinstance(value, dict):
            properties = node.get("properties", {})
            extra = node.get("additionalProperties")
            for name, item in value.items():
                sub = properties.get(name, extra if isinstance(extra, dict) else None)
                if sub is not None:
                    yield from self._nodes(sub, item)
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for item in value:
                yield from self._nodes(node["items"], item)

    def _count(self, node: Schema, value: Any) -> None:
        if "enum" in node:
            self.enums.setdefault(tuple(node["enum"]), set()).add(value)
        if isinstance(value, dict):
            named = set(node.get("properties", {}))
            if named - set(node.get("required", ())) - set(value):
                self.counts["absent optional"] += 1
            if named and set(value) - named:
                self.counts["added field"] += 1
        elif isinstance(value, list):
            self.counts[{0: "empty list", 1: "single-element list"}.get(len(value), "longer list")] += 1
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self.counts["zero count" if value == 0 else "huge count" if abs(value) >= 2**53 - 1 else "number"] += 1
        elif isinstance(value, str):
            self.counts["long string" if len(value) >= 500 else "string"] += 1
            if any(ord(c) > 127 for c in value):
                self.counts["non-ASCII string"] += 1
            if len(value) == 15 and value.isdigit():
                self.counts["15-digit numeric string"] += 1
        elif value is None:
            self.counts["null"] += 1


EDGES = [
    "absent optional",
    "empty list",
    "single-element list",
    "longer list",
    "zero count",
    "huge count",
    "long string",
    "non-ASCII string",
    "15-digit numeric string",
    "null",
    "added field",
]


def _enum(schema: Schema, definition: str, field: str) -> tuple[Any, ...]:
    node = schema["$defs"][definition]["properties"][field]
    node = next(b for b in node.get("anyOf", [node]) if "enum" in b)
    return tuple(node["enum"])


@pytest.mark.parametrize(
    "examples", [pytest.param(EDGE_QUICK, id="quick"), pytest.param(MANY, id="many", marks=pytest.mark.slow)]
)
def test_usage_bodies_reach_the_edges(examples: int) -> None:
    edges = Edges(_schema("usages.list"))
    drawn = _examples(usage_bodies(), examples)
    for body in drawn:
        edges.add(body)
    missing = [edge for edge in EDGES if edges.counts[edge] == 0]
    assert not missing, f"over {examples} bodies, never: {missing} (counts: {dict(edges.counts)})"
    assert {} in drawn, "the smallest body, every section absent"


def _enums(schema: Schema, deep: bool = True) -> list[tuple[Any, ...]]:
    """Every enum of a contract, as the tuple of its values; without `deep`, not those of a workflow job's flow
    (`EntitiesJobMetadataFlow...`: six optional levels down in a usages body)."""
    found: list[tuple[Any, ...]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "enum" in node:
                found.append(tuple(node["enum"]))
            for key, value in node.items():
                if deep or not (isinstance(key, str) and key.startswith("EntitiesJobMetadataFlow")):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return list(dict.fromkeys(found))


# Every value of every enum. A list whose items hold enums sometimes lists their values in turn (a sweep): without
# that, a body's handful of rows took about a thousand bodies to show the 22 usage names, and the 101 activity
# actions or the 81 asset sources were never all seen. Measured: 200 to 300 bodies show every value but a few of a
# workflow job's flow inputs (six optional levels down); 800 show those too.
@pytest.mark.parametrize(
    ("endpoint", "examples", "deep"),
    [
        pytest.param("usages.list", 300, False, id="usages"),
        pytest.param("usages.list", 800, True, id="usages-flows", marks=pytest.mark.slow),
        pytest.param("jobs.list", 300, True, id="jobs-list"),
        pytest.param("assets.list", MANY, True, id="assets-list", marks=pytest.mark.slow),
    ],
)
def test_bodies_draw_every_enum_value(endpoint: str, examples: int, deep: bool) -> None:
    schema = _schema(endpoint)
    edges = Edges(schema)
    strategy = usage_bodies() if endpoint == "usages.list" else bodies(endpoint)
    for body in _examples(strategy, examples):
        edges.add(body)
    unseen = {values[:3]: sorted(set(values) - edges.enums.get(values, set())) for values in _enums(schema, deep)}
    missing = {values: left for values, left in unseen.items() if left}
    assert not missing, f"{endpoint}: over {examples} bodies, never drew {missing}"


@pytest.mark.parametrize("endpoint", ["jobs.list", "teams.retrieve_limits"])
def test_read_bodies_reach_the_edges(endpoint: str) -> None:
    edges = Edges(_schema(endpoint))
    for body in _examples(bodies(endpoint), EDGE_QUICK):
        edges.add(body)
    wanted = {"zero count", "huge count", "non-ASCII string", "long string"}
    if endpoint == "jobs.list":
        wanted |= {"empty list", "single-element list", "absent optional"}
    missing = sorted(edge for edge in wanted if edges.counts[edge] == 0)
    assert not missing, f"{endpoint}: over {EDGE_QUICK} bodies, never: {missing} (counts: {dict(edges.counts)})"


# --- a buggy client is caught and shrunk -------------------------------------------------------------------------


def mean_consumption(body: Body) -> float:
    """A client's average spend per user; it forgets the empty section."""
    rows = body.get("consumption")
    if rows is None:
        return 0.0
    total: float = sum(row["value"] for row in rows)
    return total / len(rows)


def user_emails(body: Body) -> list[str]:
    """A client listing its users' addresses; it forgets that `email` is optional."""
    return [user["email"].lower() for user in (body.get("entities") or {}).get("users") or []]


def _falsify(client: Callable[[Body], object], strategy: SearchStrategy[Body]) -> tuple[BaseException, Body]:
    """Run `client` under `@given(strategy)`; the error it raised and the shrunk body hypothesis replayed last."""
    seen: list[Body] = []

    @settings(_settings(100), report_multiple_bugs=False)
    @given(strategy)
    def uses(body: Body) -> None:
        seen.append(body)
        client(body)

    with pytest.raises(Exception) as caught:  # whatever the bug raises
        uses()
    return caught.value, seen[-1]


def test_a_client_dividing_by_an_empty_section_is_caught_and_shrunk() -> None:
    error, example = _falsify(mean_consumption, usage_bodies())
    assert isinstance(error, ZeroDivisionError)
    assert example["consumption"] == []
    assert len(json.dumps(example)) < 200, example


def test_a_client_reading_a_missing_optional_is_caught_and_shrunk() -> None:
    error, example = _falsify(user_emails, usage_bodies(types=["consumption"]))
    assert isinstance(error, KeyError | AttributeError)
    assert len(json.dumps(example)) < 200, example
    assert example["entities"]["users"][0].get("email") is None


@pytest.mark.slow  # (about 40 s: shrinking from a large body)
def test_a_shrunk_body_keeps_no_empty_neighbours() -> None:
    """Each optional field comes or goes on its own: the smallest body with a user lacking `fullName` is that user
    alone, without the empty lists beside it (drawn by their index among the keys left, they stayed)."""
    example = find(
        usage_bodies(),
        lambda body: any("fullName" not in user for user in ((body.get("entities") or {}).get("users") or [])),
        settings=settings(database=None, derandomize=True, max_examples=1000),
    )
    assert example == {"entities": {"users": [{"id": "", "isApiKey": False}]}}


def test_the_same_settings_draw_the_same_bodies() -> None:
    first = _examples(usage_bodies(), 10)
    assert _examples(usage_bodies(), 10) == first
    assert json.dumps(first) != json.dumps(_examples(usage_bodies("0.0.3"), 10))


def test_the_shipped_contracts_are_the_ones_drawn_from() -> None:
    assert Path(contracts_dir(), f"usages-{LATEST_VERSION}.json").is_file()
    assert len(VERSIONS) == 9


# --- a contract with bounds ----------------------------------------------------------------------------------------

BOUNDED: Schema = {
    "type": "object",
    "required": ["usages"],
    "properties": {
        "usages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "items": {
                "type": "object",
                "required": ["count", "value", "name"],
                "properties": {
                    "count": {"type": "integer", "minimum": 0, "maximum": 1000},
                    "ratio": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                    "value": {"type": "string", "pattern": "^-?[0-9]{1,15}(\\.[0-9]+)?$"},
                    "name": {"type": "string", "maxLength": 8},
                    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                },
            },
        }
    },
}


def test_a_bounded_contract_draws_its_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Edges come from the schema's own bounds: the extreme counts, the longest name, a 15-digit numeric string;
    a keyword the walker leaves alone (`uniqueItems`) goes whole to `from_schema` and stays valid."""
    (tmp_path / "usages-9.0.0.json").write_text(json.dumps({"response_200": BOUNDED}), encoding="utf-8")
    monkeypatch.setenv("MOCKSERVER_CONTRACTS_DIR", str(tmp_path))
    validator = jsonschema.Draft202012Validator(BOUNDED)
    drawn = _examples(usage_bodies("9.0.0"), EDGE_QUICK)
    rows = [row for body in drawn for row in body["usages"]]
    for body in drawn:
        validator.validate(body)
    assert {len(body["usages"]) for body in drawn} == {1, 2}
    assert {0, 1000} <= {row["count"] for row in rows}
    assert "123456789012345" in {row["value"] for row in rows}
    assert 8 in {len(row["name"]) for row in rows}
    assert any("ratio" not in row for row in rows)
    assert any(row.get("ratio") == 0.5 for row in rows)
