"""The 200 bodies of `GET /v1/models` and `GET /v1/models/{modelId}`: a model with its inputs, training,
parameters, UI configuration and performance stats. (Named `ai_models` because every module here holds models.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from mockserver.contract.base import WireModel
from mockserver.contract.entities import FlowAsset, InputRequired
from mockserver.contract.enums import MODEL_TYPES, AssetKind, BackgroundBehavior, InputType, ModelType
from mockserver.contract.lists import QueryReader
from mockserver.contract.read_enums import (
    AccessRestriction,
    LrScheduler,
    ModelCapability,
    ModelClassStatus,
    ModelSource,
    ModelStatus,
    Privacy,
    TrainingStage,
    TriggerPosition,
)


class ModelThumbnail(FlowAsset):
    """An image of a model (its thumbnail, or a sample of a training epoch): an asset id and its URL."""


class ModelClass(WireModel):
    """The class of the model."""

    category: str = Field(description="The category slug of the class.")
    concept_prompt: str = Field(description="The concept prompt of the class.")
    model_id: str = Field(description="The model ID of the class.")
    name: str = Field(description="The class name.")
    prompt: str = Field(description="The class prompt.")
    slug: str = Field(description="The class slug.")
    status: ModelClassStatus = Field(
        description="Only published classes are listed; unpublished ones can still appear on models."
    )
    thumbnails: list[str] = Field(description="Some example images URLs to showcase the class.")


class ModelConcept(WireModel):
    """A model (e.g. a LoRA) applied with a scale, by a composition model or a generation."""

    model_epoch: str | None = Field(default=None, description="Epoch of the model; trained Flux LoRA models only.")
    model_id: str = Field(description="The model id (`model_...`).")
    scale: float = Field(description="Scale of the model (0 to 2 for Flux Kontext prompt editing).")


class ModelEpoch(WireModel):
    """One saved epoch of a trained model, with its sample images."""

    assets: list[ModelThumbnail] | None = Field(
        default=None, description="The assets of the epoch if sample prompts as been supplied during training."
    )
    epoch: str = Field(description="The epoch hash to identify the epoch.")


class ModelInput(WireModel):
    """Defines the input parameters for a model."""

    allowed_values: list[Any] | None = Field(default=None, description="The allowed values for the input.")
    background_behavior: BackgroundBehavior | None = Field(
        default=None, description="Specifies the background behavior for the input."
    )
    color: bool | None = Field(default=None, description="Whether the input is a color or not.")
    cost_impact: bool | None = Field(
        default=None, description="Whether this input affects the model's cost calculation."
    )
    default: Any | None = Field(default=None, description="The default value for the input.")
    description: str | None = Field(
        default=None, description="Help text displayed in the UI to provide additional information about the input."
    )
    group: str | None = Field(default=None, description="Used to visually group inputs together in the UI.")
    hint: str | None = Field(default=None, description="Hint text displayed in the UI as a tooltip to guide the user.")
    inputs: list[dict[str, Any]] | None = Field(
        default=None, description="The list of inputs which form an object within a container array."
    )
    kind: AssetKind | None = Field(default=None, description="The asset kind of the input.")
    label: str | None = Field(default=None, description="The label displayed in the UI for this input.")
    mask_from: str | None = Field(
        default=None, description="The name of the file input field to use as the mask source."
    )
    max: float | None = Field(default=None, description="The maximum allowed value.")
    max_duration: float | None = Field(default=None, description="The maximum allowed media duration in seconds.")
    max_length: float | None = Field(
        default=None, description="The maximum allowed length for `string` and `model` inputs, in characters."
    )
    max_size: float | None = Field(default=None, description="The maximum allowed file size in bytes.")
    min: float | None = Field(default=None, description="The minimum allowed value.")
    min_duration: float | None = Field(default=None, description="The minimum allowed media duration in seconds.")
    min_length: float | None = Field(
        default=None, description="The minimum allowed length for `string` and `model` inputs, in characters."
    )
    model_types: list[ModelType] | None = Field(default=None, description="The allowed model types for this input.")
    name: str = Field(description="The name used to pass the input through the API.")
    parent: bool | None = Field(
        default=None, description="Whether this input represents a parent asset to assign to the produced assets."
    )
    placeholder: str | None = Field(default=None, description="Placeholder text for the input.")
    prompt: bool | None = Field(default=None, description="Whether the input is a prompt.")
    prompt_spark: bool | None = Field(default=None, description="Whether the input is used with prompt spark.")
    required: InputRequired | None = Field(
        default=None,
        description="When the input is required.",
    )
    step: float | None = Field(default=None, description="The step increment for numeric inputs.")
    type: InputType = Field(description="The data type of the input.")


class ModelParameters(WireModel):
    """The parameters of the model."""

    age: str | None = Field(
        default=None,
        description="Age group of the voice (professional cloning; ElevenLabs voice training).",
    )
    batch_size: float | None = Field(
        default=None,
        description="Batch size (Flux LoRA training).",
    )
    class_prompt: str | None = Field(
        default=None,
        description="Prompt of images of the instance images' class (deprecated, legacy).",
    )
    clone_type: str | None = Field(
        default=None,
        description="Voice cloning type: `instant` or `professional` (needs a captcha).",
    )
    concept_prompt: str | None = Field(
        default=None,
        description="Prompt with the identifier of the instance (subject) of the class.",
    )
    gender: str | None = Field(
        default=None,
        description="Gender of the voice (professional cloning; ElevenLabs voice training).",
    )
    language: str | None = Field(
        default=None,
        description="Language of the audio samples, ISO 639-1 (ElevenLabs voice training).",
    )
    learning_rate: float | None = Field(
        default=None,
        description="Initial learning rate, after any warm-up.",
    )
    learning_rate_text_encoder: float | None = Field(
        default=None,
        description="Initial learning rate of the text encoder, after any warm-up.",
    )
    learning_rate_unet: float | None = Field(
        default=None,
        description="Initial learning rate of the UNet (deprecated, legacy).",
    )
    lr_scheduler: LrScheduler | None = Field(
        default=None,
        description="Learning-rate scheduler, default `constant` (deprecated, legacy).",
    )
    max_train_steps: float | None = Field(
        default=None,
        description="Most training steps to run (the default depends on the model type).",
    )
    nb_epochs: float | None = Field(default=None, description="Epochs to train for (Flux LoRA training).")
    nb_repeats: float | None = Field(default=None, description="Times to repeat the training (Flux LoRA training).")
    num_text_train_steps: float | None = Field(
        default=None,
        description="Training steps of the text encoder (deprecated, legacy).",
    )
    num_u_net_train_steps: float | None = Field(
        default=None, description="Training steps of the UNet (deprecated, legacy)."
    )
    optimize_for: Literal["likeness"] | None = Field(
        default=None, description="Optimize the model training task for a specific type of input images."
    )
    prior_loss_weight: float | None = Field(
        default=None, description="Weight of the prior preservation loss (deprecated, legacy)."
    )
    random_crop: bool | None = Field(
        default=None,
        description="Crop images at random (else centred) before resizing (deprecated, legacy).",
    )
    random_crop_ratio: float | None = Field(default=None, description="Ratio of random crops (deprecated, legacy).")
    random_crop_scale: float | None = Field(default=None, description="Scale of random crops (deprecated, legacy).")
    rank: float | None = Field(
        default=None,
        description="Dimension of the LoRA update matrices (Flux LoRA and Musubi training).",
    )
    remove_background_noise: bool | None = Field(
        default=None, description="Whether to remove background noise from audio samples before cloning."
    )
    sample_prompts: list[str] | None = Field(
        default=None, description="Prompts sampled at each epoch (Flux LoRA training)."
    )
    sample_source_images: list[str] | None = Field(
        default=None,
        description="Images (asset ids) paired with `samplePrompts` (Flux LoRA training).",
    )
    scale_lr: bool | None = Field(
        default=None,
        description="Scale the learning rate (ignored; deprecated, legacy).",
    )
    seed: float | None = Field(default=None, description="Used to reproduce previous results.")
    text_encoder_training_ratio: float | None = Field(
        default=None,
        description="Share of the steps that also train the text encoder (0.2: the first 20%).",
    )
    validation_frequency: float | None = Field(default=None, description="Validation frequency.")
    validation_prompt: str | None = Field(default=None, description="Validation prompt (deprecated, legacy).")
    voice_description: str | None = Field(
        default=None,
        description="The voice's characteristics (ElevenLabs voice training).",
    )
    wandb_key: str | None = Field(default=None, description="The Weights And Bias key to use for logging.")


class ArenaScore(WireModel):
    """External quality score from arena.ai leaderboard."""

    arena_category: str = Field(description="Arena category.")
    arena_model_name: str = Field(description="Model name on arena.ai.")
    fetched_at: str = Field(description="When this score was last fetched (ISO date).")
    rank: float = Field(description="Rank in the arena category.")
    rating: float = Field(description="ELO rating.")
    rating_lower: float = Field(description="ELO rating confidence interval lower bound.")
    rating_upper: float = Field(description="ELO rating confidence interval upper bound.")
    votes: float = Field(description="Number of human votes.")


class PerformanceVariant(WireModel):
    """Performance stats for a model variant."""

    arena_score: ArenaScore | None = Field(
        default=None, description="External quality score from arena.ai leaderboard."
    )
    capability: str = Field(description="The generation capability.")
    computed_at: str = Field(description="When these stats were last computed (ISO date).")
    cost_per_asset_max_cu: float | None = Field(
        default=None, alias="costPerAssetMaxCU", description="Maximum cost per output asset (CU)."
    )
    cost_per_asset_min_cu: float | None = Field(
        default=None, alias="costPerAssetMinCU", description="Minimum cost per output asset (CU)."
    )
    cost_per_asset_p50_cu: float | None = Field(
        default=None, alias="costPerAssetP50CU", description="Median cost per output asset (CU)."
    )
    inference_latency_p50_sec: float | None = Field(
        default=None, description="Inference latency P50 per output asset (seconds)."
    )
    inference_latency_p75_sec: float | None = Field(
        default=None, description="Inference latency P75 per output asset (seconds)."
    )
    resolution: str | None = Field(default=None, description="The resolution bucket.")
    total_latency_p50_sec: float | None = Field(
        default=None, description="Total latency P50 per output asset, including queue time (seconds)."
    )
    total_latency_p75_sec: float | None = Field(
        default=None, description="Total latency P75 per output asset, including queue time (seconds)."
    )
    variant_key: str = Field(description="Unique variant identifier.")


class PerformanceStats(WireModel):
    """Aggregated performance stats."""

    default: str | None = Field(default=None, description="Default variant key for quick model comparison.")
    variants: list[PerformanceVariant] = Field(description="Performance metrics per variant.")


class ModelTrainingImagePair(WireModel):
    """A source and target training image, with the instruction that turns one into the other."""

    instruction: str | None = Field(default=None, description="The instruction for the image pair, source to target.")
    source_id: str | None = Field(default=None, description="The source asset ID (must be a training asset).")
    target_id: str | None = Field(default=None, description="The target asset ID (must be a training asset).")


class ModelTrainingImage(WireModel):
    """One of a model's training images."""

    automatic_captioning: str = Field(description="Automatic captioning of the image.")
    created_at: str = Field(description="The training image upload date as an ISO string.")
    description: str = Field(description="Description for the image.")
    download_url: str = Field(description="The URL of the image.")
    id: str = Field(description="The training image ID.")
    name: str = Field(description="The original file name of the image.")


