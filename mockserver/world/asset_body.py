"""The body of one asset as `assets.retrieve` and `assets.list` show it, and the traits lists filter on.

An asset is an `Event` that created it (a synthetic one for the pool and the avatars, see `mockserver.world.assets`):
`kind`, `source`, `metadata.type` and `properties` are the `/usages` entity's; the rest is a function of the seed,
the asset id and the event.
"""

from __future__ import annotations

from typing import Any, get_args

import orjson

from mockserver.contract.read_enums import EditCapability
from mockserver.generate.ids import make_id, stable_seed
from mockserver.world.clock import format_ms
from mockserver.world.membership import asset_collections
from mockserver.world.timeline import ASSET_POOL, Event
from mockserver.world.world import ENTITY_JSON_FACTOR, FRAGMENT_BYTES, World

# An asset is finalised (captioned, embedded, scored) this long at most after it is created: its `updatedAt`.
MAX_UPDATE_DELAY = 20_000
EMBEDDING_LENGTH = 16
TAGS = ("character", "concept", "environment", "fantasy", "landscape", "marketing", "prop", "sci-fi", "texture", "ui")
QUALITY_GATE_VERSION = "qg-2025.09"
# Asset types made from an input image: their `parentId` and `rootParentId` name an asset of the pool.
DERIVED_TYPES = frozenset(
    {
        "background-removal",
        "canvas",
        "generative-fill",
        "image-prompt-editing",
        "img2txt",
        "inference-controlnet-img2img",
        "inference-controlnet-inpaint",
        "inference-img2img",
        "inference-img2img-ip-adapter",
        "inference-img2img-texture",
        "inference-inpaint",
        "inference-inpaint-ip-adapter",
        "patch",
        "pixelization",
        "reframe",
        "restyle",
        "segmentation-mask",
        "texture",
        "upscale",
        "upscale-skybox",
        "vectorization",
    }
)
_MIME = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "hdr": "image/vnd.radiance",
    "exr": "image/x-exr",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "glb": "model/gltf-binary",
    "gltf": "model/gltf+json",
    "fbx": "model/x-fbx",
    "obj": "model/obj",
    "ply": "model/ply",
    "txt": "text/plain",
    "md": "text/markdown",
    "json": "application/json",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_KIND_MIME = {
    "image": "image/png",
    "image-hdr": "image/vnd.radiance",
    "video": "video/mp4",
    "audio": "audio/mpeg",
    "3d": "model/gltf-binary",
    "text": "text/plain",
    "json": "application/json",
    "document": "application/pdf",
}
# Every edit but the skybox's own (`UPSCALE_360`) applies to an image.
_IMAGE_EDITS = tuple(c for c in get_args(EditCapability) if c != "UPSCALE_360")
_SKYBOX_TYPES = frozenset({"skybox-base-360", "upscale-skybox", "skybox-hdri"})
# Job input fields copied into the metadata, wire name -> metadata name.
_INPUT_FIELDS = {
    "prompt": "prompt",
    "negativePrompt": "negativePrompt",
    "seed": "seed",
    "guidance": "guidance",
    "numInferenceSteps": "numInferenceSteps",
    "scheduler": "scheduler",
    "strength": "strength",
    "scalingFactor": "scalingFactor",
    "aspectRatio": "aspectRatio",
}


def has_pool(world: World) -> bool:
    """Whether the world has the pool of existing assets: its generators draw actions that act on one."""
    return any(info.references == "asset" for stream in world.streams for info in stream.actions)


def pool_id(world: World, i: int) -> str:
    """The id of the pool's asset `i` (as `mockserver.world.timeline` derives it for events acting on one)."""
    return make_id("asset_", world.seed, "ref", i)


def updated_ms(world: World, event: Event, now: int) -> int:
    """When the asset was last updated, as seen at `now`: finalised up to `MAX_UPDATE_DELAY` after its creation."""
    return min(_final_update(world, event), max(now, event.t))


def privacy_of(world: World, asset_id: str) -> str:
    """The asset's privacy: one in twenty public, one in twenty unlisted, the rest private."""
    n = stable_seed(world.seed, "asset-privacy", asset_id) % 20
    return "public" if n == 0 else "unlisted" if n == 1 else "private"


