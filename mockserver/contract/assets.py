"""The 200 bodies of `GET /v1/assets` and `GET /v1/assets/{assetId}`: an asset with its whole metadata (the
generation's parameters), privacy, status, links and Quality Gate result; extends the `/usages` asset entity.
Also the typed query of `GET /v1/assets` (`AssetListQuery`) and its parser."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from mockserver.contract.ai_models import ModelConcept
from mockserver.contract.base import WireModel
from mockserver.contract.entities import AssetEntity, AssetMetadata, FlowAsset
from mockserver.contract.enums import ASSET_TYPES, AssetKind, ModelType
from mockserver.contract.lists import QueryReader
from mockserver.contract.read_enums import (
    PRIVACIES,
    AssetStatus,
    DetectionModality,
    EditCapability,
    GenerationStyle,
    InputFidelity,
    InputLocation,
    MimeType,
    Privacy,
    QualityGateSensitivity,
    QualityGateStatus,
    QualityGateVerdict,
    SeamlessImageType,
)


class AssetLink(FlowAsset):
    """A file related to an asset (its preview, thumbnail or a video frame): an asset id and its URL."""


class FullAssetMetadata(AssetMetadata):
    """An asset's whole metadata: the `/usages` part (`type`) plus its kind and the parameters it was made with."""

    angular: float | None = Field(
        default=None, description="How angular the surface is: 0 like a sphere, 1 mechanical."
    )
    aspect_ratio: str | None = Field(
        default=None, description="The optional aspect ratio given for the generation, only applicable for some models."
    )
    background_opacity: float | None = Field(default=None)
    base_model_id: str | None = Field(default=None, description="The baseModelId that maybe changed at inference time.")
    bbox: list[float] | None = Field(
        default=None, description="A bounding box around the object of interest, in the format [x1, y1, x2, y2]."
    )
    better_quality: bool | None = Field(default=None)
    canny_structure_image: str | None = Field(
        default=None, description="The control image already processed by canny detector."
    )
    clustering: bool | None = Field(default=None, description="Activate clustering.")
    color_correction: bool | None = Field(
        default=None, description="Ensure upscaled tile have the same color histogram as original tile."
    )
    color_mode: str | None = Field(default=None)
    color_precision: float | None = Field(default=None)
    concepts: list[ModelConcept] | None = Field(default=None, description="Flux Kontext LoRA to style the image.")
    contours: list[list[list[list[float]]]] | None = Field(default=None)
    control_end: float | None = Field(default=None, description="End step for control.")
    copied_at: str | None = Field(default=None, description="The date when the asset was copied to a project.")
    corner_threshold: float | None = Field(default=None)
    creativity: float | None = Field(
        default=None,
        description='Allow the generation of "hallucinations" during the upscale process, which adds additional...',
    )
    creativity_decay: float | None = Field(
        default=None, description="Amount of decay in creativity over the upscale process."
    )
    default_parameters: bool | None = Field(default=None, description="If true, use the default parameters.")
    depth_fidelity: float | None = Field(default=None, description="The depth fidelity if a depth image provided.")
    depth_image: str | None = Field(default=None, description="The control image processed by depth estimator.")
    details_level: float | None = Field(default=None, description="Amount of details to remove or add.")
    dilate: float | None = Field(default=None)
    factor: float | None = Field(default=None, description="Contrast factor for Grayscale detector.")
    file_name: str | None = Field(
        default=None,
        description="The name its parent's files reference it by (an OBJ's MTL, an MTL's texture), kept as delivered.",
    )
    filter_speckle: float | None = Field(default=None)
    fractality: float | None = Field(
        default=None, description="Determine the scale at which the upscale process works."
    )
    geometry_enforcement: float | None = Field(
        default=None, description="Apply extra control to the Skybox 360 geometry."
    )
    guidance: float | None = Field(default=None, description="The guidance used to generate this asset.")
    half_mode: bool | None = Field(default=None)
    hdr: float | None = Field(default=None)
    height: float | None = Field(default=None)
    high_threshold: float | None = Field(default=None, description="High threshold for Canny detector.")
    horizontal_expansion_ratio: float | None = Field(
        default=None, description="(deprecated) Horizontal expansion ratio."
    )
    image: str | None = Field(default=None, description="The input image to process.")
    image_fidelity: float | None = Field(
        default=None, description="Strengthen the similarity to the original image during the upscale."
    )
    image_type: SeamlessImageType | None = Field(
        default=None, description="Preserve the seamless properties of skybox or texture images."
    )
    inference_id: str | None = Field(
        default=None, description="The id of the Inference describing how this image was generated."
    )
    input_fidelity: InputFidelity | None = Field(
        default=None,
        description="`high` preserves more details of the input images.",
    )
    input_location: InputLocation | None = Field(default=None, description="Location of the input image in the output.")
    invert: bool | None = Field(default=None, description="To invert the relief.")
    keeps_file_names: bool | None = Field(
        default=None, description="Its own references (an OBJ's `mtllib`, an MTL's maps) were kept as delivered."
    )
    keypoint_threshold: float | None = Field(
        default=None, description="How polished the surface is: 0 rough, 1 like a mirror."
    )
    kind: AssetKind
    layer_difference: float | None = Field(default=None)
    length_threshold: float | None = Field(default=None)
    lock_expires_at: str | None = Field(
        default=None, description="The ISO timestamp when the lock on the canvas will expire."
    )
    low_threshold: float | None = Field(default=None, description="Low threshold for Canny detector.")
    mask: str | None = Field(default=None, description="The mask used for the asset generation or editing.")
    max_iterations: float | None = Field(default=None)
    max_threshold: float | None = Field(default=None, description="Maximum threshold for Grayscale conversion.")
    min_threshold: float | None = Field(default=None, description="Minimum threshold for Grayscale conversion.")
    modality: DetectionModality | None = Field(default=None, description="Modality to detect.")
    mode: str | None = Field(default=None)
    model_id: str | None = Field(default=None, description="The modelId used to generate this asset.")
    model_type: ModelType | None = Field(default=None, description="The type of the generator used.")
    name: str | None = Field(default=None)
    nb_masks: float | None = Field(default=None)
    negative_prompt: str | None = Field(default=None, description="The negative prompt used to generate this asset.")
    negative_prompt_strength: float | None = Field(
        default=None, description="Controls the influence of the negative prompt."
    )
    num_inference_steps: float | None = Field(
        default=None, description="The number of denoising steps for each image generation."
    )
    num_outputs: float | None = Field(default=None, description="The number of outputs to generate.")
    original_asset_id: str | None = Field(default=None)
    output_index: float | None = Field(default=None)
    overlap_percentage: float | None = Field(default=None, description="Overlap percentage for the output image.")
    override_embeddings: bool | None = Field(default=None, description="Override the embeddings of the model.")
    parent_id: str | None = Field(default=None)
    parent_job_id: str | None = Field(default=None)
    path_precision: float | None = Field(default=None)
    points: list[list[float]] | None = Field(
        default=None,
        description="List of points (label, x, y) in the image where label = 0 for background and 1 for object.",
    )
    polished: float | None = Field(default=None, description="How polished the surface is: 0 rough, 1 like a mirror.")
    preset: str | None = Field(default=None)
    progress_percent: float | None = Field(default=None)
    prompt: str | None = Field(default=None, description="The prompt that guided the asset generation or editing.")
    prompt_fidelity: float | None = Field(
        default=None, description="Increase the fidelity to the prompt during upscale."
    )
    raised: float | None = Field(default=None, description="How raised the surface is: 0 flat, 1 very rough rock.")
    reference_images: list[str] | None = Field(
        default=None, description="The reference images used for the asset generation or editing."
    )
    refinement_steps: float | None = Field(default=None, description="Additional refinement steps before scaling.")
    remove_background: bool | None = Field(default=None, description="Remove background for Grayscale detector.")
    resize_option: float | None = Field(default=None, description="Size proportion of the input image in the output.")
    result_contours: bool | None = Field(default=None, description="Boolean to output the contours.")
    result_image: bool | None = Field(
        default=None,
        description="Return the source image with the mask as its alpha channel (RGBA PNG).",
    )
    result_mask: bool | None = Field(default=None, description="Boolean to return the binary masks in the response.")
    root_parent_id: str | None = Field(default=None)
    save_flipbook: bool | None = Field(default=None, description="Save a flipbook of the texture.")
    scaling_factor: float | None = Field(default=None, description="Scaling factor (when `targetWidth` not specified).")
    scheduler: str | None = Field(default=None, description="The scheduler used to generate this asset.")
    seed: str | None = Field(default=None, description="The seed used to generate this asset.")
    sharpen: bool | None = Field(default=None, description="Sharpen tiles.")
    shiny: float | None = Field(default=None, description="How shiny the surface is: 0 matte, 1 like a diamond.")
    size: float | None = Field(default=None)
    sketch: bool | None = Field(default=None, description="Activate sketch detection instead of canny.")
    source_project_id: str | None = Field(default=None)
    splice_threshold: float | None = Field(default=None)
    strength: float | None = Field(default=None, description="The strength; `flux-kontext` LoRA model only.")
    structure_fidelity: float | None = Field(
        default=None, description="Strength for the input image structure preservation."
    )
    structure_image: str | None = Field(default=None, description="The control image for structure.")
    style: GenerationStyle | None = Field(default=None)
    style_fidelity: float | None = Field(
        default=None, description="The higher the value the more it will look like the style image(s)."
    )
    style_images: list[str] | None = Field(default=None, description="List of style images.")
    style_images_fidelity: float | None = Field(
        default=None, description="Condition the influence of the style image(s)."
    )
    target_height: float | None = Field(default=None, description="The target height of the output image.")
    target_width: float | None = Field(
        default=None, description="Target width for the upscaled image, take priority over scaling factor."
    )
    text: str | None = Field(
        default=None, description="A textual description / keywords describing the object of interest."
    )
    texture: str | None = Field(default=None, description="The asset to convert in texture maps.")
    thumbnail: AssetLink | None = Field(default=None, description="The thumbnail of the canvas.")
    tile_style: bool | None = Field(
        default=None,
        description="Match the tiles of the source image while upscaling.",
    )
    training_image: bool | None = Field(default=None)
    vertical_expansion_ratio: float | None = Field(default=None, description="(deprecated) Vertical expansion ratio.")
    width: float | None = Field(default=None, description="The width of the rendered image.")