class ModelTrainingProgress(WireModel):
    """Additional information about the training progress of the model."""

    captcha_image_url: str | None = Field(
        default=None, description="Signed URL of the captcha image to read aloud during PVC voice cloning."
    )
    position: float | None = Field(default=None, description="Position of the job in the queue.")
    progress: float | None = Field(default=None, description="The progress of the job.")
    remaining_time_ms: float | None = Field(default=None, description="The remaining time in milliseconds.")
    retry_count: float | None = Field(
        default=None, description="Number of consecutive PVC step 2 / step 3 failures on this voice model."
    )
    retryable_error: str | None = Field(default=None, description="Last recoverable failure message during PVC.")
    stage: TrainingStage = Field(description="The stage of the request.")
    started_at: float | None = Field(
        default=None, description="The timestamp in millisecond marking the start of the process."
    )
    updated_at: float = Field(
        description="Timestamp in milliseconds of the last time the training progress was updated."
    )


class ModelTrainingStats(WireModel):
    """Additional information about the model's training."""

    ended_at: str | None = Field(default=None, description="The training end time as an ISO date string.")
    queue_duration: float | None = Field(default=None, description="The training queued duration in seconds.")
    started_at: str | None = Field(default=None, description="The training start time as an ISO date string.")
    train_duration: float | None = Field(default=None, description="The training duration in seconds.")


