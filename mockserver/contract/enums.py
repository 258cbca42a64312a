"""Every enum of the 2.4.0 contract, as Literal types and tuples (the single list the models and the world use)."""

from __future__ import annotations

from typing import Literal, get_args

# Activity actions (`activity[].action`).
Action = Literal[
    "asset",
    "asset-privacy",
    "assistant-message",
    "background-removal",
    "byok-remove-project-provider",
    "byok-remove-provider",
    "byok-set-project-provider",
    "byok-set-provider",
    "captioning",
    "collection",
    "collection-assets",
    "collection-models",
    "controlnet",
    "controlnet-img2img",
    "controlnet-inpaint",
    "controlnet-ip-adapter",
    "controlnet-texture",
    "copy-asset",
    "copy-model",
    "creative-unit-cost",
    "creative-unit-discount",
    "custom",
    "custom-asset-created",
    "delete-asset",
    "delete-collection",
    "delete-collection-assets",
    "delete-collection-models",
    "delete-inference-image",
    "delete-model",
    "delete-model-preset",
    "delete-oscu-auto-refill",
    "delete-project-api-key",
    "delete-project-member",
    "delete-subscription",
    "delete-team-api-key",
    "delete-team-invitations",
    "delete-team-member",
    "delete-training-images",
    "describe-style",
    "detection",
    "disable-project-model",
    "disable-team-model",
    "download-assets",
    "download-model",
    "embed",
    "enable-project-model",
    "enable-team-model",
    "generative-fill",
    "image-prompt-editing",
    "images-generation",
    "img2img",
    "img2img-ip-adapter",
    "img2img-texture",
    "inference",
    "inpaint",
    "inpaint-ip-adapter",
    "ip-detection",
    "model",
    "model-preset",
    "models-training",
    "oscu",
    "patch",
    "pixelate",
    "project",
    "project-api-key",
    "project-member",
    "reframe",
    "refunds",
    "repaint",
    "restyle",
    "segmentation",
    "skybox-base-360",
    "skybox-upscale-360",
    "start-train",
    "subscription",
    "subscription-seats",
    "tag-asset",
    "tag-model",
    "team-api-key",
    "team-member",
    "texture",
    "train-succeeded",
    "training-images-to-model",
    "transfer-model",
    "txt2img",
    "txt2img-ip-adapter",
    "update-asset",
    "update-collection",
    "update-model",
    "update-model-description",
    "update-model-examples",
    "update-model-prompt-guide",
    "update-oscu-auto-refill",
    "update-project",
    "update-project-instructions",
    "update-subscription",
    "update-team",
    "update-team-instructions",
    "update-team-member",
    "upscale",
    "vectorization",
]
ACTIONS: tuple[str, ...] = get_args(Action)

# Usage series names (`usages[].usageName`).
UsageName = Literal[
    "background-removal",
    "captioning",
    "creative-unit-cost",
    "creative-unit-discount",
    "custom",
    "custom-asset-created",
    "detection",
    "image-prompt-editing",
    "images-generation",
    "ip-detection",
    "models-training",
    "patch",
    "pixelate",
    "refunds",
    "repaint",
    "restyle",
    "segmentation",
    "skybox-base-360",
    "skybox-upscale-360",
    "texture",
    "upscale",
    "vectorization",
]
USAGE_NAMES: tuple[str, ...] = get_args(UsageName)

# Point granularities.
Granularity = Literal[
    "15m",
    "1d",
    "1h",
    "1m",
    "30m",
    "5m",
    "7d",
]
GRANULARITIES: tuple[str, ...] = get_args(Granularity)

# Asset kinds (assets, `assetUsages[].kind`, flow inputs).
AssetKind = Literal[
    "3d",
    "audio",
    "document",
    "image",
    "image-hdr",
    "json",
    "text",
    "video",
]
ASSET_KINDS: tuple[str, ...] = get_args(AssetKind)

