"""The `entities` section of the contract: lookup tables for the users, assets, jobs (with workflow flows),
models and collections that the rest of a response refers to by id."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mockserver.contract.base import WireModel
from mockserver.contract.enums import (
    ApiKeyStatus,
    AssetKind,
    AssetSource,
    AssetType,
    AudioClassification,
    BackgroundBehavior,
    CameraMode,
    ConditionOperator,
    InputType,
    JobStatus,
    JobType,
    ModelType,
    NodeStatus,
    NodeType,
)

# --- users -------------------------------------------------------------------------------------------------


class UserAvatar(WireModel):
    """A person's profile picture."""

    asset_id: str | None = Field(default=None, description="Asset holding the picture.")
    url: str | None = Field(default=None, description="Where the picture can be downloaded.")


class UserEntity(WireModel):
    """A person or an API key that appears in the response."""

    api_key_id: str | None = Field(default=None, description="The key's own id (`api_...`); API keys only.")
    api_key_status: ApiKeyStatus | None = Field(default=None, description="Whether the key still works; API keys only.")
    avatar: UserAvatar | None = Field(default=None, description="Profile picture; people only.")
    email: str | None = Field(default=None, description="E-mail address; people who have not left only.")
    full_name: str | None = Field(default=None, description="Display name; people who have not left only.")
    id: str = Field(description="User id, as used in `activity[].userId`.")
    is_api_key: bool = Field(description="True for an API key, false for a person.")


# --- assets ------------------------------------------------------------------------------------------------


class CameraTrajectoryPoint(WireModel):
    """One camera position of a rendered 3D or skybox view."""

    fov: float | None = Field(default=None, description="Field of view in degrees.")
    position: list[float] = Field(description="Camera position (x, y, z).")
    target: list[float] = Field(description="Point the camera looks at (x, y, z).")


class Transcription(WireModel):
    """Text recognised in an audio or video asset."""

    text: str = Field(description="The transcribed text.")


class AssetProperties(WireModel):
    """Technical properties of an asset file; which ones are set depends on its kind."""

    animation_frame_count: float | None = Field(default=None, description="Frames of animation in a 3D asset.")
    bitrate: float | None = Field(default=None, description="Bits per second of audio or video.")
    bone_count: float | None = Field(default=None, description="Bones in a 3D skeleton.")
    camera_mode: CameraMode | None = Field(default=None, description="How the camera moves in a rendered view.")
    camera_trajectory: list[CameraTrajectoryPoint] | None = Field(default=None, description="Camera path of a view.")
    channels: float | None = Field(default=None, description="Audio channels.")
    char_count: float | None = Field(default=None, description="Characters in a text asset.")
    classification: AudioClassification | None = Field(default=None, description="What an audio asset contains.")
    codec_name: str | None = Field(default=None, description="Codec of audio or video.")
    description: str | None = Field(default=None, description="Generated description of the content.")
    dimensions: list[float] | None = Field(default=None, description="Bounding-box size of a 3D asset.")
    duration: float | None = Field(default=None, description="Length of audio or video in seconds.")
    face_count: float | None = Field(default=None, description="Faces of a 3D mesh.")
    format: str | None = Field(default=None, description="File format, e.g. `png` or `glb`.")
    frame_rate: float | None = Field(default=None, description="Frames per second of a video.")
    has_animations: bool | None = Field(default=None, description="Whether a 3D asset is animated.")
    has_full_preview: bool | None = Field(default=None, description="Whether a full-size preview exists.")
    has_normals: bool | None = Field(default=None, description="Whether a 3D mesh has normals.")
    has_skeleton: bool | None = Field(default=None, description="Whether a 3D asset is rigged.")
    has_uvs: bool | None = Field(default=None, alias="hasUVs", description="Whether a 3D mesh has UV coordinates.")
    height: float | None = Field(default=None, description="Height in pixels.")
    nb_frames: float | None = Field(default=None, description="Frames in a video.")
    preview: str | None = Field(default=None, description="URL of a preview image.")
    sample_rate: float | None = Field(default=None, description="Audio samples per second.")
    size: float = Field(description="File size in bytes.")
    transcription: Transcription | None = Field(default=None, description="Recognised speech.")
    vertex_count: float | None = Field(default=None, description="Vertices of a 3D mesh.")
    width: float | None = Field(default=None, description="Width in pixels.")
    word_count: float | None = Field(default=None, description="Words in a text asset.")