class ModelUiConfigInputProperties(WireModel):
    """How the UI shows one input."""

    collapsed: bool | None = Field(default=None)


class ModelUiConfigLorasComponent(WireModel):
    """Configuration for the loras component."""

    label: str = Field(description="The label of the component.")
    model_id_input: str | None = Field(
        default=None,
        description="Input whose model id is attached to the output asset.",
    )
    model_input: str = Field(description="The input name of the model (model_array).")
    scale_input: str = Field(description="The input name of the scale (number_array).")


class ModelUiConfigOutputProperties(WireModel):
    """How the UI labels one provider output."""

    label: str


class ModelUiConfigPreset(WireModel):
    """A preset of the UI: values for a set of inputs."""

    fields: list[str]
    presets: Any


class ModelUiConfigResolutionComponentPreset(WireModel):
    """A resolution offered by the UI."""

    height: float
    label: str
    width: float


class ModelUiConfigResolutionComponent(WireModel):
    """Configuration for the resolution component."""

    height_input: str = Field(description="The input name of the height.")
    label: str = Field(description="The label of the component.")
    presets: list[ModelUiConfigResolutionComponentPreset] = Field(description="The resolution presets.")
    width_input: str = Field(description="The input name of the width.")


class ModelUiConfigTriggerGenerate(WireModel):
    """Configuration for the trigger generate button."""

    after: str | None = Field(
        default=None,
        description="The 'name' of the input where the trigger generate button will be displayed (after the input).",
    )
    label: str
    position: TriggerPosition | None = Field(default=None, description="The position of the trigger generate button.")


