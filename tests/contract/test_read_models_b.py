"""The contract models of the jobs, assets and models read endpoints against the 2.4.0 contracts: each 200 body's
exported JSON Schema matches `response_200` structurally, the comparer catches a mutated reference, and a realistic
body round-trips through the models and is parsed by the SDK's own response types with strict validation."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from scenario_sdk import pagination
from scenario_sdk._models import validate_type
from scenario_sdk.types import (
    asset_list_response,
    asset_retrieve_response,
    job_list_response,
    job_retrieve_response,
    model_list_response,
    model_retrieve_response,
)

from mockserver.contract import entities
from mockserver.contract.ai_models import ModelListResponse, ModelRetrieveResponse
from mockserver.contract.assets import Asset, AssetListResponse, AssetRetrieveResponse
from mockserver.contract.jobs import (
    Job,
    JobBilling,
    JobBillingCostDetails,
    JobListResponse,
    JobRetrieveResponse,
    JobStatusChange,
)
from mockserver.contract.usages import response_json_schema
from mockserver.contract.versions import contracts_dir, reference_dir
from tests.contract.test_models import compare, node_at, normalise

Schema = dict[str, Any]


def _endpoint_contracts() -> Path | None:
    """The per-endpoint contracts: copies shipped beside the `/usages` ones, else the reference material found
    beside the checkout (`shared/reference/contracts/endpoints` in this directory or any parent)."""
    candidates = [contracts_dir() / "endpoints", reference_dir() / "endpoints"]
    candidates += [parent / "shared" / "reference" / "contracts" / "endpoints" for parent in Path(__file__).parents]
    return next((path for path in candidates if (path / "jobs-retrieve-2.4.0.json").is_file()), None)


ENDPOINTS = _endpoint_contracts()
pytestmark = pytest.mark.skipif(ENDPOINTS is None, reason="no per-endpoint contracts (endpoints/*-2.4.0.json) found")

MODELS: dict[str, type[BaseModel]] = {
    "jobs-list": JobListResponse,
    "jobs-retrieve": JobRetrieveResponse,
    "assets-list": AssetListResponse,
    "assets-retrieve": AssetRetrieveResponse,
    "models-list": ModelListResponse,
    "models-retrieve": ModelRetrieveResponse,
}

# What the SDK parses each body into: a retrieve response model, or a list page of the SDK's item type.
SDK_TYPES: dict[str, Any] = {
    "jobs-list": pagination.SyncJobsCursor[job_list_response.JobListResponse],
    "jobs-retrieve": job_retrieve_response.JobRetrieveResponse,
    "assets-list": pagination.SyncAssetsCursor[asset_list_response.AssetListResponse],
    "assets-retrieve": asset_retrieve_response.AssetRetrieveResponse,
    "models-list": pagination.SyncModelsCursor[model_list_response.ModelListResponse],
    "models-retrieve": model_retrieve_response.ModelRetrieveResponse,
}


def reference(name: str) -> Schema:
    assert ENDPOINTS is not None
    contract: Schema = json.loads((ENDPOINTS / f"{name}-2.4.0.json").read_text(encoding="utf-8"))
    assert contract["sdk_version"] == "2.4.0"
    schema: Schema = contract["response_200"]
    return schema


# --- the models match the contracts -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_model_matches_the_contract(name: str) -> None:
    ref, exported = reference(name), response_json_schema(MODELS[name])
    difference = compare(ref, exported)
    assert difference is None, difference
    assert normalise(ref, ref) == normalise(exported, exported)
    assert response_json_schema(MODELS[name], mode="serialization") == exported


@pytest.mark.parametrize("name", list(MODELS))
def test_model_matches_the_sdks_own_response_type(name: str) -> None:
    # The same check against the installed SDK's pydantic types (list pages included): needs no contract files.
    difference = compare(SDK_TYPES[name].model_json_schema(by_alias=True), response_json_schema(MODELS[name]))
    assert difference is None, f"{name}: {difference}"


def test_read_entities_reuse_the_usages_entities() -> None:
    # A job's metadata (flow included) is the `/usages` entity's; the asset extends the `/usages` asset.
    assert Job.model_fields["metadata"].annotation is entities.JobMetadata
    assert issubclass(Asset, entities.AssetEntity)
    assert issubclass(Asset.model_fields["metadata"].annotation, entities.AssetMetadata)  # type: ignore[arg-type]
    assert Asset.model_fields["properties"].annotation is entities.AssetProperties


# --- the comparer catches a mutated contract ----------------------------------------------------------------


def _drop_required(path: str, field: str) -> Any:
    def mutate(schema: Schema) -> None:
        node_at(schema, path)["required"].remove(field)

    return mutate


def _drop_enum_value(path: str, value: Any) -> Any:
    def mutate(schema: Schema) -> None:
        node_at(schema, path)["enum"].remove(value)

    return mutate


@pytest.mark.parametrize(
    ("name", "mutate", "message"),
    [
        pytest.param(
            "jobs-retrieve",
            _drop_required("job", "statusHistory"),
            "job: required differs: extra {'statusHistory'}",
            id="jobs-retrieve-required",
        ),
        pytest.param(
            "jobs-retrieve",
            _drop_enum_value("job.status", "warming-up"),
            "job.status: enum differs: extra {'warming-up'}",
            id="jobs-retrieve-enum",
        ),
        pytest.param(
            "jobs-list",
            _drop_required("jobs[].billing", "cuCost"),
            "jobs[].billing: required differs: extra {'cuCost'}",
            id="jobs-list-required",
        ),
        pytest.param(
            "jobs-list",
            _drop_enum_value("jobs[].statusHistory[].status", "canceled"),
            "jobs[].statusHistory[].status: enum differs: extra {'canceled'}",
            id="jobs-list-enum",
        ),
        pytest.param(
            "assets-retrieve",
            _drop_required("asset", "privacy"),
            "asset: required differs: extra {'privacy'}",
            id="assets-retrieve-required",
        ),
        pytest.param(
            "assets-retrieve",
            _drop_enum_value("asset.privacy", "unlisted"),
            "asset.privacy: enum differs: extra {'unlisted'}",
            id="assets-retrieve-enum",
        ),
        pytest.param(
            "assets-list",
            _drop_required("assets[].metadata", "kind"),
            "assets[].metadata: required differs: extra {'kind'}",
            id="assets-list-required",
        ),
        pytest.param(
            "assets-list",
            _drop_enum_value("assets[].editCapabilities[]", "UPSCALE_360"),
            "assets[].editCapabilities[]: enum differs: extra {'UPSCALE_360'}",
            id="assets-list-enum",
        ),
        pytest.param(
            "models-retrieve",
            _drop_required("model", "trainingImagesNumber"),
            "model: required differs: extra {'trainingImagesNumber'}",
            id="models-retrieve-required",
        ),
        pytest.param(
            "models-retrieve",
            _drop_enum_value("model.accessRestrictions", 75),
            "model.accessRestrictions: enum differs: extra {75}",
            id="models-retrieve-enum",
        ),
        pytest.param(
            "models-list",
            _drop_required("models[]", "custom"),
            "models[]: required differs: extra {'custom'}",
            id="models-list-required",
        ),
        pytest.param(
            "models-list",
            _drop_enum_value("models[].status", "training-canceled"),
            "models[].status: enum differs: extra {'training-canceled'}",
            id="models-list-enum",
        ),
    ],
)
def test_comparer_reports_a_mutated_contract(name: str, mutate: Any, message: str) -> None:
    mutated = copy.deepcopy(reference(name))
    mutate(mutated)
    assert compare(mutated, response_json_schema(MODELS[name])) == message


# --- realistic bodies ---------------------------------------------------------------------------------------

T0, T1, T2 = "2026-11-30T12:00:00.000Z", "2026-11-30T12:00:04.250Z", "2026-11-30T12:01:10.500Z"

WORKFLOW_JOB: Schema = {
    "jobId": "job_wf1",
    "jobType": "workflow",
    "status": "in-progress",
    "progress": 0.5,
    "createdAt": T0,
    "updatedAt": T1,
    "authorId": "u_ada",
    "ownerId": "proj_main",
    "statusHistory": [{"status": "queued", "date": T0}, {"status": "in-progress", "date": T1}],
    "billing": {"cuCost": 12.5, "cuDiscount": 0, "cuCostDetails": {"quality-gate": 2}},
    "metadata": {
        "workflowId": "wflow_poster",
        "input": {"prompt": "a lighthouse at dusk"},
        "assetIds": ["asset_img1"],
        "flow": [
            {
                "id": "gen",
                "type": "custom-model",
                "status": "success",
                "modelId": "model_bfl-flux-1-dev",
                "jobId": "job_step1",
                "assets": [{"assetId": "asset_img1", "url": "https://cdn.example.com/img1.png"}],
                "inputs": [
                    {"name": "prompt", "type": "string", "ref": {"node": "workflow", "name": "prompt"}},
                    {"name": "numOutputs", "type": "number", "value": 1, "min": 1, "max": 4},
                ],
            },
            {"id": "upscale", "type": "model", "status": "processing", "dependsOn": ["gen"], "jobId": "job_step2"},
        ],
    },
}

TRAINING_JOB: Schema = {
    "jobId": "job_train1",
    "jobType": "flux-model-training",
    "status": "success",
    "progress": 1,
    "createdAt": T0,
    "updatedAt": T2,
    "statusHistory": [
        {"status": "queued", "date": T0},
        {"status": "in-progress", "date": T1},
        {"status": "success", "date": T2},
    ],
    "metadata": {"input": {"modelId": "model_lora1"}, "outputModelId": "model_lora1"},
}

IMAGE_ASSET: Schema = {
    "id": "asset_img1",
    "authorId": "u_ada",
    "ownerId": "proj_main",
    "createdAt": T1,
    "updatedAt": T2,
    "kind": "image",
    "source": "txt2img",
    "mimeType": "image/png",
    "privacy": "private",
    "status": "success",
    "url": "https://cdn.example.com/img1.png",
    "tags": ["lighthouse", "dusk"],
    "collectionIds": ["coll_posters"],
    "editCapabilities": ["UPSCALE", "REMOVE_BACKGROUND", "PROMPT_EDITING"],
    "properties": {"size": 1843200, "width": 1024, "height": 1024, "format": "png"},
    "metadata": {
        "kind": "image",
        "type": "inference-txt2img",
        "prompt": "a lighthouse at dusk",
        "negativePrompt": "blurry",
        "modelId": "model_bfl-flux-1-dev",
        "modelType": "flux.1",
        "inferenceId": "inf_1",
        "parentJobId": "job_step1",
        "seed": "42",
        "guidance": 3.5,
        "numInferenceSteps": 28,
        "width": 1024,
        "height": 1024,
        "concepts": [{"modelId": "model_lora1", "scale": 0.8}],
        "thumbnail": {"assetId": "asset_img1_thumb", "url": "https://cdn.example.com/img1-thumb.png"},
    },
    "thumbnail": {"assetId": "asset_img1_thumb", "url": "https://cdn.example.com/img1-thumb.png"},
    "nsfw": [],
    "outputIndex": 0,
    "qualityGate": {
        "status": "scored",
        "computedAt": T2,
        "version": "qg-2026.11",
        "overallScore": 81,
        "aiQualityScore": 78,
        "verdict": "pass",
        "sensitivity": "medium",
        "details": {"aiQuality": {"score": 78, "reasons": ["clean edges"], "suggestions": []}},
    },
}

VIDEO_ASSET: Schema = {
    "id": "asset_vid1",
    "authorId": "apiu_ci",
    "ownerId": "proj_main",
    "createdAt": T0,
    "updatedAt": T0,
    "kind": "video",
    "source": "img2video",
    "mimeType": "video/mp4",
    "privacy": "unlisted",
    "status": "pending",
    "url": "https://cdn.example.com/vid1.mp4",
    "tags": [],
    "collectionIds": [],
    "editCapabilities": [],
    "properties": {"size": 5242880, "duration": 5.0, "frameRate": 24, "codecName": "h264"},
    "metadata": {"kind": "video", "type": "img2video", "parentId": "asset_img1", "rootParentId": "asset_img1"},
    "firstFrame": {"assetId": "asset_vid1_f0", "url": "https://cdn.example.com/vid1-f0.png"},
}

LORA_MODEL: Schema = {
    "id": "model_lora1",
    "name": "Lighthouse posters",
    "shortDescription": "Flux LoRA trained on the team's posters",
    "type": "flux.1-lora",
    "status": "trained",
    "privacy": "private",
    "source": "scenario",
    "custom": False,
    "createdAt": T0,
    "updatedAt": T2,
    "authorId": "u_ada",
    "ownerId": "proj_main",
    "jobId": "job_train1",
    "capabilities": ["txt2img", "img2img"],
    "collectionIds": ["coll_posters"],
    "exampleAssetIds": ["asset_img1"],
    "tags": ["poster"],
    "trainingImagesNumber": 12,
    "accessRestrictions": 25,
    "compliantModelIds": ["flux.1-dev"],
    "thumbnail": {"assetId": "asset_img1", "url": "https://cdn.example.com/img1.png"},
    "parameters": {"learningRate": 0.0001, "nbEpochs": 10, "rank": 16, "lrScheduler": "constant"},
    "trainingStats": {"startedAt": T0, "endedAt": T2, "queueDuration": 4.25, "trainDuration": 66.25},
    "trainingImages": [
        {
            "id": "asset_tr1",
            "name": "poster-1.jpg",
            "description": "a poster",
            "automaticCaptioning": "a lighthouse poster",
            "createdAt": T0,
            "downloadUrl": "https://cdn.example.com/tr1.jpg",
        }
    ],
    "epochs": [{"epoch": "000010", "assets": [{"assetId": "asset_ep10", "url": "https://cdn.example.com/ep10.png"}]}],
    "class": {
        "category": "art-style",
        "conceptPrompt": "a sks poster",
        "modelId": "model_class_poster",
        "name": "Poster",
        "prompt": "a poster",
        "slug": "art-style-poster",
        "status": "published",
        "thumbnails": ["https://cdn.example.com/class.png"],
    },
}

HOSTED_MODEL: Schema = {
    "id": "model_bfl-flux-1-dev",
    "name": "Flux.1 dev",
    "type": "flux.1",
    "status": "trained",
    "privacy": "public",
    "source": "other",
    "custom": True,
    "createdAt": T0,
    "updatedAt": T0,
    "capabilities": ["txt2img"],
    "collectionIds": [],
    "exampleAssetIds": [],
    "tags": [],
    "trainingImagesNumber": 0,
    "inputs": [
        {"name": "prompt", "type": "string", "prompt": True, "required": {"always": True}},
        {"name": "numOutputs", "type": "number", "min": 1, "max": 4, "step": 1, "default": 1, "costImpact": True},
    ],
    "uiConfig": {
        "resolutionComponent": {
            "label": "Size",
            "widthInput": "width",
            "heightInput": "height",
            "presets": [{"label": "Square", "width": 1024, "height": 1024}],
        },
        "triggerGenerate": {"label": "Generate", "position": "bottom"},
        "inputProperties": {"seed": {"collapsed": True}},
    },
    "performanceStats": {
        "default": "txt2img-1mp",
        "variants": [
            {
                "variantKey": "txt2img-1mp",
                "capability": "txt2img",
                "computedAt": T0,
                "costPerAssetP50CU": 5,
                "inferenceLatencyP50Sec": 3.5,
            }
        ],
    },
}

BODIES: dict[str, Schema] = {
    "jobs-list": {"jobs": [WORKFLOW_JOB, TRAINING_JOB], "nextPaginationToken": "opaque-token"},
    "jobs-retrieve": {"job": WORKFLOW_JOB},
    "assets-list": {"assets": [IMAGE_ASSET, VIDEO_ASSET]},
    "assets-retrieve": {"asset": IMAGE_ASSET},
    "models-list": {"models": [LORA_MODEL, HOSTED_MODEL], "nextPaginationToken": "opaque-token"},
    "models-retrieve": {"model": LORA_MODEL},
}


def _extra_keys(value: Any, path: str = "") -> list[str]:
    """Wire keys the SDK kept as unknown extras anywhere in a parsed object (a misspelt alias lands there)."""
    found = []
    if isinstance(value, BaseModel):
        found += [f"{path}.{key}" for key in value.model_extra or {}]
        for name in type(value).model_fields:
            found += _extra_keys(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _extra_keys(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _extra_keys(item, f"{path}.{key}")
    return found


@pytest.mark.parametrize("name", list(MODELS))
def test_reference_schema_accepts_the_example(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(reference(name)).validate(BODIES[name])


@pytest.mark.parametrize("name", list(MODELS))
def test_example_round_trips_and_the_sdk_parses_it_strictly(name: str) -> None:
    body = BODIES[name]
    model = MODELS[name].model_validate(body)
    assert _extra_keys(model) == []  # every key of the body is a declared field, under its wire name
    dumped = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped == body
    wire = json.loads(json.dumps(dumped))
    parsed = validate_type(type_=SDK_TYPES[name], value=wire)  # what `_strict_response_validation=True` does
    assert _extra_keys(parsed) == []
    SDK_TYPES[name].model_validate(wire, strict=True)
    assert parsed.to_dict(mode="json") == body


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        pytest.param("jobs-retrieve", ("job", "status"), "done", id="job-status"),
        pytest.param("jobs-retrieve", ("job", "statusHistory", 0, "status"), "started", id="history-status"),
        pytest.param("assets-retrieve", ("asset", "privacy"), "secret", id="asset-privacy"),
        pytest.param("assets-retrieve", ("asset", "metadata", "kind"), "picture", id="metadata-kind"),
        pytest.param("models-retrieve", ("model", "accessRestrictions"), 30, id="access-restriction"),
        pytest.param("models-retrieve", ("model", "capabilities", 0), "txt2poster", id="capability"),
    ],
)
def test_models_and_sdk_reject_values_outside_the_contract(name: str, path: tuple[str | int, ...], value: Any) -> None:
    body = copy.deepcopy(BODIES[name])
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValidationError):
        MODELS[name].model_validate(body)
    with pytest.raises(ValidationError):
        validate_type(type_=SDK_TYPES[name], value=body)


@pytest.mark.parametrize(
    ("name", "path"),
    [
        pytest.param("jobs-retrieve", ("job", "progress"), id="job-progress"),
        pytest.param("assets-retrieve", ("asset", "editCapabilities"), id="asset-edit-capabilities"),
        pytest.param("models-retrieve", ("model", "trainingImagesNumber"), id="model-training-images"),
    ],
)
def test_models_and_sdk_reject_a_missing_required_field(name: str, path: tuple[str, ...]) -> None:
    body = copy.deepcopy(BODIES[name])
    del body[path[0]][path[1]]
    with pytest.raises(ValidationError, match=path[1]):
        MODELS[name].model_validate(body)
    with pytest.raises(ValidationError):
        validate_type(type_=SDK_TYPES[name], value=body)


def test_models_are_built_by_python_name() -> None:
    job = Job(
        job_id="job_1",
        job_type="upscale",
        status="queued",
        progress=0,
        created_at=T0,
        updated_at=T0,
        metadata=entities.JobMetadata(asset_ids=[]),
        status_history=[JobStatusChange(status="queued", date=T0)],
        # mypy takes an explicit `alias` (`quality-gate`) for the parameter name; pydantic accepts both.
        billing=JobBilling(cu_cost=2, cu_discount=0, cu_cost_details=JobBillingCostDetails(quality_gate=0.5)),  # type: ignore[call-arg]
    )
    assert job.model_dump(by_alias=True, exclude_none=True)["billing"] == {
        "cuCost": 2,
        "cuDiscount": 0,
        "cuCostDetails": {"quality-gate": 0.5},
    }
    validate_type(type_=job_retrieve_response.JobRetrieveResponse, value={"job": job.model_dump(by_alias=True)})