class AssetMetadata(WireModel):
    """The part of an asset's metadata that the usages API returns."""

    type: AssetType = Field(description="How the asset was made, in the metadata's spelling.")


class AssetEntity(WireModel):
    """An asset (image, video, 3D model, ...) referenced by the response."""

    id: str = Field(description="Asset id (`asset_...`).")
    kind: AssetKind = Field(description="Broad media kind.")
    metadata: AssetMetadata = Field(description="Partial metadata.")
    properties: AssetProperties = Field(description="File properties.")
    source: AssetSource = Field(description="How the asset was made.")


# --- jobs and workflow flows -------------------------------------------------------------------------------


class FlowAsset(WireModel):
    """An asset produced by a workflow node."""

    asset_id: str = Field(description="Asset id.")
    url: str = Field(description="Where the asset can be downloaded.")


class InputRef(WireModel):
    """Where a node input takes its value from: another node's output or input."""

    conditional: list[str] | None = Field(default=None, description="Conditions under which the reference applies.")
    equal: str | None = Field(default=None, description="Value the referenced input must equal.")
    name: str | None = Field(default=None, description="Name of the referenced input or output.")
    node: str | None = Field(default=None, description="Id of the referenced node.")


class RequiredConditional(WireModel):
    """A requirement that depends on the values of other inputs."""

    operator: ConditionOperator | None = Field(default=None, description="How the conditions combine.")
    values: Any = Field(description="The conditions, as given by the workflow.")


class InputRequired(WireModel):
    """When a node input must be given."""

    always: bool | None = Field(default=None, description="The input is always required.")
    conditional: RequiredConditional | None = Field(default=None, description="Required depending on other inputs.")
    if_defined: Any | None = Field(default=None, description="Required when these inputs are given.")
    if_not_defined: Any | None = Field(default=None, description="Required when these inputs are missing.")


class FlowInputItem(WireModel):
    """An input of a workflow node (also the shape of each entry of an `inputs_array` item)."""

    allowed_values: list[Any] | None = Field(default=None, description="Values offered to choose from.")
    background_behavior: BackgroundBehavior | None = Field(default=None, description="Background of image files.")
    color: bool | None = Field(default=None, description="The value is a colour.")
    cost_impact: bool | None = Field(default=None, description="Changing the value changes the price.")
    default: Any | None = Field(default=None, description="Value used when none is given.")
    description: str | None = Field(default=None, description="Longer explanation of the input.")
    group: str | None = Field(default=None, description="UI group the input is shown in.")
    hint: str | None = Field(default=None, description="Help text.")
    inputs: list[dict[str, Any]] | None = Field(default=None, description="Sub-inputs of an `inputs_array` input.")
    kind: AssetKind | None = Field(default=None, description="Kind of file accepted.")
    label: str | None = Field(default=None, description="Label shown in the UI.")
    mask_from: str | None = Field(default=None, description="Input whose image this mask applies to.")
    max: float | None = Field(default=None, description="Largest accepted number.")
    max_duration: float | None = Field(default=None, description="Longest accepted media, in seconds.")
    max_length: float | None = Field(default=None, description="Longest accepted text or array.")
    max_size: float | None = Field(default=None, description="Largest accepted file, in bytes.")
    min: float | None = Field(default=None, description="Smallest accepted number.")
    min_duration: float | None = Field(default=None, description="Shortest accepted media, in seconds.")
    min_length: float | None = Field(default=None, description="Shortest accepted text or array.")
    model_types: list[ModelType] | None = Field(default=None, description="Model types a `model_array` accepts.")
    name: str = Field(description="Input name, unique within the node.")
    parent: bool | None = Field(default=None, description="The input is a parent of other inputs.")
    placeholder: str | None = Field(default=None, description="Placeholder text in the UI.")
    prompt: bool | None = Field(default=None, description="The input is a prompt.")
    prompt_spark: bool | None = Field(default=None, description="The prompt can be expanded automatically.")
    ref: InputRef | None = Field(default=None, description="Where the value comes from.")
    required: InputRequired | None = Field(default=None, description="When the input must be given.")
    step: float | None = Field(default=None, description="Increment of a number input.")
    type: InputType = Field(description="Value type of the input.")
    value: Any | None = Field(default=None, description="The value given.")