class ModelUiConfig(WireModel):
    """The UI configuration for the model."""

    input_properties: dict[str, ModelUiConfigInputProperties] | None = Field(
        default=None, description="Configuration for the input properties."
    )
    loras_component: ModelUiConfigLorasComponent | None = Field(
        default=None, description="Configuration for the loras component."
    )
    output_properties: dict[str, ModelUiConfigOutputProperties] | None = Field(
        default=None, description="Configuration for the provider outputs exposed by `exposeOutput`."
    )
    presets: list[ModelUiConfigPreset] | None = Field(default=None, description="Configuration for the presets.")
    resolution_component: ModelUiConfigResolutionComponent | None = Field(
        default=None, description="Configuration for the resolution component."
    )
    selects: dict[str, Any] | None = Field(default=None, description="Configuration for the selects.")
    trigger_generate: ModelUiConfigTriggerGenerate | None = Field(
        default=None, description="Configuration for the trigger generate button."
    )


class Model(WireModel):
    """A model as `models.retrieve` and `models.list` return it (a superset of the `/usages` model entity, which
    requires `name`; here it is optional)."""

    access_restrictions: AccessRestriction | None = Field(
        default=None,
        description="Lowest plan allowed: 0 free, 25 starter, 50 pro, 75 max, 100 higher.",
    )
    author_id: str | None = Field(default=None, description="The author's user id.")
    capabilities: list[ModelCapability] = Field(description="List of model capabilities.")
    class_: ModelClass | None = Field(default=None, alias="class", description="The class of the model.")
    collection_ids: list[str] = Field(description="Collections the model belongs to.")
    compliant_model_ids: list[str] | None = Field(
        default=None,
        description="Base models the model is compliant with (mainly Flux LoRA models).",
    )
    concepts: list[ModelConcept] | None = Field(
        default=None, description="The concepts is required for the type model: composition."
    )
    created_at: str = Field(description="Creation date, ISO 8601.")
    custom: bool = Field(description="A custom model, run only with `POST /generate/custom/{modelId}`.")
    deleted_at: str | None = Field(default=None, description="Deletion date, ISO 8601; deleted models only.")
    disable_refund: bool | None = Field(
        default=None,
        description="Credits spent with this model are not refunded automatically on failure.",
    )
    epoch: str | None = Field(default=None, description="The epoch of the model.")
    epochs: list[ModelEpoch] | None = Field(default=None, description="The epochs of the model.")
    example_asset_ids: list[str] = Field(description="List of all example asset IDs setup by the model owner.")
    id: str = Field(description="The model id (`model_...`).")
    inputs: list[ModelInput] | None = Field(default=None, description="The inputs of the model.")
    job_id: str | None = Field(
        default=None, description="The ID of the job that trained the model, returned to the model owner only."
    )
    model_keyword: str | None = Field(
        default=None,
        description="The model keyword, this is a legacy parameter, please use conceptPrompt in parameters.",
    )
    name: str | None = Field(default=None, description="The model name.")
    negative_prompt_embedding: str | None = Field(
        default=None, description="Fine-tune the model's inferences with negative prompt embedding."
    )
    owner_id: str | None = Field(default=None, description="The owner (project or team) id.")
    parameters: ModelParameters | None = Field(default=None, description="The parameters of the model.")
    parent_model_id: str | None = Field(default=None, description="The id of the parent model.")
    performance_stats: PerformanceStats | None = Field(default=None, description="Aggregated performance stats.")
    privacy: Privacy = Field(description="The privacy of the model (default: private).")
    prompt_embedding: str | None = Field(
        default=None, description="Fine-tune the model's inferences with prompt embedding."
    )
    short_description: str | None = Field(default=None, description="The model short description.")
    soft_deletion_on: str | None = Field(
        default=None, description="The date when the model will be soft deleted (only for Free plan)."
    )
    source: ModelSource = Field(description="The source of the model.")
    status: ModelStatus = Field(description="The model status.")
    tags: list[str] = Field(description="The associated tags.")
    thumbnail: ModelThumbnail | None = Field(default=None, description="A thumbnail for your model.")
    training_image_pairs: list[ModelTrainingImagePair] | None = Field(
        default=None, description="Array of training image pairs."
    )
    training_images: list[ModelTrainingImage] | None = Field(
        default=None, description="The URLs of the first 3 training images of the model."
    )
    training_images_number: float = Field(description="The total number of training images.")
    training_progress: ModelTrainingProgress | None = Field(
        default=None, description="Additional information about the training progress of the model."
    )
    training_stats: ModelTrainingStats | None = Field(
        default=None, description="Additional information about the model's training."
    )
    type: ModelType = Field(description="The model type.")
    ui_config: ModelUiConfig | None = Field(default=None, description="The UI configuration for the model.")
    updated_at: str = Field(description="Last update date, ISO 8601.")
    user_id: str | None = Field(default=None, description="(Deprecated) The user ID.")