# Asset sources (`entities.assets[].source`).
AssetSource = Literal[
    "3d23d",
    "3d23d:texture",
    "3d:texture",
    "3d:texture:albedo",
    "3d:texture:metallic",
    "3d:texture:mtl",
    "3d:texture:normal",
    "3d:texture:roughness",
    "audio2audio",
    "audio2txt",
    "audio2video",
    "background-removal",
    "canvas",
    "canvas-drawing",
    "canvas-export",
    "detection",
    "generative-fill",
    "image-prompt-editing",
    "img23d",
    "img2img",
    "img2splat",
    "img2txt",
    "img2video",
    "inference-control-net",
    "inference-control-net-img",
    "inference-control-net-inpainting",
    "inference-control-net-inpainting-ip-adapter",
    "inference-control-net-ip-adapter",
    "inference-control-net-reference",
    "inference-control-net-texture",
    "inference-img",
    "inference-img-ip-adapter",
    "inference-img-texture",
    "inference-in-paint",
    "inference-in-paint-ip-adapter",
    "inference-reference",
    "inference-reference-texture",
    "inference-txt",
    "inference-txt-ip-adapter",
    "inference-txt-texture",
    "patch",
    "pixelization",
    "reframe",
    "restyle",
    "segment",
    "segmentation-image",
    "segmentation-mask",
    "skybox-3d",
    "skybox-base-360",
    "skybox-hdri",
    "texture",
    "texture:albedo",
    "texture:ao",
    "texture:edge",
    "texture:height",
    "texture:metallic",
    "texture:normal",
    "texture:smoothness",
    "txt23d",
    "txt2audio",
    "txt2img",
    "txt2txt",
    "txt2video",
    "unknown",
    "uploaded",
    "uploaded-3d",
    "uploaded-audio",
    "uploaded-avatar",
    "uploaded-text",
    "uploaded-video",
    "upscale",
    "upscale-skybox",
    "upscale-texture",
    "upscale-video",
    "vectorization",
    "video23d",
    "video2audio",
    "video2img",
    "video2txt",
    "video2video",
    "voice-clone",
]
ASSET_SOURCES: tuple[str, ...] = get_args(AssetSource)

# Asset types (`entities.assets[].metadata.type`).
AssetType = Literal[
    "3d-texture",
    "3d-texture-albedo",
    "3d-texture-metallic",
    "3d-texture-mtl",
    "3d-texture-normal",
    "3d-texture-roughness",
    "3d23d",
    "3d23d-texture",
    "audio2audio",
    "audio2txt",
    "audio2video",
    "background-removal",
    "canvas",
    "canvas-drawing",
    "canvas-export",
    "detection",
    "generative-fill",
    "image-prompt-editing",
    "img23d",
    "img2img",
    "img2splat",
    "img2txt",
    "img2video",
    "inference-controlnet",
    "inference-controlnet-img2img",
    "inference-controlnet-inpaint",
    "inference-controlnet-inpaint-ip-adapter",
    "inference-controlnet-ip-adapter",
    "inference-controlnet-reference",
    "inference-controlnet-texture",
    "inference-img2img",
    "inference-img2img-ip-adapter",
    "inference-img2img-texture",
    "inference-inpaint",
    "inference-inpaint-ip-adapter",
    "inference-reference",
    "inference-reference-texture",
    "inference-txt2img",
    "inference-txt2img-ip-adapter",
    "inference-txt2img-texture",
    "patch",
    "pixelization",
    "reframe",
    "restyle",
    "segment",
    "segmentation-image",
    "segmentation-mask",
    "skybox-3d",
    "skybox-base-360",
    "skybox-hdri",
    "texture",
    "texture-albedo",
    "texture-ao",
    "texture-edge",
    "texture-height",
    "texture-metallic",
    "texture-normal",
    "texture-smoothness",
    "txt23d",
    "txt2audio",
    "txt2img",
    "txt2txt",
    "txt2video",
    "unknown",
    "uploaded",
    "uploaded-3d",
    "uploaded-audio",
    "uploaded-avatar",
    "uploaded-text",
    "uploaded-video",
    "upscale",
    "upscale-skybox",
    "upscale-texture",
    "upscale-video",
    "vectorization",
    "video23d",
    "video2audio",
    "video2img",
    "video2txt",
    "video2video",
    "voice-clone",
]
ASSET_TYPES: tuple[str, ...] = get_args(AssetType)

# 3D camera modes.
CameraMode = Literal[
    "aerial",
    "interior",
    "turntable",
]
CAMERA_MODES: tuple[str, ...] = get_args(CameraMode)

# Audio classifications.
AudioClassification = Literal[
    "effect",
    "interview",
    "music",
    "other",
    "sound",
    "speech",
    "text",
    "unknown",
]
AUDIO_CLASSIFICATIONS: tuple[str, ...] = get_args(AudioClassification)