class FlowInput(FlowInputItem):
    """An input of a workflow node; `inputs_array` inputs also carry their configured items."""

    items: list[list[FlowInputItem]] | None = Field(default=None, description="Configured items of an `inputs_array`.")


class LogicCase(WireModel):
    """One branch of a logic node."""

    condition: str = Field(description="Expression that selects the branch.")
    value: str = Field(description="Node the branch leads to.")


class FlowLogic(WireModel):
    """The branching rules of a logic node."""

    cases: list[LogicCase] | None = Field(default=None, description="Branches, tried in order.")
    default: str | None = Field(default=None, description="Node taken when no case matches.")
    transform: str | None = Field(default=None, description="Expression applied to the input first.")


class FlowNode(WireModel):
    """One node of a workflow job's flow."""

    assets: list[FlowAsset] | None = Field(default=None, description="Assets the node produced.")
    count: float | None = Field(default=None, description="Fixed iteration count of a for-each node.")
    depends_on: list[str] | None = Field(default=None, description="Nodes that must finish first.")
    id: str = Field(description="Node id, unique within the flow.")
    include_outputs_in_workflow_job: Literal[True] | None = Field(
        default=None, description="The node's outputs are part of the workflow's result."
    )
    inputs: list[FlowInput] | None = Field(default=None, description="The node's inputs.")
    items: list[str] | None = Field(default=None, description="Values a for-each node iterates over.")
    iteration_index: float | None = Field(default=None, description="Iteration of the enclosing for-each loop.")
    job_id: str | None = Field(default=None, description="Job run for the node, once it has started.")
    logic: FlowLogic | None = Field(default=None, description="Branching rules of a logic node.")
    logic_type: Literal["if-else"] | None = Field(default=None, description="Kind of logic node.")
    loop_body_node_ids: list[str] | None = Field(default=None, description="Nodes in a for-each loop's body.")
    loop_node_id: str | None = Field(default=None, description="The for-each node this node runs inside.")
    model_id: str | None = Field(default=None, description="Model run by the node.")
    output: Any | None = Field(default=None, description="What the node produced.")
    status: NodeStatus = Field(description="Progress of the node.")
    type: NodeType = Field(description="What the node does.")
    workflow_id: str | None = Field(default=None, description="Workflow run by a sub-workflow node.")


class JobMetadata(WireModel):
    """What a job was asked to do and what it produced."""

    asset_ids: list[str] | None = Field(default=None, description="Assets the job produced.")
    error: str | None = Field(default=None, description="Why the job failed.")
    flow: list[FlowNode] | None = Field(default=None, description="Nodes of a workflow job.")
    hint: str | None = Field(default=None, description="Advice on how to fix a failure.")
    input: dict[str, Any] | None = Field(default=None, description="Parameters the job was started with.")
    output: dict[str, Any] | None = Field(default=None, description="What the job returned.")
    output_model_id: str | None = Field(default=None, description="Model a training job produced.")
    workflow_id: str | None = Field(default=None, description="Workflow a workflow job ran.")
    workflow_job_id: str | None = Field(default=None, description="Workflow job this job is a step of.")


class JobEntity(WireModel):
    """A job (generation, training, workflow, ...) referenced by the response."""

    id: str = Field(description="Job id (`job_...`).")
    job_type: JobType = Field(description="What kind of job.")
    metadata: JobMetadata = Field(description="Inputs, outputs and flow.")
    status: JobStatus = Field(description="Progress of the job.")


# --- models and collections --------------------------------------------------------------------------------


class ModelEntity(WireModel):
    """A model referenced by the response."""

    id: str = Field(description="Model id (`model_...` or a hosted model's slug).")
    name: str = Field(description="Model name.")
    short_description: str | None = Field(default=None, description="One-line summary.")


class CollectionEntity(WireModel):
    """A collection of assets or models referenced by the response."""

    id: str = Field(description="Collection id.")
    name: str = Field(description="Collection name.")


class Entities(WireModel):
    """Lookup tables for every id the response refers to."""

    assets: list[AssetEntity] | None = Field(default=None, description="Assets referenced by the response.")
    collections: list[CollectionEntity] | None = Field(default=None, description="Collections referenced.")
    jobs: list[JobEntity] | None = Field(default=None, description="Jobs referenced by the response.")
    models: list[ModelEntity] | None = Field(default=None, description="Models referenced by the response.")
    users: list[UserEntity] | None = Field(default=None, description="People and API keys referenced.")
