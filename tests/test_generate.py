"""mockserver.generate: determinism across processes, id shapes, and values valid against the contract."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mockserver.contract
from mockserver.generate import ValueGenerator, make_id, person_id, stable_seed

# The packaged copy of the published contract (a test in tests/contract checks it against the reference material).
REFERENCE = Path(mockserver.contract.__file__).parent / "published" / "usages-2.4.0.json"
BASE62 = re.compile(r"[0-9A-Za-z]+")
EMAIL = re.compile(r"[a-z0-9._]+@[a-z0-9-]+(\.[a-z0-9-]+)+")
CHECKED_DEFS = ("EntitiesAssetProperties", "EntitiesJobMetadataFlow", "EntitiesUser")

DEFS: dict[str, Any] = json.loads(REFERENCE.read_text())["response_200"]["$defs"]
ASSET_KINDS: list[str] = DEFS["EntitiesAsset"]["properties"]["kind"]["enum"]
JOB_TYPES: list[str] = DEFS["EntitiesJob"]["properties"]["jobType"]["enum"]


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": DEFS})


@pytest.fixture(scope="module")
def gen() -> ValueGenerator:
    return ValueGenerator(1234)


# --- seeds and ids -----------------------------------------------------------------------------------------


def test_stable_seed_is_a_deterministic_64_bit_int() -> None:
    seed = stable_seed(7, "hour", 2026)
    assert seed == stable_seed(7, "hour", 2026)
    assert 0 <= seed < 2**64
    assert seed != stable_seed(7, "hour", 2027)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(("1",), (1,), id="str-vs-int"),
        pytest.param(("a", "b"), ("a\x1fb",), id="separator-in-part"),
        pytest.param(((1, 2),), (1, 2), id="nested-tuple-vs-flat"),
    ],
)
def test_stable_seed_keeps_distinct_parts_distinct(a: tuple[object, ...], b: tuple[object, ...]) -> None:
    assert stable_seed(*a) != stable_seed(*b)


def test_stable_seed_ignores_set_iteration_order() -> None:
    assert stable_seed({"b", "a", "c"}) == stable_seed(frozenset(["c", "a", "b"]))


@pytest.mark.parametrize(
    "prefix",
    [pytest.param(p, id=p) for p in ("asset_", "job_", "model_", "apiu_", "api_", "proj_", "team_", "wflow_")]
    + [pytest.param("collection_", id="collection_")],
)
def test_make_id_has_prefix_and_base62_suffix(prefix: str) -> None:
    ids = {make_id(prefix, 99, i) for i in range(500)}
    assert len(ids) == 500
    for id_ in ids:
        assert id_.startswith(prefix)
        suffix = id_.removeprefix(prefix)
        assert len(suffix) == 22
        assert BASE62.fullmatch(suffix)


def test_make_id_length_is_configurable() -> None:
    assert len(make_id("asset_", 1, length=24)) == len("asset_") + 24


def test_person_id_is_bare_base62() -> None:
    pid = person_id("team", 3)
    assert len(pid) == 22
    assert BASE62.fullmatch(pid)
    assert pid == person_id("team", 3)
    assert pid != person_id("team", 4)


# --- determinism -------------------------------------------------------------------------------------------

NAMED = (
    "team_name",
    "project_name",
    "model_name",
    "collection_name",
    "short_description",
    "prompt",
    "error_message",
)


@pytest.mark.parametrize("method", [pytest.param(m, id=m) for m in NAMED])
def test_text_values_are_pure_functions_of_seed_and_key(method: str) -> None:
    a, b = ValueGenerator(5), ValueGenerator(5)
    keys = list(range(60))
    forward = [getattr(a, method)(k) for k in keys]
    backward = [getattr(b, method)(k) for k in reversed(keys)][::-1]
    assert forward == backward
    assert all(isinstance(v, str) and v.strip() for v in forward)
    assert len(set(forward)) > 10, "different keys should usually give different values"
    assert forward != [getattr(ValueGenerator(6), method)(k) for k in keys]


def snapshot(gen: ValueGenerator) -> str:
    """Serialise a bit of everything the generator makes; the same seed must give the same text anywhere."""
    flow = {"$ref": "#/$defs/EntitiesJobMetadataFlow", "$defs": DEFS}
    out = {
        "ids": [make_id("asset_", 1, "x"), person_id(2), stable_seed(3, frozenset({"a", "b", "c"}))],
        "people": [gen.person(k, team_name="Copperleaf Games") for k in ("ana", 2, (3, "x"))],
        "names": [gen.model_name(k) for k in range(5)] + [gen.prompt(k) for k in range(5)],
        "assets": [
            gen.asset_properties(kind, i, DEFS["EntitiesAssetProperties"], defs=DEFS)
            for i, kind in enumerate(ASSET_KINDS)
        ],
        "jobs": [gen.job_io(t, 1) for t in JOB_TYPES[:10]],
        "flow": [gen.from_schema(flow, k) for k in range(5)],
    }
    return json.dumps(out, sort_keys=True)


def test_same_seed_gives_same_values_in_another_process() -> None:
    here = snapshot(ValueGenerator(77))
    code = (
        "import sys; sys.path[:0] = sys.argv[1:3]; import test_generate as t; "
        "from mockserver.generate import ValueGenerator; print(t.snapshot(ValueGenerator(77)))"
    )
    root = Path(__file__).resolve().parent.parent
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        args = [sys.executable, "-c", code, str(root), str(Path(__file__).parent)]
        there = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout.strip()
        assert there == here


# --- people and names --------------------------------------------------------------------------------------


def test_person_has_name_email_and_avatar(gen: ValueGenerator) -> None:
    for key in range(200):
        p = gen.person(key)
        first, *_rest, last = p["fullName"].split()
        assert first[0].isupper() and last[0].isupper()
        assert EMAIL.fullmatch(p["email"]), p["email"]
        assert p["avatarAssetId"].startswith("asset_")
        assert p["avatarUrl"].startswith("https://cdn.cloud.scenario.com/assets-transform/" + p["avatarAssetId"])


def test_team_members_mostly_share_the_team_domain(gen: ValueGenerator) -> None:
    team = gen.team_name("t1")
    domain = gen.team_domain(team)
    emails = [gen.person(k, team_name=team)["email"] for k in range(100)]
    assert all(EMAIL.fullmatch(e) for e in emails)
    assert sum(e.endswith("@" + domain) for e in emails) > 60


def test_byok_provider_has_id_and_display_name(gen: ValueGenerator) -> None:
    provider = gen.byok_provider("k")
    assert set(provider) == {"id", "displayName"}
    assert validator("ActivityDataByokProvider").is_valid(provider)


# --- JSON Schema -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in (*CHECKED_DEFS, "EntitiesJob", "Entities")])
def test_from_schema_values_validate(gen: ValueGenerator, name: str) -> None:
    check = validator(name)
    schema = {"$ref": f"#/$defs/{name}"}
    for key in range(200):
        value = gen.from_schema(schema, key, defs=DEFS)
        errors = [e.message for e in check.iter_errors(value)]
        assert not errors, (key, errors, value)
        json.dumps(value)


def test_from_schema_uses_field_names(gen: ValueGenerator) -> None:
    schema = {
        "type": "object",
        "properties": {
            "assetId": {"type": "string"},
            "workflowId": {"type": "string"},
            "width": {"type": "integer"},
            "email": {"type": "string"},
            "when": {"type": "string", "format": "date-time"},
        },
        "required": ["assetId", "workflowId", "width", "email", "when"],
    }
    value = gen.from_schema(schema, 1)
    assert value["assetId"].startswith("asset_")
    assert value["workflowId"].startswith("wflow_")
    assert 256 <= value["width"] <= 2048 and value["width"] % 64 == 0
    assert EMAIL.fullmatch(value["email"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", value["when"])


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param({"type": "integer", "minimum": 5, "maximum": 7}, id="int-bounds"),
        pytest.param({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, id="exclusive"),
        pytest.param({"type": "string", "minLength": 30, "maxLength": 32}, id="string-length"),
        pytest.param({"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}, id="items"),
        pytest.param({"const": "if-else"}, id="const"),
        pytest.param({"type": ["string", "null"]}, id="type-list"),
        pytest.param({"anyOf": [{"type": "null"}]}, id="only-null"),
        pytest.param({"type": "object", "additionalProperties": False}, id="closed-object"),
        pytest.param({"type": "string", "format": "uuid"}, id="uuid"),
    ],
)
def test_from_schema_honours_constraints(gen: ValueGenerator, schema: dict[str, Any]) -> None:
    check = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for key in range(50):
        value = gen.from_schema(schema, key, field="x")
        assert check.is_valid(value), value


def test_from_schema_terminates_on_recursive_schemas(gen: ValueGenerator) -> None:
    children = {"type": "array", "items": {"$ref": "#/$defs/Node"}}
    schema = {
        "$defs": {"Node": {"type": "object", "properties": {"children": children}}},
        "$ref": "#/$defs/Node",
    }
    for key in range(50):
        assert jsonschema.Draft202012Validator(schema).is_valid(gen.from_schema(schema, key))


KEYS = st.one_of(st.integers(), st.text(max_size=20), st.tuples(st.integers(), st.text(max_size=5)))


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(CHECKED_DEFS), seed=st.integers(0, 2**64 - 1), key=KEYS)
def test_from_schema_never_raises_and_validates(name: str, seed: int, key: object) -> None:
    value = ValueGenerator(seed).from_schema({"$ref": f"#/$defs/{name}"}, key, defs=DEFS)
    assert validator(name).is_valid(value)


# --- assets and jobs ---------------------------------------------------------------------------------------

KIND_FIELDS = {
    "image": {"width", "height", "format", "size"},
    "image-hdr": {"width", "height", "format", "size"},
    "video": {"duration", "frameRate", "width", "height", "codecName", "size"},
    "audio": {"duration", "sampleRate", "channels", "bitrate", "classification", "size"},
    "3d": {"vertexCount", "faceCount", "hasUVs", "hasNormals", "size"},
    "text": {"charCount", "wordCount", "size"},
    "json": {"charCount", "wordCount", "size"},
    "document": {"charCount", "wordCount", "size"},
}


@pytest.mark.parametrize("kind", [pytest.param(k, id=k) for k in ASSET_KINDS])
@pytest.mark.parametrize("with_schema", [pytest.param(True, id="schema"), pytest.param(False, id="table")])
def test_asset_properties_are_kind_aware_and_valid(gen: ValueGenerator, kind: str, with_schema: bool) -> None:
    check = validator("EntitiesAssetProperties")
    schema = DEFS["EntitiesAssetProperties"] if with_schema else None
    for key in range(200):
        props = gen.asset_properties(kind, key, schema, defs=DEFS)
        assert KIND_FIELDS[kind] <= props.keys(), props
        errors = [e.message for e in check.iter_errors(props)]
        assert not errors, (key, errors, props)
        assert props["size"] > 0
    assert gen.asset_properties(kind, 3) == gen.asset_properties(kind, 3)


def test_asset_properties_conform_to_a_different_schema(gen: ValueGenerator) -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "size": {"type": "integer", "maximum": 1000},
            "width": {"type": "string"},
            "format": {"enum": ["gif"]},
            "checksum": {"type": "string"},
        },
        "required": ["size", "checksum"],
    }
    check = jsonschema.Draft202012Validator(schema)
    for key in range(50):
        props = gen.asset_properties("image", key, schema)
        assert check.is_valid(props), props
        assert props["format"] == "gif"


def test_from_schema_of_an_asset_keeps_properties_true_to_its_kind(gen: ValueGenerator) -> None:
    for key in range(100):
        asset = gen.from_schema({"$ref": "#/$defs/EntitiesAsset"}, key, defs=DEFS)
        assert KIND_FIELDS[asset["kind"]] <= asset["properties"].keys()


@pytest.mark.parametrize("job_type", [pytest.param(t, id=t) for t in JOB_TYPES])
def test_job_io_gives_plain_json_objects(gen: ValueGenerator, job_type: str) -> None:
    job_in, job_out = gen.job_io(job_type, 1)
    assert job_in and job_out
    assert json.loads(json.dumps([job_in, job_out])) == [job_in, job_out]
    assert gen.job_io(job_type, 1) == (job_in, job_out)
    metadata = {"input": job_in, "output": job_out}
    assert validator("EntitiesJobMetadata").is_valid(metadata)


def test_inference_job_io_is_coherent(gen: ValueGenerator) -> None:
    for key in range(50):
        job_in, job_out = gen.job_io("inference", key)
        assert {
            "prompt",
            "modelId",
            "numSamples",
            "width",
            "height",
            "guidance",
            "numInferenceSteps",
            "seed",
        } <= set(job_in)
        assert len(job_out["assetIds"]) == job_in["numSamples"]
    pinned_in, pinned_out = gen.job_io("inference", 9, asset_ids=["asset_a", "asset_b"], model_id="model_x")
    assert pinned_in["modelId"] == "model_x"
    assert pinned_out["assetIds"] == ["asset_a", "asset_b"]


def test_training_job_outputs_the_model_it_trained(gen: ValueGenerator) -> None:
    job_in, job_out = gen.job_io("model-training", "k", model_id="model_mine")
    assert job_in["modelId"] == job_out["modelId"] == "model_mine"