def tags_of(world: World, asset_id: str) -> list[str]:
    """The asset's tags: three assets in ten have one to three of `TAGS`, in the vocabulary's order."""
    n = stable_seed(world.seed, "asset-tags", asset_id)
    if n % 10 >= 3:
        return []
    chosen = world.values.rng("asset-tags", asset_id).sample(TAGS, 1 + (n // 10) % 3)
    return sorted(chosen, key=TAGS.index)


def parent_of(world: World, event: Event) -> str | None:
    """The asset a derived asset was made from (one of the pool, when the world has it), else None."""
    if event.job is None or event.asset_type not in DERIVED_TYPES or not has_pool(world):
        return None
    return pool_id(world, stable_seed(world.seed, "asset-parent", event.key) % ASSET_POOL)


def inference_of(world: World, event: Event) -> str | None:
    """The inference behind an asset of an `inference` job, else None."""
    if event.job_type != "inference":
        return None
    return make_id("inf_", world.seed, "inference", event.key)


def asset_body(
    world: World,
    event: Event,
    now: int,
    *,
    embedding: bool = False,
    gate_details: bool = False,
) -> dict[str, Any]:
    """The `Asset` of the asset an event created, as it stands at `now` (memoised once it is final)."""
    assert event.asset is not None
    if not _is_final(world, event, now):
        return _asset_body(world, event, now, embedding, gate_details)
    # Its last update is past: the body is a function of the event alone (shared: never changed once built).
    key = (event.asset, event.key, embedding, gate_details)
    found = world.bodies.get(key)
    if found is None:
        found = _asset_body(world, event, now, embedding, gate_details)
        world.bodies.put(key, found, ENTITY_JSON_FACTOR * len(orjson.dumps(found)))
    return found


def asset_item(world: World, event: Event, now: int) -> dict[str, Any] | orjson.Fragment:
    """The `Asset` as `assets.list` lists it: serialised once final (a list's first page is asked for again and
    again), else built for `now`."""
    assert event.asset is not None
    if not _is_final(world, event, now):
        return _asset_body(world, event, now, False, False)
    key = ("asset-item", event.asset, event.key)
    found = world.fragments.get(key)
    if found is None:
        data = orjson.dumps(_asset_body(world, event, now, False, False))
        found = world.fragments.put(key, orjson.Fragment(data), FRAGMENT_BYTES + len(data))
    return found


def _is_final(world: World, event: Event, now: int) -> bool:
    """Whether the asset's last update is past at `now` (surely, without its seeded delay, once the longest is)."""
    return now >= event.t + MAX_UPDATE_DELAY or now >= _final_update(world, event)


def _final_update(world: World, event: Event) -> int:
    """The instant from which `updated_ms` no longer moves."""
    assert event.asset is not None
    return event.t + 1_000 + stable_seed(world.seed, "asset-updated", event.asset) % (MAX_UPDATE_DELAY - 999)


def _asset_body(world: World, event: Event, now: int, embedding: bool, gate_details: bool) -> dict[str, Any]:
    assert event.asset is not None
    entity = world.asset_entity(event)
    asset_id = entity["id"]
    kind = entity["kind"]
    properties = entity["properties"]
    created = format_ms(event.t)
    updated = format_ms(updated_ms(world, event, now))
    fmt = properties.get("format")
    body: dict[str, Any] = {
        "id": asset_id,
        "authorId": event.user,
        "collectionIds": list(asset_collections(world, asset_id)),
        "createdAt": created,
        "editCapabilities": _edit_capabilities(kind, entity["metadata"]["type"]),
        "kind": kind,
        "metadata": _metadata(world, event, entity),
        "mimeType": _MIME.get(fmt) or _KIND_MIME.get(kind, "application/octet-stream"),
        "nsfw": [event.nsfw] if event.nsfw else [],
        "ownerId": event.project,
        "privacy": privacy_of(world, asset_id),
        "properties": properties,
        "source": entity["source"],
        "status": "success",
        "tags": tags_of(world, asset_id),
        "updatedAt": updated,
        "url": world.values.asset_url(asset_id),
    }
    if kind in ("image", "image-hdr"):
        body["thumbnail"] = {"assetId": asset_id, "url": world.values.asset_url(asset_id, width=256)}
        body["preview"] = {"assetId": asset_id, "url": world.values.asset_url(asset_id, width=1024)}
    if event.job is not None:
        body["outputIndex"] = 0
    if event.verdict is not None:
        body["qualityGate"] = _quality_gate(world, asset_id, event.verdict, updated, gate_details)
    if embedding:
        rng = world.values.rng("asset-embedding", asset_id)
        body["embedding"] = [round(rng.uniform(-1.0, 1.0), 6) for _ in range(EMBEDDING_LENGTH)]
    return body


def _edit_capabilities(kind: str, asset_type: str) -> list[str]:
    if kind != "image":
        return []
    if asset_type in _SKYBOX_TYPES:
        return ["UPSCALE_360"]
    return list(_IMAGE_EDITS)


def _metadata(world: World, event: Event, entity: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {"kind": entity["kind"], "type": entity["metadata"]["type"]}
    properties = entity["properties"]
    for name in ("width", "height", "size"):
        if name in properties:
            metadata[name] = properties[name]
    if event.job is not None and event.job_type is not None:
        # The job's own input, as the job entity has it, so that an asset and its job tell the same story.
        job_input, _ = world.values.job_io(event.job_type, event.key)
        for wire, name in _INPUT_FIELDS.items():
            value = job_input.get(wire)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                metadata[name] = str(value) if name == "seed" else value
        metadata["parentJobId"] = event.job
    if event.model is not None:
        metadata["modelId"] = event.model
        metadata.setdefault("prompt", world.values.prompt((event.key, "asset")))
    parent = parent_of(world, event)
    if parent is not None:
        metadata["parentId"] = parent
        metadata["rootParentId"] = parent
    inference = inference_of(world, event)
    if inference is not None:
        metadata["inferenceId"] = inference
    return metadata


def _quality_gate(world: World, asset_id: str, verdict: str, computed_at: str, details: bool) -> dict[str, Any]:
    rng = world.values.rng("quality-gate", asset_id)
    low, high = {"pass": (70, 98), "warn": (50, 69), "fail": (8, 49)}[verdict]
    score = float(rng.randint(low, high))
    gate: dict[str, Any] = {
        "aiQualityScore": score,
        "computedAt": computed_at,
        "overallScore": score,
        "sensitivity": "medium",
        "status": "scored",
        "verdict": verdict,
        "version": QUALITY_GATE_VERSION,
    }
    if details:
        reasons = {
            "pass": ["Clean edges and consistent lighting"],
            "warn": ["Slight texture smearing in the background"],
            "fail": ["Malformed hands", "Inconsistent shadows"],
        }[verdict]
        suggestions = [] if verdict == "pass" else ["Regenerate with a higher number of inference steps"]
        gate["details"] = {"aiQuality": {"reasons": reasons, "score": score, "suggestions": suggestions}}
    return gate