class ModelRetrieveResponse(WireModel):
    """The 200 body of `GET /v1/models/{modelId}`."""

    model: Model = Field(description="The model.")


class ModelListResponse(WireModel):
    """The 200 body of `GET /v1/models`: one page of models."""

    models: list[Model] = Field(description="The page's models.")
    next_pagination_token: str | None = Field(default=None, description="Token of the next page; none on the last.")


# -- the query of `GET /v1/models` ------------------------------------------------------------------------------------
MODEL_SORTS = ("createdAt", "updatedAt", "score")
SORT_DIRECTIONS = ("asc", "desc")
LIST_PRIVACIES = ("private", "public")
# The contract's `status` filter (new, training, trained, failed, deleted) and the body's statuses beside it
# (copying, training-canceled): a status a model can show can be asked for.
MODEL_STATUS_FILTERS = ("new", "training", "trained", "failed", "deleted", "copying", "training-canceled")


@dataclass(frozen=True, slots=True)
class ModelListQuery:
    """The filters and order of `GET /v1/models`, without the page (a token stays valid across page sizes)."""

    privacy: str = "private"
    status: str | None = None
    types: tuple[str, ...] | None = None  # `type` or `types`
    collection_id: str | None = None
    collection_ids: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    blacklisted: bool = False
    loaded_only: bool = False
    created_after: int | None = None
    created_before: int | None = None
    updated_after: int | None = None
    updated_before: int | None = None
    project_id: str | None = None
    sort_by: str = "createdAt"
    descending: bool = True


def parse_model_list_query(reader: QueryReader) -> ModelListQuery:
    """Read the query of `GET /v1/models`; the contract's combination rules are 400s (dropped when lenient)."""
    privacy = reader.choice("privacy", LIST_PRIVACIES) or "private"
    status = reader.choice("status", MODEL_STATUS_FILTERS)
    types = reader.one_of_types(MODEL_TYPES)
    sort_by = reader.choice("sortBy", MODEL_SORTS)
    if sort_by == "score" and privacy == "private" and (not reader.has("privacy") or status is None):
        reader.fail("sortBy=score needs both privacy and status")
        sort_by = None
    sort_by = sort_by or ("score" if privacy == "public" else "createdAt")
    direction = reader.choice("sortDirection", SORT_DIRECTIONS) or "desc"
    dates = reader.sorted_bounds(sort_by)
    collection_ids = reader.texts("collectionIds")
    tags = reader.texts("tags")
    return ModelListQuery(
        privacy=privacy,
        status=status,
        types=types,
        collection_id=reader.text("collectionId"),
        collection_ids=tuple(collection_ids) if collection_ids else None,
        tags=tuple(tags) if tags else None,
        blacklisted=bool(reader.boolean("blacklisted")),
        loaded_only=bool(reader.boolean("loadedOnly")),
        created_after=dates["createdAfter"],
        created_before=dates["createdBefore"],
        updated_after=dates["updatedAfter"],
        updated_before=dates["updatedBefore"],
        project_id=reader.text("projectId"),
        sort_by=sort_by,
        descending=direction == "desc",
    )
