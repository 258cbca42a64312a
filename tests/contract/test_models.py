"""The contract models against the reference contract: the exported JSON Schema matches `response_200` of
SDK 2.4.0 structurally, and validation accepts a valid response and rejects what strict clients reject."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from mockserver.contract import UsageListResponse, response_json_schema
from mockserver.contract.entities import UserEntity
from mockserver.contract.enums import ACTIONS, ASSET_SOURCES, ASSET_TYPES, JOB_STATUSES, JOB_TYPES
from mockserver.contract.versions import available_versions, contracts_dir, load_contract

Schema = dict[str, Any]

# Keywords that carry no structure; everything not handled or ignored here is compared verbatim.
_IGNORED = {"description", "title", "default", "examples", "$defs"}
_HANDLED = {
    "$ref",
    "anyOf",
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
}


# --- the comparer -------------------------------------------------------------------------------------------


def _resolve(root: Schema, ref: str) -> Schema:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    target: Schema = node
    return target


def _deref(schema: Schema, root: Schema, seen: frozenset[str]) -> tuple[Schema, frozenset[str]]:
    while "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            raise ValueError(f"recursive $ref {ref!r}")
        seen = seen | {ref}
        schema = {**_resolve(root, ref), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema, seen


def _is_null(schema: Schema) -> bool:
    return schema.get("type") == "null"


def normalise(schema: Schema, root: Schema, seen: frozenset[str] = frozenset()) -> Schema:
    """Reduce a schema node to its structure: refs resolved, `anyOf [X, null]` turned into nullable X."""
    schema, seen = _deref(schema, root, seen)
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if not _is_null(b)]
        nullable = len(branches) < len(schema["anyOf"])
        if len(branches) == 1:
            inner = normalise(branches[0], root, seen)
            inner["nullable"] = inner["nullable"] or nullable
            return inner
        return {"nullable": nullable, "anyOf": [normalise(b, root, seen) for b in branches]}

    types = schema.get("type")
    nullable = False
    if isinstance(types, list):
        nullable = "null" in types
        rest = sorted(t for t in types if t != "null")
        types = rest[0] if len(rest) == 1 else tuple(rest)
    enum = [schema["const"]] if "const" in schema else schema.get("enum")
    shape: Schema = {
        "nullable": nullable,
        "type": types,
        "enum": None if enum is None else frozenset(enum),
        "other": {k: json.dumps(v, sort_keys=True) for k, v in schema.items() if k not in _IGNORED | _HANDLED},
    }
    if "properties" in schema or types == "object":
        shape["properties"] = {n: normalise(s, root, seen) for n, s in schema.get("properties", {}).items()}
        shape["required"] = frozenset(schema.get("required", ()))
        extra = schema.get("additionalProperties", True)
        shape["additionalProperties"] = extra if isinstance(extra, bool) else normalise(extra, root, seen)
    if "items" in schema or types == "array":
        shape["items"] = normalise(schema.get("items", {}), root, seen)
    return shape


def _fmt(values: set[Any] | frozenset[Any]) -> str:
    return "{" + ", ".join(repr(v) for v in sorted(values, key=repr)) + "}"


def _set_diff(what: str, expected: frozenset[Any], actual: frozenset[Any]) -> str:
    parts = []
    if expected - actual:
        parts.append(f"missing {_fmt(expected - actual)}")
    if actual - expected:
        parts.append(f"extra {_fmt(actual - expected)}")
    verb = "differ" if what == "properties" else "differs"
    return f"{what} {verb}: " + ", ".join(parts)


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def first_difference(expected: Schema, actual: Schema, path: str = "") -> str | None:
    """Return the first structural difference of two normalised schemas as `path: what`, or None.

    `missing` names what `expected` (the reference) has and `actual` (the models) lacks; `extra` the reverse.
    """
    where = path or "(root)"
    if ("anyOf" in expected) != ("anyOf" in actual):
        return f"{where}: union differs: expected {'a union' if 'anyOf' in expected else 'no union'}"
    if "anyOf" in expected:
        if len(expected["anyOf"]) != len(actual["anyOf"]):
            counts = len(expected["anyOf"]), len(actual["anyOf"])
            return f"{where}: union differs: expected {counts[0]} branches, got {counts[1]}"
        for i, (e, a) in enumerate(zip(expected["anyOf"], actual["anyOf"], strict=True)):
            if found := first_difference(e, a, f"{path}<{i}>"):
                return found
    if expected.get("type") != actual.get("type"):
        return f"{where}: type differs: expected {expected.get('type')!r}, got {actual.get('type')!r}"
    if expected["nullable"] != actual["nullable"]:
        word = {True: "nullable", False: "not nullable"}
        expected_word, actual_word = word[expected["nullable"]], word[actual["nullable"]]
        return f"{where}: nullability differs: expected {expected_word}, got {actual_word}"
    e_enum, a_enum = expected.get("enum"), actual.get("enum")
    if e_enum != a_enum:
        if e_enum is None or a_enum is None:
            return f"{where}: enum differs: expected {'no enum' if e_enum is None else _fmt(e_enum)}, got " + (
                "no enum" if a_enum is None else _fmt(a_enum)
            )
        return f"{where}: " + _set_diff("enum", e_enum, a_enum)
    if expected.get("other") != actual.get("other"):
        return f"{where}: keywords differ: expected {expected.get('other')}, got {actual.get('other')}"
    if ("properties" in expected) != ("properties" in actual):
        wanted = "an object" if "properties" in expected else "no object"
        return f"{where}: object-ness differs: expected {wanted}"
    if "properties" in expected:
        e_props, a_props = expected["properties"], actual["properties"]
        if e_props.keys() != a_props.keys():
            return f"{where}: " + _set_diff("properties", frozenset(e_props), frozenset(a_props))
        if expected["required"] != actual["required"]:
            return f"{where}: " + _set_diff("required", expected["required"], actual["required"])
        e_extra, a_extra = expected["additionalProperties"], actual["additionalProperties"]
        if isinstance(e_extra, bool) or isinstance(a_extra, bool):
            if e_extra != a_extra:
                return f"{where}: additionalProperties differs: expected {e_extra!r}, got {a_extra!r}"
        elif found := first_difference(e_extra, a_extra, f"{path}{{*}}"):
            return found
        for name in sorted(e_props):
            if found := first_difference(e_props[name], a_props[name], _child(path, name)):
                return found
    if ("items" in expected) != ("items" in actual):
        return f"{where}: array-ness differs: expected {'an array' if 'items' in expected else 'no array'}"
    if "items" in expected:
        return first_difference(expected["items"], actual["items"], f"{path}[]")
    return None


def compare(reference: Schema, exported: Schema) -> str | None:
    """Compare two whole schemas (each resolved against itself); return the first difference or None."""
    return first_difference(normalise(reference, reference), normalise(exported, exported))


def node_at(root: Schema, path: str) -> Schema:
    """Return the raw (mutable) schema dict at a dotted path such as `entities.jobs[].status`."""
    node, _ = _deref(root, root, frozenset())
    for part in path.split("."):
        name, arrays = part.rstrip("[]"), part.count("[]")
        node = _unwrap(node, root)["properties"][name]
        for _ in range(arrays):
            node = _unwrap(node, root)["items"]
    return _unwrap(node, root)


def _unwrap(node: Schema, root: Schema) -> Schema:
    if "$ref" in node:
        return _unwrap(_resolve(root, node["$ref"]), root)
    if "anyOf" in node:
        (branch,) = [b for b in node["anyOf"] if not _is_null(b)]
        return _unwrap(branch, root)
    return node


# --- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference() -> Schema:
    schema: Schema = load_contract("2.4.0")["response_200"]
    return schema


@pytest.fixture(scope="module")
def exported() -> Schema:
    return response_json_schema()


# --- the models match the reference -------------------------------------------------------------------------


def test_models_match_the_reference_contract(reference: Schema, exported: Schema) -> None:
    difference = compare(reference, exported)
    assert difference is None, difference
    # The comparer walks every keyword it normalises, so no difference means equal normal forms.
    assert normalise(reference, reference) == normalise(exported, exported)


def test_serialization_schema_equals_validation_schema() -> None:
    assert response_json_schema(mode="serialization") == response_json_schema(mode="validation")


# --- the comparer can fail ----------------------------------------------------------------------------------


def _remove_enum_value(schema: Schema) -> None:
    node_at(schema, "entities.jobs[].metadata.flow[].status")["enum"].remove("rejected")


def _add_property(schema: Schema) -> None:
    node_at(schema, "usages[].points[]")["properties"]["extraField"] = {"type": "string"}


def _drop_required(schema: Schema) -> None:
    node_at(schema, "entities.users[]")["required"].remove("isApiKey")


def _change_type(schema: Schema) -> None:
    node_at(schema, "usages[].points[]")["properties"]["value"] = {"type": "number"}


def _make_nullable(schema: Schema) -> None:
    props = node_at(schema, "activity[]")["properties"]
    props["projectId"] = {"anyOf": [props["projectId"], {"type": "null"}]}


def _unarray(schema: Schema) -> None:
    node_at(schema, "entities.assets[].properties")["properties"]["dimensions"] = {"type": "number"}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(
            _remove_enum_value,
            "entities.jobs[].metadata.flow[].status: enum differs: extra {'rejected'}",
            id="enum-value-removed",
        ),
        pytest.param(
            _add_property, "usages[].points[]: properties differ: missing {'extraField'}", id="extra-property"
        ),
        pytest.param(_drop_required, "entities.users[]: required differs: extra {'isApiKey'}", id="required-changed"),
        pytest.param(
            _change_type,
            "usages[].points[].value: type differs: expected 'number', got 'string'",
            id="type-changed",
        ),
        pytest.param(
            _make_nullable,
            "activity[].projectId: nullability differs: expected nullable, got not nullable",
            id="nullability-changed",
        ),
        pytest.param(
            _unarray,
            "entities.assets[].properties.dimensions: type differs: expected 'number', got 'array'",
            id="array-changed",
        ),
    ],
)
def test_comparer_reports_first_difference_of_mutated_reference(
    reference: Schema, exported: Schema, mutate: Any, message: str
) -> None:
    mutated = copy.deepcopy(reference)
    mutate(mutated)
    assert compare(mutated, exported) == message


def test_comparer_says_missing_for_what_the_models_lack(reference: Schema, exported: Schema) -> None:
    models = copy.deepcopy(exported)
    _remove_enum_value(models)
    assert compare(reference, models) == "entities.jobs[].metadata.flow[].status: enum differs: missing {'rejected'}"


def test_comparer_ignores_def_names_descriptions_and_titles(reference: Schema) -> None:
    renamed = json.loads(json.dumps(reference).replace('"#/$defs/Entities', '"#/$defs/X').replace('"Entities', '"X'))
    node_at(renamed, "activity[]")["description"] = "changed"
    node_at(renamed, "activity[]")["title"] = "Changed"
    assert compare(reference, renamed) is None


# --- enum sizes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "count"),
    [
        pytest.param("activity[].action", 101, id="actions"),
        pytest.param("entities.jobs[].jobType", 40, id="job-types"),
        pytest.param("entities.assets[].source", 81, id="asset-sources"),
        pytest.param("entities.assets[].metadata.type", 81, id="asset-types"),
        pytest.param("entities.jobs[].status", 8, id="job-statuses"),
        pytest.param("entities.jobs[].metadata.flow[].status", 6, id="node-statuses"),
        pytest.param("entities.jobs[].metadata.flow[].type", 11, id="node-types"),
    ],
)
def test_enum_sizes(reference: Schema, exported: Schema, path: str, count: int) -> None:
    assert len(node_at(exported, path)["enum"]) == count
    assert len(node_at(reference, path)["enum"]) == count


def test_enum_tuples_have_the_contract_sizes() -> None:
    assert (len(ACTIONS), len(JOB_TYPES), len(ASSET_SOURCES), len(ASSET_TYPES), len(JOB_STATUSES)) == (
        101,
        40,
        81,
        81,
        8,
    )


# --- validation ---------------------------------------------------------------------------------------------

T = "2026-11-30T12:00:00.000Z"

VALID_RESPONSE: Schema = {
    "usages": [
        {
            "usageName": "images-generation",
            "granularity": "1h",
            "points": [
                {"time": T, "value": "3", "apiKey": "1"},
                {"time": T, "value": "2", "apiKey": "0", "cost": 4.5, "discount": 0, "apiKeyCost": 0},
            ],
        }
    ],
    "modelUsages": [
        {
            "modelId": "model_bfl-flux-1-dev",
            "points": [{"time": T, "cost": 5, "discount": 1, "jobs": 2, "apiKeyCost": 0, "apiKeyDiscount": 0}],
        }
    ],
    "assetUsages": [{"kind": "image", "points": [{"time": T, "count": 2, "countApiKey": 1}]}],
    "nsfwUsages": [{"label": "nudity", "points": [{"time": T, "count": 0, "countApiKey": 0}]}],
    "qualityGateUsages": [{"verdict": "pass", "points": [{"time": T, "count": 1, "countApiKey": 0}]}],
    "consumption": [
        {
            "userId": "apiu_abc",
            "value": 12.5,
            "discount": 1,
            "total": 13.5,
            "costDetails": {"quality-gate": 2},
        }
    ],
    "activity": [
        {
            "action": "txt2img",
            "data": {"jobId": "job_1", "modelId": "model_bfl-flux-1-dev", "isApiKey": True},
            "projectId": "proj_1",
            "time": T,
            "userId": "apiu_abc",
            "creativeUnitsCost": 5,
        },
        {
            "action": "byok-set-provider",
            "data": {"byokProvider": {"id": "openai", "displayName": "OpenAI"}},
            "projectId": "proj_1",
            "time": T,
            "userId": "u1",
        },
    ],
    "entities": {
        "users": [
            {"id": "apiu_abc", "isApiKey": True, "apiKeyId": "api_abc", "apiKeyStatus": "active"},
            {
                "id": "u1",
                "isApiKey": False,
                "email": "ada@example.com",
                "fullName": "Ada",
                "avatar": {"assetId": "asset_av", "url": "https://example.com/a.png"},
            },
        ],
        "assets": [
            {
                "id": "asset_1",
                "kind": "3d",
                "source": "txt23d",
                "metadata": {"type": "txt23d"},
                "properties": {
                    "size": 1024,
                    "hasUVs": True,
                    "dimensions": [1, 2, 3],
                    "cameraMode": "turntable",
                    "cameraTrajectory": [{"position": [0, 0, 1], "target": [0, 0, 0], "fov": 45}],
                    "transcription": {"text": "hi"},
                },
            }
        ],
        "jobs": [
            {
                "id": "job_1",
                "jobType": "workflow",
                "status": "success",
                "metadata": {
                    "assetIds": ["asset_1"],
                    "input": {"prompt": "a cat"},
                    "output": {"ok": True},
                    "workflowId": "wflow_1",
                    "flow": [
                        {
                            "id": "n1",
                            "status": "rejected",
                            "type": "logic",
                            "logicType": "if-else",
                            "includeOutputsInWorkflowJob": True,
                            "logic": {"cases": [{"condition": "x > 1", "value": "n2"}], "default": "n3"},
                            "assets": [{"assetId": "asset_1", "url": "https://example.com/1.glb"}],
                            "output": [1, "two"],
                            "inputs": [
                                {
                                    "name": "items",
                                    "type": "inputs_array",
                                    "default": None,
                                    "items": [[{"name": "a", "type": "number", "value": 2}]],
                                    "ref": {"node": "n0", "name": "out", "conditional": ["c"]},
                                    "required": {
                                        "always": False,
                                        "conditional": {"operator": "and", "values": []},
                                    },
                                    "modelTypes": ["flux.1", "gpt-image-1"],
                                }
                            ],
                        }
                    ],
                },
            }
        ],
        "models": [{"id": "model_bfl-flux-1-dev", "name": "Flux dev", "shortDescription": "Fast"}],
        "collections": [{"id": "coll_1", "name": "Favourites"}],
    },
}


def test_reference_schema_accepts_the_sample(reference: Schema) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(reference).validate(VALID_RESPONSE)


def test_valid_response_validates_and_round_trips() -> None:
    model = UsageListResponse.model_validate(VALID_RESPONSE)
    assert model.model_dump(mode="json", by_alias=True, exclude_unset=True) == VALID_RESPONSE


def test_empty_response_is_valid() -> None:
    assert UsageListResponse.model_validate({}).model_dump(exclude_none=True) == {}


def _with(path: tuple[str | int, ...], value: Any) -> Schema:
    body = copy.deepcopy(VALID_RESPONSE)
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param(("usages", 0, "points", 0, "value"), 3, id="value-int-not-str"),
        pytest.param(("usages", 0, "points", 0, "apiKey"), 1.0, id="apiKey-float-not-str"),
        pytest.param(("activity", 0, "action"), "teleport", id="unknown-action"),
        pytest.param(("entities", "jobs", 0, "metadata", "flow", 0, "status"), "done", id="unknown-node-status"),
        pytest.param(("entities", "jobs", 0, "metadata", "flow", 0, "logicType"), "switch", id="unknown-logic-type"),
        pytest.param(
            ("entities", "jobs", 0, "metadata", "flow", 0, "includeOutputsInWorkflowJob"),
            False,
            id="include-false",
        ),
        pytest.param(("entities", "users", 0, "isApiKey"), None, id="required-field-null"),
    ],
)
def test_invalid_values_are_rejected(path: tuple[str | int, ...], value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        UsageListResponse.model_validate(_with(path, value))
    assert any(error["loc"][: len(path)] == path for error in info.value.errors())


def test_missing_required_field_is_rejected() -> None:
    body = copy.deepcopy(VALID_RESPONSE)
    del body["activity"][0]["projectId"]
    with pytest.raises(ValidationError, match="projectId"):
        UsageListResponse.model_validate(body)


def test_extra_keys_are_kept() -> None:
    body = _with(("usages", 0, "points", 0, "newField"), 7)
    dumped = UsageListResponse.model_validate(body).model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped["usages"][0]["points"][0]["newField"] == 7


def test_fields_can_be_set_by_python_name() -> None:
    user = UserEntity(id="u1", is_api_key=False, full_name="Ada")
    assert user.model_dump(by_alias=True, exclude_none=True) == {
        "id": "u1",
        "isApiKey": False,
        "fullName": "Ada",
    }


# --- contract versions --------------------------------------------------------------------------------------


def test_available_versions_are_sorted_by_version_number() -> None:
    versions = available_versions()
    assert versions[-1] == "2.4.0"
    assert versions == sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))
    assert {"0.0.3", "0.1.0", "1.0.0", "2.0.0"} <= set(versions)


def test_contracts_dir_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    (tmp_path / "usages-9.0.0.json").write_text(json.dumps({"sdk_version": "9.0.0"}))
    (tmp_path / "usages-10.0.0.json").write_text(json.dumps({"sdk_version": "10.0.0"}))
    monkeypatch.setenv("MOCKSERVER_CONTRACTS_DIR", str(tmp_path))
    assert contracts_dir() == tmp_path
    assert available_versions() == ["9.0.0", "10.0.0"]
    assert load_contract("10.0.0") == {"sdk_version": "10.0.0"}
    with pytest.raises(FileNotFoundError, match=r"no contract '2\.4\.0'.*available: \['9\.0\.0', '10\.0\.0'\]"):
        load_contract()
