"""What each activity action means in a world: its usage row, cost, the job and asset it produces, what it references.

Pure data derived from the contract's enums; the API-FACTS rules for usage rows live in `usage_row_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from mockserver.contract.enums import ACTIONS, USAGE_NAMES

# Actions that are billed aggregates, never generated as events (their usage rows sum every event's cost).
BILLING_ROWS = ("creative-unit-cost", "creative-unit-discount")

_IMAGE_GENERATION_PATTERNS = (
    "txt2img",
    "img2img",
    "inference",
    "controlnet*",
    "inpaint*",
    "*-ip-adapter",
    "*-texture",
    "generative-fill",
    "reframe",
)


def usage_row_of(action: str) -> str | None:
    """Return the `usageName` row an action counts toward, or None (API-FACTS "Usage rows")."""
    if action in BILLING_ROWS:
        return None
    if action in USAGE_NAMES:
        return action
    if any(fnmatchcase(action, pattern) for pattern in _IMAGE_GENERATION_PATTERNS):
        return "images-generation"
    if action in ("start-train", "train-succeeded"):
        return "models-training"
    return None


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """How a world renders one action: which ids its events carry and what they cost (in milli-CU)."""

    name: str
    usage_row: str | None
    job_type: str | None = None  # the job an event of this action runs, if any
    asset_kind: str | None = None  # the kind of asset it creates, if any
    asset_source: str | None = None
    asset_type: str | None = None
    uses_model: bool = False
    references: str | None = None  # "asset", "model" or "collection": an existing entity it acts on
    cost: tuple[int, int] = (0, 0)  # inclusive range of milli-CU charged per event
    byok: bool = False
    quality_gate: bool = False  # generation whose outputs may go through the quality gate


def _gen(
    name: str,
    source: str,
    asset_type: str,
    *,
    job: str = "inference",
    kind: str = "image",
    model: bool = True,
    cost: tuple[int, int] = (2_000, 8_000),
) -> ActionInfo:
    return ActionInfo(
        name,
        usage_row_of(name),
        job_type=job,
        asset_kind=kind,
        asset_source=source,
        asset_type=asset_type,
        uses_model=model,
        cost=cost,
        quality_gate=kind == "image",
    )


_GENERATION = [
    _gen("txt2img", "inference-txt", "inference-txt2img"),
    _gen("txt2img-ip-adapter", "inference-txt-ip-adapter", "inference-txt2img-ip-adapter"),
    _gen("img2img", "inference-img", "inference-img2img"),
    _gen("img2img-ip-adapter", "inference-img-ip-adapter", "inference-img2img-ip-adapter"),
    _gen("img2img-texture", "inference-img-texture", "inference-img2img-texture"),
    _gen("inference", "inference-txt", "inference-txt2img"),
    _gen("images-generation", "txt2img", "txt2img", job="image-generation"),
    _gen("controlnet", "inference-control-net", "inference-controlnet"),
    _gen("controlnet-img2img", "inference-control-net-img", "inference-controlnet-img2img"),
    _gen("controlnet-inpaint", "inference-control-net-inpainting", "inference-controlnet-inpaint"),
    _gen("controlnet-ip-adapter", "inference-control-net-ip-adapter", "inference-controlnet-ip-adapter"),
    _gen("controlnet-texture", "inference-control-net-texture", "inference-controlnet-texture"),
    _gen("inpaint", "inference-in-paint", "inference-inpaint"),
    _gen("inpaint-ip-adapter", "inference-in-paint-ip-adapter", "inference-inpaint-ip-adapter"),
    _gen("generative-fill", "generative-fill", "generative-fill", job="image-generation"),
    _gen("reframe", "reframe", "reframe", job="reframe"),
    _gen("image-prompt-editing", "image-prompt-editing", "image-prompt-editing", job="image-prompt-editing"),
    _gen(
        "background-removal",
        "background-removal",
        "background-removal",
        job="remove-background",
        model=False,
        cost=(500, 1_000),
    ),
    _gen("upscale", "upscale", "upscale", job="upscale", model=False, cost=(1_000, 4_000)),
    _gen("vectorization", "vectorization", "vectorization", job="vectorize", model=False, cost=(1_000, 2_000)),
    _gen("pixelate", "pixelization", "pixelization", job="pixelate", model=False, cost=(500, 1_000)),
    _gen("restyle", "restyle", "restyle", job="restyle", cost=(2_000, 6_000)),
    _gen("repaint", "canvas", "canvas", job="repaint", cost=(2_000, 6_000)),
    _gen("patch", "patch", "patch", job="patch-image", model=False, cost=(1_000, 3_000)),
    _gen(
        "segmentation",
        "segmentation-mask",
        "segmentation-mask",
        job="segment",
        model=False,
        cost=(500, 1_500),
    ),
    _gen("texture", "texture", "texture", job="texture", kind="image", cost=(3_000, 9_000)),
    _gen("skybox-base-360", "skybox-base-360", "skybox-base-360", job="skybox-base-360", cost=(5_000, 12_000)),
    _gen(
        "skybox-upscale-360",
        "upscale-skybox",
        "upscale-skybox",
        job="skybox-upscale-360",
        model=False,
        cost=(3_000, 6_000),
    ),
    _gen("captioning", "img2txt", "img2txt", job="caption", kind="text", model=False, cost=(200, 500)),
    _gen(
        "describe-style",
        "img2txt",
        "img2txt",
        job="describe-style",
        kind="text",
        model=False,
        cost=(200, 500),
    ),
    _gen("custom", "unknown", "unknown", job="custom", cost=(1_000, 10_000)),
]

_NON_ASSET_JOBS = [
    ActionInfo("detection", "detection", job_type="detection", references="asset", cost=(200, 600)),
    ActionInfo("ip-detection", "ip-detection", job_type="detection", references="asset", cost=(300, 800)),
    ActionInfo("embed", None, job_type="embed", references="asset", cost=(100, 200)),
    ActionInfo("start-train", "models-training", job_type="model-training", uses_model=True, cost=(50_000, 150_000)),
    ActionInfo("train-succeeded", "models-training", uses_model=True),
    ActionInfo("download-assets", None, job_type="assets-download", references="asset"),
    ActionInfo("download-model", None, job_type="model-download", uses_model=True),
    ActionInfo(
        "custom-asset-created",
        "custom-asset-created",
        asset_kind="image",
        asset_source="uploaded",
        asset_type="uploaded",
        cost=(0, 0),
    ),
]

_BILLING = [
    ActionInfo("refunds", "refunds"),  # cost 0; the refunded CU is the event's discount
    ActionInfo("oscu", None, cost=(10_000, 50_000)),
]

_ASSET_ADMIN = (
    "asset",
    "asset-privacy",
    "copy-asset",
    "delete-asset",
    "delete-inference-image",
    "tag-asset",
    "update-asset",
    "delete-training-images",
)
_MODEL_ADMIN = (
    "model",
    "copy-model",
    "delete-model",
    "delete-model-preset",
    "disable-project-model",
    "disable-team-model",
    "enable-project-model",
    "enable-team-model",
    "model-preset",
    "tag-model",
    "training-images-to-model",
    "transfer-model",
    "update-model",
    "update-model-description",
    "update-model-examples",
    "update-model-prompt-guide",
    "models-training",
)
_COLLECTION_ADMIN = (
    "collection",
    "collection-assets",
    "collection-models",
    "delete-collection",
    "delete-collection-assets",
    "delete-collection-models",
    "update-collection",
)
_BYOK = (
    "byok-remove-project-provider",
    "byok-remove-provider",
    "byok-set-project-provider",
    "byok-set-provider",
)


def _build_catalog() -> dict[str, ActionInfo]:
    catalog: dict[str, ActionInfo] = {info.name: info for info in _GENERATION + _NON_ASSET_JOBS + _BILLING}
    for name in _ASSET_ADMIN:
        catalog[name] = ActionInfo(name, usage_row_of(name), references="asset")
    for name in _MODEL_ADMIN:
        catalog.setdefault(name, ActionInfo(name, usage_row_of(name), uses_model=True))
    for name in _COLLECTION_ADMIN:
        catalog[name] = ActionInfo(name, usage_row_of(name), references="collection")
    for name in _BYOK:
        catalog[name] = ActionInfo(name, usage_row_of(name), byok=True)
    for name in ACTIONS:
        catalog.setdefault(name, ActionInfo(name, usage_row_of(name)))
    unknown = set(catalog) - set(ACTIONS)
    if unknown:  # a typo here would serve an action the contract does not know
        raise RuntimeError(f"catalog has actions outside the contract: {sorted(unknown)}")
    return catalog


CATALOG: dict[str, ActionInfo] = _build_catalog()
"""Every action of the contract, keyed by name (immutable after import)."""