class QualityGateDimension(WireModel):
    """One scored dimension of a Quality Gate result (generic AI quality, or brief compliance)."""

    reasons: list[str] = Field(description="Why the image scored as it did.")
    score: float = Field(description="0 to 100; higher is better (more compliant, less AI-looking).")
    suggestions: list[str] = Field(description="Actionable suggestions to improve the score.")


class QualityGateDetails(WireModel):
    """Per-dimension reasons and suggestions, as produced by the detector."""

    ai_quality: QualityGateDimension = Field(description="Always-on generic AI-quality dimension.")
    brief_compliance: QualityGateDimension | None = Field(
        default=None, description="Brief-compliance dimension; omitted when no brief applied."
    )


class QualityGate(WireModel):
    """Quality Gate result, computed asynchronously after generation."""

    ai_quality_score: float | None = Field(default=None, description="Generic AI-quality sub-score.")
    applied_brief_ids: list[str] | None = Field(default=None, description="Ids of briefs that contributed.")
    brief_compliance_score: float | None = Field(
        default=None, description="Brief-compliance sub-score (omitted when no brief applied)."
    )
    computed_at: str = Field(description="ISO-8601 timestamp of when scoring ran.")
    details: QualityGateDetails | None = Field(
        default=None, description="Per-dimension reasons and suggestions, as produced by the detector."
    )
    error: str | None = Field(default=None, description="Error message (truncated) when `status` is `error`.")
    overall_score: float | None = Field(
        default=None, description="Composite score, 0 to 100 (when `status` is `scored`)."
    )
    sensitivity: QualityGateSensitivity | None = Field(default=None, description="Sensitivity used for the verdict.")
    status: QualityGateStatus = Field(description="Whether scoring succeeded or errored.")
    verdict: QualityGateVerdict | None = Field(
        default=None, description="`pass`, `warn` or `fail` (when `status` is `scored`)."
    )
    version: str = Field(description="Rubric/model version that produced this result.")


