"""Every enum the 2.4.0 contract gives the read endpoints (teams, projects, keys, jobs, assets, models), as Literal
types and tuples; `mockserver.contract.enums` holds those of `/usages`."""

from __future__ import annotations

from typing import Literal, get_args

# --- teams, projects and keys (read endpoints) ---------------------------------------------------------------

# Team plans (`team.plan`, `limits` response `plan`).
Plan = Literal[
    "cu-basic",
    "cu-creator",
    "cu-max",
    "cu-pro",
    "cu-pro-q3-25",
    "cu-team",
    "cu-team-v2",
    "enterprise",
    "essential",
    "free",
    "premium",
    "pro",
]
PLANS: tuple[str, ...] = get_args(Plan)

# Team types.
TeamType = Literal["personal", "shared"]
TEAM_TYPES: tuple[str, ...] = get_args(TeamType)

# Roles inside a team (members, invitations, the caller's `context.userRole`).
TeamRole = Literal["admin", "key", "member"]
TEAM_ROLES: tuple[str, ...] = get_args(TeamRole)

# Team invitation statuses.
InvitationStatus = Literal["accepted", "expired", "pending", "withdrawn"]
INVITATION_STATUSES: tuple[str, ...] = get_args(InvitationStatus)

# Team payment statuses.
PaymentStatus = Literal["failed", "succeeded"]
PAYMENT_STATUSES: tuple[str, ...] = get_args(PaymentStatus)

# Team subscription statuses.
SubscriptionStatus = Literal["active", "inactive", "paused"]
SUBSCRIPTION_STATUSES: tuple[str, ...] = get_args(SubscriptionStatus)

# Team IP-detection postures.
IpDetectionEnforcement = Literal["active-fail-closed", "active-fail-open", "disabled"]
IP_DETECTION_ENFORCEMENTS: tuple[str, ...] = get_args(IpDetectionEnforcement)

# Statuses of a key listed by a team or project (no `deleted`, unlike `entities.users[].apiKeyStatus`).
MemberKeyStatus = Literal["active", "inactive"]
MEMBER_KEY_STATUSES: tuple[str, ...] = get_args(MemberKeyStatus)

# API key scopes.
KeyScope = Literal["project", "team"]
KEY_SCOPES: tuple[str, ...] = get_args(KeyScope)

# --- read endpoints: jobs, assets and models (issue 13) ----------------------------------------------------

# `asset.privacy`, `model.privacy`.
Privacy = Literal[
    "private",
    "public",
    "unlisted",
]
PRIVACIES: tuple[str, ...] = get_args(Privacy)

# `asset.status`.
AssetStatus = Literal[
    "error",
    "pending",
    "success",
]
ASSET_STATUSES: tuple[str, ...] = get_args(AssetStatus)

# `asset.editCapabilities[]`.
EditCapability = Literal[
    "DETECTION",
    "GENERATIVE_FILL",
    "PIXELATE",
    "PROMPT_EDITING",
    "REFINE",
    "REFRAME",
    "REMOVE_BACKGROUND",
    "SEGMENTATION",
    "UPSCALE",
    "UPSCALE_360",
    "VECTORIZATION",
]
EDIT_CAPABILITIES: tuple[str, ...] = get_args(EditCapability)

# `asset.originalMimeType`.
MimeType = Literal[
    "application/gzip",
    "application/json",
    "application/octet-stream",
    "application/pdf",
    "application/safetensors",
    "application/vnd.autodesk.fbx",
    "application/x-authorware-bin",
    "application/x-zip-compressed",
    "application/x.autodesk.fbx",
    "application/zip",
    "audio/flac",
    "audio/m4a",
    "audio/mpeg",
    "audio/ogg",
    "audio/wav",
    "image/aces",
    "image/avif",
    "image/bmp",
    "image/gif",
    "image/heic",
    "image/jpeg",
    "image/png",
    "image/svg+xml",
    "image/tiff",
    "image/vnd.radiance",
    "image/webp",
    "image/x-exr",
    "model/glb",
    "model/gltf+json",
    "model/gltf-binary",
    "model/ksplat",
    "model/mtl",
    "model/obj",
    "model/ply",
    "model/sog",
    "model/splat",
    "model/spz",
    "model/stl",
    "model/vnd.collada+xml",
    "model/vnd.ms-package.3dmanufacturing-3dmodel+xml",
    "model/vnd.usdz+zip",
    "model/x-3d-vox",
    "model/x-blender",
    "model/x-fbx",
    "model/x-maya-ascii",
    "model/x-maya-binary",
    "model/x-vsplat",
    "model/x3d+xml",
    "text/plain",
    "video/mp4",
    "video/quicktime",
    "video/webm",
]
MIME_TYPES: tuple[str, ...] = get_args(MimeType)

# `asset.qualityGate.status`.
QualityGateStatus = Literal[
    "error",
    "scored",
]
QUALITY_GATE_STATUSES: tuple[str, ...] = get_args(QualityGateStatus)