# Job types.
JobType = Literal[
    "assets-download",
    "canvas-export",
    "caption",
    "caption-llava",
    "custom",
    "describe-style",
    "detection",
    "embed",
    "flux",
    "flux-model-training",
    "generate-prompt",
    "image-generation",
    "image-prompt-editing",
    "inference",
    "mesh-preview-rendering",
    "model-download",
    "model-import",
    "model-training",
    "musubi-model-training",
    "openai-image-generation",
    "patch-image",
    "pixelate",
    "reframe",
    "remove-background",
    "repaint",
    "restyle",
    "segment",
    "skybox-3d",
    "skybox-base-360",
    "skybox-hdri",
    "skybox-upscale-360",
    "splat",
    "texture",
    "translate",
    "upload",
    "upscale",
    "upscale-skybox",
    "upscale-texture",
    "vectorize",
    "workflow",
]
JOB_TYPES: tuple[str, ...] = get_args(JobType)

# Job statuses.
JobStatus = Literal[
    "canceled",
    "failure",
    "finalizing",
    "in-progress",
    "pending",
    "queued",
    "success",
    "warming-up",
]
JOB_STATUSES: tuple[str, ...] = get_args(JobStatus)

# Workflow flow-node statuses.
NodeStatus = Literal[
    "failure",
    "pending",
    "processing",
    "rejected",
    "skipped",
    "success",
]
NODE_STATUSES: tuple[str, ...] = get_args(NodeStatus)

# Workflow flow-node types.
NodeType = Literal[
    "custom-model",
    "for-each",
    "generate-prompt",
    "list",
    "logic",
    "model",
    "remove-background",
    "transform",
    "user-approval",
    "user-selection",
    "workflow",
]
NODE_TYPES: tuple[str, ...] = get_args(NodeType)

# Flow-node input types.
InputType = Literal[
    "boolean",
    "file",
    "file_array",
    "inputs_array",
    "model",
    "model_array",
    "number",
    "number_array",
    "string",
    "string_array",
]
INPUT_TYPES: tuple[str, ...] = get_args(InputType)

# Background behaviours of image inputs.
BackgroundBehavior = Literal[
    "opaque",
    "transparent",
]
BACKGROUND_BEHAVIORS: tuple[str, ...] = get_args(BackgroundBehavior)

# Model types allowed by `model_array` inputs.
ModelType = Literal[
    "custom",
    "elevenlabs-voice",
    "flux.1",
    "flux.1-composition",
    "flux.1-kontext-dev",
    "flux.1-kontext-lora",
    "flux.1-krea-dev",
    "flux.1-krea-lora",
    "flux.1-lora",
    "flux.1-pro",
    "flux.1.1-pro-ultra",
    "flux.2-dev-edit-lora",
    "flux.2-dev-lora",
    "flux.2-klein-4b-edit-lora",
    "flux.2-klein-4b-lora",
    "flux.2-klein-9b-edit-lora",
    "flux.2-klein-9b-lora",
    "flux.2-klein-base-4b-edit-lora",
    "flux.2-klein-base-4b-lora",
    "flux.2-klein-base-9b-edit-lora",
    "flux.2-klein-base-9b-lora",
    "flux1.1-pro",
    "gpt-image-1",
    "qwen-image-2512-lora",
    "qwen-image-edit-2509-lora",
    "qwen-image-edit-2511-lora",
    "qwen-image-edit-lora",
    "qwen-image-lora",
    "zimage-de-turbo-lora",
    "zimage-lora",
    "zimage-turbo-lora",
]
MODEL_TYPES: tuple[str, ...] = get_args(ModelType)

# Operators of conditional requirements.
ConditionOperator = Literal[
    "and",
    "or",
]
CONDITION_OPERATORS: tuple[str, ...] = get_args(ConditionOperator)

# API key statuses.
ApiKeyStatus = Literal[
    "active",
    "deleted",
    "inactive",
]
API_KEY_STATUSES: tuple[str, ...] = get_args(ApiKeyStatus)

# Query parameter enums.
TimeRange = Literal[
    "last-hour",
    "last-day",
    "last-three-days",
    "last-seven-days",
    "last-thirty-one-days",
]
TIME_RANGES: tuple[str, ...] = get_args(TimeRange)

UsageType = Literal[
    "usages",
    "activity",
    "consumption",
    "model-usages",
    "asset-usages",
    "nsfw-usages",
    "quality-gate-usages",
]
USAGE_TYPES: tuple[str, ...] = get_args(UsageType)

QUALITY_GATE_VERDICTS: tuple[str, ...] = ("total", "pass", "warn", "fail")
"""Rows of `qualityGateUsages` (the contract types `verdict` as a plain string)."""

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