class Asset(AssetEntity):
    """An asset as `assets.retrieve` and `assets.list` return it: the `/usages` asset entity plus owner, dates,
    privacy, status, links, tags and the whole generation metadata."""

    author_id: str = Field(description="The author's user id.")
    automatic_captioning: str | None = Field(default=None, description="Automatic captioning of the asset.")
    collection_ids: list[str] = Field(description="Collections the asset belongs to.")
    created_at: str = Field(description="Creation date, ISO 8601.")
    deleted_at: str | None = Field(default=None, description="Deletion date, ISO 8601; deleted assets only.")
    description: str | None = Field(
        default=None,
        description="The manual description, else a generated one.",
    )
    edit_capabilities: list[EditCapability] = Field(description="List of edit capabilities.")
    embedding: list[float] | None = Field(default=None, description="The embedding of the asset when requested.")
    first_frame: AssetLink | None = Field(default=None, description="The video asset's first frame.")
    is_hidden: bool | None = Field(default=None, description="Whether the asset is hidden.")
    last_frame: AssetLink | None = Field(default=None, description="The video asset's last frame.")
    metadata: FullAssetMetadata = Field(description="How the asset was made, with the generation's parameters.")
    mime_type: str = Field(description="The mime type of the asset.")
    nsfw: list[str] | None = Field(default=None, description="The NSFW labels.")
    original_file_url: str | None = Field(default=None, description="The original file url.")
    original_mime_type: MimeType | None = Field(default=None, description="The mime type of the original file url.")
    output_index: float | None = Field(
        default=None,
        description="Index of the asset among its job's outputs, from 0.",
    )
    owner_id: str = Field(description="The owner (project or team) id.")
    preview: AssetLink | None = Field(default=None, description="The asset's preview.")
    privacy: Privacy = Field(description="The privacy of the asset.")
    quality_gate: QualityGate | None = Field(
        default=None, description="Quality Gate result, computed asynchronously after generation."
    )
    status: AssetStatus = Field(description="Whether the asset is ready (`success`), coming or failed.")
    tags: list[str] = Field(description="The associated tags.")
    thumbnail: AssetLink | None = Field(default=None, description="The asset's thumbnail.")
    updated_at: str = Field(description="Last update date, ISO 8601.")
    url: str = Field(description="Signed URL to get the asset content.")