# `asset.qualityGate.sensitivity`.
QualityGateSensitivity = Literal[
    "high",
    "low",
    "medium",
]
QUALITY_GATE_SENSITIVITIES: tuple[str, ...] = get_args(QualityGateSensitivity)

# `asset.qualityGate.verdict` (`qualityGateUsages` rows add `total`: see QUALITY_GATE_VERDICTS).
QualityGateVerdict = Literal[
    "fail",
    "pass",
    "warn",
]
QUALITY_GATE_RESULTS: tuple[str, ...] = get_args(QualityGateVerdict)

# `asset.metadata.imageType`.
SeamlessImageType = Literal[
    "seamfull",
    "skybox",
    "texture",
]
SEAMLESS_IMAGE_TYPES: tuple[str, ...] = get_args(SeamlessImageType)

# `asset.metadata.inputFidelity`.
InputFidelity = Literal[
    "high",
    "low",
]
INPUT_FIDELITIES: tuple[str, ...] = get_args(InputFidelity)

# `asset.metadata.inputLocation`.
InputLocation = Literal[
    "bottom",
    "left",
    "middle",
    "right",
    "top",
]
INPUT_LOCATIONS: tuple[str, ...] = get_args(InputLocation)

# `asset.metadata.modality`.
DetectionModality = Literal[
    "canny",
    "depth",
    "grayscale",
    "lineart_anime",
    "mlsd",
    "normal",
    "pose",
    "scribble",
    "segmentation",
    "sketch",
]
DETECTION_MODALITIES: tuple[str, ...] = get_args(DetectionModality)

# `asset.metadata.style`.
GenerationStyle = Literal[
    "3d-cartoon",
    "3d-rendered",
    "anime",
    "cartoon",
    "cinematic",
    "claymation",
    "cloud-skydome",
    "comic",
    "cyberpunk",
    "enchanted",
    "fantasy",
    "ink",
    "manga",
    "manga-color",
    "minimalist",
    "neon-tron",
    "oil-painting",
    "pastel",
    "photo",
    "photography",
    "psychedelic",
    "retro-fantasy",
    "scifi-concept-art",
    "space",
    "standard",
    "whimsical",
]
GENERATION_STYLES: tuple[str, ...] = get_args(GenerationStyle)

# `model.capabilities[]`.
ModelCapability = Literal[
    "3d23d",
    "audio2audio",
    "audio2txt",
    "audio2video",
    "controlnet",
    "controlnet_img2img",
    "controlnet_inpaint",
    "controlnet_inpaint_ip_adapter",
    "controlnet_ip_adapter",
    "controlnet_reference",
    "controlnet_texture",
    "img23d",
    "img2img",
    "img2img_ip_adapter",
    "img2img_texture",
    "img2txt",
    "img2video",
    "inpaint",
    "inpaint_ip_adapter",
    "outpaint",
    "reference",
    "reference_texture",
    "txt23d",
    "txt2audio",
    "txt2img",
    "txt2img_ip_adapter",
    "txt2img_texture",
    "txt2txt",
    "txt2video",
    "video23d",
    "video2audio",
    "video2img",
    "video2txt",
    "video2video",
]
MODEL_CAPABILITIES: tuple[str, ...] = get_args(ModelCapability)

# `model.source`.
ModelSource = Literal[
    "civitai",
    "huggingface",
    "other",
    "scenario",
]
MODEL_SOURCES: tuple[str, ...] = get_args(ModelSource)

# `model.status`.
ModelStatus = Literal[
    "copying",
    "failed",
    "new",
    "trained",
    "training",
    "training-canceled",
]
MODEL_STATUSES: tuple[str, ...] = get_args(ModelStatus)

# `model.class.status`.
ModelClassStatus = Literal[
    "published",
    "unpublished",
]
MODEL_CLASS_STATUSES: tuple[str, ...] = get_args(ModelClassStatus)

# `model.parameters.lrScheduler`.
LrScheduler = Literal[
    "constant",
    "constant-with-warmup",
    "cosine",
    "cosine-with-restarts",
    "linear",
    "polynomial",
]
LR_SCHEDULERS: tuple[str, ...] = get_args(LrScheduler)

# `model.trainingProgress.stage`.
TrainingStage = Literal[
    "pending",
    "pending-captcha",
    "queued-for-train",
    "ready-for-captcha",
    "running-train",
    "starting-train",
]
TRAINING_STAGES: tuple[str, ...] = get_args(TrainingStage)

# `model.uiConfig.triggerGenerate.position`.
TriggerPosition = Literal[
    "bottom",
    "top",
]
TRIGGER_POSITIONS: tuple[str, ...] = get_args(TriggerPosition)

# `model.accessRestrictions`: the lowest plan that may use the model (0 free, 25 starter, 50 pro, 75 max, 100).
AccessRestriction = Literal[0, 25, 50, 75, 100]
ACCESS_RESTRICTIONS: tuple[int, ...] = get_args(AccessRestriction)