class AssetRetrieveResponse(WireModel):
    """The 200 body of `GET /v1/assets/{assetId}`."""

    asset: Asset = Field(description="The asset.")


class AssetListResponse(WireModel):
    """The 200 body of `GET /v1/assets`: one page of assets."""

    assets: list[Asset] = Field(description="The page's assets.")
    next_pagination_token: str | None = Field(default=None, description="Token of the next page; none on the last.")


# --- the query of `GET /v1/assets` -------------------------------------------------------------------------

ASSET_SORT_FIELDS = ("createdAt", "updatedAt")
SORT_DIRECTIONS = ("asc", "desc")
# The filters that `deleted=true` may not come with [SDK doc: only with projectId, teamId, paging, originalAssets].
NOT_WITH_DELETED = (
    "authorId",
    "collectionId",
    "createdAfter",
    "createdBefore",
    "inferenceId",
    "modelId",
    "parentAssetId",
    "privacy",
    "rootAssetId",
    "sortBy",
    "sortDirection",
    "tags",
    "type",
    "types",
    "updatedAfter",
    "updatedBefore",
)


@dataclass(frozen=True, slots=True)
class AssetListQuery:
    """The filters and order of `assets.list` (no page size nor token: a page token pins this whole query)."""

    sort_by: str = "createdAt"
    descending: bool = True
    # Sorted tuples, not sets: a token's digest is the query's repr, which must not depend on the process's hash seed.
    types: tuple[str, ...] | None = None  # `type` or `types`: the assets' `metadata.type`
    author_id: str | None = None
    collection_id: str | None = None
    model_id: str | None = None
    parent_asset_id: str | None = None
    root_asset_id: str | None = None
    inference_id: str | None = None
    created_after: int | None = None  # exclusive bounds, epoch ms
    created_before: int | None = None
    updated_after: int | None = None
    updated_before: int | None = None
    privacy: str | None = None
    tags: tuple[str, ...] | None = None  # an asset matches when it has every one
    project_id: str | None = None
    deleted: bool = False


def parse_asset_list_query(reader: QueryReader) -> AssetListQuery:
    """Read `assets.list`'s query; the contract's rules are 400s (or, when lenient, the offending value is absent)."""
    sort_by = reader.choice("sortBy", ASSET_SORT_FIELDS)
    direction = reader.choice("sortDirection", SORT_DIRECTIONS)
    types = reader.one_of_types(ASSET_TYPES)
    bounds = reader.sorted_bounds(sort_by or "createdAt")
    deleted = bool(reader.boolean("deleted"))
    if deleted:
        others = [name for name in NOT_WITH_DELETED if reader.has(name)]
        if others:
            reader.fail(f"deleted=true can only be combined with projectId, teamId and paging; got {others[0]!r}")
    tags = reader.texts("tags")
    return AssetListQuery(
        sort_by=sort_by or "createdAt",
        descending=direction != "asc",
        types=types,
        author_id=reader.text("authorId"),
        collection_id=reader.text("collectionId"),
        model_id=reader.text("modelId"),
        parent_asset_id=reader.text("parentAssetId"),
        root_asset_id=reader.text("rootAssetId"),
        inference_id=reader.text("inferenceId"),
        created_after=bounds["createdAfter"],
        created_before=bounds["createdBefore"],
        updated_after=bounds["updatedAfter"],
        updated_before=bounds["updatedBefore"],
        privacy=reader.choice("privacy", PRIVACIES),
        tags=tuple(sorted(set(tags))) if tags else None,
        project_id=reader.text("projectId"),
        deleted=deleted,
    )
